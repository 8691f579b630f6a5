//! File formats the command reads and writes: leads and accounts (CSV or JSON lines),
//! routing state (JSON), and the cell conventions CSV columns share.

pub mod accounts;
pub mod cells;
pub mod history;
pub mod leads;
pub mod rows;
pub mod state;

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// Reads a whole file, or standard input when the path is `-`.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// How a record file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    Csv,
    /// One JSON object per line (a single JSON array is accepted too).
    JsonLines,
}

impl RecordFormat {
    /// JSON when the first non-blank character opens an object or array, CSV otherwise,
    /// so files work whatever their extension (and on standard input).
    pub fn sniff(text: &str) -> RecordFormat {
        match text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next()
        {
            Some('{') | Some('[') => RecordFormat::JsonLines,
            _ => RecordFormat::Csv,
        }
    }
}

/// A CSV reader over `text` (cells trimmed, a byte-order mark ignored) and its header row.
pub(crate) fn csv_with_headers(text: &str) -> anyhow::Result<(csv::Reader<&[u8]>, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .context("reading the CSV header row")?
        .iter()
        .map(str::to_owned)
        .collect();
    Ok((reader, headers))
}

/// Parses JSON lines (or one JSON array) into records, naming the line of the first error.
pub(crate) fn parse_json_records<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> anyhow::Result<Vec<T>> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text)
            .with_context(|| format!("parsing the JSON array of {what}"));
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .with_context(|| format!("line {}: not a valid {what} record", i + 1))
        })
        .collect()
}

/// Writes records as JSON lines.
pub(crate) fn write_json_lines<T: serde::Serialize>(
    out: &mut dyn std::io::Write,
    records: &[T],
) -> anyhow::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
