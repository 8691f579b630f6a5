//! [`LeadStore`] on redb.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, WriteTransaction};

use super::EmbeddedStore;
use super::index_entries::{
    decode_email_entry, decode_key_entry, encode_email_entry, encode_key_entry,
};
use super::tables::{
    AWAITING, EMAILS, IDEMPOTENCY, LEADS, LeadIndexes, awaiting_key, db_err, email_index_key,
    get_json, idempotency_index_key, leads_indexed_below, put_lead,
};
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{
    EmailEntry, Insert, LeadStatus, LeadStore, NewLead, PendingInsert, StoredLead, check_settable,
};

impl LeadStore for EmbeddedStore {
    async fn insert_if_absent(&self, new: &NewLead, now: Timestamp) -> StoreResult<Insert> {
        let new = new.clone();
        self.write(move |txn| insert_in(txn, &new, now)).await
    }

    async fn insert_visible(&self, new: &NewLead, now: Timestamp) -> StoreResult<PendingInsert> {
        let new = new.clone();
        let (insert, on_disk) = self
            .write_visible(move |txn| insert_in(txn, &new, now))
            .await?;
        Ok(PendingInsert::pending(
            insert,
            Box::pin(async move {
                match on_disk.await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(why)) => Err(StoreError::backend(format!("insert not synced: {why}"))),
                    Err(_) => Err(StoreError::backend(
                        "the store's writer stopped before the insert was synced",
                    )),
                }
            }),
        ))
    }

    async fn latest_by_email(&self, email: &str) -> StoreResult<Option<StoredLead>> {
        let index_key = email_index_key(email);
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let emails = txn.open_table(EMAILS).map_err(db_err)?;
            let Some(stored) = emails.get(index_key.as_str()).map_err(db_err)? else {
                return Ok(None);
            };
            let entry = decode_email_entry(&index_key, stored.value())?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            get_json(&leads, &entry.lead_id)
        })
    }

    async fn get(&self, lead_id: &str) -> StoreResult<Option<StoredLead>> {
        let id = lead_id.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            get_json(&leads, &id)
        })
    }

    async fn awaiting_routing(
        &self,
        updated_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<StoredLead>> {
        let hi = awaiting_key(updated_before, "");
        self.scan(move |db| leads_indexed_below(db, AWAITING, "awaiting", &hi, limit))
            .await
    }

    async fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> StoreResult<StoredLead> {
        check_settable(to)?;
        let id = lead_id.to_owned();
        self.write(move |txn| {
            let mut leads = txn.open_table(LEADS).map_err(db_err)?;
            let mut indexes = LeadIndexes::open(txn)?;
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
            put_lead(&mut leads, &mut indexes, Some(&old), &lead)?;
            Ok(lead)
        })
        .await
    }
}

/// The insert itself (see [`LeadStore::insert_if_absent`]), inside the writer's transaction.
fn insert_in(txn: &WriteTransaction, new: &NewLead, now: Timestamp) -> StoreResult<Insert> {
    let mut keys = txn.open_table(IDEMPOTENCY).map_err(db_err)?;
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut emails = txn.open_table(EMAILS).map_err(db_err)?;
    let key = &new.idempotency_key;
    let key_entry = idempotency_index_key(key);
    let entry = match keys.get(key_entry.as_str()).map_err(db_err)? {
        Some(stored) => Some(decode_key_entry(stored.value())?),
        None => None,
    };
    if let Some((existing_id, expires_at)) = entry
        && !NewLead::key_expired(expires_at, now)
    {
        let existing = get_json::<StoredLead>(&leads, &existing_id)?
            .ok_or_else(|| StoreError::Invalid(format!("key {key:?} maps to missing lead")))?;
        return Ok(Insert::Existing(existing));
    }
    if get_json::<StoredLead>(&leads, &new.lead.id)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "lead id {} is taken by another idempotency key",
            new.lead.id
        )));
    }
    let mut stored = StoredLead::from_new(new, now);
    // The dedupe is decided here, inside the transaction that writes the lead:
    // redb runs one write transaction at a time, so the entry read is the entry
    // the commit replaces.
    if let Some((email, since)) = new.dedupe() {
        let index_key = email_index_key(email);
        let entry = match emails.get(index_key.as_str()).map_err(db_err)? {
            Some(e) => Some(decode_email_entry(&index_key, e.value())?),
            None => None,
        };
        match EmailEntry::primary_within(entry.as_ref(), since) {
            Some(primary) => stored = stored.into_duplicate(primary),
            None => {
                let entry = encode_email_entry(&EmailEntry::of(&stored.lead));
                emails
                    .insert(index_key.as_str(), entry.as_slice())
                    .map_err(db_err)?;
            }
        }
    }
    let entry = encode_key_entry(&stored.lead.id, new.key_expires_at);
    keys.insert(key_entry.as_str(), entry.as_slice())
        .map_err(db_err)?;
    put_lead(&mut leads, &mut indexes, None, &stored)?;
    Ok(Insert::Created(stored))
}
