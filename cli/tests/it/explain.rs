//! `explain`: one lead, every step and candidate.

use switchboard_routing::DecisionRecord;
use switchboard_routing::record::OutcomeRecord;

use crate::common::{demo_policy, ok, path_str, run, run_with_stdin, scratch};

/// Monday 10:00 in Berlin: the whole DACH team is at work.
const MONDAY_MORNING_BERLIN: &str = "2026-11-23T09:00:00Z";
const GERMAN_LEAD: &str =
    r#"{"email": "max@beispiel.de", "country": "DE", "attributes": {"employees": 40}}"#;

fn explain_json(extra: &[&str], lead: &str) -> DecisionRecord {
    let policy = demo_policy();
    let mut args = vec![
        "explain",
        "--policy",
        path_str(&policy),
        "--lead",
        "-",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = run_with_stdin(&args, Some(lead));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a decision record")
}

fn assigned_rep(rec: &DecisionRecord) -> &str {
    match &rec.outcome {
        OutcomeRecord::Assigned { rep, .. } => rep,
        OutcomeRecord::Parked { .. } => panic!("parked: {}", rec.summary),
    }
}

#[test]
fn german_lead_goes_to_the_heaviest_dach_rep_and_the_table_says_why() {
    let dir = scratch("explain_german");
    let lead = dir.join("lead.json");
    std::fs::write(&lead, GERMAN_LEAD).unwrap();
    let out = ok(&[
        "explain",
        "--policy",
        path_str(&demo_policy()),
        "--lead",
        path_str(&lead),
        "--at",
        MONDAY_MORNING_BERLIN,
    ]);
    // Fresh state: jonas (weight 2) has the most credit; lena lacks the DE territory.
    assert!(
        out.starts_with(
            "Assigned to Jonas Weber (jonas) by weighted_round_robin in pool dach under rule dach."
        ),
        "{out}"
    );
    assert!(
        out.contains("Step 1: pool dach (weighted_round_robin): picked jonas"),
        "{out}"
    );
    let lena = out
        .lines()
        .find(|l| l.trim_start().starts_with("lena"))
        .expect("a row for lena");
    assert!(
        lena.contains("skipped") && lena.contains("lacks_skill"),
        "{lena}"
    );
    assert!(out.contains("rule        dach"), "{out}");
    assert!(out.contains("SLA due     2026-11-23T09:10:00Z"), "{out}");
}

#[test]
fn the_lead_is_normalized_as_intake_would_store_it() {
    // A country's name and a mail subdomain, as a form sends them: decided as the German
    // lead intake would have stored.
    let raw = r#"{"email": "Max@Mail.Beispiel.DE", "country": "Deutschland", "attributes": {"employees": 40}}"#;
    let at = ["--at", MONDAY_MORNING_BERLIN];
    let stored = explain_json(&at, GERMAN_LEAD);
    let sent = explain_json(&at, raw);
    assert_eq!(sent.rule, stored.rule);
    assert_eq!(assigned_rep(&sent), assigned_rep(&stored));
}

#[test]
fn json_output_is_the_decision_record() {
    let rec = explain_json(&["--at", MONDAY_MORNING_BERLIN], GERMAN_LEAD);
    assert_eq!(rec.lead_id, "lead", "a missing id defaults to `lead`");
    assert_eq!(rec.rule.as_deref(), Some("dach"));
    assert_eq!(assigned_rep(&rec), "jonas");
    assert_eq!(rec.decided_at.to_string(), MONDAY_MORNING_BERLIN);
}

#[test]
fn received_at_is_the_default_decision_time() {
    let lead = r#"{"id": "L-7", "received_at": "2026-11-23T22:00:00Z", "country": "DE"}"#;
    // 23:00 in Berlin: nobody in the waterfall who speaks German is working, so it parks.
    let rec = explain_json(&[], lead);
    assert_eq!(rec.lead_id, "L-7");
    assert!(
        matches!(rec.outcome, OutcomeRecord::Parked { .. }),
        "{}",
        rec.summary
    );
}

#[test]
fn given_state_and_bounces_change_the_pick() {
    let dir = scratch("explain_state");
    let state = dir.join("state.json");
    std::fs::write(&state, r#"{"reps": {"jonas": {"open": 20}}}"#).unwrap();
    let rec = explain_json(
        &["--at", MONDAY_MORNING_BERLIN, "--state", path_str(&state)],
        GERMAN_LEAD,
    );
    assert_eq!(assigned_rep(&rec), "anna");
    let jonas = rec.steps[0]
        .candidates
        .iter()
        .find(|c| c.rep == "jonas")
        .unwrap();
    assert_eq!(jonas.reason.as_deref(), Some("at_cap"));

    let rec = explain_json(
        &["--at", MONDAY_MORNING_BERLIN, "--bounced", "jonas"],
        GERMAN_LEAD,
    );
    assert_eq!(assigned_rep(&rec), "anna");

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"reps": {"jonaz": {"open": 1}}}"#).unwrap();
    let out = run_with_stdin(
        &[
            "explain",
            "--policy",
            path_str(&demo_policy()),
            "--lead",
            "-",
            "--state",
            path_str(&bad),
        ],
        Some(GERMAN_LEAD),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rep `jonaz`"));
}

#[test]
fn account_owner_takes_a_lead_from_an_owned_domain() {
    let dir = scratch("explain_owner");
    let accounts = dir.join("accounts.csv");
    std::fs::write(
        &accounts,
        "id,name,domains,owner\nacc-1,Globex Corp,globex.com;globex.io,priya\n",
    )
    .unwrap();
    let lead = r#"{"email": "hank@globex.io", "country": "US", "attributes": {"employees": 5000}}"#;
    // Monday 10:00 in Los Angeles.
    let rec = explain_json(
        &[
            "--at",
            "2026-11-23T18:00:00Z",
            "--accounts",
            path_str(&accounts),
        ],
        lead,
    );
    assert_eq!(assigned_rep(&rec), "priya");
    assert_eq!(rec.rule.as_deref(), Some("enterprise"));
    assert_eq!(rec.steps[0].step, "account_owner");
    // On Thanksgiving the owner is off and the lead falls through the waterfall.
    let rec = explain_json(
        &[
            "--at",
            "2026-11-26T18:00:00Z",
            "--accounts",
            path_str(&accounts),
        ],
        lead,
    );
    assert_ne!(assigned_rep(&rec), "priya");
    assert_eq!(
        rec.steps[0].candidates[0].reason.as_deref(),
        Some("holiday")
    );
}

#[test]
fn a_lead_that_is_not_a_lead_is_rejected() {
    let out = run_with_stdin(
        &[
            "explain",
            "--policy",
            path_str(&demo_policy()),
            "--lead",
            "-",
        ],
        Some(r#"{"emial": "typo@example.com"}"#),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("emial"));
    let out = run(&["explain", "--policy", path_str(&demo_policy())]);
    assert_eq!(out.status.code(), Some(2), "--lead is required");
}
