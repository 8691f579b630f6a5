//! Policies, leads and clocks shared by the contract tests.

use switchboard_routing::Lead;
use switchboard_store::{LeadStore, NewLead};
pub use switchboard_testkit::{activate, monday, policy_doc as doc};

/// Two reps with caps in a weighted pool; overflow to a third rep; then park in triage.
/// SLA 15 minutes.
pub const CAPPED: &str = "
name: capped
triage_pool: triage
default_sla: 15m
reps:
  - { id: ana, caps: { max_open: 2, max_per_day: 50 } }
  - { id: bo, caps: { max_open: 2, max_per_week: 100 } }
  - { id: cy, caps: { max_open: 1 } }
pools:
  - { id: main, strategy: weighted_round_robin, members: [ { rep: ana, weight: 2 }, bo ] }
  - { id: overflow, strategy: round_robin, members: [cy] }
rules:
  - { id: all, pool: main, fallbacks: [overflow] }
";

/// The same reps without caps, for policy-version tests that only need any valid document.
pub const SIMPLE: &str = "
name: simple
triage_pool: triage
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

pub fn lead(id: &str) -> Lead {
    Lead::new(id, monday())
        .with_email(&format!("{id}@example.org"))
        .with_country("DE")
}

/// Inserts a lead with key `key:<id>`, asserting it is new.
pub async fn insert<L: LeadStore>(store: &L, id: &str) {
    let done = store
        .insert_if_absent(&NewLead::new(lead(id), format!("key:{id}")), monday())
        .await
        .expect("insert lead");
    assert!(
        matches!(done, switchboard_store::Insert::Created(_)),
        "lead {id} already existed"
    );
}
