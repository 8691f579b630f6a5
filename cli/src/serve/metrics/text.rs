//! The Prometheus text exposition format, version 0.0.4
//! (<https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format>):
//! `# HELP` and `# TYPE` once per family, then one `name{label="value",...} value` line
//! per sample.
//!
//! Written by hand: the usual client crate writes OpenMetrics, whose counter families are
//! named without their `_total` samples, which a 0.0.4 parser does not read as counters.

use std::fmt::Write as _;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// An exposition being written. Metric and label names are the caller's constants (valid
/// by construction, checked in debug builds); label values may be anything and are escaped.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a family: its help text and type.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        debug_assert!(valid_name(name), "metric name {name}");
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample of the current family (`name` carries `_bucket`, `_sum` or `_count` for
    /// a histogram's lines).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Value) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (label, v)) in labels.iter().enumerate() {
                debug_assert!(
                    valid_name(label) && !label.starts_with("__"),
                    "label {label}"
                );
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{label}=\"{}\"", escape_label_value(v));
            }
            self.out.push('}');
        }
        self.out.push(' ');
        value.write_to(&mut self.out);
        self.out.push('\n');
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A sample's value: integers as they are, floats in Go's notation for the non-finite ones.
pub trait Value {
    fn write_to(&self, out: &mut String);
}

impl Value for u64 {
    fn write_to(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl Value for f64 {
    fn write_to(&self, out: &mut String) {
        if self.is_nan() {
            out.push_str("NaN");
        } else if self.is_infinite() {
            out.push_str(if *self > 0.0 { "+Inf" } else { "-Inf" });
        } else {
            let _ = write!(out, "{self}");
        }
    }
}

/// A histogram bucket's upper bound as its `le` label (`+Inf` for the last).
pub fn le(bound: f64) -> String {
    let mut s = String::new();
    bound.write_to(&mut s);
    s
}

/// A label value inside its double quotes: backslash, double quote and line feed escaped.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A help text: backslash and line feed escaped (double quotes stay).
pub fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, the metric name syntax (label names: the same without `:`).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escape_label_value("dach"), "dach");
        assert_eq!(escape_label_value(r#"a"b"#), r#"a\"b"#);
        assert_eq!(escape_label_value(r"C:\pool"), r"C:\\pool");
        assert_eq!(escape_label_value("two\nlines"), r"two\nlines");
        // An escaped backslash before a quote stays two escapes, not one.
        assert_eq!(escape_label_value("\\\""), r#"\\\""#);
        // Everything else, Unicode included, is written as it is.
        assert_eq!(escape_label_value("zürich {x}=1,"), "zürich {x}=1,");
    }

    #[test]
    fn help_escapes_backslash_and_newline_but_not_quotes() {
        assert_eq!(escape_help("a \"b\" c\\d\ne"), "a \"b\" c\\\\d\\ne");
    }

    #[test]
    fn a_family_is_help_type_and_samples() {
        let mut e = Exposition::default();
        e.family("x_total", Kind::Counter, "Things.");
        e.sample("x_total", &[("pool", "p\"1"), ("reason", "r")], 3u64);
        e.sample("x_total", &[], 0u64);
        e.family("h", Kind::Histogram, "Times.");
        e.sample("h_bucket", &[("le", &le(0.005))], 1u64);
        e.sample("h_bucket", &[("le", &le(f64::INFINITY))], 2u64);
        e.sample("h_sum", &[], 1.5f64);
        assert_eq!(
            e.finish(),
            "# HELP x_total Things.\n# TYPE x_total counter\n\
             x_total{pool=\"p\\\"1\",reason=\"r\"} 3\nx_total 0\n\
             # HELP h Times.\n# TYPE h histogram\n\
             h_bucket{le=\"0.005\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5\n"
        );
    }

    #[test]
    fn names_follow_the_metric_name_syntax() {
        assert!(valid_name("switchboard_leads_received_total"));
        assert!(valid_name("_x:y"));
        assert!(!valid_name("1x"));
        assert!(!valid_name("a-b"));
        assert!(!valid_name(""));
    }
}
