//! `convert crm-opportunities`, `backtest` and `demo outcomes` on small synthetic inputs.

use switchboard_cli::simulation::backtest::BacktestReport;
use switchboard_cli::simulation::planted::PlantedReport;

use crate::common::{ok, path_str, run, scratch};

/// An opportunity export in the public data set's layout: two agents, one of whom wins
/// every software deal; deals engaged a day apart through the first half of 2017.
fn write_crm_export(dir: &std::path::Path) {
    let mut pipeline = String::from(
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n",
    );
    let start: jiff::civil::Date = "2017-01-02".parse().unwrap();
    for i in 0..160 {
        let engaged = start.checked_add(jiff::Span::new().days(i)).unwrap();
        let closed = engaged.checked_add(jiff::Span::new().days(10)).unwrap();
        let agent = if i % 2 == 0 { "Ann Lee" } else { "Bo Diaz" };
        let (account, product) = if i % 4 < 2 {
            ("Acme", "GTXPro")
        } else {
            ("Beta", "MG Special")
        };
        let won = (agent == "Ann Lee" && account == "Acme") || i % 3 == 0;
        let stage = if i >= 150 {
            "Engaging"
        } else if won {
            "Won"
        } else {
            "Lost"
        };
        let close = if stage == "Engaging" {
            String::new()
        } else {
            closed.to_string()
        };
        pipeline.push_str(&format!(
            "O{i:03},{agent},{product},{account},{stage},{engaged},{close},0\n"
        ));
    }
    pipeline.push_str("O999,Ann Lee,GTX Pro,,Prospecting,,,\n");
    std::fs::write(dir.join("sales_pipeline.csv"), pipeline).unwrap();
    std::fs::write(
        dir.join("accounts.csv"),
        "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n\
         Acme,software,1996,1100,2822,United States,\n\
         Beta,retail,1999,251,495,United States,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("products.csv"),
        "product,series,sales_price\nGTX Pro,GTX,4821\nMG Special,MG,55\n",
    )
    .unwrap();
}

#[test]
fn a_crm_export_converts_and_backtests() {
    let dir = scratch("backtest_crm");
    let export = dir.join("export");
    let out = dir.join("inputs");
    std::fs::create_dir_all(&export).unwrap();
    write_crm_export(&export);
    let said = ok(&[
        "convert",
        "crm-opportunities",
        "--dir",
        path_str(&export),
        "--out",
        path_str(&out),
    ]);
    assert!(
        said.starts_with("160 leads (150 won or lost) from 2 agents"),
        "{said}"
    );
    let leads = std::fs::read_to_string(out.join("leads.csv")).unwrap();
    assert!(leads.contains("O000,2017-01-02T09:00:00Z,Acme,Ann Lee,GTX Pro,software"));

    let json = ok(&[
        "backtest",
        "--policy",
        path_str(&out.join("policy-round-robin.yaml")),
        "--against",
        path_str(&out.join("policy-best-fit.yaml")),
        "--leads",
        path_str(&out.join("leads.csv")),
        "--outcomes",
        path_str(&out.join("outcomes.csv")),
        "--learn-until",
        "2017-04-01",
        "--resamples",
        "200",
        "--format",
        "json",
    ]);
    let r: BacktestReport = serde_json::from_str(&json).expect("the JSON report parses");
    assert_eq!((r.leads, r.closed), (160, 150));
    // Engaged from 1 April on and closed: 150 − 89 leads.
    assert_eq!(r.evaluated, 61);
    assert_eq!(r.policies.len(), 2);
    for p in &r.policies {
        assert!(p.routing.accounted_for());
        assert_eq!(p.routing.outcome.assigned, 160);
        let e = p.estimate.as_ref().expect("outcomes give estimates");
        assert!(e.matched > 0 && e.matched <= r.evaluated);
    }
    assert_eq!(r.policies[1].best_fit_decisions, 160);
    assert!(r.policies[1].learned_closes > 0);
    let all: u64 = r
        .differences
        .iter()
        .filter(|d| d.pool == "(all)")
        .map(|d| d.a)
        .sum();
    assert_eq!(all, 160);
    let u = r
        .uplift
        .as_ref()
        .expect("two policies and outcomes give an uplift");
    assert!(!u.verdict.is_empty());

    let text = ok(&[
        "backtest",
        "--policy",
        path_str(&out.join("policy-round-robin.yaml")),
        "--leads",
        path_str(&out.join("leads.csv")),
        "--outcomes",
        path_str(&out.join("outcomes.csv")),
        "--learn-until",
        "2017-04-01",
        "--resamples",
        "100",
    ]);
    for part in [
        "Policy A: crm-round-robin",
        "history as it happened",
        "A replay",
        "replay method",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
}

#[test]
fn backtest_explains_bad_inputs() {
    let dir = scratch("backtest_bad");
    let policy = dir.join("p.yaml");
    std::fs::write(
        &policy,
        "triage_pool: t\nreps: [{ id: a }]\npools: [{ id: p, members: [a] }]\nrules: [{ id: r, pool: p }]\n",
    )
    .unwrap();
    let leads = dir.join("leads.csv");
    std::fs::write(&leads, "id,received_at,rep\nL1,2026-01-05T09:00:00Z,a\n").unwrap();
    let outcomes = dir.join("outcomes.csv");
    std::fs::write(&outcomes, "lead,result\nL1,won\n").unwrap();
    let o = run(&[
        "backtest",
        "--policy",
        path_str(&policy),
        "--leads",
        path_str(&leads),
        "--outcomes",
        path_str(&outcomes),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("lead_id"));
    let o = run(&[
        "backtest",
        "--policy",
        path_str(&policy),
        "--leads",
        path_str(&leads),
        "--learn-until",
        "soon",
    ]);
    assert!(!o.status.success());
}

#[test]
fn demo_outcomes_reports_every_strategy() {
    let json = ok(&[
        "demo",
        "outcomes",
        "--signal",
        "0,0.2",
        "--weeks",
        "2",
        "--leads-per-week",
        "200",
        "--history-weeks",
        "4",
        "--resamples",
        "50",
        "--format",
        "json",
    ]);
    let reports: Vec<PlantedReport> = serde_json::from_str(&json).expect("JSON reports");
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert_eq!(r.leads, 400);
        let names: Vec<&str> = r.strategies.iter().map(|s| s.strategy.as_str()).collect();
        assert_eq!(names, ["round_robin", "best_fit", "oracle"]);
    }
    // No spread of rates, nothing to recover; four weeks of history show part of it.
    assert_eq!(reports[0].evidence_ceiling, None);
    let ceiling = reports[1]
        .evidence_ceiling
        .expect("a ceiling at signal 0.2");
    assert!(ceiling > 0.3 && ceiling < 1.0, "{ceiling}");
    let text = ok(&[
        "demo",
        "outcomes",
        "--weeks",
        "1",
        "--history-weeks",
        "1",
        "--resamples",
        "20",
    ]);
    assert!(
        text.contains("| signal | round robin | best_fit | oracle |")
            && text.contains("| recovered | evidence ceiling |"),
        "{text}"
    );
    // A setting the policy refuses is an error message and a failure status, not a crash.
    let o = run(&["demo", "outcomes", "--credibility", "0.3"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("invalid best_fit policy") && stderr.contains("credibility"),
        "{stderr}"
    );
}
