//! Decision records answer "why did this lead go to Sarah?": the summary names the rep, the
//! pool, the strategy and the rule; every candidate passed over carries a machine reason
//! code and a human detail with the numbers behind it.

mod common;

use switchboard_routing::record::{CandidateRecord, OutcomeRecord};
use switchboard_routing::{
    Account, AwayStatus, CompiledPolicy, DecisionRecord, Lead, RepId, Snapshot,
};
use switchboard_testkit::ts;

fn policy(yaml: &str) -> CompiledPolicy {
    CompiledPolicy::from_yaml(yaml, 42).unwrap_or_else(|e| panic!("{e}"))
}

fn record_of(
    policy: &CompiledPolicy,
    state: &Snapshot,
    lead: &Lead,
    account: Option<&Account>,
    bounced: &[RepId],
    now: &str,
) -> DecisionRecord {
    let d = common::decide_one(policy, state, lead, account, bounced, ts(now));
    DecisionRecord::new(policy, lead, &d)
}

fn entry<'a>(rec: &'a DecisionRecord, rep: &str) -> &'a CandidateRecord {
    rec.steps
        .iter()
        .flat_map(|s| &s.candidates)
        .find(|c| c.rep == rep)
        .unwrap_or_else(|| panic!("{rep} was not considered: {rec:#?}"))
}

/// Every skip reason in one pool, each with the detail a RevOps admin would read.
const EVERY_REASON: &str = "triage_pool: triage
default_sla: 10m
reps:
  - { id: sarah, name: Sarah Chen, skills: [fintech] }
  - { id: capped, skills: [fintech], caps: { max_open: 2 } }
  - { id: daily, skills: [fintech], caps: { max_per_day: 3 } }
  - { id: weekly, skills: [fintech], caps: { max_per_week: 5 } }
  - { id: away, skills: [fintech] }
  - { id: returning, skills: [fintech] }
  - { id: vacation, skills: [fintech], away: [{ from: '2026-06-01T00:00:00Z', until: '2026-06-08T00:00:00Z' }] }
  - { id: holiday, skills: [fintech], time_zone: Asia/Tokyo, holidays: ['2026-06-02'] }
  - { id: closed, skills: [fintech], time_zone: America/New_York, working_hours: { mon-fri: ['09:00-17:00'] } }
  - { id: generalist }
  - { id: bounced, skills: [fintech] }
pools:
  - id: sales
    strategy: round_robin
    members: [capped, daily, weekly, away, returning, vacation, holiday, closed, generalist, bounced, sarah]
rules:
  - { id: fintech-leads, when: { field: industry, eq: fintech }, pool: sales, require: { all: [fintech] } }
";

