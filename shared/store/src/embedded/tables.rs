//! The redb tables of the embedded store and JSON helpers over them.
//!
//! Values are the API's JSON shapes, packed (`crate::packed`: LZ4 against a fixed
//! dictionary, a third of the bytes); values written before packing are plain JSON and read
//! the same. Keys that combine two ids separate them with NUL, which ids never contain.

use redb::{
    Database, ReadableDatabase, ReadableTable, Table, TableDefinition, TableHandle,
    WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{StoreError, StoreResult};
use crate::packed::Kind;
use crate::ports::lead_index::time_key;
use crate::ports::leads::{LeadStatus, StoredLead};

type Json = TableDefinition<'static, &'static str, &'static [u8]>;

/// A lead's records, next to each other (layout 3; see `upgrade`): lead id → `StoredLead`,
/// `lead id NUL a` ([`assignment_key`]) → its `Assignment`, `lead id NUL decision number
/// (10 digits)` ([`decision_key`]) → each `DecisionRecord`. A decision writes all three
/// with one pass down one B-tree instead of three.
pub const LEADS: Json = TableDefinition::new("leads");
/// [`idempotency_index_key`] → `lead id` or `lead id NUL expiry (epoch ms)` (UTF-8)
pub const IDEMPOTENCY: Json = TableDefinition::new("idempotency_hashes");
/// [`email_index_key`] → `EmailEntry`: the address's latest primary lead (email dedupe)
pub const EMAILS: Json = TableDefinition::new("email_hashes");
/// Before layout 4: idempotency key → as [`IDEMPOTENCY`] (now keyed by a hash).
pub const LEGACY_IDEMPOTENCY: Json = TableDefinition::new("idempotency_keys");
/// Before layout 4: `email_key(address)` (64 hex digits) → as [`EMAILS`].
pub const LEGACY_EMAILS: Json = TableDefinition::new("email_index");
/// Before layout 3: lead id → `Assignment` (now in [`LEADS`]).
pub const LEGACY_ASSIGNMENTS: Json = TableDefinition::new("assignments");
/// Before layout 3: `lead id NUL decision number` → `DecisionRecord` (now in [`LEADS`]).
pub const LEGACY_DECISIONS: Json = TableDefinition::new("decisions");
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
/// `received_at (time_key) NUL lead id` → empty: every lead by the time it was received.
pub const RECEIVED: Json = TableDefinition::new("leads_by_received");
/// `updated_at (time_key) NUL lead id` → empty: leads parked now, by the time they were
/// parked (a parked lead's `updated_at`).
pub const PARKED: Json = TableDefinition::new("parked_leads");
/// `route_at (time_key) NUL lead id` → empty: leads scheduled to be routed later, by when.
pub const SCHEDULED: Json = TableDefinition::new("scheduled_leads");
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

/// `at (time_key) NUL entry id` → `AuditEntry`: the admin audit log, in time order.
pub const AUDIT: Json = TableDefinition::new("audit_log");

/// rep id → `OutcomeRecord`: the rep's won and lost closes, overall and by segment.
pub const REP_OUTCOMES: Json = TableDefinition::new("rep_outcomes");

/// `time_key(decided_at) NUL lead id` → `ShadowDecision`: the shadow policy's decisions.
pub const SHADOW_DECISIONS: Json = TableDefinition::new("shadow_decisions");

/// sync name → the sync's high-water mark (RFC 3339, UTF-8): how far an incremental sync
/// from an outside system (the CRM's accounts) has read.
pub const SYNC_MARKS: Json = TableDefinition::new("sync_marks");

/// `lead NUL assignment NUL kind NUL channel` → `DeliveryFailure`: the last failure of a
/// delivery the notifier could not make (see `deliveries`).
pub const DELIVERY_FAILURES: Json = TableDefinition::new("delivery_failures");

/// `layout` → the file's layout version (see `upgrade`)
pub const META: Json = TableDefinition::new("meta");

pub const ALL: [Json; 21] = [
    META,
    LEADS,
    IDEMPOTENCY,
    EMAILS,
    REPS,
    POOLS,
    OPEN_BY_REP,
    DUE,
    AWAITING,
    RECEIVED,
    PARKED,
    SCHEDULED,
    POLICY_POINTERS,
    ACCOUNTS,
    ACCOUNT_DOMAINS,
    ACCOUNT_NAMES,
    AUDIT,
    REP_OUTCOMES,
    SHADOW_DECISIONS,
    SYNC_MARKS,
    DELIVERY_FAILURES,
];

/// Maps any redb error to a backend error.
pub fn db_err<E: Into<redb::Error>>(e: E) -> StoreError {
    let e: redb::Error = e.into();
    StoreError::backend_from("embedded store", e)
}

/// The leads a time index (keys `<time> NUL <lead id>`, no values: the awaiting-routing
/// and scheduled indexes) names below the key `hi`, earliest first, at most `limit`.
/// `index_name` names the index in the error for an entry whose lead is missing.
pub fn leads_indexed_below(
    db: &Database,
    index: Json,
    index_name: &str,
    hi: &str,
    limit: usize,
) -> StoreResult<Vec<StoredLead>> {
    records_indexed(
        db,
        (index, index_name),
        (LEADS, "lead", str::to_owned),
        ..hi,
        limit,
    )
}

/// The records a time index (keys `<time> NUL <id>`, no values) names in `range`, in key
/// order, at most `limit`, each read from the table `records` under the key `record_key`
/// makes of its id. The names (`index` and `records`, each a table and what to call it)
/// make the error for an entry whose record is missing.
pub fn records_indexed<'a, T: DeserializeOwned>(
    db: &Database,
    (index, index_name): (Json, &str),
    (records, record_name, record_key): (Json, &str, fn(&str) -> String),
    range: impl std::ops::RangeBounds<&'a str> + 'a,
    limit: usize,
) -> StoreResult<Vec<T>> {
    let txn = db.begin_read().map_err(db_err)?;
    let entries = txn.open_table(index).map_err(db_err)?;
    let records = txn.open_table(records).map_err(db_err)?;
    let mut out = Vec::new();
    for row in entries.range(range).map_err(db_err)?.take(limit) {
        let (k, _) = row.map_err(db_err)?;
        let key = k.value();
        let id = key.split_once('\0').map_or("", |(_, l)| l);
        let record: T = get_json(&records, &record_key(id))?.ok_or_else(|| {
            StoreError::Invalid(format!(
                "{index_name} index names missing {record_name} {id}"
            ))
        })?;
        out.push(record);
    }
    Ok(out)
}

