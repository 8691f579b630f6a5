//! Bringing a store file written by an earlier version up to the current layout, once, when
//! it is opened. The layout version lives in the `meta` table; a file without it predates
//! all the changes below.
//!
//! - Version 1 added the awaiting-routing index: entries for leads stored before it existed
//!   are built from the leads table, so the start-up re-drive still finds them.
//! - Version 1 also moved same-email dedupe into the lead insert (the `email_index` table).
//!   Earlier versions kept it as "claim" records in the leads table, under ids starting
//!   with `email-claim:`; they are removed with their idempotency keys and index entries,
//!   so nothing ever mistakes one for a lead. (The addresses they covered start a fresh
//!   dedupe window.)
//! - Version 2 added the received-time and parked indexes (`LeadIndex`): their entries for
//!   leads stored before are built from the leads table, so the listings include them.
//! - Version 3 keeps a lead's assignment and decision records in the leads table, next to
//!   the lead (`tables::LEADS`), instead of tables of their own: the entries of the
//!   `assignments` and `decisions` tables move there, values unchanged (a packed value
//!   names its dictionary), and the two tables are deleted. A decision then writes one
//!   B-tree path where it wrote three (docs/BENCHMARKS.md).
//! - Version 4 keys the email dedupe and idempotency entries by 22 characters of a hash
//!   (`tables::email_index_key`, `tables::idempotency_index_key`) instead of 64 hex digits
//!   and the client's key: the entries of `email_index` and `idempotency_keys` move to
//!   `email_hashes` and `idempotency_hashes` under their new keys, and the old tables
//!   are deleted.
//! - Version 5 drops the repeated lead id from the assignment part of the delivery
//!   records' keys (`notified`, `delivery_failures`; `deliveries::prefix`): each entry is
//!   moved to its shorter key, value unchanged.
//!
//! - The audit log (`audit_log` table) needs no step and no new layout: `open` creates any
//!   table the file lacks, and a new table is an empty log.
//! - Nor do the sync marks (`sync_marks`) and the delivery failures (`delivery_failures`):
//!   an empty table is a sync that never ran and deliveries that never failed.
//!
//! - Nor does an idempotency key folded into its lead's email entry
//!   (`index_entries::FoldedKey`): entries without one read as they did, and keys kept in
//!   entries of their own are looked up first, as before.
//!
//! - Nor do packed values (`crate::packed`): plain JSON and values packed in an earlier
//!   format (LZ4 against the v1 dictionaries) read as they are, and a record is written in
//!   the current format (zstd against the trained dictionaries) when it is next written.
//!
//! The steps up to version 3 are idempotent (entries are re-added under the keys they
//! already have), so a file of any version before 3 takes the same pass; a file of
//! version 3 skips it (it reads every lead). The steps to versions 4 and 5 run once each,
//! in the transaction that stamps the layout.

use redb::{ReadableTable, WriteTransaction};

use super::tables::{
    DELIVERY_FAILURES, EMAILS, IDEMPOTENCY, LEADS, LEGACY_ASSIGNMENTS, LEGACY_DECISIONS,
    LEGACY_EMAILS, LEGACY_IDEMPOTENCY, LeadIndexes, META, assignment_key, db_err, decode_under,
    email_index_key_of_hex, get_text, idempotency_index_key, is_lead_key, put_json, put_text,
    remove,
};
use crate::error::StoreResult;
use crate::ports::deliveries::DeliveryKey;
use crate::ports::leads::StoredLead;

/// The layout this code writes.
pub const LAYOUT: u32 = 5;
pub const LAYOUT_KEY: &str = "layout";
const LEGACY_CLAIM_PREFIX: &str = "email-claim:";

/// Upgrades the file inside `txn` when its layout is older; a new, empty file is only
/// stamped.
pub fn upgrade(txn: &WriteTransaction) -> StoreResult<()> {
    let mut meta = txn.open_table(META).map_err(db_err)?;
    // No stamp: before version 1. A stamp this code cannot read is a later version's.
    let from = match get_text(&meta, LAYOUT_KEY)? {
        None => 0,
        Some(stamp) => stamp.parse::<u32>().unwrap_or(u32::MAX),
    };
    if from >= LAYOUT {
        return Ok(());
    }
    if from < 3 {
        up_to_3(txn)?;
    }
    if from < 4 {
        rekey_hashed(txn)?;
    }
    if from < 5 {
        rekey_deliveries(txn)?;
    }
    put_text(&mut meta, LAYOUT_KEY, &LAYOUT.to_string())
}

