//! [`LeadStore`] on redb.

use jiff::Timestamp;
use redb::ReadableDatabase;
use switchboard_routing::Lead;

use super::EmbeddedStore;
use super::tables::{
    AWAITING, IDEMPOTENCY, LEADS, awaiting_key, db_err, get_json, get_text, put_lead, put_text,
};
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{Insert, LeadStatus, LeadStore, StoredLead, settable_status};

impl LeadStore for EmbeddedStore {
    async fn insert_if_absent(
        &self,
        lead: &Lead,
        idempotency_key: &str,
        now: Timestamp,
    ) -> StoreResult<Insert> {
        let lead = lead.clone();
        let key = idempotency_key.to_owned();
        self.write(move |txn| {
            let mut keys = txn.open_table(IDEMPOTENCY).map_err(db_err)?;
            let mut leads = txn.open_table(LEADS).map_err(db_err)?;
            let mut awaiting = txn.open_table(AWAITING).map_err(db_err)?;
            if let Some(existing_id) = get_text(&keys, &key)? {
                let existing = get_json::<StoredLead>(&leads, &existing_id)?.ok_or_else(|| {
                    StoreError::Invalid(format!("key {key:?} maps to missing lead"))
                })?;
                return Ok(Insert::Existing(existing));
            }
            if get_json::<StoredLead>(&leads, &lead.id)?.is_some() {
                return Err(StoreError::Conflict(format!(
                    "lead id {} is taken by another idempotency key",
                    lead.id
                )));
            }
            let stored = StoredLead {
                lead,
                idempotency_key: key.clone(),
                status: LeadStatus::Received,
                bounced: Vec::new(),
                decisions: 0,
                updated_at: now,
            };
            put_text(&mut keys, &key, &stored.lead.id)?;
            put_lead(&mut leads, &mut awaiting, None, &stored)?;
            Ok(Insert::Created(stored))
        })
        .await
    }

    async fn get(&self, lead_id: &str) -> StoreResult<Option<StoredLead>> {
        let id = lead_id.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            get_json(&leads, &id)
        })
        .await
    }

    async fn awaiting_routing(
        &self,
        updated_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<StoredLead>> {
        self.run(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let index = txn.open_table(AWAITING).map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            let hi = awaiting_key(updated_before, "");
            let mut out = Vec::new();
            for row in index.range(..hi.as_str()).map_err(db_err)? {
                if out.len() >= limit {
                    break;
                }
                let (k, _) = row.map_err(db_err)?;
                let key = k.value();
                let lead_id = key.split_once('\0').map_or("", |(_, l)| l);
                let lead: StoredLead = get_json(&leads, lead_id)?.ok_or_else(|| {
                    StoreError::Invalid(format!("awaiting index names missing lead {lead_id}"))
                })?;
                out.push(lead);
            }
            Ok(out)
        })
        .await
    }

    async fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> StoreResult<StoredLead> {
        if !settable_status(to) {
            return Err(StoreError::Invalid(format!(
                "status {} is set by routing, not set_status",
                to.as_str()
            )));
        }
        let id = lead_id.to_owned();
        self.write(move |txn| {
            let mut leads = txn.open_table(LEADS).map_err(db_err)?;
            let mut awaiting = txn.open_table(AWAITING).map_err(db_err)?;
            let mut lead: StoredLead =
                get_json(&leads, &id)?.ok_or_else(|| StoreError::NotFound(format!("lead {id}")))?;
            if lead.status != from {
                return Err(StoreError::Conflict(format!(
                    "lead {id} is {}, not {}",
                    lead.status.as_str(),
                    from.as_str()
                )));
            }
            let old = lead.clone();
            lead.status = to;
            lead.updated_at = now;
            put_lead(&mut leads, &mut awaiting, Some(&old), &lead)?;
            Ok(lead)
        })
        .await
    }
}
