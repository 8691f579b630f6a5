//! The shipped demo policy compiles and routes a few obvious leads.

use jiff::Timestamp;
use switchboard_routing::{
    Account, AccountIndex, CompiledPolicy, DecideInput, DecisionRecord, Lead, Snapshot, decide,
    match_account,
};

fn demo() -> CompiledPolicy {
    let text = include_str!("../../cli/demo/policy.yaml");
    CompiledPolicy::from_yaml(text, 1).expect("demo policy is valid")
}

#[test]
fn demo_policy_routes_german_lead_to_dach_pool() {
    let policy = demo();
    let state = Snapshot::empty(&policy);
    // Monday 2026-11-23 10:00 in Berlin.
    let now: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let lead = Lead::new("l1", now)
        .with_email("max@beispiel.de")
        .with_country("DE");
    let d = decide(
        &policy,
        &state,
        &DecideInput {
            lead: &lead,
            account: None,
            bounced: &[],
            now,
        },
    );
    let rec = DecisionRecord::new(&policy, &lead, &d);
    println!("{}", serde_json::to_string_pretty(&rec).unwrap());
    assert_eq!(rec.rule.as_deref(), Some("dach"));
    let rep = policy.rep_id(d.assigned_rep().expect("assigned"));
    assert!(["anna", "jonas"].contains(&rep.as_str()), "{rep}");
}

#[test]
fn demo_policy_sticky_owner() {
    let policy = demo();
    let state = Snapshot::empty(&policy);
    let now: Timestamp = "2026-11-23T18:00:00Z".parse().unwrap();
    let accounts = AccountIndex::new(vec![Account {
        id: "acc-1".into(),
        name: "Globex".into(),
        domains: vec!["globex.com".into()],
        owner: Some("priya".into()),
        ..Default::default()
    }]);
    let lead = Lead::new("l2", now)
        .with_email("hank@globex.com")
        .with_country("US")
        .with_attr("employees", 5000.0);
    let account = match_account(&accounts, &lead);
    let d = decide(
        &policy,
        &state,
        &DecideInput {
            lead: &lead,
            account,
            bounced: &[],
            now,
        },
    );
    let rec = DecisionRecord::new(&policy, &lead, &d);
    println!("{}", rec.summary);
    assert_eq!(policy.rep_id(d.assigned_rep().unwrap()), "priya");
}
