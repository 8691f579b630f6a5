//! CloudWatch metrics in the Embedded Metric Format: one JSON object per line on stdout,
//! which CloudWatch Logs turns into metrics without an API call (no `PutMetricData`, no
//! latency on the request path). Format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//!
//! Every metric of one line shares the line's dimension set; a second set (for example by
//! pool and by pool and reason) is a second line.

use std::io::Write as _;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// The namespace of the metrics when `SWITCHBOARD_METRICS_NAMESPACE` is not set. The
/// template sets `Switchboard/<stack>`, so two stacks in one account keep apart, and its
/// dashboard reads that namespace.
pub const DEFAULT_NAMESPACE: &str = "Switchboard";
pub const NAMESPACE_VAR: &str = "SWITCHBOARD_METRICS_NAMESPACE";

/// The namespace, read from the environment once per process.
pub fn namespace() -> &'static str {
    static NAMESPACE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAMESPACE.get_or_init(|| {
        crate::env::Vars::new(crate::env::var)
            .optional(NAMESPACE_VAR)
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// One EMF line: metrics sharing one set of dimensions, at one time.
#[derive(Debug, Clone)]
pub struct MetricLine {
    namespace: &'static str,
    at: Timestamp,
    dimensions: Vec<(&'static str, String)>,
    metrics: Vec<(&'static str, Unit, f64)>,
}

impl MetricLine {
    pub fn at(at: Timestamp) -> MetricLine {
        MetricLine {
            namespace: namespace(),
            at,
            dimensions: Vec::new(),
            metrics: Vec::new(),
        }
    }

    /// A dimension; its value should have few distinct values (a pool id, a reason): each
    /// combination is a metric of its own in CloudWatch.
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> MetricLine {
        self.dimensions.push((name, value.into()));
        self
    }

    pub fn count(mut self, name: &'static str, n: u64) -> MetricLine {
        self.metrics.push((name, Unit::Count, n as f64));
        self
    }

    pub fn millis(mut self, name: &'static str, ms: f64) -> MetricLine {
        self.metrics.push((name, Unit::Milliseconds, ms));
        self
    }

    /// The line as CloudWatch reads it.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": self.at.as_millisecond(),
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [self.dimensions.iter().map(|(n, _)| *n).collect::<Vec<_>>()],
                    "Metrics": self.metrics.iter()
                        .map(|(n, unit, _)| json!({"Name": n, "Unit": unit.as_str()}))
                        .collect::<Vec<_>>(),
                }],
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert((*name).into(), Value::String(value.clone()));
        }
        for (name, _, value) in &self.metrics {
            root.insert((*name).into(), json!(value));
        }
        Value::Object(root)
    }

    /// Writes the line to stdout, where Lambda sends it to CloudWatch Logs. Nothing is
    /// written for a line without metrics.
    pub fn emit(&self) {
        if self.metrics.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", self.to_json());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `line` against the specification's rules, as CloudWatch would.
    fn assert_valid_emf(line: &Value) {
        let root = line.as_object().expect("an object");
        let aws = root["_aws"].as_object().expect("_aws");
        assert!(aws["Timestamp"].as_i64().expect("Timestamp in ms") > 0);
        let directives = aws["CloudWatchMetrics"].as_array().expect("directives");
        assert!(!directives.is_empty());
        for d in directives {
            let namespace = d["Namespace"].as_str().expect("Namespace");
            assert!(!namespace.is_empty() && namespace.len() <= 255);
            let sets = d["Dimensions"].as_array().expect("Dimensions");
            for set in sets {
                let names = set.as_array().expect("a dimension set");
                // At most 30 dimensions per set; each names a string member of the root.
                assert!(names.len() <= 30);
                for name in names {
                    let name = name.as_str().expect("a dimension name");
                    assert!(root[name].is_string(), "dimension {name} is not a string");
                }
            }
            let metrics = d["Metrics"].as_array().expect("Metrics");
            assert!(!metrics.is_empty() && metrics.len() <= 100);
            for m in metrics {
                let name = m["Name"].as_str().expect("Name");
                assert!(root[name].is_number(), "metric {name} has no number");
                let unit = m["Unit"].as_str().expect("Unit");
                assert!(["Count", "Milliseconds"].contains(&unit));
            }
        }
    }

    #[test]
    fn a_line_is_embedded_metric_format() {
        let at: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let line = MetricLine::at(at)
            .dimension("Pool", "dach")
            .count("LeadsAssigned", 1)
            .millis("TimeToAssign", 42.5);
        let json = line.to_json();
        assert_valid_emf(&json);
        assert_eq!(json["_aws"]["Timestamp"], at.as_millisecond());
        assert_eq!(
            json["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            namespace()
        );
        assert_eq!(
            json["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Pool"]])
        );
        assert_eq!(json["Pool"], "dach");
        assert_eq!(json["LeadsAssigned"], 1.0);
        assert_eq!(json["TimeToAssign"], 42.5);
        // One line of text, as CloudWatch Logs needs it.
        assert!(!json.to_string().contains('\n'));
    }

    #[test]
    fn a_line_without_dimensions_is_valid() {
        let line = MetricLine::at(Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_secs(1))
            .count("SlaExpired", 3);
        assert_valid_emf(&line.to_json());
    }
}