/// The steps to version 3 (see the module docs), for a file of any version before 3.
fn up_to_3(txn: &WriteTransaction) -> StoreResult<()> {
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut keys = txn.open_table(LEGACY_IDEMPOTENCY).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut claims = Vec::new();
    let mut stored = Vec::new();
    for row in leads.iter().map_err(db_err)? {
        let (k, v) = row.map_err(db_err)?;
        if !is_lead_key(k.value()) {
            continue;
        }
        let Ok(lead) = decode_under::<StoredLead>(k.value(), v.value()) else {
            tracing::warn!(
                lead_id = k.value(),
                "stored lead does not decode; left as it is"
            );
            continue;
        };
        if k.value().starts_with(LEGACY_CLAIM_PREFIX) {
            claims.push(lead);
        } else {
            stored.push(lead);
        }
    }
    for claim in &claims {
        remove(&mut leads, &claim.lead.id)?;
        remove(&mut keys, &claim.idempotency_key)?;
        indexes.remove_awaiting(claim)?;
    }
    for lead in &stored {
        indexes.add(lead)?;
    }
    let moved = move_into_leads(txn, &mut leads)?;
    if !claims.is_empty() || !stored.is_empty() || moved > 0 {
        tracing::info!(
            removed_claims = claims.len(),
            indexed = stored.len(),
            moved_records = moved,
            "store file upgraded"
        );
    }
    Ok(())
}

/// Moves the email dedupe and idempotency entries of a file before layout 4 to their
/// tables keyed by hashes, and deletes the old tables.
fn rekey_hashed(txn: &WriteTransaction) -> StoreResult<()> {
    let (mut emails, mut keys) = (0, 0);
    {
        let old = txn.open_table(LEGACY_EMAILS).map_err(db_err)?;
        let mut new = txn.open_table(EMAILS).map_err(db_err)?;
        for row in old.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let Some(key) = email_index_key_of_hex(k.value()) else {
                tracing::warn!("email index entry with a key that is not a hash; dropped");
                continue;
            };
            // Packed under its old key: read as JSON, packed again under the new one.
            let entry: serde_json::Value = decode_under(k.value(), v.value())?;
            put_json(&mut new, &key, &entry)?;
            emails += 1;
        }
    }
    {
        let old = txn.open_table(LEGACY_IDEMPOTENCY).map_err(db_err)?;
        let mut new = txn.open_table(IDEMPOTENCY).map_err(db_err)?;
        for row in old.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            new.insert(idempotency_index_key(k.value()).as_str(), v.value())
                .map_err(db_err)?;
            keys += 1;
        }
    }
    txn.delete_table(LEGACY_EMAILS).map_err(db_err)?;
    txn.delete_table(LEGACY_IDEMPOTENCY).map_err(db_err)?;
    if emails + keys > 0 {
        tracing::info!(
            emails,
            keys,
            "dedupe and idempotency entries keyed by hashes"
        );
    }
    Ok(())
}

