//! Account files: CSV (`id`, `name`, `domains` separated by `;`, `owner`, other columns as
//! attributes) or JSON lines of [`Account`].

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use switchboard_routing::Account;

use super::RecordFormat;
use super::cells::{format_scalar, parse_cell};

/// Reads accounts in either format (sniffed from the content).
pub fn parse_accounts(text: &str) -> anyhow::Result<Vec<Account>> {
    let mut accounts = match RecordFormat::sniff(text) {
        RecordFormat::Csv => parse_accounts_csv(text)?,
        RecordFormat::JsonLines => super::parse_json_records(text, "account")?,
    };
    // Leads carry lower-case domains; so must the index.
    for a in &mut accounts {
        for d in &mut a.domains {
            *d = d.trim().to_ascii_lowercase();
        }
    }
    Ok(accounts)
}

fn parse_accounts_csv(text: &str) -> anyhow::Result<Vec<Account>> {
    let (mut reader, headers) = super::csv_with_headers(text)?;
    if !headers.iter().any(|h| h.eq_ignore_ascii_case("id")) {
        bail!(
            "the CSV header has no `id` column (columns: {})",
            headers.join(", ")
        );
    }
    let mut accounts = Vec::new();
    for row in reader.records() {
        let row = row.context("reading a CSV row")?;
        let line = row.position().map_or(0, |p| p.line());
        let mut a = Account::default();
        for (name, cell) in headers.iter().zip(row.iter()) {
            match name.to_ascii_lowercase().as_str() {
                "id" => a.id = cell.to_owned(),
                "name" => a.name = cell.to_owned(),
                "domains" | "domain" => {
                    a.domains = cell
                        .split(';')
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "owner" => a.owner = (!cell.is_empty()).then(|| cell.to_owned()),
                _ => {
                    if let Some(v) = parse_cell(cell) {
                        a.attributes.insert(name.clone(), v);
                    }
                }
            }
        }
        if a.id.is_empty() {
            bail!("line {line}: the account has no id");
        }
        accounts.push(a);
    }
    Ok(accounts)
}

/// Writes accounts as CSV: `id,name,domains,owner`, then attribute columns (sorted).
pub fn write_accounts_csv(
    out: &mut dyn std::io::Write,
    accounts: &[Account],
) -> anyhow::Result<()> {
    const FIELDS: [&str; 4] = ["id", "name", "domains", "owner"];
    let attrs: BTreeSet<&str> = accounts
        .iter()
        .flat_map(|a| a.attributes.keys().map(String::as_str))
        .filter(|k| !FIELDS.contains(k))
        .collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FIELDS.iter().copied().chain(attrs.iter().copied()))?;
    for a in accounts {
        let mut row = vec![
            a.id.clone(),
            a.name.clone(),
            a.domains.join(";"),
            a.owner.clone().unwrap_or_default(),
        ];
        row.extend(
            attrs
                .iter()
                .map(|k| a.attributes.get(*k).map(format_scalar).unwrap_or_default()),
        );
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

pub fn write_accounts_jsonl(
    out: &mut dyn std::io::Write,
    accounts: &[Account],
) -> anyhow::Result<()> {
    super::write_json_lines(out, accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_lines_round_trip() {
        let accounts = crate::demo::demo_accounts(40);
        let mut csv = Vec::new();
        write_accounts_csv(&mut csv, &accounts).unwrap();
        let mut jsonl = Vec::new();
        write_accounts_jsonl(&mut jsonl, &accounts).unwrap();
        assert_eq!(
            parse_accounts(std::str::from_utf8(&csv).unwrap()).unwrap(),
            accounts
        );
        assert_eq!(
            parse_accounts(std::str::from_utf8(&jsonl).unwrap()).unwrap(),
            accounts
        );
    }

    #[test]
    fn csv_splits_domains_and_keeps_attributes() {
        let text =
            "id,name,domains,owner,tier\nA1,Acme Corp,Acme.com; acme.de,sarah,gold\nA2,Globex,,,\n";
        let a = parse_accounts(text).unwrap();
        assert_eq!(a[0].domains, ["acme.com", "acme.de"]);
        assert_eq!(a[0].owner.as_deref(), Some("sarah"));
        assert_eq!(
            a[0].attributes["tier"],
            switchboard_routing::Scalar::Text("gold".into())
        );
        assert!(a[1].domains.is_empty() && a[1].owner.is_none());
    }

    #[test]
    fn firmographic_columns_become_attributes_enrichment_can_use() {
        use switchboard_routing::Scalar;
        let text = "id,name,domains,employees,revenue_band,industry,hq_country,technologies\n\
                    A1,Acme,acme.com,450,10M-50M,Software,DE,rust; postgres\n";
        let a = &parse_accounts(text).unwrap()[0];
        let expected = [
            ("employees", Scalar::Number(450.0)),
            ("revenue_band", Scalar::from("10M-50M")),
            ("industry", Scalar::from("Software")),
            ("hq_country", Scalar::from("DE")),
            ("technologies", Scalar::from("rust; postgres")),
        ];
        for (k, v) in expected {
            assert_eq!(a.attributes.get(k), Some(&v), "{k}");
        }
    }
}
