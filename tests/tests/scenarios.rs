//! Readable, data-driven scenarios: each file under `tests/scenarios/` holds a policy, the
//! accounts, and a sequence of leads with the owner (or parking pool) each must get and
//! what the decision record must say. Decisions are applied to the state as storage would,
//! so later steps see the caps and cursors earlier steps left behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Deserialize;
use switchboard_routing::record::{CandidateRecord, OutcomeRecord};
use switchboard_routing::{
    Account, AccountIndex, AwayStatus, CompiledPolicy, DecideInput, DecisionRecord, Lead,
    PolicyDocument, RepId, Snapshot, decide, match_account,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    #[allow(dead_code)]
    description: String,
    /// The policy inline, or `policy_file`, a path relative to the scenario file.
    #[serde(default)]
    policy: Option<PolicyDocument>,
    #[serde(default)]
    policy_file: Option<String>,
    #[serde(default)]
    accounts: Vec<Account>,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    at: Timestamp,
    /// State changes just before this lead arrives.
    #[serde(default)]
    set: Set,
    lead: Lead,
    #[serde(default)]
    bounced: Vec<RepId>,
    expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Set {
    /// Rep id to the end of their away time (`~` for "until further notice").
    #[serde(default)]
    away: BTreeMap<String, Option<Timestamp>>,
    #[serde(default)]
    back: Vec<String>,
    /// Overwrite a rep's open-lead count.
    #[serde(default)]
    open: BTreeMap<String, u32>,
    /// One lead of each listed rep is closed.
    #[serde(default)]
    release: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The rep the lead must be assigned to...
    #[serde(default)]
    rep: Option<String>,
    /// ...or the pool it must park in.
    #[serde(default)]
    parked: Option<String>,
    /// The park reason: `kill_switch`, `no_rule_matched` or `no_eligible_rep`.
    #[serde(default)]
    reason: Option<String>,
    /// The matched rule; `~` asserts that no rule matched.
    #[serde(default, deserialize_with = "some")]
    rule: Option<Option<String>>,
    /// `account_owner` or the strategy that picked the rep.
    #[serde(default)]
    via: Option<String>,
    /// Steps in order: `account_owner` or `pool:<id>`, with `+rebounce` on the second pass.
    #[serde(default)]
    path: Option<Vec<String>>,
    /// Rep id to the reason code it was first passed over with.
    #[serde(default)]
    skipped: BTreeMap<String, String>,
    /// Rep id to text the human detail of its first candidate entry must contain.
    #[serde(default)]
    details: BTreeMap<String, String>,
    /// Texts the one-line summary must contain.
    #[serde(default)]
    summary: Vec<String>,
    #[serde(default)]
    sla_due: Option<Timestamp>,
}

/// Distinguishes an absent key (`None`) from an explicit `~` (`Some(None)`).
fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn first_entry<'a>(rec: &'a DecisionRecord, rep: &str) -> Option<&'a CandidateRecord> {
    rec.steps
        .iter()
        .flat_map(|s| &s.candidates)
        .find(|c| c.rep == rep)
}

fn path_of(rec: &DecisionRecord) -> Vec<String> {
    rec.steps
        .iter()
        .map(|s| {
            let base = match &s.pool {
                Some(p) => format!("pool:{p}"),
                None => s.step.clone(),
            };
            if s.rebounce {
                format!("{base}+rebounce")
            } else {
                base
            }
        })
        .collect()
}

/// Compares one decision record with the expectation; returns every mismatch.
fn check(expect: &Expect, rec: &DecisionRecord) -> Vec<String> {
    let mut errs = Vec::new();
    let mut want = |ok: bool, what: String| {
        if !ok {
            errs.push(what);
        }
    };
    match (&expect.rep, &expect.parked) {
        (Some(_), Some(_)) | (None, None) => {
            want(false, "expect exactly one of `rep` and `parked`".into())
        }
        _ => {}
    }
    match &rec.outcome {
        OutcomeRecord::Assigned { rep, via, .. } => {
            want(
                expect.rep.as_deref() == Some(rep),
                format!("assigned to {rep}, expected {expect:?}"),
            );
            if let Some(v) = &expect.via {
                want(v == via, format!("via {via}, expected {v}"));
            }
        }
        OutcomeRecord::Parked { pool, reason } => {
            want(
                expect.parked.as_deref() == Some(pool),
                format!("parked in {pool} ({reason:?}), expected {expect:?}"),
            );
            if let Some(r) = &expect.reason {
                let got = serde_json::to_value(reason).unwrap();
                want(
                    got.as_str() == Some(r),
                    format!("park reason {got}, expected {r}"),
                );
            }
        }
    }
    if let Some(rule) = &expect.rule {
        want(
            &rec.rule == rule,
            format!("rule {:?}, expected {rule:?}", rec.rule),
        );
    }
    if let Some(p) = &expect.path {
        let got = path_of(rec);
        want(&got == p, format!("path {got:?}, expected {p:?}"));
    }
    for (rep, code) in &expect.skipped {
        let got = first_entry(rec, rep).map(|c| (c.status.as_str(), c.reason.as_deref()));
        want(
            got == Some(("skipped", Some(code))),
            format!("{rep}: {got:?}, expected skipped as {code}"),
        );
    }
    for (rep, text) in &expect.details {
        let got = first_entry(rec, rep)
            .map(|c| c.detail.as_str())
            .unwrap_or("<not a candidate>");
        want(
            got.contains(text.as_str()),
            format!("{rep} detail {got:?} lacks {text:?}"),
        );
    }
    for text in &expect.summary {
        want(
            rec.summary.contains(text.as_str()),
            format!("summary {:?} lacks {text:?}", rec.summary),
        );
    }
    if let Some(due) = expect.sla_due {
        want(
            rec.sla_due == Some(due),
            format!("sla_due {:?}, expected {due}", rec.sla_due),
        );
    }
    errs
}

