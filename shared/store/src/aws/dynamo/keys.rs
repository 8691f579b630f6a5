//! Item keys and attribute names of the single table (see docs/DATA-MODEL.md).

use jiff::Timestamp;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// GSI `by_rep`: open assignments by rep. Present only while the assignment is open.
pub const GSI_BY_REP: &str = "by_rep";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
/// GSI `by_due`: unaccepted open assignments by SLA due minute. Present only while the SLA
/// clock runs, so the sweeper reads only what is due.
pub const GSI_BY_DUE: &str = "by_due";
pub const GSI2PK: &str = "gsi2pk";
pub const GSI2SK: &str = "gsi2sk";

/// Due-index partitions per minute. The leads due in one minute are spread over this many
/// partition keys so one busy minute is not one hot index partition; the sweeper reads
/// `DUE_SHARDS` keys per minute swept.
pub const DUE_SHARDS: u32 = 4;

pub fn lead(id: &str) -> (String, String) {
    (format!("LEAD#{id}"), "LEAD".to_owned())
}
pub fn idempotency(key: &str) -> (String, String) {
    (format!("IDEM#{key}"), "IDEM".to_owned())
}
pub fn assignment(lead_id: &str) -> (String, String) {
    (format!("LEAD#{lead_id}"), "ASSIGNMENT".to_owned())
}
pub fn decision(lead_id: &str, number: u32) -> (String, String) {
    (format!("LEAD#{lead_id}"), format!("DECISION#{number:010}"))
}
/// The email index entry of an address, keyed by [`crate::email_key`] (a hash).
pub fn email(index_key: &str) -> (String, String) {
    (format!("EMAIL#{index_key}"), "EMAIL".to_owned())
}
pub const DECISION_PREFIX: &str = "DECISION#";
pub fn rep(id: &str) -> (String, String) {
    (format!("REP#{id}"), "STATE".to_owned())
}
pub fn pool(id: &str) -> (String, String) {
    (format!("POOL#{id}"), "STATE".to_owned())
}
pub const POLICY_PK: &str = "POLICY";
pub const POLICY_VERSION_PREFIX: &str = "V#";
pub fn policy_version(v: u64) -> (String, String) {
    (
        POLICY_PK.to_owned(),
        format!("{POLICY_VERSION_PREFIX}{v:010}"),
    )
}
pub fn policy_head() -> (String, String) {
    (POLICY_PK.to_owned(), "HEAD".to_owned())
}
pub fn policy_active() -> (String, String) {
    (POLICY_PK.to_owned(), "ACTIVE".to_owned())
}
pub fn account(id: &str) -> (String, String) {
    (format!("ACCOUNT#{id}"), "ACCOUNT".to_owned())
}
pub fn account_domain(domain: &str) -> (String, String) {
    (format!("DOMAIN#{domain}"), "DOMAIN".to_owned())
}
pub fn account_name(name: &str) -> (String, String) {
    (format!("NAME#{name}"), "NAME".to_owned())
}

/// Sort key of the `by_rep` index: assignment time, then lead.
pub fn by_rep_sk(assigned_at: Timestamp, lead_id: &str) -> String {
    format!("{:020}#{lead_id}", assigned_at.as_millisecond().max(0))
}

/// `by_rep` partition of leads awaiting routing (`received`, `queued`), sharded like
/// `by_due`. A lead item carries it only while it awaits routing, so the sweep's query for
/// lost hand-offs reads only such leads (see docs/DATA-MODEL.md).
pub fn awaiting_pk(lead_id: &str) -> String {
    awaiting_pk_shard(shard(lead_id))
}

pub fn awaiting_pk_shard(shard: u32) -> String {
    format!("AWAITING#{shard}")
}

/// Partition key of the `by_due` index: the due minute and a shard from the lead id.
pub fn by_due_pk(minute: i64, lead_id: &str) -> String {
    by_due_pk_shard(minute, shard(lead_id))
}

pub fn by_due_pk_shard(minute: i64, shard: u32) -> String {
    format!("DUE#{minute}#{shard}")
}

/// Sort key of the `by_due` index: due time in epoch milliseconds, then lead.
pub fn by_due_sk(due: Timestamp, lead_id: &str) -> String {
    format!("{:020}#{lead_id}", due.as_millisecond().max(0))
}

/// The epoch minute containing `t`.
pub fn minute_of(t: Timestamp) -> i64 {
    t.as_millisecond().div_euclid(60_000)
}

/// A stable shard in `0..DUE_SHARDS` (FNV-1a, so every process agrees).
pub fn shard(lead_id: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in lead_id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % DUE_SHARDS
}
