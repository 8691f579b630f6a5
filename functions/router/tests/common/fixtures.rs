//! Policies, leads and the clock the scenarios share.

use switchboard_routing::Lead;
use switchboard_store::{Insert, LeadStore, NewLead};
// Every decision in the scenarios is made at `monday`, so two runs of the same deliveries
// produce identical records.
pub use switchboard_testkit::{activate, monday};

/// Leads from Germany go to a weighted pool; any other country matches no rule and is
/// parked in triage (reason `no_rule`).
pub const POLICY: &str = "
name: router-tests
triage_pool: triage
default_sla: 15m
reps:
  - { id: ana, caps: { max_open: 40 } }
  - { id: bo, caps: { max_open: 40 } }
  - { id: cy, caps: { max_open: 40 } }
pools:
  - id: main
    strategy: weighted_round_robin
    members: [ { rep: ana, weight: 2 }, bo, cy ]
rules:
  - { id: germany, when: { field: country, eq: DE }, pool: main }
";

pub const REPS: [&str; 3] = ["ana", "bo", "cy"];

pub fn lead(id: &str, country: &str) -> Lead {
    Lead::new(id, monday())
        .with_email(&format!("{}@example.org", id.to_ascii_lowercase()))
        .with_country(country)
}

/// Stores a lead as intake does (status `received`), asserting it is new.
pub async fn insert<L: LeadStore>(store: &L, id: &str, country: &str) {
    let done = store
        .insert_if_absent(
            &NewLead::new(lead(id, country), format!("key:{id}")),
            monday(),
        )
        .await
        .expect("insert lead");
    assert!(
        matches!(done, Insert::Created(_)),
        "lead {id} already existed"
    );
}

/// Lead ids `prefix1`, `prefix2`, ...
pub fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}
