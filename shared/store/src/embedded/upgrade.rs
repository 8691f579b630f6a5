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
//!
//! - The audit log (`audit_log` table) needs no step and no new layout: `open` creates any
//!   table the file lacks, and a new table is an empty log.
//! - Nor do the sync marks (`sync_marks`) and the delivery failures (`delivery_failures`):
//!   an empty table is a sync that never ran and deliveries that never failed.
//!
//! - Nor do packed values (`crate::packed`): plain JSON written before reads as it is, and
//!   a record is packed when it is next written.
//!
//! Every step is idempotent (entries are re-added under the keys they already have), so
//! a file of any earlier version takes the same pass.

use redb::{ReadableTable, WriteTransaction};

use super::tables::{
    IDEMPOTENCY, LEADS, LeadIndexes, META, db_err, decode_under, get_text, put_text, remove,
};
use crate::error::StoreResult;
use crate::ports::leads::StoredLead;

/// The layout this code writes.
pub const LAYOUT: &str = "2";
pub const LAYOUT_KEY: &str = "layout";
const LEGACY_CLAIM_PREFIX: &str = "email-claim:";

/// Upgrades the file inside `txn` when its layout is older; a new, empty file is only
/// stamped.
pub fn upgrade(txn: &WriteTransaction) -> StoreResult<()> {
    let mut meta = txn.open_table(META).map_err(db_err)?;
    if get_text(&meta, LAYOUT_KEY)?.as_deref() == Some(LAYOUT) {
        return Ok(());
    }
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut keys = txn.open_table(IDEMPOTENCY).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut claims = Vec::new();
    let mut stored = Vec::new();
    for row in leads.iter().map_err(db_err)? {
        let (k, v) = row.map_err(db_err)?;
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
    if !claims.is_empty() || !stored.is_empty() {
        tracing::info!(
            removed_claims = claims.len(),
            indexed = stored.len(),
            "store file upgraded"
        );
    }
    put_text(&mut meta, LAYOUT_KEY, LAYOUT)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use switchboard_routing::Lead;

    use super::*;
    use crate::embedded::EmbeddedStore;
    use crate::ports::lead_index::LeadIndex;
    use crate::ports::leads::{LeadStatus, LeadStore};

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

    fn ids(leads: &[StoredLead]) -> Vec<&str> {
        leads.iter().map(|l| l.lead.id.as_str()).collect()
    }

    #[tokio::test]
    async fn a_file_from_an_earlier_version_is_indexed_and_loses_its_claims() {
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let day = jiff::SignedDuration::from_hours(24);
        // The layout stamp an earlier version left: none (before version 1), or "1" (with
        // awaiting-routing entries but neither received-time nor parked entries).
        for layout in [None, Some("1")] {
            let path = std::env::temp_dir().join(format!(
                "switchboard-upgrade-{}-{}.redb",
                std::process::id(),
                Timestamp::now().as_nanosecond()
            ));
            {
                let db = redb::Database::create(&path).unwrap();
                let txn = db.begin_write().unwrap();
                {
                    let mut leads = txn.open_table(LEADS).unwrap();
                    let mut keys = txn.open_table(IDEMPOTENCY).unwrap();
                    let mut awaiting = txn.open_table(super::super::tables::AWAITING).unwrap();
                    let mut meta = txn.open_table(META).unwrap();
                    for lead in [
                        stored("waiting", LeadStatus::Queued, at),
                        stored("done", LeadStatus::Closed, at),
                        stored("triage", LeadStatus::Parked, at),
                        stored("email-claim:ab12:0", LeadStatus::Received, at),
                    ] {
                        // Earlier versions stored plain JSON (no packing).
                        let json = serde_json::to_vec(&lead).unwrap();
                        leads
                            .insert(lead.lead.id.as_str(), json.as_slice())
                            .unwrap();
                        put_text(&mut keys, &lead.idempotency_key, &lead.lead.id).unwrap();
                    }
                    if let Some(layout) = layout {
                        let key = super::super::tables::awaiting_key(at, "waiting");
                        put_text(&mut awaiting, &key, "").unwrap();
                        put_text(&mut meta, LAYOUT_KEY, layout).unwrap();
                    }
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
            }
            let _ = std::fs::remove_file(&path);
        }
    }
}
