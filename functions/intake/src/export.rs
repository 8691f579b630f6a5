//! CSV export of stored leads, safe to open in a spreadsheet.
//!
//! Lead values are stored verbatim: `<script>` stays text, `=HYPERLINK(...)` stays text.
//! Intake never renders or evaluates them (answers are JSON with `nosniff`). A spreadsheet,
//! however, evaluates a cell that starts with `=`, `+`, `-` or `@`, so every cell written
//! here that starts with one of those (or with a tab or carriage return, or their full-width
//! forms) is prefixed with `'`, which spreadsheets show as text (OWASP's CSV injection
//! advice). Quoting of commas, quotes and line breaks is left to the `csv` crate.

use std::borrow::Cow;
use std::io;

use switchboard_store::StoredLead;

/// The value with a leading `'` when a spreadsheet would read it as a formula.
pub fn spreadsheet_safe(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            Cow::Owned(format!("'{value}"))
        }
        _ => Cow::Borrowed(value),
    }
}

const COLUMNS: &[&str] = &[
    "lead_id",
    "received_at",
    "status",
    "duplicate_of",
    "source",
    "email",
    "email_domain",
    "free_mail",
    "phone",
    "country",
    "company",
    "first_name",
    "last_name",
    "attributes",
];

/// Writes one row per lead; attributes are one JSON object per row.
pub fn write_csv<W: io::Write>(leads: &[StoredLead], writer: W) -> Result<(), csv::Error> {
    let mut out = csv::Writer::from_writer(writer);
    out.write_record(COLUMNS)?;
    for r in leads {
        let l = &r.lead;
        let attributes = serde_json::to_string(&l.attributes).unwrap_or_default();
        let row = [
            l.id.to_string(),
            l.received_at.to_string(),
            r.status.as_str().to_owned(),
            r.duplicate_of.as_deref().unwrap_or_default().to_owned(),
            l.source.clone().unwrap_or_default(),
            l.email.as_deref().unwrap_or_default().to_owned(),
            l.email_domain.clone().unwrap_or_default(),
            l.free_mail.to_string(),
            l.phone.clone().unwrap_or_default(),
            l.country.clone().unwrap_or_default(),
            l.company.clone().unwrap_or_default(),
            l.first_name.clone().unwrap_or_default(),
            l.last_name.clone().unwrap_or_default(),
            attributes,
        ];
        out.write_record(row.iter().map(|v| spreadsheet_safe(v).into_owned()))?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for v in ["=1+1", "+49 30", "-2", "@SUM(A1)", "\t=x", "＝1"] {
            assert!(spreadsheet_safe(v).starts_with('\''), "{v}");
        }
        for v in ["Acme", "<script>alert(1)</script>", "", "a=b"] {
            assert_eq!(spreadsheet_safe(v), v);
        }
    }
}
