//! Bringing a store file written by an earlier version up to the current layout, once, when
//! it is opened. The layout version lives in the `meta` table; a file without it predates
//! both changes below.
//!
//! - Version 1 added the awaiting-routing index: entries for leads stored before it existed
//!   are built from the leads table, so the start-up re-drive still finds them.
//! - Version 1 also moved same-email dedupe into the lead insert (the `email_index` table).
//!   Earlier versions kept it as "claim" records in the leads table, under ids starting
//!   with `email-claim:`; they are removed with their idempotency keys and index entries,
//!   so nothing ever mistakes one for a lead. (The addresses they covered start a fresh
//!   dedupe window.)

use redb::{ReadableTable, WriteTransaction};

use super::tables::{
    AWAITING, IDEMPOTENCY, LEADS, META, awaiting_key, db_err, get_text, put_text, remove,
};
use crate::error::StoreResult;
use crate::ports::leads::StoredLead;

/// The layout this code writes.
pub const LAYOUT: &str = "1";
const LAYOUT_KEY: &str = "layout";
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
    let mut awaiting = txn.open_table(AWAITING).map_err(db_err)?;
    let mut claims = Vec::new();
    let mut unindexed = Vec::new();
    for row in leads.iter().map_err(db_err)? {
        let (k, v) = row.map_err(db_err)?;
        let Ok(lead) = serde_json::from_slice::<StoredLead>(v.value()) else {
            tracing::warn!(
                lead_id = k.value(),
                "stored lead does not decode; left as it is"
            );
            continue;
        };
        if k.value().starts_with(LEGACY_CLAIM_PREFIX) {
            claims.push(lead);
        } else if lead.status.awaits_routing() {
            unindexed.push(awaiting_key(lead.updated_at, &lead.lead.id));
        }
    }
    for claim in &claims {
        remove(&mut leads, &claim.lead.id)?;
        remove(&mut keys, &claim.idempotency_key)?;
        remove(
            &mut awaiting,
            &awaiting_key(claim.updated_at, &claim.lead.id),
        )?;
    }
    for key in &unindexed {
        put_text(&mut awaiting, key, "")?;
    }
    if !claims.is_empty() || !unindexed.is_empty() {
        tracing::info!(
            removed_claims = claims.len(),
            indexed = unindexed.len(),
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
    use crate::embedded::tables::put_json;
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
            decisions: 0,
            updated_at: at,
        }
    }

    #[tokio::test]
    async fn a_file_from_an_earlier_version_is_indexed_and_loses_its_claims() {
        let path = std::env::temp_dir().join(format!(
            "switchboard-upgrade-{}-{}.redb",
            std::process::id(),
            Timestamp::now().as_nanosecond()
        ));
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        // The earlier layout: leads and keys, no layout stamp, no index entries.
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut leads = txn.open_table(LEADS).unwrap();
                let mut keys = txn.open_table(IDEMPOTENCY).unwrap();
                for lead in [
                    stored("waiting", LeadStatus::Queued, at),
                    stored("done", LeadStatus::Closed, at),
                    stored("email-claim:ab12:0", LeadStatus::Received, at),
                ] {
                    put_json(&mut leads, &lead.lead.id, &lead).unwrap();
                    put_text(&mut keys, &lead.idempotency_key, &lead.lead.id).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let store = EmbeddedStore::open(&path).unwrap();
        let awaiting = store.awaiting_routing(Timestamp::MAX, 10).await.unwrap();
        let ids: Vec<&str> = awaiting.iter().map(|l| l.lead.id.as_str()).collect();
        assert_eq!(ids, ["waiting"]);
        assert_eq!(store.get("email-claim:ab12:0").await.unwrap(), None);
        assert!(store.get("done").await.unwrap().is_some());
        drop(store);
        // Opening again changes nothing (the file is stamped).
        let store = EmbeddedStore::open(&path).unwrap();
        assert_eq!(
            store
                .awaiting_routing(Timestamp::MAX, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        drop(store);
        let _ = std::fs::remove_file(&path);
    }
}
