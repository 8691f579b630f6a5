//! Intake's storage and hand-off contracts over `switchboard-store`'s ports, so the same
//! intake code runs on the embedded store (the local process) and on DynamoDB/SQS (the
//! Lambda): [`PortStore`] implements intake's [`LeadStore`] over any
//! [`switchboard_store::LeadStore`], and [`PortQueue`] implements [`Enqueue`] over any
//! [`WorkQueue`].
//!
//! What the store port keeps of intake's contract, and what it cannot:
//!
//! - **Idempotency: kept, atomically.** The port's `insert_if_absent` writes the lead and
//!   its key together or not at all. Its keys never expire, while intake's content-hash
//!   keys do; an expired key is honoured by *chaining*: when a key maps to a lead older
//!   than the key's lifetime, the lead is inserted under `{key}#after:{that lead's id}`
//!   instead. The chained key is a function of its predecessor, so concurrent inserts of
//!   the same submission converge on one key and still create one lead.
//! - **Same-email dedupe: kept, but not in the same atomic step as the insert.** The port
//!   has no email index and no way to write two keys in one insert, so the adapter keeps
//!   one *claim* record per primary lead (see `claims`) and decides after the lead is
//!   written: insert the lead, then claim its email; a lead that loses the claim to a lead
//!   received within the window is set to `duplicate` before `insert_if_absent` returns.
//!   Two concurrent submissions from one address still get exactly one primary (the claim
//!   is an atomic insert-if-absent). The gap: a crash between the lead's insert and its
//!   claim leaves the lead `received` and unclaimed, so it is routed even if it was a
//!   duplicate (a missed dedupe, never a lost lead); and it costs two more writes per new
//!   address (the claim and the claim's own status) than an insert that dedupes itself.
//! - **Not stored by the port:** a duplicate's `duplicate_of` (returned by the insert that
//!   decided it, absent on later reads), the field warnings and the raw payload (returned
//!   by the insert, empty on later reads). The port's `StoredLead` has no place for them.
//! - Routing statuses (`assigned`, `parked`, `closed`) read back as `queued`: intake's
//!   status only covers its part of the pipeline; routing's state is read from the routing
//!   ports (the local process serves it at `GET /v1/leads/{id}/decision`).

mod claims;

use jiff::Timestamp;
use switchboard_routing::Lead;
use switchboard_store as port;
use switchboard_store::WorkQueue;

use super::{
    BoxFuture, Insert, LeadStatus, LeadStore, NewLead, RawPayload, StoreError, StoredLead,
};
use crate::queue::{Enqueue, EnqueueError};

pub use claims::CLAIM_ID_PREFIX;

/// Most key generations followed before giving up (one per expiry period of a key).
const MAX_KEY_GENERATIONS: usize = 64;

/// Intake's [`LeadStore`] over a store port.
#[derive(Debug, Clone)]
pub struct PortStore<S> {
    store: S,
}

impl<S> PortStore<S> {
    pub fn new(store: S) -> Self {
        PortStore { store }
    }

    pub fn inner(&self) -> &S {
        &self.store
    }
}

impl<S: port::LeadStore + 'static> LeadStore for PortStore<S> {
    fn insert_if_absent(&self, new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>> {
        Box::pin(async move {
            let NewLead {
                mut record,
                key_expires_at,
                dedupe_since,
            } = new;
            let now = record.lead.received_at;
            let stored = match insert_keyed(&self.store, &record, key_expires_at, now).await? {
                port::Insert::Existing(existing) => {
                    return Ok(Insert::Existing(from_port(existing)));
                }
                port::Insert::Created(stored) => stored,
            };
            record.idempotency_key = stored.idempotency_key;
            let (Some(email), Some(since)) = (record.lead.email.clone(), dedupe_since) else {
                return Ok(Insert::Created(record));
            };
            if let Some(primary) = claims::claim(&self.store, &email, &record.lead, since).await? {
                self.store
                    .set_status(
                        &record.lead.id,
                        port::LeadStatus::Received,
                        port::LeadStatus::Duplicate,
                        now,
                    )
                    .await
                    .map_err(store_error)?;
                record.status = LeadStatus::Duplicate;
                record.duplicate_of = Some(primary);
            }
            Ok(Insert::Created(record))
        })
    }

    fn get<'a>(
        &'a self,
        lead_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        Box::pin(async move {
            if lead_id.starts_with(CLAIM_ID_PREFIX) {
                return Ok(None);
            }
            let stored = self.store.get(lead_id).await.map_err(store_error)?;
            Ok(stored.map(from_port))
        })
    }

    fn latest_by_email<'a>(
        &'a self,
        email: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        Box::pin(async move {
            let Some(primary) = claims::primary(&self.store, email).await? else {
                return Ok(None);
            };
            let stored = self.store.get(&primary).await.map_err(store_error)?;
            Ok(stored.map(from_port))
        })
    }

    fn mark_queued<'a>(&'a self, lead_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = Timestamp::now();
            match self
                .store
                .set_status(
                    lead_id,
                    port::LeadStatus::Received,
                    port::LeadStatus::Queued,
                    now,
                )
                .await
            {
                // Routing may already have moved the lead on: left as it is, as the
                // contract says.
                Ok(_) | Err(port::StoreError::Conflict(_)) => Ok(()),
                Err(e) => Err(store_error(e)),
            }
        })
    }
}