/// Moves every delivery record and failure of a file before layout 5 to its shorter key
/// (`deliveries::full_key`), a chunk at a time so that memory stays small on a large file.
fn rekey_deliveries(txn: &WriteTransaction) -> StoreResult<()> {
    const CHUNK: usize = 4096;
    let mut moved = 0;
    for table in [super::deliveries::NOTIFIED, DELIVERY_FAILURES] {
        let mut table = txn.open_table(table).map_err(db_err)?;
        let mut after: Option<String> = None;
        loop {
            let mut chunk = Vec::new();
            let mut last = None;
            {
                let range = match &after {
                    Some(key) => table.range::<&str>((
                        std::ops::Bound::Excluded(key.as_str()),
                        std::ops::Bound::Unbounded,
                    )),
                    None => table.range::<&str>(..),
                }
                .map_err(db_err)?;
                for row in range.take(CHUNK) {
                    let (k, v) = row.map_err(db_err)?;
                    let key = k.value();
                    last = Some(key.to_owned());
                    let parts: Vec<&str> = key.split('\0').collect();
                    let [lead, assignment, kind, channel] = parts[..] else {
                        continue;
                    };
                    let new_key = super::deliveries::full_key(&DeliveryKey {
                        lead_id: lead,
                        assignment_id: assignment,
                        kind,
                        channel,
                    });
                    if new_key != key {
                        chunk.push((key.to_owned(), new_key, v.value().to_vec()));
                    }
                }
            }
            // A moved entry may sort after the chunk; met again, its key is already short.
            for (old, new, value) in &chunk {
                table.remove(old.as_str()).map_err(db_err)?;
                table
                    .insert(new.as_str(), value.as_slice())
                    .map_err(db_err)?;
            }
            moved += chunk.len();
            match last {
                Some(key) => after = Some(key),
                None => break,
            }
        }
    }
    if moved > 0 {
        tracing::info!(moved, "delivery records keyed without the repeated lead id");
    }
    Ok(())
}

/// The key an entry of a table before layout 3 takes in the leads table.
type KeyInLeads = fn(&str) -> String;