#[test]
fn every_skip_reason_has_its_code_and_a_detail_with_the_numbers() {
    let policy = policy(EVERY_REASON);
    let mut state = Snapshot::empty(&policy);
    let set = |state: &mut Snapshot, id: &str, f: &dyn Fn(&mut switchboard_routing::RepState)| {
        f(state.rep_mut(&policy, id).unwrap())
    };
    let day = jiff::civil::date(2026, 6, 1);
    set(&mut state, "capped", &|r| r.open = 2);
    set(&mut state, "daily", &|r| {
        r.day = switchboard_routing::WindowCount {
            start: Some(day),
            count: 3,
        }
    });
    set(&mut state, "weekly", &|r| {
        r.week = switchboard_routing::WindowCount {
            start: Some(day),
            count: 5,
        }
    });
    set(&mut state, "away", &|r| {
        r.away = Some(AwayStatus {
            since: ts("2026-06-01T00:00:00Z"),
            until: None,
        })
    });
    set(&mut state, "returning", &|r| {
        r.away = Some(AwayStatus {
            since: ts("2026-06-01T00:00:00Z"),
            until: Some(ts("2026-06-02T06:00:00Z")),
        })
    });
    let lead = Lead::new("lead-1", ts("2026-06-01T22:30:00Z")).with_attr("industry", "fintech");
    // Monday 22:30Z: 18:30 (closed) in New York, and already Tuesday 2 June (a holiday) in Tokyo.
    let rec = record_of(
        &policy,
        &state,
        &lead,
        None,
        &[RepId::from("bounced")],
        "2026-06-01T22:30:00Z",
    );

    let expected = [
        ("capped", "at_cap", "at cap (2 of 2 open)"),
        ("daily", "daily_cap", "daily cap reached (3 of 3 today)"),
        (
            "weekly",
            "weekly_cap",
            "weekly cap reached (5 of 5 this week)",
        ),
        ("away", "away", "away"),
        ("returning", "away", "away until 2026-06-02T06:00:00Z"),
        (
            "vacation",
            "out_of_office",
            "out of office until 2026-06-08T00:00:00Z",
        ),
        ("holiday", "holiday", "on holiday (2026-06-02)"),
        (
            "closed",
            "outside_hours",
            "outside working hours (local time Mon 18:30 America/New_York)",
        ),
        ("generalist", "lacks_skill", "lacks skill `fintech`"),
        (
            "bounced",
            "bounced_before",
            "the lead already bounced from this rep",
        ),
    ];
    for (rep, code, detail) in expected {
        let c = entry(&rec, rep);
        assert_eq!(c.status, "skipped", "{rep}");
        assert_eq!(c.reason.as_deref(), Some(code), "{rep}");
        assert_eq!(c.detail, detail, "{rep}");
    }
    let sarah = entry(&rec, "sarah");
    assert_eq!(
        (sarah.status.as_str(), sarah.reason.as_deref()),
        ("picked", None)
    );
    assert!(sarah.detail.contains("round_robin"), "{}", sarah.detail);

    // The summary: who, how, where, under which rule, then who was passed over and why.
    assert!(
        rec.summary.starts_with(
            "Assigned to Sarah Chen (sarah) by round_robin in pool sales under rule fintech-leads. Passed over: "
        ),
        "{}",
        rec.summary
    );
    assert!(
        rec.summary
            .contains("capped at cap (2 of 2 open); daily daily cap reached (3 of 3 today)"),
        "{}",
        rec.summary
    );
    // Ten reps were passed over; the summary shows five and counts the rest.
    assert!(rec.summary.ends_with("; and 5 more."), "{}", rec.summary);
    assert_eq!(rec.rule.as_deref(), Some("fintech-leads"));
    assert_eq!(rec.policy_version, 42);
    assert_eq!(rec.sla_due, Some(ts("2026-06-01T22:40:00Z")));
    match &rec.outcome {
        OutcomeRecord::Assigned { rep, pool, via } => {
            assert_eq!(
                (rep.as_str(), pool.as_deref(), via.as_str()),
                ("sarah", Some("sales"), "round_robin")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn eligible_but_unpicked_candidates_show_the_strategy_score() {
    let policy = policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b }]
pools: [{ id: p, members: [{ rep: a, weight: 3 }, { rep: b, weight: 1 }] }]
rules: [{ id: r, pool: p }]
",
    );
    let rec = record_of(
        &policy,
        &Snapshot::empty(&policy),
        &Lead::new("l", ts("2026-06-01T10:00:00Z")),
        None,
        &[],
        "2026-06-01T10:00:00Z",
    );
    let a = entry(&rec, "a");
    let b = entry(&rec, "b");
    assert_eq!(
        (a.status.as_str(), a.detail.as_str()),
        (
            "picked",
            "picked by weighted_round_robin (next lead due within 2)"
        )
    );
    assert_eq!(
        (b.status.as_str(), b.detail.as_str()),
        ("eligible", "eligible, not picked (next lead due within 4)")
    );
    assert!(b.reason.is_none());
}

#[test]
fn lead_derived_tag_detail_names_the_missing_tag() {
    let policy = policy(
        "triage_pool: triage
reps: [{ id: de, skills: ['territory:DE'] }, { id: fr, skills: ['territory:FR'] }]
pools: [{ id: p, strategy: round_robin, members: [de, fr] }]
rules: [{ id: r, pool: p, require: { from_lead: [{ field: country, prefix: 'territory:' }] } }]
",
    );
    let lead = Lead::new("l", ts("2026-06-01T10:00:00Z")).with_country("FR");
    let rec = record_of(
        &policy,
        &Snapshot::empty(&policy),
        &lead,
        None,
        &[],
        "2026-06-01T10:00:00Z",
    );
    assert_eq!(
        entry(&rec, "de").detail,
        "lacks tag `territory:fr` required by the lead"
    );
    assert_eq!(entry(&rec, "fr").status, "picked");
}

#[test]
fn account_derived_tag_detail_names_the_missing_tag() {
    // A requirement can also be built from the matched account (its region here).
    let policy = policy(
        "triage_pool: triage
reps: [{ id: emea, skills: ['region:emea'] }, { id: apac, skills: ['region:apac'] }]
pools: [{ id: p, strategy: round_robin, members: [emea, apac] }]
rules: [{ id: r, pool: p, require: { from_lead: [{ field: account.region, prefix: 'region:' }] } }]
",
    );
    let account = Account {
        id: "acc".into(),
        attributes: [("region".to_owned(), "APAC".into())].into(),
        ..Account::default()
    };
    let lead = Lead::new("l", ts("2026-06-01T10:00:00Z"));
    let rec = record_of(
        &policy,
        &Snapshot::empty(&policy),
        &lead,
        Some(&account),
        &[],
        "2026-06-01T10:00:00Z",
    );
    assert_eq!(entry(&rec, "apac").status, "picked");
    let emea = entry(&rec, "emea");
    assert_eq!(emea.reason.as_deref(), Some("lacks_skill"));
    // The record is rendered without the account, so it cannot print `region:apac`; it must
    // not claim the tag is a bare `region:` either, but name the field the tag comes from.
    assert_eq!(
        emea.detail,
        "lacks tag `region:<account.region>` required by the lead"
    );
}

#[test]
fn any_of_detail_lists_the_alternatives() {
    let policy = policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b, skills: [smb] }]
