//! `simulate`: accounting, fairness bounds, determinism, input formats, outputs.

use switchboard_cli::simulation::Report;
use switchboard_routing::DecisionRecord;
use switchboard_routing::record::OutcomeRecord;

use crate::common::{demo_policy, ok, path_str, run, scratch};

fn demo_json_report(extra: &[&str]) -> Report {
    let policy = demo_policy();
    let mut args = vec![
        "simulate",
        "--policy",
        path_str(&policy),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&args)).expect("the JSON report parses")
}

#[test]
fn demo_run_accounts_for_every_lead_and_writes_one_record_each() {
    let dir = scratch("demo_run");
    let decisions = dir.join("decisions.jsonl");
    let r = demo_json_report(&[
        "--demo",
        "2000",
        "--seed",
        "7",
        "--decisions",
        path_str(&decisions),
    ]);

    assert_eq!(r.leads, 2000);
    assert!(r.accounted_for(), "{:?}", r.outcome);
    assert_eq!(r.rules.iter().map(|x| x.leads).sum::<u64>(), 2000);
    assert_eq!(
        r.parks.iter().map(|p| p.leads).sum::<u64>(),
        r.outcome.parked
    );
    let pool_total: u64 = r.pools.iter().map(|p| p.assigned).sum();
    assert_eq!(pool_total, r.outcome.by_pool_strategy);
    let rep_total: u64 = r.reps.iter().map(|x| x.assigned).sum();
    assert_eq!(rep_total, r.outcome.assigned);
    // The demo is built to exercise ownership, fallbacks and parking.
    assert!(r.outcome.by_account_owner > 50, "{:?}", r.outcome);
    assert!(r.outcome.in_fallback_pool > 50, "{:?}", r.outcome);
    assert!(r.outcome.parked > 0, "{:?}", r.outcome);
    assert!(r.accounts.matched_by_domain > 200, "{:?}", r.accounts);

    // Caps hold in the replayed state (invariant 3), and some are actually reached.
    for rep in &r.reps {
        if let Some(max) = rep.max_open {
            assert!(
                rep.peak_open <= max,
                "{} peaked at {} of {max}",
                rep.rep,
                rep.peak_open
            );
        }
    }
    assert!(
        r.reps
            .iter()
            .any(|x| x.skipped.get("at_cap").copied().unwrap_or(0) > 0)
    );

    let text = std::fs::read_to_string(&decisions).unwrap();
    let records: Vec<DecisionRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a decision record per line"))
        .collect();
    assert_eq!(records.len(), 2000);
    let assigned = records
        .iter()
        .filter(|d| matches!(d.outcome, OutcomeRecord::Assigned { .. }))
        .count() as u64;
    assert_eq!(assigned, r.outcome.assigned);
    let mut ids: Vec<&str> = records.iter().map(|d| d.lead_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2000, "one record per lead");
}

/// With eligibility stable (no hours, caps or skills) every rep stays within one lead of
/// its weighted share: the design's fairness invariant, observed end to end.
#[test]
fn stable_eligibility_keeps_every_rep_within_one_lead_of_its_share() {
    let dir = scratch("stable_fairness");
    let policy = dir.join("flat.yaml");
    std::fs::write(
        &policy,
        r#"
triage_pool: triage
reps: [{id: a}, {id: b}, {id: c}, {id: d}, {id: e}]
pools:
  - id: weighted
    members: [{rep: a, weight: 3}, {rep: b, weight: 2}, {rep: c, weight: 1}]
  - id: rotation
    strategy: round_robin
    members: [d, e]
rules:
  - { id: europe, when: { field: country, in: [DE, GB, FR] }, pool: rotation }
  - { id: rest, pool: weighted }
"#,
    )
    .unwrap();
    let out = ok(&[
        "simulate",
        "--policy",
        path_str(&policy),
        "--demo",
        "997",
        "--seed",
        "11",
        "--format",
        "json",
    ]);
    let r: Report = serde_json::from_str(&out).unwrap();
    assert!(r.accounted_for());
    assert_eq!(r.outcome.parked, 0);
    for pool in &r.pools {
        assert!(pool.assigned > 200, "{} got {}", pool.pool, pool.assigned);
        for m in &pool.reps {
            assert!(
                m.deviation.abs() <= 1.0,
                "{}/{}: {} assigned, {} expected",
                pool.pool,
                m.rep,
                m.assigned,
                m.expected
            );
            // Nobody was ever ineligible, so both expectations agree.
            assert!((m.expected - m.expected_when_eligible).abs() < 0.01);
        }
    }
}

