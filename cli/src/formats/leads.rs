//! Lead files: CSV with a header row, or JSON lines of [`Lead`].
//!
//! CSV columns `id`, `received_at`, `email`, `email_domain`, `country`, `company`, `phone`,
//! `first_name`, `last_name`, `source` and `free_mail` fill the lead's fields; every other
//! column becomes an attribute (see [`super::cells`] for how cells are typed).

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use jiff::Timestamp;
use switchboard_routing::Lead;

use super::RecordFormat;
use super::cells::{format_scalar, parse_bool, parse_cell};

/// The lead fields a CSV column can set, in the order files are written.
const FIELD_COLUMNS: [&str; 10] = [
    "id",
    "received_at",
    "email",
    "country",
    "company",
    "phone",
    "first_name",
    "last_name",
    "source",
    "free_mail",
];

/// Free-mail providers recognised when a CSV has no `free_mail` value (intake flags these
/// itself; exports from other tools usually lack the column).
const FREE_MAIL_DOMAINS: &[&str] = &[
    "163.com",
    "aol.com",
    "bigpond.com",
    "bluewin.ch",
    "btinternet.com",
    "eircom.net",
    "free.fr",
    "gmail.com",
    "gmx.at",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hotmail.com",
    "icloud.com",
    "libero.it",
    "live.com",
    "mail.ru",
    "me.com",
    "onet.pl",
    "orange.fr",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rediffmail.com",
    "t-online.de",
    "uol.com.br",
    "web.de",
    "wp.pl",
    "xtra.co.nz",
    "yahoo.com",
    "yandex.ru",
];

/// Reads leads in either format (sniffed from the content).
pub fn parse_leads(text: &str) -> anyhow::Result<Vec<Lead>> {
    match RecordFormat::sniff(text) {
        RecordFormat::Csv => parse_leads_csv(text),
        RecordFormat::JsonLines => {
            let mut leads: Vec<Lead> = super::parse_json_records(text, "lead")?;
            leads.iter_mut().for_each(fill_email_domain);
            Ok(leads)
        }
    }
}

/// Derives `email_domain` from `email` when a hand-written or exported lead lacks it
/// (intake fills it from the public suffix list; the part after `@` is close enough here).
pub fn fill_email_domain(lead: &mut Lead) {
    if lead.email_domain.is_none()
        && let Some(email) = lead.email.as_deref()
        && let Some((_, domain)) = email.rsplit_once('@')
        && !domain.is_empty()
    {
        lead.email_domain = Some(domain.to_ascii_lowercase());
    }
}

pub fn parse_leads_csv(text: &str) -> anyhow::Result<Vec<Lead>> {
    let (mut reader, headers) = super::csv_with_headers(text)?;
    for required in ["id", "received_at"] {
        if !headers.iter().any(|h| h.eq_ignore_ascii_case(required)) {
            bail!(
                "the CSV header has no `{required}` column (columns: {})",
                headers.join(", ")
            );
        }
    }
    let mut leads = Vec::new();
    for row in reader.records() {
        let row = row.context("reading a CSV row")?;
        let line = row.position().map_or(0, |p| p.line());
        let lead = lead_from_row(&headers, &row).with_context(|| format!("line {line}"))?;
        leads.push(lead);
    }
    Ok(leads)
}

fn lead_from_row(headers: &[String], row: &csv::StringRecord) -> anyhow::Result<Lead> {
    let mut lead = Lead::default();
    let mut received_at = None;
    let mut free_mail = None;
    for (name, cell) in headers.iter().zip(row.iter()) {
        let text = || (!cell.is_empty()).then(|| cell.to_owned());
        match name.to_ascii_lowercase().as_str() {
            "id" => lead.id = cell.into(),
            "received_at" if !cell.is_empty() => {
                let ts: Timestamp = cell
                    .parse()
                    .with_context(|| format!("received_at `{cell}` is not an RFC 3339 instant"))?;
                received_at = Some(ts);
            }
            "received_at" => {}
            "email" => lead.email = text().map(|e| e.to_ascii_lowercase().into()),
            "email_domain" => lead.email_domain = text().map(|d| d.to_ascii_lowercase()),
            "country" => lead.country = text().map(|c| c.to_ascii_uppercase()),
            "company" => lead.company = text(),
            "phone" => lead.phone = text(),
            "first_name" => lead.first_name = text(),
            "last_name" => lead.last_name = text(),
            "source" => lead.source = text(),
            "free_mail" if !cell.is_empty() => {
                free_mail = Some(
                    parse_bool(cell)
                        .with_context(|| format!("free_mail `{cell}` is not true or false"))?,
                );
            }
            "free_mail" => {}
            _ => {
                if let Some(v) = parse_cell(cell) {
                    lead.attributes.insert(name.clone(), v);
                }
            }
        }
    }
    if lead.id.is_empty() {
        bail!("the lead has no id");
    }
    lead.received_at =
        received_at.with_context(|| format!("lead {} has no received_at", lead.id))?;
    fill_email_domain(&mut lead);
    lead.free_mail = free_mail.unwrap_or_else(|| {
        lead.email_domain
            .as_deref()
            .is_some_and(|d| FREE_MAIL_DOMAINS.contains(&d))
    });
    Ok(lead)
}

