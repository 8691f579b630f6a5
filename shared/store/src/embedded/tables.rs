//! The redb tables of the embedded store and JSON helpers over them.
//!
//! Values are JSON so the on-disk form is inspectable and matches the API's shapes. Keys
//! that combine two ids separate them with NUL, which ids never contain.

use redb::{ReadableTable, Table, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{StoreError, StoreResult};

type Json = TableDefinition<'static, &'static str, &'static [u8]>;

/// lead id → `StoredLead`
pub const LEADS: Json = TableDefinition::new("leads");
/// idempotency key → `lead id` or `lead id NUL expiry (epoch ms)` (UTF-8)
pub const IDEMPOTENCY: Json = TableDefinition::new("idempotency_keys");
/// `email_key(address)` → `EmailEntry`: the address's latest primary lead (email dedupe)
pub const EMAILS: Json = TableDefinition::new("email_index");
/// lead id → `Assignment`
pub const ASSIGNMENTS: Json = TableDefinition::new("assignments");
/// `lead id NUL decision number (10 digits)` → `DecisionRecord`
pub const DECISIONS: Json = TableDefinition::new("decisions");
/// rep id → `RepState`
pub const REPS: Json = TableDefinition::new("rep_counters");
/// pool id → `PoolRecord`
pub const POOLS: Json = TableDefinition::new("pool_states");
/// `rep id NUL lead id` → empty: open assignments by rep.
pub const OPEN_BY_REP: Json = TableDefinition::new("open_by_rep");
/// `SLA due (epoch ms, 20 digits) NUL lead id` → empty: unaccepted open assignments by due time.
pub const DUE: Json = TableDefinition::new("sla_due");
/// `updated_at (epoch ms, 20 digits) NUL lead id` → empty: leads awaiting routing
/// (`received`, `queued`), for the sweep's re-drive of lost hand-offs.
pub const AWAITING: Json = TableDefinition::new("awaiting_routing");
/// version → `PolicyVersion`
pub const POLICY_VERSIONS: TableDefinition<'static, u64, &'static [u8]> =
    TableDefinition::new("policy_versions");
/// `active` → `ActivePolicy`
pub const POLICY_POINTERS: Json = TableDefinition::new("policy_pointers");
/// account id → `Account`
pub const ACCOUNTS: Json = TableDefinition::new("accounts");
/// domain → account id
pub const ACCOUNT_DOMAINS: Json = TableDefinition::new("account_domains");
/// normalized name → account id
pub const ACCOUNT_NAMES: Json = TableDefinition::new("account_names");

/// `layout` → the file's layout version (see `upgrade`)
pub const META: Json = TableDefinition::new("meta");

pub const ALL: [Json; 15] = [
    META,
    LEADS,
    IDEMPOTENCY,
    EMAILS,
    ASSIGNMENTS,
    DECISIONS,
    REPS,
    POOLS,
    OPEN_BY_REP,
    DUE,
    AWAITING,
    POLICY_POINTERS,
    ACCOUNTS,
    ACCOUNT_DOMAINS,
    ACCOUNT_NAMES,
];

/// Maps any redb error to a backend error.
pub fn db_err<E: Into<redb::Error>>(e: E) -> StoreError {
    let e: redb::Error = e.into();
    StoreError::backend_from("embedded store", e)
}

pub fn get_json<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> StoreResult<Option<T>> {
    match table.get(key).map_err(db_err)? {
        Some(v) => Ok(Some(serde_json::from_slice(v.value())?)),
        None => Ok(None),
    }
}

pub fn get_text(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> StoreResult<Option<String>> {
    match table.get(key).map_err(db_err)? {
        Some(v) => String::from_utf8(v.value().to_vec())
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("index entry {key:?} is not UTF-8"))),
        None => Ok(None),
    }
}

pub fn put_json<T: Serialize>(
    table: &mut Table<'_, &'static str, &'static [u8]>,
    key: &str,
    value: &T,
) -> StoreResult<()> {
    // Encoding a value of ours cannot fail short of a bug; it is a backend error so the
    // group commit treats it as one that may follow a write (see `writer`).
    let bytes = serde_json::to_vec(value)
        .map_err(|e| StoreError::backend_from("cannot encode a stored value", e))?;
    table.insert(key, bytes.as_slice()).map_err(db_err)?;
    Ok(())
}

/// True when an index entry exists and names `id` (no decoding, so no `Invalid`).
pub fn index_names(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    id: &str,
) -> StoreResult<bool> {
    Ok(table
        .get(key)
        .map_err(db_err)?
        .is_some_and(|v| v.value() == id.as_bytes()))
}

pub fn put_text(
    table: &mut Table<'_, &'static str, &'static [u8]>,
    key: &str,
    value: &str,
) -> StoreResult<()> {
    table.insert(key, value.as_bytes()).map_err(db_err)?;
    Ok(())
}

pub fn remove(table: &mut Table<'_, &'static str, &'static [u8]>, key: &str) -> StoreResult<()> {
    table.remove(key).map_err(db_err)?;
    Ok(())
}

pub fn pair_key(a: &str, b: &str) -> String {
    format!("{a}\0{b}")
}

pub fn decision_key(lead_id: &str, number: u32) -> String {
    format!("{lead_id}\0{number:010}")
}

pub fn due_key(due: jiff::Timestamp, lead_id: &str) -> String {
    format!("{:020}\0{lead_id}", due.as_millisecond().max(0))
}

pub fn awaiting_key(updated_at: jiff::Timestamp, lead_id: &str) -> String {
    format!("{:020}\0{lead_id}", updated_at.as_millisecond().max(0))
}

/// Writes `new` and keeps the awaiting-routing index in step with it: the entry of the
/// lead as it was (`old`) goes, and one for `new` comes if it awaits routing.
pub fn put_lead(
    leads: &mut Table<'_, &'static str, &'static [u8]>,
    awaiting: &mut Table<'_, &'static str, &'static [u8]>,
    old: Option<&crate::ports::leads::StoredLead>,
    new: &crate::ports::leads::StoredLead,
) -> StoreResult<()> {
    if let Some(old) = old.filter(|l| l.status.awaits_routing()) {
        remove(awaiting, &awaiting_key(old.updated_at, &old.lead.id))?;
    }
    if new.status.awaits_routing() {
        put_text(awaiting, &awaiting_key(new.updated_at, &new.lead.id), "")?;
    }
    put_json(leads, &new.lead.id, new)
}