/// In the demo, hours, holidays and caps change who is eligible all week, so counts drift
/// far from the nominal weights (by tens of leads). Measured against who was eligible for
/// each lead, a weighted pool stays close: smooth weighted round robin keeps each rep's
/// credit within one round of weights, and without catch-up a returning rep resumes at the
/// credit it left with, so each change of eligibility can leave at most a fraction of a
/// lead of drift, mostly repaid later. Across seeds 1..40 the largest drift is 3.25 leads;
/// ignoring weights or eligibility would show tens.
#[test]
fn demo_weighted_pools_track_the_eligible_share() {
    let r = demo_json_report(&["--demo", "2000", "--seed", "7"]);
    let mut checked = 0;
    for pool in r
        .pools
        .iter()
        .filter(|p| p.strategy == "weighted_round_robin")
    {
        let fair_total: f64 = pool.reps.iter().map(|m| m.expected_when_eligible).sum();
        assert!(
            (fair_total - pool.assigned as f64).abs() < 0.05,
            "{}",
            pool.pool
        );
        for m in &pool.reps {
            assert!(
                m.deviation_when_eligible.abs() <= 4.0,
                "{}/{}: {} assigned, {:.1} expected when eligible",
                pool.pool,
                m.rep,
                m.assigned,
                m.expected_when_eligible
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 3, "enterprise, dach and north-america");
}

#[test]
fn runs_are_deterministic() {
    let dir = scratch("deterministic");
    let policy = demo_policy();
    let run_once = |name: &str| {
        let decisions = dir.join(name);
        let report = ok(&[
            "simulate",
            "--policy",
            path_str(&policy),
            "--demo",
            "800",
            "--seed",
            "5",
            "--decisions",
            path_str(&decisions),
        ]);
        (report, std::fs::read(&decisions).unwrap())
    };
    let (report_a, decisions_a) = run_once("a.jsonl");
    let (report_b, decisions_b) = run_once("b.jsonl");
    assert_eq!(report_a, report_b);
    assert_eq!(decisions_a, decisions_b);
    let other_seed = ok(&[
        "simulate",
        "--policy",
        path_str(&policy),
        "--demo",
        "800",
        "--seed",
        "6",
    ]);
    assert_ne!(report_a, other_seed, "the seed must matter");
}

#[test]
fn csv_jsonl_and_in_process_demo_leads_give_the_same_result() {
    let dir = scratch("formats");
    let policy = demo_policy();
    let csv = dir.join("leads.csv");
    let jsonl = dir.join("leads.jsonl");
    let accounts = dir.join("accounts.csv");
    ok(&[
        "demo",
        "leads",
        "--count",
        "600",
        "--seed",
        "3",
        "--out",
        path_str(&csv),
    ]);
    ok(&[
        "demo",
        "leads",
        "--count",
        "600",
        "--seed",
        "3",
        "--format",
        "jsonl",
        "--out",
        path_str(&jsonl),
    ]);
    ok(&["demo", "accounts", "--out", path_str(&accounts)]);

    let simulate = |leads: &str, decisions: &str| {
        let decisions = dir.join(decisions);
        let report = ok(&[
            "simulate",
            "--policy",
            path_str(&policy),
            "--leads",
            leads,
            "--accounts",
            path_str(&accounts),
            "--decisions",
            path_str(&decisions),
        ]);
        (report, std::fs::read_to_string(&decisions).unwrap())
    };
    let from_csv = simulate(path_str(&csv), "csv.jsonl");
    let from_jsonl = simulate(path_str(&jsonl), "jsonl.jsonl");
    assert_eq!(from_csv.1.lines().count(), 600);
    assert!(
        from_csv.0 == from_jsonl.0,
        "reports differ:\n{}\n{}",
        from_csv.0,
        from_jsonl.0
    );
    assert!(from_csv.1 == from_jsonl.1, "decisions differ");

    let demo_decisions = dir.join("demo.jsonl");
    let from_demo = ok(&[
        "simulate",
        "--policy",
        path_str(&policy),
        "--demo",
        "600",
        "--seed",
        "3",
        "--decisions",
        path_str(&demo_decisions),
    ]);
    assert_eq!(from_demo, from_csv.0);
    assert_eq!(
        std::fs::read_to_string(&demo_decisions).unwrap(),
        from_csv.1
    );
}

#[test]
fn text_report_has_every_section() {
    let out = ok(&[
        "simulate",
        "--policy",
        path_str(&demo_policy()),
        "--demo",
        "300",
    ]);
    for needle in [
        "Simulation of policy \"demo\"",
        "Outcome",
        "by account owner",
        "in a fallback pool",
        "Rules (first match wins)",
        "Parked leads",
        "Pools (",
        "  dach (weighted_round_robin):",
        "elig. deviation",
        "Reps (",
        "at_cap",
        "daily_cap",
        "weekly_cap",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    assert!(out.contains("\n  total "), "{out}");
}

#[test]
fn decisions_to_stdout_move_the_report_to_stderr() {
    let out = run(&[
        "simulate",
        "--policy",
        path_str(&demo_policy()),
        "--demo",
        "50",
        "--decisions",
        "-",
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 50);
    for line in stdout.lines() {
        serde_json::from_str::<DecisionRecord>(line).expect("only records on stdout");
    }
    assert!(String::from_utf8(out.stderr).unwrap().contains("Outcome"));
}

#[test]
fn work_time_changes_cap_pressure() {
    let short = demo_json_report(&["--demo", "2000", "--seed", "7", "--work-time", "30m"]);
    let long = demo_json_report(&["--demo", "2000", "--seed", "7", "--work-time", "2d"]);
    let at_cap = |r: &Report| -> u64 {
        r.reps
            .iter()
            .map(|x| x.skipped.get("at_cap").copied().unwrap_or(0))
            .sum()
    };
    assert!(
        at_cap(&short) < at_cap(&long),
        "{} vs {}",
        at_cap(&short),
        at_cap(&long)
    );
    assert_eq!(short.work_time, "30m");
}

#[test]
fn state_out_feeds_explain() {
    let dir = scratch("state_out");
    let state = dir.join("state.json");
    let policy = demo_policy();
    ok(&[
        "simulate",
        "--policy",
        path_str(&policy),
        "--demo",
        "400",
        "--state-out",
        path_str(&state),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(v["reps"]["jonas"]["open"].is_number(), "{v}");
    assert!(v["pools"]["dach"]["version"].as_u64().unwrap() > 0, "{v}");
    let lead = dir.join("lead.json");
    std::fs::write(&lead, r#"{"email": "max@beispiel.de", "country": "DE"}"#).unwrap();
    let out = ok(&[
        "explain",
        "--policy",
        path_str(&policy),
        "--lead",
        path_str(&lead),
        "--state",
        path_str(&state),
        "--at",
        "2026-11-24T09:00:00Z",
        "--json",
    ]);
    let rec: DecisionRecord = serde_json::from_str(&out).unwrap();
    let version = rec.change.pool.expect("a pool change").version_before;
    assert_eq!(version, v["pools"]["dach"]["version"].as_u64().unwrap());
}

#[test]
fn bad_inputs_fail_with_a_message() {
    let dir = scratch("bad_inputs");
    let leads = dir.join("leads.csv");
    std::fs::write(
        &leads,
        "id,received_at,email\nL1,2026-11-23T09:00:00Z,a@b.de\nL2,soon,c@d.de\n",
    )
    .unwrap();
    let out = run(&[
        "simulate",
        "--policy",
        path_str(&demo_policy()),
        "--leads",
        path_str(&leads),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 3") && err.contains("received_at"),
        "{err}"
    );

    let out = run(&["simulate", "--policy", path_str(&demo_policy())]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "either --leads or --demo is required"
    );
    let out = run(&[
        "simulate",
        "--policy",
        path_str(&demo_policy()),
        "--demo",
        "5",
        "--work-time",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// A country name and a sub-domain of an account's domain route in `simulate` exactly as
/// the same fields do when intake receives them: both normalize with `switchboard-normalize`
/// (`Deutschland` is `DE`, `jane@mail.acme.de` is at `acme.de`).
#[test]
fn file_leads_are_normalized_as_intake_normalizes_them() {
    use switchboard_intake::body::Decoded;
    use switchboard_intake::providers::{Parsed, generic};
    use switchboard_routing::{CompiledPolicy, DecideInput, Snapshot, decide};

    let dir = scratch("simulate_normalized");
    let policy_yaml = "triage_pool: triage\n\
        reps: [{ id: de_rep }, { id: acme_rep }, { id: other_rep }]\n\
        pools: [{ id: de, members: [de_rep] }, { id: acme, members: [acme_rep] }, { id: rest, members: [other_rep] }]\n\
        rules:\n\
        \x20 - { id: german, when: { field: country, eq: DE }, pool: de }\n\
        \x20 - { id: acme, when: { field: email_domain, eq: acme.de }, pool: acme }\n\
        \x20 - { id: rest, pool: rest }\n";
    let policy_path = dir.join("policy.yaml");
    std::fs::write(&policy_path, policy_yaml).unwrap();
    let leads_path = dir.join("leads.csv");
    std::fs::write(
        &leads_path,
        "id,received_at,email,country\n\
         L1,2026-11-23T09:00:00Z,jo@example.org,Deutschland\n\
         L2,2026-11-23T09:01:00Z,Jane@Mail.ACME.de,\n",
    )
    .unwrap();
    let out = ok(&[
        "simulate",
        "--policy",
        path_str(&policy_path),
        "--leads",
        path_str(&leads_path),
        "--decisions",
        "-",
    ]);
    let simulated: Vec<String> = out
        .lines()
        .map(|l| {
            let d: DecisionRecord = serde_json::from_str(l).expect("a decision record");
            match d.outcome {
                OutcomeRecord::Assigned { rep, .. } => rep.to_string(),
                OutcomeRecord::Parked { .. } => "(parked)".into(),
            }
        })
        .collect();

    // The same fields posted to intake's lead API: parsed and normalized as it does.
    let config = switchboard_intake::IntakeConfig::from_yaml_str(
        "sources:\n  - { id: api, kind: generic, secret: sk_test_normalize_1 }\n",
    )
    .expect("a valid intake configuration");
    let source = config.source("api").expect("the source");
    let policy = CompiledPolicy::from_yaml(policy_yaml, 1).unwrap();
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let received: Vec<String> = [
        serde_json::json!({ "email": "jo@example.org", "country": "Deutschland" }),
        serde_json::json!({ "email": "Jane@Mail.ACME.de" }),
    ]
    .into_iter()
    .map(|body| {
        let Ok(Parsed::Lead(submission)) = generic::parse(&Decoded::Json(body)) else {
            panic!("the lead API reads the body")
        };
        let lead = switchboard_intake::normalize::normalize(&submission, source, "l".into(), now)
            .expect("intake accepts it")
            .lead;
        let d = decide(
            &policy,
            &Snapshot::empty(&policy),
            &DecideInput {
                lead: &lead,
                account: None,
                bounced: &[],
                now,
            },
        );
        policy.rep_id(d.assigned_rep().unwrap()).to_string()
    })
    .collect();

    assert_eq!(received, ["de_rep", "acme_rep"]);
    assert_eq!(simulated, received);
}