pub fn get_json<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> StoreResult<Option<T>> {
    match table.get(key).map_err(db_err)? {
        Some(v) => Ok(Some(decode_under(key, v.value())?)),
        None => Ok(None),
    }
}

/// The id a value stored under `key` is packed without (`crate::packed::pack_under`): the
/// key's first part, a lead id for the leads, assignments and decisions.
fn key_id(key: &str) -> &str {
    key.split('\0').next().unwrap_or(key)
}

/// A value stored under `key` by [`put_json`] (packed or plain JSON) as `T`.
pub fn decode_under<T: DeserializeOwned>(key: &str, stored: &[u8]) -> StoreResult<T> {
    Ok(serde_json::from_slice(&crate::packed::unpack_under(
        stored,
        key_id(key),
    )?)?)
}

/// The JSON of a value stored under `key` in any of the store's text-keyed tables, for
/// tools that read the file (`examples/store_sizes.rs`).
pub fn stored_json(key: &str, stored: &[u8]) -> StoreResult<Vec<u8>> {
    Ok(crate::packed::unpack_under(stored, key_id(key))?.into_owned())
}

/// A value stored by [`encode`] (under a key that is not text) as `T`.
pub fn decode<T: DeserializeOwned>(stored: &[u8]) -> StoreResult<T> {
    Ok(serde_json::from_slice(&crate::packed::unpack(stored)?)?)
}

/// `value` as stored under a key that is not text: its JSON, packed.
pub fn encode<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    Ok(crate::packed::pack(to_json(value)?, Kind::General))
}

