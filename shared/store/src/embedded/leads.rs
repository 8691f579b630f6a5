//! [`LeadStore`] on redb.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, WriteTransaction};

use super::EmbeddedStore;
use super::index_entries::{
    FoldedKey, decode_email_entry, decode_key_entry, encode_email_entry, encode_key_entry,
};
use super::tables::{
    AWAITING, EMAILS, IDEMPOTENCY, LEADS, LeadIndexes, awaiting_key, db_err, email_index_key,
    get_json, idempotency_hash, idempotency_index_key_of, leads_indexed_below, put_lead,
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
            let (entry, _) = decode_email_entry(&index_key, stored.value())?;
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
///
/// A lead whose key comes from its content ([`NewLead::key_from_content`]) and that
/// becomes its address's primary keeps the key in the address's email entry
/// ([`FoldedKey`]) instead of an idempotency entry of its own: a redelivery has the same
/// content, so the same address, and finds it there. When a later primary takes the
/// address over, a folded key still in force moves to an entry of its own.
fn insert_in(txn: &WriteTransaction, new: &NewLead, now: Timestamp) -> StoreResult<Insert> {
    let mut keys = txn.open_table(IDEMPOTENCY).map_err(db_err)?;
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut emails = txn.open_table(EMAILS).map_err(db_err)?;
    let key = &new.idempotency_key;
    let key_hash = idempotency_hash(key);
    let key_entry = idempotency_index_key_of(&key_hash);
    let live = |expires_at| !NewLead::key_expired(expires_at, now);
    let existing = |id: &str| -> StoreResult<Insert> {
        let lead = get_json::<StoredLead>(&leads, id)?
            .ok_or_else(|| StoreError::Invalid(format!("key {key:?} maps to missing lead")))?;
        Ok(Insert::Existing(lead))
    };
    if let Some(stored) = keys.get(key_entry.as_str()).map_err(db_err)? {
        let (id, expires_at) = decode_key_entry(stored.value())?;
        if live(expires_at) {
            return existing(&id);
        }
    }
    // The address's entry, read once: for a folded key, and for the dedupe.
    let email = new
        .lead
        .email
        .as_deref()
        .filter(|_| new.dedupe_since.is_some() || new.key_from_content);
    let address = match email {
        Some(email) => {
            let index_key = email_index_key(email);
            let entry = match emails.get(index_key.as_str()).map_err(db_err)? {
                Some(e) => Some(decode_email_entry(&index_key, e.value())?),
                None => None,
            };
            Some((index_key, entry))
        }
        None => None,
    };
    if new.key_from_content
        && let Some((_, Some((entry, Some(folded))))) = &address
        && folded.hash == key_hash
        && live(folded.expires_at)
    {
        return existing(&entry.lead_id);
    }
    if get_json::<StoredLead>(&leads, &new.lead.id)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "lead id {} is taken by another idempotency key",
            new.lead.id
        )));
    }
    let mut stored = StoredLead::from_new(new, now);
    let mut folded = false;
    // The dedupe is decided here, inside the transaction that writes the lead:
    // redb runs one write transaction at a time, so the entry read is the entry
    // the commit replaces.
    if let (Some(since), Some((index_key, entry))) = (new.dedupe_since, &address) {
        let current = entry.as_ref().map(|(e, _)| e);
        match EmailEntry::primary_within(current, since) {
            Some(primary) => stored = stored.into_duplicate(primary),
            None => {
                if let Some((displaced, Some(key))) = entry
                    && live(key.expires_at)
                {
                    let moved = encode_key_entry(&displaced.lead_id, key.expires_at);
                    keys.insert(
                        idempotency_index_key_of(&key.hash).as_str(),
                        moved.as_slice(),
                    )
                    .map_err(db_err)?;
                }
                folded = new.key_from_content;
                let key = folded.then_some(FoldedKey {
                    hash: key_hash,
                    expires_at: new.key_expires_at,
                });
                let entry = encode_email_entry(&EmailEntry::of(&stored.lead), key.as_ref());
                emails
                    .insert(index_key.as_str(), entry.as_slice())
                    .map_err(db_err)?;
            }
        }
    }
    if !folded {
        let entry = encode_key_entry(&stored.lead.id, new.key_expires_at);
        keys.insert(key_entry.as_str(), entry.as_slice())
            .map_err(db_err)?;
    }
    put_lead(&mut leads, &mut indexes, None, &stored)?;
    Ok(Insert::Created(stored))
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};
    use redb::ReadableTableMetadata;
    use switchboard_routing::Lead;

    use super::*;

    /// What the fold saves: the number of idempotency entries the store holds.
    fn key_entries(store: &EmbeddedStore) -> u64 {
        store
            .read(|db| {
                let txn = db.begin_read().map_err(db_err)?;
                txn.open_table(IDEMPOTENCY)
                    .map_err(db_err)?
                    .len()
                    .map_err(db_err)
            })
            .unwrap()
    }

    #[tokio::test]
    async fn a_primary_under_a_content_key_writes_no_idempotency_entry() {
        let path = crate::embedded::test_file("fold");
        let store = EmbeddedStore::open(&path).unwrap();
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let lead = |id: &str, key: &str| {
            NewLead::new(Lead::new(id, at).with_email("ana@example.org"), key)
                .key_expires_at(at + SignedDuration::from_hours(72))
                .dedupe_since(at - SignedDuration::from_hours(24))
        };
        // (lead, idempotency entries after it): the primary under a content key folds its
        // key into the address's entry; a duplicate, or a key that is not from the
        // content, keeps an entry of its own.
        let steps = [
            (lead("P", "form:hash:p").key_from_content(), 0),
            (lead("D", "form:hash:d").key_from_content(), 1),
            (lead("H", "form:header:h"), 2),
        ];
        for (new, entries) in steps {
            store.insert_if_absent(&new, at).await.unwrap();
            assert_eq!(key_entries(&store), entries, "{}", new.lead.id);
        }
        drop(store);
        std::fs::remove_file(&path).unwrap();
    }
}