/// Loads and plays one scenario file; panics with every mismatch of every step.
fn run(name: &str) {
    let file = scenario_dir().join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let sc: Scenario = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let doc = match (sc.policy, &sc.policy_file) {
        (Some(doc), None) => doc,
        (None, Some(f)) => {
            let path = scenario_dir().join(f);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            PolicyDocument::from_yaml(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
        }
        _ => panic!("{name}: give exactly one of `policy` and `policy_file`"),
    };
    let policy = CompiledPolicy::compile(doc, 1).unwrap_or_else(|e| panic!("{name}: {e}"));
    let accounts = AccountIndex::new(sc.accounts);
    let mut state = Snapshot::empty(&policy);
    let mut failures = Vec::new();
    for (i, step) in sc.steps.iter().enumerate() {
        let rep_idx = |id: &str| {
            policy
                .rep_index(id)
                .unwrap_or_else(|| panic!("{name} step {i}: unknown rep {id}"))
        };
        for (id, until) in &step.set.away {
            state.reps[rep_idx(id) as usize].away = Some(AwayStatus {
                since: step.at,
                until: *until,
            });
        }
        for id in &step.set.back {
            state.reps[rep_idx(id) as usize].away = None;
        }
        for (id, open) in &step.set.open {
            state.reps[rep_idx(id) as usize].open = *open;
        }
        for id in &step.set.release {
            state.release(rep_idx(id));
        }
        let mut lead = step.lead.clone();
        lead.received_at = step.at;
        // Intake derives the domain from the email; fixtures only give the email.
        if lead.email_domain.is_none() {
            lead.email_domain = lead
                .email
                .as_deref()
                .and_then(|e| e.rsplit_once('@'))
                .map(|(_, d)| d.to_owned());
        }
        let account = match_account(&accounts, &lead);
        let d = decide(
            &policy,
            &state,
            &DecideInput {
                lead: &lead,
                account,
                bounced: &step.bounced,
                now: step.at,
            },
        );
        let rec = DecisionRecord::new(&policy, &lead, &d);
        let errs = check(&step.expect, &rec);
        if !errs.is_empty() {
            failures.push(format!(
                "step {i} (lead {} at {}):\n    {}\n  summary: {}",
                lead.id,
                step.at,
                errs.join("\n    "),
                rec.summary
            ));
        }
        state.apply(&d.change);
    }
    assert!(
        failures.is_empty(),
        "scenario {name}:\n{}",
        failures.join("\n")
    );
}

const SCENARIOS: [&str; 7] = [
    "sticky_owner_away",
    "territory_and_skills",
    "caps_fallback_chain_to_triage",
    "kill_switch",
    "working_hours_dst",
    "no_rule_matches",
    "demo_policy",
];

#[test]
fn sticky_account_owner_away_goes_to_the_pool_and_the_record_says_why() {
    run("sticky_owner_away");
}

#[test]
fn territory_and_skills_pick_reps_who_hold_the_leads_territory_and_language() {
    run("territory_and_skills");
}

#[test]
fn everyone_at_cap_falls_back_pool_by_pool_then_parks_in_triage() {
    run("caps_fallback_chain_to_triage");
}

#[test]
fn kill_switch_parks_every_lead_in_triage() {
    run("kill_switch");
}

#[test]
fn working_hours_follow_each_reps_time_zone_across_dst_changes() {
    run("working_hours_dst");
}

#[test]
fn a_lead_no_rule_matches_parks_in_triage() {
    run("no_rule_matches");
}

#[test]
fn the_shipped_demo_policy_routes_a_morning_of_leads() {
    run("demo_policy");
}

#[test]
fn every_scenario_file_is_played_by_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(scenario_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".yaml").map(str::to_owned)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SCENARIOS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "add a #[test] for each scenario file");
}

#[test]
fn a_wrong_expectation_is_reported() {
    // Guards the runner itself: a scenario with a wrong owner must fail.
    let rec = DecisionRecord {
        lead_id: "l".into(),
        policy_version: 1,
        decided_at: Timestamp::UNIX_EPOCH,
        outcome: OutcomeRecord::Assigned {
            rep: "ann".into(),
            pool: Some("p".into()),
            via: "round_robin".into(),
        },
        rule: Some("r".into()),
        account: None,
        steps: Vec::new(),
        sla_due: None,
        change: Default::default(),
        summary: "Assigned to Ann (ann) by round_robin in pool p under rule r.".into(),
        by_hand: None,
        score: None,
        segment: None,
        fit: None,
        enrichment: None,
    };
    let expect: Expect =
        serde_yaml_ng::from_str("{ rep: bob, rule: r, path: ['pool:p'], summary: [Bob] }").unwrap();
    let errs = check(&expect, &rec);
    assert_eq!(errs.len(), 3, "{errs:?}");
    let expect: Expect =
        serde_yaml_ng::from_str("{ rep: ann, rule: r, path: [], via: round_robin }").unwrap();
    assert_eq!(check(&expect, &rec), Vec::<String>::new());
}
