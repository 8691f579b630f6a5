//! [`LeadStore`] on redb.

use jiff::Timestamp;
use redb::{ReadableDatabase, WriteTransaction};

use super::EmbeddedStore;
use super::tables::{
    AWAITING, EMAILS, IDEMPOTENCY, LEADS, LeadIndexes, awaiting_key, db_err, email_index_key,
    get_json, get_text, idempotency_index_key, leads_indexed_below, put_json, put_lead, put_text,
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
            let Some(entry) = get_json::<EmailEntry>(&emails, &index_key)? else {
                return Ok(None);
            };
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

/// An idempotency entry: the lead id, and the key's expiry when it has one. Entries written
/// before keys could expire hold the id alone.
fn encode_key_entry(lead_id: &str, expires_at: Option<Timestamp>) -> String {
    match expires_at {
        Some(at) => format!("{lead_id}\0{}", at.as_millisecond()),
        None => lead_id.to_owned(),
    }
}

fn decode_key_entry(entry: &str) -> StoreResult<(&str, Option<Timestamp>)> {
    let Some((lead_id, ms)) = entry.split_once('\0') else {
        return Ok((entry, None));
    };
    let at = ms
        .parse::<i64>()
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .ok_or_else(|| StoreError::Invalid(format!("idempotency entry expiry {ms:?}")))?;
    Ok((lead_id, Some(at)))
}

/// The insert itself (see [`LeadStore::insert_if_absent`]), inside the writer's transaction.
fn insert_in(txn: &WriteTransaction, new: &NewLead, now: Timestamp) -> StoreResult<Insert> {
    let mut keys = txn.open_table(IDEMPOTENCY).map_err(db_err)?;
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut emails = txn.open_table(EMAILS).map_err(db_err)?;
    let key = &new.idempotency_key;
    let key_entry = idempotency_index_key(key);
    if let Some(entry) = get_text(&keys, &key_entry)? {
        let (existing_id, expires_at) = decode_key_entry(&entry)?;
        if !NewLead::key_expired(expires_at, now) {
            let existing = get_json::<StoredLead>(&leads, existing_id)?
                .ok_or_else(|| StoreError::Invalid(format!("key {key:?} maps to missing lead")))?;
            return Ok(Insert::Existing(existing));
        }
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
        let entry: Option<EmailEntry> = get_json(&emails, &index_key)?;
        match EmailEntry::primary_within(entry.as_ref(), since) {
            Some(primary) => stored = stored.into_duplicate(primary),
            None => put_json(&mut emails, &index_key, &EmailEntry::of(&stored.lead))?,
        }
    }
    put_text(
        &mut keys,
        &key_entry,
        &encode_key_entry(&stored.lead.id, new.key_expires_at),
    )?;
    put_lead(&mut leads, &mut indexes, None, &stored)?;
    Ok(Insert::Created(stored))
}