pools: [{ id: p, strategy: round_robin, members: [a, b] }]
rules: [{ id: r, pool: p, require: { any: [enterprise, SMB] } }]
",
    );
    let rec = record_of(
        &policy,
        &Snapshot::empty(&policy),
        &Lead::new("l", ts("2026-06-01T10:00:00Z")),
        None,
        &[],
        "2026-06-01T10:00:00Z",
    );
    assert_eq!(entry(&rec, "a").detail, "has none of `enterprise`, `smb`");
}

#[test]
fn owner_assignment_summary_names_the_account_and_owner_entry_explains() {
    let policy = policy(
        "triage_pool: triage
reps: [{ id: sarah, name: Sarah Chen }, { id: bob }]
pools: [{ id: p, members: [bob] }]
rules: [{ id: owned, sticky: true, pool: p }]
",
    );
    let account = Account {
        id: "globex".into(),
        owner: Some("sarah".into()),
        ..Account::default()
    };
    let lead = Lead::new("l", ts("2026-06-01T10:00:00Z"));
    let rec = record_of(
        &policy,
        &Snapshot::empty(&policy),
        &lead,
        Some(&account),
        &[],
        "2026-06-01T10:00:00Z",
    );
    assert_eq!(
        rec.summary,
        "Assigned to Sarah Chen (sarah) as owner of account globex under rule owned."
    );
    assert_eq!(rec.steps[0].step, "account_owner");
    assert_eq!(entry(&rec, "sarah").detail, "account owner, available");
    let acc = rec.account.as_ref().expect("account recorded");
    assert_eq!(
        (acc.id.as_str(), acc.owner.as_deref()),
        ("globex", Some("sarah"))
    );
    match &rec.outcome {
        OutcomeRecord::Assigned { via, pool, .. } => {
            assert_eq!((via.as_str(), pool.as_deref()), ("account_owner", None))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rebounce_steps_are_marked_and_the_summary_does_not_repeat_notes() {
    let policy = policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b, caps: { max_open: 1 } }]
pools: [{ id: p, strategy: round_robin, members: [a, b] }]
rules: [{ id: r, pool: p }]
",
    );
    let mut state = Snapshot::empty(&policy);
    state.rep_mut(&policy, "b").unwrap().open = 1;
    let rec = record_of(
        &policy,
        &state,
        &Lead::new("l", ts("2026-06-01T10:00:00Z")),
        None,
        &[RepId::from("a")],
        "2026-06-01T10:00:00Z",
    );
    assert_eq!(rec.steps.len(), 2);
    assert!(!rec.steps[0].rebounce && rec.steps[1].rebounce);
    assert_eq!(rec.steps[1].picked.as_deref(), Some("a"));
    assert_eq!(
        rec.summary.matches("b at cap (1 of 1 open)").count(),
        1,
        "{}",
        rec.summary
    );
    // The serialized record marks the second pass and omits the flag on the first.
    let json = serde_json::to_value(&rec).unwrap();
    assert_eq!(json["steps"][1]["rebounce"], serde_json::Value::Bool(true));
    assert!(json["steps"][0].get("rebounce").is_none());
}

