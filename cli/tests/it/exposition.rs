//! A strict reader of the Prometheus text exposition format (version 0.0.4), for the
//! tests of `GET /metrics`: it panics on any line a scraper could misread.

use std::collections::{BTreeMap, HashMap};

/// `name{a="1",b="2"}` with the labels sorted by name, as the parser keys its samples.
pub fn sample_key(name: &str, labels: &[(&str, &str)]) -> String {
    let mut labels = labels.to_vec();
    labels.sort();
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", labels.join(","))
}

/// Parses a text exposition (version 0.0.4) strictly, panicking on any line that does not
/// follow the format: each family declared once by `# HELP` and `# TYPE` before its
/// samples; each sample named after its family (a histogram's with `_bucket`, `_sum`,
/// `_count`), with valid label names and escapes and a float value; counters end in
/// `_total`; a histogram's buckets are cumulative and its `+Inf` bucket equals its count.
pub fn parse_exposition(text: &str) -> BTreeMap<String, f64> {
    assert!(text.ends_with('\n'), "the last line ends with a line feed");
    let mut samples = BTreeMap::new();
    let mut types: HashMap<String, String> = HashMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _help) = rest.split_once(' ').expect("HELP name text");
            assert!(valid_name(name), "{line}");
            assert!(!types.contains_key(name), "a family declared twice: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(valid_name(name), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            if kind == "counter" {
                assert!(name.ends_with("_total"), "a counter without _total: {line}");
            }
            let before = types.insert(name.to_owned(), kind.to_owned());
            assert!(before.is_none(), "a family declared twice: {line}");
            current = Some((name.to_owned(), kind.to_owned()));
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "stray line: {line:?}"
        );
        let (name, labels, value) = parse_sample(line);
        let (family, kind) = current.as_ref().expect("a sample before any TYPE");
        let ok = if kind == "histogram" {
            ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| name == format!("{family}{s}"))
        } else {
            name == *family
        };
        assert!(ok, "sample {name} outside its family {family}");
        if name.ends_with("_bucket") {
            assert!(labels.iter().any(|(k, _)| k == "le"), "{line}");
        }
        let mut labels = labels;
        labels.sort();
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let before = samples.insert(sample_key(&name, &pairs), value);
        assert!(before.is_none(), "a sample twice: {line}");
    }
    check_histograms(&samples, &types);
    samples
}

fn parse_sample(line: &str) -> (String, Vec<(String, String)>, f64) {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("no value: {line}"));
    let name = &line[..name_end];
    assert!(valid_name(name), "{line}");
    let (labels, rest) = match line[name_end..].strip_prefix('{') {
        Some(inner) => parse_labels(inner, line),
        None => (Vec::new(), &line[name_end..]),
    };
    let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("{line}"));
    // No timestamps are written: the value is one float, in Go's notation.
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().unwrap_or_else(|_| panic!("value {v:?}: {line}")),
    };
    (name.to_owned(), labels, value)
}

/// `a="1",b="2"}` and what follows the brace.
fn parse_labels<'a>(inner: &'a str, line: &str) -> (Vec<(String, String)>, &'a str) {
    let mut labels = Vec::new();
    let mut s = inner;
    loop {
        if let Some(rest) = s.strip_prefix('}') {
            return (labels, rest);
        }
        let (label, after) = s
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label=\"...\": {line}"));
        assert!(
            valid_name(label) && !label.contains(':'),
            "label {label:?}: {line}"
        );
        // The value up to the closing quote; \\, \" and \n are the only escapes.
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => panic!("bad escape {other:?}: {line}"),
                },
                Some((i, '"')) => break i + 1,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated value: {line}"),
            }
        };
        labels.push((label.to_owned(), value));
        s = &after[end..];
        match s.strip_prefix(',') {
            Some(rest) => s = rest,
            None => assert!(s.starts_with('}'), "after a label: {line}"),
        }
    }
}

/// Each histogram's buckets, per label set: cumulative, ending at `+Inf` with `_count`.
fn check_histograms(samples: &BTreeMap<String, f64>, types: &HashMap<String, String>) {
    for (family, _) in types.iter().filter(|(_, k)| *k == "histogram") {
        let bucket_prefix = format!("{family}_bucket{{");
        let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for (key, value) in samples.range(bucket_prefix.clone()..) {
            let Some(labels) = key.strip_prefix(&bucket_prefix) else {
                break;
            };
            let labels = labels.trim_end_matches('}');
            let mut le = None;
            let others: Vec<&str> = labels
                .split(',')
                .filter(|l| match l.strip_prefix("le=") {
                    Some(v) => {
                        le = Some(v.trim_matches('"').to_owned());
                        false
                    }
                    None => true,
                })
                .collect();
            let le = le.expect("le");
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            series
                .entry(others.join(","))
                .or_default()
                .push((bound, *value));
        }
        for (labels, mut buckets) in series {
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(
                buckets.windows(2).all(|w| w[0].1 <= w[1].1),
                "not cumulative: {labels}"
            );
            let (last, inf) = *buckets.last().unwrap();
            assert_eq!(last, f64::INFINITY, "no +Inf bucket: {labels}");
            let count = samples[&format!("{family}_count{{{labels}}}")];
            assert_eq!(inf, count, "+Inf bucket and count differ: {labels}");
        }
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[test]
fn the_reader_refuses_what_the_format_does_not_allow() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{l=\"x\\\"y\\\\z\\n\"} 1\n";
    let samples = parse_exposition(good);
    assert_eq!(samples[&sample_key("a_total", &[("l", "x\"y\\z\n")])], 1.0);
    let bad = [
        // No TYPE before the sample.
        "a_total 1\n",
        // A counter without _total.
        "# TYPE a counter\na 1\n",
        // A sample of another family.
        "# TYPE a_total counter\nb_total 1\n",
        // An escape the format does not have.
        "# TYPE a_total counter\na_total{l=\"\\t\"} 1\n",
        // An unquoted label value, a label name with a dash, a value that is no number.
        "# TYPE a_total counter\na_total{l=x} 1\n",
        "# TYPE a_total counter\na_total{a-b=\"x\"} 1\n",
        "# TYPE a_total counter\na_total one\n",
        // A histogram whose +Inf bucket is not its count.
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        // No final line feed.
        "# TYPE a_total counter\na_total 1",
    ];
    for doc in bad {
        let read = std::panic::catch_unwind(|| parse_exposition(doc));
        assert!(read.is_err(), "accepted: {doc:?}");
    }
}
