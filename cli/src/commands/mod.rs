//! One module per command; each has its clap arguments and a `run` returning the exit code.

pub mod accounts;
pub mod admin;
pub mod backfill;
pub mod backtest;
pub mod bench_load;
pub mod convert;
pub mod crm;
pub mod crm_accounts;
pub mod demo;
pub mod dlq;
pub mod explain;
pub mod lead;
pub mod lead_import;
pub mod lead_list;
pub mod openapi;
pub mod outcomes;
mod outcomes_crm;
pub mod policy;
pub mod report;
pub mod serve;
pub mod simulate;
pub mod triage;

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;

/// Machine or human output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Encoding of generated record files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum RecordFormatArg {
    #[default]
    Csv,
    Jsonl,
}

/// A buffered writer to a file, or to standard output for `-`.
pub fn create_output(path: &Path) -> anyhow::Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufWriter::new(std::io::stdout().lock())));
    }
    // Outputs can hold lead data (a simulation's decisions name each lead's email and
    // company), so a new file is readable by its owner only.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(Box::new(BufWriter::new(file)))
}

/// True when output went to a closed pipe (e.g. `| head`), which is not a failure.
/// The I/O error may arrive wrapped by the JSON or CSV writer.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return io.kind() == BrokenPipe;
        }
        if let Some(json) = c.downcast_ref::<serde_json::Error>() {
            return json.io_error_kind() == Some(BrokenPipe);
        }
        if let Some(csv) = c.downcast_ref::<csv::Error>() {
            return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
        }
        false
    })
}

/// Parses durations such as `4h`, `90m`, `1h 30m`, `2d` or `PT4H` (a day counts as 24
/// hours: simulated work time ignores daylight-saving shifts). They must be positive.
pub fn parse_positive_duration(s: &str) -> Result<jiff::SignedDuration, String> {
    let span: jiff::Span = s
        .trim()
        .parse()
        .map_err(|e| format!("`{s}` is not a duration like `4h`, `90m` or `2d`: {e}"))?;
    let d = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("`{s}` cannot be a fixed duration (use days or less): {e}"))?;
    if d <= jiff::SignedDuration::ZERO {
        return Err(format!("`{s}` must be longer than zero"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        let h = jiff::SignedDuration::from_hours;
        assert_eq!(parse_positive_duration("4h"), Ok(h(4)));
        assert_eq!(
            parse_positive_duration("1h 30m"),
            Ok(jiff::SignedDuration::from_mins(90))
        );
        assert_eq!(parse_positive_duration("2d"), Ok(h(48)));
        assert_eq!(parse_positive_duration("PT4H"), Ok(h(4)));
        assert!(parse_positive_duration("0s").is_err());
        assert!(parse_positive_duration("-1h").is_err());
        assert!(parse_positive_duration("1 month").is_err());
        assert!(parse_positive_duration("soon").is_err());
    }
}
