//! Policies, leads and the clock the scenarios share.

use jiff::Timestamp;
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_store::{Insert, LeadStore, PolicyStore};

/// A Monday, 10:00 UTC: every decision in the scenarios is made at this instant, so two
/// runs of the same deliveries produce identical records.
pub fn monday() -> Timestamp {
    "2026-06-01T10:00:00Z".parse().expect("timestamp")
}

/// Leads from Germany go to a weighted pool; any other country matches no rule and is
/// parked in triage (reason `no_rule_matched`).
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

pub fn doc(yaml: &str) -> PolicyDocument {
    PolicyDocument::from_yaml(yaml).unwrap_or_else(|e| panic!("test policy is invalid: {e}"))
}

/// Stores `yaml` as a new version and activates it.
pub async fn activate<P: PolicyStore>(store: &P, yaml: &str) -> u64 {
    let stored = store
        .put_version(&doc(yaml), Some("test"), monday())
        .await
        .expect("put policy");
    let current = store.get_active().await.expect("active").map(|a| a.version);
    store
        .set_active(stored.version, current, monday())
        .await
        .expect("activate policy");
    stored.version
}

pub fn lead(id: &str, country: &str) -> Lead {
    Lead::new(id, monday())
        .with_email(&format!("{}@example.org", id.to_ascii_lowercase()))
        .with_country(country)
}

/// Stores a lead as intake does (status `received`), asserting it is new.
pub async fn insert<L: LeadStore>(store: &L, id: &str, country: &str) {
    let done = store
        .insert_if_absent(&lead(id, country), &format!("key:{id}"), monday())
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
