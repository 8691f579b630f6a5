//! Backtest inputs: history leads (a lead file whose `rep` column names the rep who worked
//! each lead), outcomes (CSV `lead_id,outcome[,rep][,closed_at]`), and the conversion of a
//! CRM opportunity export (the public "CRM sales opportunities" data set's layout) into
//! both, with a round-robin and a `best_fit` policy over its agents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use switchboard_routing::{Lead, Scalar};
use switchboard_simulation::backtest::{Close, HistoryLead};

/// Splits the historical rep out of each lead's attributes (`column`, e.g. `rep`).
pub fn history_leads(leads: Vec<Lead>, column: &str) -> Vec<HistoryLead> {
    leads
        .into_iter()
        .map(|mut lead| {
            let rep = match lead.attributes.remove(column) {
                Some(Scalar::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
                Some(Scalar::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            HistoryLead { lead, rep }
        })
        .collect()
}

/// An instant, or a date (midnight UTC).
pub fn parse_instant(s: &str) -> anyhow::Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let d: Date = s
        .parse()
        .with_context(|| format!("`{s}` is neither an RFC 3339 instant nor a date"))?;
    Ok(jiff::tz::TimeZone::UTC.to_timestamp(d.at(0, 0, 0, 0))?)
}

/// What reading an outcomes file found.
#[derive(Debug, Default)]
pub struct Outcomes {
    pub closes: HashMap<String, Close>,
    /// Rows whose outcome is neither won nor lost (unqualified, open, ...).
    pub skipped: u64,
}

/// Outcomes CSV: `lead_id` (or `id`), `outcome` (`won` or `lost`; anything else, such as
/// `unqualified`, is skipped), optional `rep` and `closed_at` (instant or date).
pub fn parse_outcomes(text: &str) -> anyhow::Result<Outcomes> {
    let (mut reader, headers) = super::csv_with_headers(text)?;
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let Some(id) = col(&["lead_id", "id"]) else {
        bail!("the outcomes CSV has no `lead_id` column");
    };
    let Some(outcome) = col(&["outcome"]) else {
        bail!("the outcomes CSV has no `outcome` column");
    };
    let rep = col(&["rep"]);
    let closed_at = col(&["closed_at"]);
    let mut out = Outcomes::default();
    for row in reader.records() {
        let row = row.context("reading a CSV row")?;
        let line = row.position().map_or(0, |p| p.line());
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).filter(|c| !c.is_empty());
        let won = match cell(Some(outcome)).map(str::to_ascii_lowercase).as_deref() {
            Some("won" | "win") => true,
            Some("lost" | "loss") => false,
            _ => {
                out.skipped += 1;
                continue;
            }
        };
        let closed_at = cell(closed_at)
            .map(parse_instant)
            .transpose()
            .with_context(|| format!("line {line}"))?;
        let Some(lead_id) = cell(Some(id)) else {
            bail!("line {line}: no lead id");
        };
        out.closes.insert(
            lead_id.to_owned(),
            Close {
                won,
                rep: cell(rep).map(str::to_owned),
                closed_at,
            },
        );
    }
    Ok(out)
}

/// A CRM opportunity export converted to backtest inputs.
#[derive(Debug)]
pub struct CrmHistory {
    /// CSV: `id,received_at,company,rep,product,sector,regional_office,manager`.
    pub leads_csv: String,
    /// CSV: `lead_id,outcome,rep,closed_at`.
    pub outcomes_csv: String,
    pub round_robin_policy: String,
    pub best_fit_policy: String,
    pub leads: u64,
    pub closes: u64,
    pub agents: u64,
    /// Opportunities without an engage date (not yet engaged): left out.
    pub skipped: u64,
}

/// Converts `sales_pipeline.csv` (opportunity_id, sales_agent, product, account,
/// deal_stage, engage_date, close_date), `accounts.csv` (account, sector, ...) and, when
/// given, `sales_teams.csv` (sales_agent, manager, regional_office) and `products.csv`
/// (product, ...). A lead is an engaged opportunity, received at 09:00 UTC on its engage
/// date; its rep is the agent; `Won` and `Lost` are its outcome, closed on the close date.
/// Product spellings are matched to `products.csv` ignoring spaces and case (the pipeline
/// writes `GTXPro` for `GTX Pro`).
pub fn convert_crm(
    pipeline: &str,
    accounts: &str,
    teams: Option<&str>,
    products: Option<&str>,
) -> anyhow::Result<CrmHistory> {
    let table = |text: &str, what: &str| -> anyhow::Result<Vec<BTreeMap<String, String>>> {
        let (mut reader, headers) = super::csv_with_headers(text)?;
        let mut rows = Vec::new();
        for row in reader.records() {
            let row = row.with_context(|| format!("reading {what}"))?;
            rows.push(
                headers
                    .iter()
                    .cloned()
                    .zip(row.iter().map(str::to_owned))
                    .collect(),
            );
        }
        Ok(rows)
    };
    let get = |row: &BTreeMap<String, String>, k: &str| row.get(k).cloned().unwrap_or_default();
    let sector: HashMap<String, String> = table(accounts, "accounts.csv")?
        .iter()
        .map(|r| (get(r, "account"), get(r, "sector")))
        .collect();
    let team: HashMap<String, (String, String)> = match teams {
        Some(t) => table(t, "sales_teams.csv")?
            .iter()
            .map(|r| {
                (
                    get(r, "sales_agent"),
                    (get(r, "regional_office"), get(r, "manager")),
                )
            })
            .collect(),
        None => HashMap::new(),
    };
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    let product_names: HashMap<String, String> = match products {
        Some(p) => table(p, "products.csv")?
            .iter()
            .map(|r| (squash(&get(r, "product")), get(r, "product")))
            .collect(),
        None => HashMap::new(),
    };
    let rows = table(pipeline, "sales_pipeline.csv")?;
    if rows
        .first()
        .is_some_and(|r| !r.contains_key("opportunity_id"))
    {
        bail!("sales_pipeline.csv has no `opportunity_id` column");
    }
    let mut leads = csv::Writer::from_writer(Vec::new());
    leads.write_record([
        "id",
        "received_at",
        "company",
        "rep",
        "product",
        "sector",
        "regional_office",
        "manager",
    ])?;
    let mut outcomes = csv::Writer::from_writer(Vec::new());
    outcomes.write_record(["lead_id", "outcome", "rep", "closed_at"])?;
    let (mut n, mut closes, mut skipped) = (0, 0, 0);
    let mut agents = BTreeSet::new();
    for r in &rows {
        let engage = get(r, "engage_date");
        if engage.is_empty() {
            skipped += 1;
            continue;
        }
        let received = parse_instant(&engage)? + jiff::SignedDuration::from_hours(9);
        let id = get(r, "opportunity_id");
        let agent = get(r, "sales_agent");
        let account = get(r, "account");
        let raw_product = get(r, "product");
        let product = product_names
            .get(&squash(&raw_product))
            .cloned()
            .unwrap_or(raw_product);
        let (office, manager) = team.get(&agent).cloned().unwrap_or_default();
        leads.write_record([
            id.as_str(),
            &received.to_string(),
            &account,
            &agent,
            &product,
            sector.get(&account).map_or("", String::as_str),
            &office,
            &manager,
        ])?;
        agents.insert(agent.clone());
        n += 1;
        let stage = get(r, "deal_stage");
        if stage == "Won" || stage == "Lost" {
            let close = get(r, "close_date");
            let closed_at = if close.is_empty() {
                String::new()
            } else {
                (parse_instant(&close)? + jiff::SignedDuration::from_hours(17)).to_string()
            };
            outcomes.write_record([id.as_str(), &stage.to_lowercase(), &agent, &closed_at])?;
            closes += 1;
        }
    }
    let policy = |best_fit: bool| {
        let reps: Vec<String> = agents.iter().map(|a| yaml_str(a)).collect();
        let mut y = String::new();
        y.push_str(&format!(
            "# Generated by `switchboard convert crm-opportunities`: one pool of every agent in the export.\nname: crm-{}\ntriage_pool: triage\n",
            if best_fit { "best-fit" } else { "round-robin" }
        ));
        if best_fit {
            y.push_str("outcomes:\n  segment: [sector, product]\n  prior_strength: 20\n");
        }
        y.push_str("reps:\n");
        for r in &reps {
            y.push_str(&format!("  - {{ id: {r} }}\n"));
        }
        y.push_str("pools:\n  - id: sales\n");
        if best_fit {
            y.push_str("    strategy: best_fit\n    best_fit: { base: round_robin, credibility: 0.9, fairness_band: 0.2, window: week }\n");
        } else {
            y.push_str("    strategy: round_robin\n");
        }
        y.push_str(&format!("    members: [{}]\n", reps.join(", ")));
        y.push_str("rules:\n  - { id: all, pool: sales }\n");
        y
    };
    Ok(CrmHistory {
        leads_csv: String::from_utf8(leads.into_inner()?)?,
        outcomes_csv: String::from_utf8(outcomes.into_inner()?)?,
        round_robin_policy: policy(false),
        best_fit_policy: policy(true),
        leads: n,
        closes,
        agents: agents.len() as u64,
        skipped,
    })
}

/// A YAML flow scalar: quoted (names with spaces and apostrophes are safe).
fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIPELINE: &str = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n\
        O1,Ann Lee,GTXPro,Acme,Won,2017-01-02,2017-02-01,100\n\
        O2,Bo Diaz,MG Special,Beta,Lost,2017-01-03,2017-01-20,0\n\
        O3,Ann Lee,GTX Pro,,Engaging,2017-01-04,,\n\
        O4,Bo Diaz,GTX Pro,,Prospecting,,,\n";
    const ACCOUNTS: &str = "account,sector\nAcme,software\nBeta,retail\n";
    const PRODUCTS: &str = "product,series,sales_price\nGTX Pro,GTX,4821\nMG Special,MG,55\n";

    #[test]
    fn converts_an_opportunity_export() {
        let h = convert_crm(PIPELINE, ACCOUNTS, None, Some(PRODUCTS)).unwrap();
        assert_eq!((h.leads, h.closes, h.agents, h.skipped), (3, 2, 2, 1));
        assert!(
            h.leads_csv
                .contains("O1,2017-01-02T09:00:00Z,Acme,Ann Lee,GTX Pro,software")
        );
        assert!(
            h.outcomes_csv
                .contains("O2,lost,Bo Diaz,2017-01-20T17:00:00Z")
        );
        for p in [&h.round_robin_policy, &h.best_fit_policy] {
            switchboard_routing::CompiledPolicy::from_yaml(p, 1).expect("a valid policy");
        }
        let o = parse_outcomes(&h.outcomes_csv).unwrap();
        assert_eq!(o.closes.len(), 2);
        assert!(o.closes["O1"].won);
        assert_eq!(o.closes["O2"].rep.as_deref(), Some("Bo Diaz"));
    }

    #[test]
    fn outcomes_skip_what_is_not_a_close() {
        let o = parse_outcomes("lead_id,outcome\nA,won\nB,unqualified\nC,LOST\n").unwrap();
        assert_eq!((o.closes.len(), o.skipped), (2, 1));
        assert!(parse_outcomes("id,result\nA,won\n").is_err());
    }
}