/// Inserts under the submission's key, following expired keys to their successors.
async fn insert_keyed<S: port::LeadStore>(
    store: &S,
    record: &StoredLead,
    key_expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<port::Insert, StoreError> {
    // Every key of one source lives as long; the new key's lifetime is the old one's.
    let lifetime = key_expires_at.map(|at| now.duration_until(at));
    let mut key = record.idempotency_key.clone();
    for _ in 0..MAX_KEY_GENERATIONS {
        let existing = match store
            .insert_if_absent(&record.lead, &key, now)
            .await
            .map_err(store_error)?
        {
            port::Insert::Existing(existing) => existing,
            created => return Ok(created),
        };
        let expired = lifetime.is_some_and(|life| {
            existing
                .lead
                .received_at
                .checked_add(life)
                .is_ok_and(|expires| expires <= now)
        });
        if !expired {
            return Ok(port::Insert::Existing(existing));
        }
        key = format!("{}#after:{}", record.idempotency_key, existing.lead.id);
    }
    Err(StoreError::new(format!(
        "idempotency key has expired more than {MAX_KEY_GENERATIONS} times"
    )))
}

/// A stored lead as intake reports it (see the module docs for what is not stored).
fn from_port(stored: port::StoredLead) -> StoredLead {
    let status = match stored.status {
        port::LeadStatus::Received => LeadStatus::Received,
        port::LeadStatus::Duplicate => LeadStatus::Duplicate,
        port::LeadStatus::Queued
        | port::LeadStatus::Assigned
        | port::LeadStatus::Parked
        | port::LeadStatus::Closed => LeadStatus::Queued,
    };
    StoredLead {
        lead: stored.lead,
        status,
        duplicate_of: None,
        idempotency_key: stored.idempotency_key,
        warnings: Vec::new(),
        raw: RawPayload::capture(None, b"", 0),
    }
}

fn store_error(e: port::StoreError) -> StoreError {
    StoreError {
        message: format!("lead store: {e}"),
        source: Some(Box::new(e)),
    }
}

pub use switchboard_store::RouteRequest;

/// Intake's [`Enqueue`] over a work queue: one [`RouteRequest`] per lead.
#[derive(Debug, Clone)]
pub struct PortQueue<Q> {
    queue: Q,
}

impl<Q> PortQueue<Q> {
    pub fn new(queue: Q) -> Self {
        PortQueue { queue }
    }

    pub fn inner(&self) -> &Q {
        &self.queue
    }
}

impl<Q: WorkQueue + 'static> Enqueue for PortQueue<Q> {
    fn enqueue<'a>(&'a self, lead: &'a Lead) -> BoxFuture<'a, Result<(), EnqueueError>> {
        Box::pin(async move {
            let body = RouteRequest {
                lead_id: lead.id.clone(),
            }
            .to_body();
            self.queue
                .send(&body)
                .await
                .map(|_| ())
                .map_err(|e| EnqueueError {
                    message: format!("routing queue: {e}"),
                    source: Some(Box::new(e)),
                })
        })
    }
}

#[cfg(test)]
mod tests;