#[test]
fn record_json_has_the_documented_shape() {
    let policy = policy(
        "triage_pool: triage
reps: [{ id: a, time_zone: Europe/Berlin, caps: { max_open: 3, max_per_day: 10 } }]
pools: [{ id: p, members: [a] }]
rules: [{ id: r, pool: p, sla: 5m }]
",
    );
    let lead = Lead::new("lead-9", ts("2026-06-01T22:30:00Z"));
    let rec = record_of(
        &policy,
        &Snapshot::empty(&policy),
        &lead,
        None,
        &[],
        "2026-06-01T22:30:00Z",
    );
    let json = serde_json::to_value(&rec).unwrap();
    assert_eq!(json["lead_id"], "lead-9");
    assert_eq!(json["outcome"]["status"], "assigned");
    assert_eq!(json["outcome"]["rep"], "a");
    assert_eq!(json["rule"], "r");
    assert_eq!(json["sla_due"], "2026-06-01T22:35:00Z");
    // The rep change carries the preconditions storage checks, in the rep's local day:
    // 22:30Z is already 2 June in Berlin.
    let rep = &json["change"]["rep"];
    assert_eq!(
        (
            rep["open_before"].as_u64(),
            rep["open_after"].as_u64(),
            rep["max_open"].as_u64()
        ),
        (Some(0), Some(1), Some(3))
    );
    assert_eq!(rep["day"]["start"], "2026-06-02");
    assert_eq!(rep["day"]["max"], 10);
    assert_eq!(rep["week"]["start"], "2026-06-01");
    assert_eq!(json["change"]["pool"]["pool"], "p");
    assert_eq!(json["change"]["pool"]["after"]["version"], 1);

    // Parked records carry the pool and the reason in snake_case.
    let off = policy.document().clone();
    let frozen = CompiledPolicy::compile(
        switchboard_routing::PolicyDocument {
            kill_switch: true,
            ..off
        },
        43,
    )
    .unwrap();
    let rec = record_of(
        &frozen,
        &Snapshot::empty(&frozen),
        &lead,
        None,
        &[],
        "2026-06-01T22:30:00Z",
    );
    let json = serde_json::to_value(&rec).unwrap();
    assert_eq!(
        json["outcome"],
        serde_json::json!({ "status": "parked", "pool": "triage", "reason": "kill_switch" })
    );
    assert!(json.get("rule").is_none());
    assert_eq!(json["policy_version"], 43);
}