/// The dictionary a value is packed against: by its table, and in the leads table by the
/// kind of record its key names.
pub fn packed_kind_of(table: &str, key: &str) -> Kind {
    if table == LEADS.name() {
        if is_lead_key(key) {
            Kind::Lead
        } else if is_assignment_key(key) {
            Kind::Assignment
        } else {
            Kind::Decision
        }
    } else if table == SHADOW_DECISIONS.name() {
        Kind::Decision
    } else {
        Kind::General
    }
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    // Encoding a value of ours cannot fail short of a bug; it is a backend error so the
    // group commit treats it as one that may follow a write (see `writer`).
    serde_json::to_vec(value)
        .map_err(|e| StoreError::backend_from("cannot encode a stored value", e))
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
    let packed = crate::packed::pack_under(
        to_json(value)?,
        key_id(key),
        packed_kind_of(table.name(), key),
    );
    table.insert(key, packed.as_slice()).map_err(db_err)?;
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

/// Key of an address's entry in [`EMAILS`]: the first 16 bytes of the address's SHA-256
/// (the first half of `email_key`), base64url, 22 characters where `email_key`'s 64 hex
/// digits took 64.
///
/// Why: these keys are random, so every insert lands on a page of its own and the table
/// stays about two thirds full whatever the rate; its bytes per lead are its keys' and
/// values' size. 128 bits keep a collision out of reach (about one in 10^19 with 10^10
/// addresses).
pub fn email_index_key(email: &str) -> String {
    hashed_key(email)
}

/// Key of an idempotency key's entry in [`IDEMPOTENCY`]: the first 16 bytes of the key's
/// SHA-256, base64url, 22 characters. Keys are up to a few hundred characters (a source
/// and the SHA-256 of a body in hex is 73); the lead and expiry are in the value.
pub fn idempotency_index_key(key: &str) -> String {
    hashed_key(key)
}

/// The first 16 bytes of an idempotency key's SHA-256: what its [`IDEMPOTENCY`] key is made
/// from, and what an email entry keeps of a key folded into it.
pub fn idempotency_hash(key: &str) -> [u8; 16] {
    sha256_prefix(key)
}

/// The [`IDEMPOTENCY`] key of a key known by its [`idempotency_hash`].
pub fn idempotency_index_key_of(hash: &[u8; 16]) -> String {
    short_hash(hash)
}

/// The first 16 bytes of `text`'s SHA-256, base64url: the hashed tables' keys.
fn hashed_key(text: &str) -> String {
    short_hash(&sha256_prefix(text))
}

/// The first 16 bytes of `text`'s SHA-256.
fn sha256_prefix(text: &str) -> [u8; 16] {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut prefix = [0; 16];
    prefix.copy_from_slice(&digest[..16]);
    prefix
}

fn short_hash(digest: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The [`EMAILS`] key of an entry keyed by `email_key` (64 hex digits) before layout 4.
pub fn email_index_key_of_hex(hex_key: &str) -> Option<String> {
    let bytes = hex::decode(hex_key.get(..32)?).ok()?;
    Some(short_hash(&bytes))
}

pub fn pair_key(a: &str, b: &str) -> String {
    format!("{a}\0{b}")
}

pub fn decision_key(lead_id: &str, number: u32) -> String {
    format!("{lead_id}\0{number:010}")
}

/// What follows a lead id and NUL in the key of its assignment (sorts after its decisions'
/// digits).
const ASSIGNMENT_TAG: &str = "a";

/// Key of a lead's assignment in [`LEADS`].
pub fn assignment_key(lead_id: &str) -> String {
    format!("{lead_id}\0{ASSIGNMENT_TAG}")
}

/// The keys of a lead's decision records in [`LEADS`], and nothing else of it.
fn decisions_of(lead_id: &str) -> std::ops::Range<String> {
    format!("{lead_id}\x000")..format!("{lead_id}\x00:")
}

/// A lead's decision records, in order, from its leads table.
pub fn read_decisions<T: DeserializeOwned>(
    leads: &impl ReadableTable<&'static str, &'static [u8]>,
    lead_id: &str,
) -> StoreResult<Vec<T>> {
    let range = decisions_of(lead_id);
    let mut out = Vec::new();
    for row in leads
        .range(range.start.as_str()..range.end.as_str())
        .map_err(db_err)?
    {
        let (k, v) = row.map_err(db_err)?;
        out.push(decode_under(k.value(), v.value())?);
    }
    Ok(out)
}

/// True for a key of the leads table that names a lead (not one of its records).
pub fn is_lead_key(key: &str) -> bool {
    !key.contains('\0')
}

/// True for a key of the leads table that names a lead's assignment.
pub fn is_assignment_key(key: &str) -> bool {
    key.split_once('\0')
        .is_some_and(|(_, tag)| tag == ASSIGNMENT_TAG)
}

pub fn due_key(due: jiff::Timestamp, lead_id: &str) -> String {
    format!("{:020}\0{lead_id}", due.as_millisecond().max(0))
}

pub fn awaiting_key(updated_at: jiff::Timestamp, lead_id: &str) -> String {
    format!("{:020}\0{lead_id}", updated_at.as_millisecond().max(0))
}

/// Key of an audit entry: its time's sort key form, then its id.
pub fn audit_key(at: jiff::Timestamp, id: &str) -> String {
    format!("{}\0{id}", time_key(at))
}

/// Key of the received-time index: the time's sort key form, then the lead.
pub fn received_key(lead: &StoredLead) -> String {
    format!("{}\0{}", time_key(lead.lead.received_at), lead.lead.id)
}

/// Key of the parked index: the time the lead was parked (its `updated_at`), then the lead.
pub fn parked_key(lead: &StoredLead) -> String {
    format!("{}\0{}", time_key(lead.updated_at), lead.lead.id)
}

/// Key of the scheduled index: the time the lead is to be routed, then the lead; `None`
/// for a lead that is not scheduled.
pub fn scheduled_key(lead: &StoredLead) -> Option<String> {
    let at = lead
        .route_at
        .filter(|_| lead.status == LeadStatus::Scheduled)?;
    Some(format!("{}\0{}", time_key(at), lead.lead.id))
}

/// The index tables every write of a lead keeps in step with it, opened in that write's
/// transaction so a lead and its index entries commit together.
pub struct LeadIndexes<'txn> {
    awaiting: Table<'txn, &'static str, &'static [u8]>,
    received: Table<'txn, &'static str, &'static [u8]>,
    parked: Table<'txn, &'static str, &'static [u8]>,
    scheduled: Table<'txn, &'static str, &'static [u8]>,
}

impl<'txn> LeadIndexes<'txn> {
    pub fn open(txn: &'txn WriteTransaction) -> StoreResult<LeadIndexes<'txn>> {
        Ok(LeadIndexes {
            awaiting: txn.open_table(AWAITING).map_err(db_err)?,
            received: txn.open_table(RECEIVED).map_err(db_err)?,
            parked: txn.open_table(PARKED).map_err(db_err)?,
            scheduled: txn.open_table(SCHEDULED).map_err(db_err)?,
        })
    }

    /// Drops the entries of the lead as it was (`old`) and adds those of `new`: awaiting
    /// routing while `received`/`queued`, parked while `parked`, scheduled while
    /// `scheduled`, received-time always.
    /// Entries are keyed by values that can change (`updated_at`), so the old ones are
    /// removed by the old values rather than looked up.
    fn replace(&mut self, old: Option<&StoredLead>, new: &StoredLead) -> StoreResult<()> {
        let Some(old) = old else {
            return self.add(new);
        };
        if old.status.awaits_routing() {
            remove(
                &mut self.awaiting,
                &awaiting_key(old.updated_at, &old.lead.id),
            )?;
        }
        if new.status.awaits_routing() {
            put_text(
                &mut self.awaiting,
                &awaiting_key(new.updated_at, &new.lead.id),
                "",
            )?;
        }
        if old.status == LeadStatus::Parked {
            remove(&mut self.parked, &parked_key(old))?;
        }
        if new.status == LeadStatus::Parked {
            put_text(&mut self.parked, &parked_key(new), "")?;
        }
        if let Some(key) = scheduled_key(old) {
            remove(&mut self.scheduled, &key)?;
        }
        if let Some(key) = scheduled_key(new) {
            put_text(&mut self.scheduled, &key, "")?;
        }
        // `received_at` does not change after the insert: this entry is rewritten only if
        // a caller ever changes it.
        let (was, is) = (received_key(old), received_key(new));
        if was != is {
            remove(&mut self.received, &was)?;
            put_text(&mut self.received, &is, "")?;
        }
        Ok(())
    }

    /// Adds the entries of `lead` (idempotent: the upgrade re-adds what exists).
    pub fn add(&mut self, lead: &StoredLead) -> StoreResult<()> {
        if lead.status.awaits_routing() {
            put_text(
                &mut self.awaiting,
                &awaiting_key(lead.updated_at, &lead.lead.id),
                "",
            )?;
        }
        if lead.status == LeadStatus::Parked {
            put_text(&mut self.parked, &parked_key(lead), "")?;
        }
        if let Some(key) = scheduled_key(lead) {
            put_text(&mut self.scheduled, &key, "")?;
        }
        put_text(&mut self.received, &received_key(lead), "")
    }

    /// Drops an awaiting-routing entry by its key (the upgrade's removal of legacy records).
    pub fn remove_awaiting(&mut self, lead: &StoredLead) -> StoreResult<()> {
        remove(
            &mut self.awaiting,
            &awaiting_key(lead.updated_at, &lead.lead.id),
        )
    }
}

/// Writes `new` and keeps the lead's index entries in step with it (see [`LeadIndexes`]).
pub fn put_lead(
    leads: &mut Table<'_, &'static str, &'static [u8]>,
    indexes: &mut LeadIndexes<'_>,
    old: Option<&StoredLead>,
    new: &StoredLead,
) -> StoreResult<()> {
    indexes.replace(old, new)?;
    put_json(leads, &new.lead.id, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_stored_packed_without_their_key_and_read_back() {
        let path = switchboard_testkit::temp_db();
        let db = Database::create(&path).unwrap();
        let assignment: crate::ports::routing::Assignment = serde_json::from_str(
            r#"{"lead_id":"0193a2b4-0000-7000-8000-000000000001","rep":"de-1","pool":"dach",
            "attempt":1,"policy_version":3,"assigned_at":"2026-12-01T09:00:00Z",
            "sla_due":"2026-12-01T09:15:00Z","status":"open"}"#,
        )
        .unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut table = txn.open_table(LEADS).unwrap();
            let key = assignment_key(&assignment.lead_id);
            put_json(&mut table, &key, &assignment).unwrap();
            let stored = table.get(key.as_str()).unwrap().unwrap().value().to_vec();
            // Stored without the lead id its key holds: not readable without the key.
            assert!(crate::packed::unpack(&stored).is_err());
            let json = serde_json::to_vec(&assignment).unwrap();
            assert!(
                stored.len() * 2 < json.len(),
                "{} of {} bytes",
                stored.len(),
                json.len()
            );
            assert_eq!(get_json(&table, &key).unwrap(), Some(assignment));
        }
        txn.abort().unwrap();
    }

    #[test]
    fn hashed_keys_are_short_and_an_old_email_key_maps_to_the_new_one() {
        for email in ["ada@example.com", "bo@mail.example.co.uk", ""] {
            let key = email_index_key(email);
            assert_eq!(key.len(), 22, "{key}");
            let old = crate::ports::leads::email_key(email);
            assert_eq!(email_index_key_of_hex(&old), Some(key));
        }
        assert_eq!(email_index_key_of_hex("not hex"), None);
        let key = idempotency_index_key(&format!("api:hash:{}", "ab".repeat(32)));
        assert_eq!(key.len(), 22);
        assert_ne!(key, idempotency_index_key("api:hash:other"));
    }
}