/// Moves the entries of the assignments and decisions tables of a file before layout 3
/// into the leads table, and deletes those tables; how many entries moved.
fn move_into_leads(
    txn: &WriteTransaction,
    leads: &mut redb::Table<'_, &'static str, &'static [u8]>,
) -> StoreResult<usize> {
    let mut moved = 0;
    // (table, the key its entry takes in the leads table)
    let legacy: [(_, KeyInLeads); 2] = [
        (LEGACY_ASSIGNMENTS, assignment_key),
        // A decision's key is the same there: `lead id NUL number`.
        (LEGACY_DECISIONS, str::to_owned),
    ];
    for (table, key_in_leads) in legacy {
        // A write transaction creates a table it opens: a file without one gets an empty
        // one here, deleted below.
        let entries: Vec<(String, Vec<u8>)> = txn
            .open_table(table)
            .map_err(db_err)?
            .iter()
            .map_err(db_err)?
            .map(|row| {
                row.map(|(k, v)| (k.value().to_owned(), v.value().to_vec()))
                    .map_err(db_err)
            })
            .collect::<StoreResult<_>>()?;
        for (key, value) in &entries {
            leads
                .insert(key_in_leads(key).as_str(), value.as_slice())
                .map_err(db_err)?;
        }
        moved += entries.len();
        txn.delete_table(table).map_err(db_err)?;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use switchboard_routing::Lead;

    use super::*;
    use crate::embedded::EmbeddedStore;
    use crate::ports::lead_index::LeadIndex;
    use crate::ports::leads::{LeadStatus, LeadStore};
    use crate::ports::routing::RoutingState;
    use redb::ReadableDatabase;

    fn stored(id: &str, status: LeadStatus, at: Timestamp) -> StoredLead {
        StoredLead {
            lead: Lead::new(id, at),
            idempotency_key: id.to_owned(),
            status,
            duplicate_of: None,
            warnings: Vec::new(),
            raw: None,
            bounced: Vec::new(),
            recycles: Vec::new(),
            decisions: 0,
            route_at: None,
            updated_at: at,
        }
    }

    fn assignment() -> crate::ports::routing::Assignment {
        serde_json::from_str(
            r#"{"lead_id":"done","rep":"de-1","pool":"dach","attempt":1,"policy_version":3,
            "assigned_at":"2026-06-01T10:00:00Z","status":"closed"}"#,
        )
        .unwrap()
    }

    /// A decision record's stand-in: the upgrade moves values without reading them.
    fn decision() -> serde_json::Value {
        serde_json::json!({"lead_id": "done", "policy_version": 3, "summary": "de-1"})
    }

    fn failure(at: Timestamp) -> crate::ports::deliveries::DeliveryFailure {
        crate::ports::deliveries::DeliveryFailure {
            assignment_id: "done:1".to_owned(),
            kind: "assigned".to_owned(),
            channel: "email".to_owned(),
            error: "mailbox full".to_owned(),
            permanent: false,
            failed_at: at,
        }
    }

    fn ids(leads: &[StoredLead]) -> Vec<&str> {
        leads.iter().map(|l| l.lead.id.as_str()).collect()
    }

    #[tokio::test]
    async fn a_file_from_an_earlier_version_is_indexed_and_loses_its_claims() {
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let day = jiff::SignedDuration::from_hours(24);
        // The layout stamp an earlier version left: none (before version 1), "1" (with
        // awaiting-routing entries but neither received-time nor parked entries), "2"
        // (assignments and decisions in tables of their own), "3" (dedupe and
        // idempotency entries under their unhashed keys) or "4" (delivery records under
        // keys that repeat the lead id).
        for layout in [None, Some("1"), Some("2"), Some("3"), Some("4")] {
            let path = crate::embedded::test_file("upgrade");
            {
                let db = redb::Database::create(&path).unwrap();
                let txn = db.begin_write().unwrap();
                // A file of layout 3 has its index entries, no claims, and its leads'
                // records in the leads table; earlier ones may lack all three.
                let layout3 = matches!(layout, Some("3" | "4"));
                let hashed = layout == Some("4");
                let leads_stored: Vec<StoredLead> = [
                    stored("waiting", LeadStatus::Queued, at),
                    stored("done", LeadStatus::Closed, at),
                    stored("triage", LeadStatus::Parked, at),
                    stored("email-claim:ab12:0", LeadStatus::Received, at),
                ]
                .into_iter()
                .filter(|l| !(layout3 && l.lead.id.starts_with(LEGACY_CLAIM_PREFIX)))
                .collect();
                {
                    let mut leads = txn.open_table(LEADS).unwrap();
                    let (keys_table, emails_table) = if hashed {
                        (IDEMPOTENCY, EMAILS)
                    } else {
                        (LEGACY_IDEMPOTENCY, LEGACY_EMAILS)
                    };
                    let mut keys = txn.open_table(keys_table).unwrap();
                    let mut emails = txn.open_table(emails_table).unwrap();
                    let address = "a@example.com";
                    let email_key = if hashed {
                        super::super::tables::email_index_key(address)
                    } else {
                        crate::ports::leads::email_key(address)
                    };
                    super::super::tables::put_json(
                        &mut emails,
                        &email_key,
                        &crate::ports::leads::EmailEntry::of(&Lead::new("done", at)),
                    )
                    .unwrap();
                    // Delivery records of "done"'s assignment, keyed as before layout 5.
                    let mut notified = txn.open_table(super::super::deliveries::NOTIFIED).unwrap();
                    let at_json = serde_json::json!({ "delivered_at": at });
                    super::super::tables::put_json(
                        &mut notified,
                        "done\0done:1\0assigned\0slack",
                        &at_json,
                    )
                    .unwrap();
                    let mut failures = txn.open_table(DELIVERY_FAILURES).unwrap();
                    super::super::tables::put_json(
                        &mut failures,
                        "done\0done:1\0assigned\0email",
                        &failure(at),
                    )
                    .unwrap();
                    let mut meta = txn.open_table(META).unwrap();
                    for lead in &leads_stored {
                        // Earlier versions stored plain JSON (no packing).
                        let json = serde_json::to_vec(lead).unwrap();
                        leads
                            .insert(lead.lead.id.as_str(), json.as_slice())
                            .unwrap();
                        let key = if hashed {
                            idempotency_index_key(&lead.idempotency_key)
                        } else {
                            lead.idempotency_key.clone()
                        };
                        put_text(&mut keys, &key, &lead.lead.id).unwrap();
                    }
                    if let Some(layout) = layout {
                        put_text(&mut meta, LAYOUT_KEY, layout).unwrap();
                    }
                    // "done" was assigned and closed: its assignment and decision, in
                    // the leads table from version 3, before it in tables of their own.
                    if layout3 {
                        let key = assignment_key("done");
                        super::super::tables::put_json(&mut leads, &key, &assignment()).unwrap();
                        let key = super::super::tables::decision_key("done", 1);
                        super::super::tables::put_json(&mut leads, &key, &decision()).unwrap();
                    } else {
                        let mut assignments = txn.open_table(LEGACY_ASSIGNMENTS).unwrap();
                        let mut decisions = txn.open_table(LEGACY_DECISIONS).unwrap();
                        super::super::tables::put_json(&mut assignments, "done", &assignment())
                            .unwrap();
                        super::super::tables::put_json(
                            &mut decisions,
                            &super::super::tables::decision_key("done", 1),
                            &decision(),
                        )
                        .unwrap();
                    }
                }
                if layout3 {
                    let mut indexes = LeadIndexes::open(&txn).unwrap();
                    for lead in &leads_stored {
                        indexes.add(lead).unwrap();
                    }
                } else if layout.is_some() {
                    // Versions 1 and 2 had the awaiting-routing entries only.
                    let mut awaiting = txn.open_table(super::super::tables::AWAITING).unwrap();
                    let key = super::super::tables::awaiting_key(at, "waiting");
                    put_text(&mut awaiting, &key, "").unwrap();
                }
                txn.commit().unwrap();
            }
            // Opening twice: the second open finds the file stamped and changes nothing.
            for open in 1..=2 {
                let what = format!("layout {layout:?}, open {open}");
                let store = EmbeddedStore::open(&path).unwrap();
                let awaiting = store.awaiting_routing(Timestamp::MAX, 10).await.unwrap();
                assert_eq!(ids(&awaiting), ["waiting"], "{what}");
                assert_eq!(store.get("email-claim:ab12:0").await.unwrap(), None);
                let window = store
                    .received_between(at - day, at + day, None, 10)
                    .await
                    .unwrap();
                assert_eq!(ids(&window.leads), ["done", "triage", "waiting"], "{what}");
                let parked = store.parked(None, 10).await.unwrap();
                assert_eq!(ids(&parked.leads), ["triage"], "{what}");
                assert_eq!(
                    store.assignment("done").await.unwrap(),
                    Some(assignment()),
                    "{what}"
                );
                let moved: Option<serde_json::Value> = store
                    .read(|db| {
                        let txn = db.begin_read().map_err(db_err)?;
                        let leads = txn.open_table(LEADS).map_err(db_err)?;
                        let key = super::super::tables::decision_key("done", 1);
                        super::super::tables::get_json(&leads, &key)
                    })
                    .unwrap();
                assert_eq!(moved, Some(decision()), "{what}");
                let tables: Vec<String> = store
                    .read(|db| {
                        let txn = db.begin_read().map_err(db_err)?;
                        let names = txn.list_tables().map_err(db_err)?;
                        Ok(names
                            .map(|t| redb::TableHandle::name(&t).to_owned())
                            .collect())
                    })
                    .unwrap();
                assert!(
                    !tables.iter().any(|t| [
                        "assignments",
                        "decisions",
                        "email_index",
                        "idempotency_keys"
                    ]
                    .contains(&t.as_str())),
                    "{what}: {tables:?}"
                );
                assert_eq!(store.get("done").await.unwrap().unwrap().lead.id, "done");
                // The dedupe and idempotency entries, under their hashed keys (layout 4).
                let primary = store.latest_by_email("a@example.com").await.unwrap();
                assert_eq!(
                    primary.map(|l| l.lead.id.to_string()).as_deref(),
                    Some("done"),
                    "{what}"
                );
                let again = crate::ports::leads::NewLead::new(Lead::new("other", at), "done");
                match store.insert_if_absent(&again, at).await.unwrap() {
                    crate::ports::leads::Insert::Existing(lead) => {
                        assert_eq!(lead.lead.id, "done", "{what}");
                    }
                    other => panic!("{what}: {other:?}"),
                }
                // The delivery records, under their shorter keys (layout 5).
                use crate::ports::deliveries::DeliveryLog;
                let channels = store
                    .delivered_channels("done", "done:1", "assigned")
                    .await
                    .unwrap();
                assert_eq!(channels, ["slack"], "{what}");
                let failed = store.delivery_failures("done").await.unwrap();
                assert_eq!(failed, [failure(at)], "{what}");
            }
            let _ = std::fs::remove_file(&path);
        }
    }
}
