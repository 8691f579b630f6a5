//! Lead rows to import (`switchboard lead import`): CSV with a header row naming the
//! fields, or JSON lines of objects. Rows go to the admin API as they are; intake's
//! normalization reads them there, so nothing is interpreted here beyond the encoding.

use anyhow::{Context, bail};
use serde_json::{Map, Value};

use super::RecordFormat;

/// The rows of a file in either format (sniffed from the content), in file order. A CSV's
/// empty cells are left out, as a form leaves out a field nobody filled in.
pub fn parse_rows(text: &str) -> anyhow::Result<Vec<Map<String, Value>>> {
    match RecordFormat::sniff(text) {
        RecordFormat::Csv => parse_csv(text),
        RecordFormat::JsonLines => super::parse_json_records(text, "lead row"),
    }
}

fn parse_csv(text: &str) -> anyhow::Result<Vec<Map<String, Value>>> {
    let (mut reader, headers) = super::csv_with_headers(text)?;
    if headers.iter().all(String::is_empty) {
        bail!("the CSV has no header row naming its fields");
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Row numbers count records, so they match the import's answer.
        let record = record.with_context(|| format!("row {}: not a valid CSV record", i + 1))?;
        let row: Map<String, Value> = headers
            .iter()
            .zip(record.iter())
            .filter(|(name, cell)| !name.is_empty() && !cell.is_empty())
            .map(|(name, cell)| (name.clone(), Value::String(cell.to_owned())))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_leave_out_empty_cells_and_keep_every_column() {
        let rows = parse_rows("email,first_name,booth\na@x.example,Ana,\n,,B2\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            Value::Object(rows[0].clone()),
            serde_json::json!({ "email": "a@x.example", "first_name": "Ana" })
        );
        assert_eq!(
            Value::Object(rows[1].clone()),
            serde_json::json!({ "booth": "B2" })
        );
    }

    #[test]
    fn json_lines_are_objects() {
        let rows = parse_rows("{\"email\":\"a@x.example\",\"score\":3}\n\n{\"phone\":\"+4930\"}\n")
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["score"], 3);
        assert!(parse_rows("{\"email\":}\n").is_err());
    }
}