/// Writes leads as CSV: the field columns, then one column per attribute name (sorted).
pub fn write_leads_csv(out: &mut dyn std::io::Write, leads: &[Lead]) -> anyhow::Result<()> {
    let attrs: BTreeSet<&str> = leads
        .iter()
        .flat_map(|l| l.attributes.keys().map(String::as_str))
        .filter(|k| !FIELD_COLUMNS.contains(k) && *k != "email_domain")
        .collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FIELD_COLUMNS.iter().copied().chain(attrs.iter().copied()))?;
    for l in leads {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let mut row = vec![
            l.id.to_string(),
            l.received_at.to_string(),
            l.email.as_deref().unwrap_or_default().to_owned(),
            opt(&l.country),
            opt(&l.company),
            opt(&l.phone),
            opt(&l.first_name),
            opt(&l.last_name),
            opt(&l.source),
            l.free_mail.to_string(),
        ];
        row.extend(
            attrs
                .iter()
                .map(|k| l.attributes.get(*k).map(format_scalar).unwrap_or_default()),
        );
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

pub fn write_leads_jsonl(out: &mut dyn std::io::Write, leads: &[Lead]) -> anyhow::Result<()> {
    super::write_json_lines(out, leads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_routing::Scalar;

    #[test]
    fn csv_columns_map_to_fields_and_attributes() {
        let csv = "id,received_at,email,country,company,employees,industry,zip\n\
                   L1,2026-11-23T09:00:00Z,Max@Beispiel.DE,de,Beispiel GmbH,1200,fintech,01234\n\
                   L2,2026-11-23T09:05:00Z,jo@gmail.com,US,,,,\n";
        let leads = parse_leads(csv).unwrap();
        assert_eq!(leads.len(), 2);
        let l = &leads[0];
        assert_eq!(l.email.as_deref(), Some("max@beispiel.de"));
        assert_eq!(l.email_domain.as_deref(), Some("beispiel.de"));
        assert_eq!(l.country.as_deref(), Some("DE"));
        assert!(!l.free_mail);
        assert_eq!(l.attributes["employees"], Scalar::Number(1200.0));
        assert_eq!(l.attributes["zip"], Scalar::Text("01234".into()));
        assert!(leads[1].free_mail, "gmail.com is free mail");
        assert!(leads[1].attributes.is_empty());
        assert_eq!(leads[1].company, None);
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err =
            parse_leads("id,received_at\nL1,2026-11-23T09:00:00Z\nL2,yesterday\n").unwrap_err();
        assert!(format!("{err:#}").contains("line 3"), "{err:#}");
        let err = parse_leads("id,email\nL1,a@b.c\n").unwrap_err();
        assert!(format!("{err:#}").contains("received_at"), "{err:#}");
    }

    #[test]
    fn csv_and_json_lines_round_trip() {
        let accounts = crate::demo::demo_accounts(20);
        let start = crate::demo::DEFAULT_START.parse().unwrap();
        let leads = crate::demo::demo_leads(200, 3, start, &accounts);
        let mut csv = Vec::new();
        write_leads_csv(&mut csv, &leads).unwrap();
        let mut jsonl = Vec::new();
        write_leads_jsonl(&mut jsonl, &leads).unwrap();
        assert_eq!(
            parse_leads(std::str::from_utf8(&csv).unwrap()).unwrap(),
            leads
        );
        assert_eq!(
            parse_leads(std::str::from_utf8(&jsonl).unwrap()).unwrap(),
            leads
        );
    }
}
