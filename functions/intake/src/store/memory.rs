//! The in-memory [`LeadStore`]: one mutex over three maps, so every operation is atomic.
//! For tests, benchmarks and the local process; it forgets everything on restart.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;

use super::{BoxFuture, Insert, LeadStatus, LeadStore, NewLead, StoreError, StoredLead};

#[derive(Default)]
struct Inner {
    leads: HashMap<String, StoredLead>,
    /// Idempotency key → (lead id, expiry).
    keys: HashMap<String, (String, Option<Timestamp>)>,
    /// Email → id of the latest primary lead with it.
    primary_by_email: HashMap<String, String>,
}

/// Leads in a `HashMap` behind a `Mutex`.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-written insert (each insert
        // mutates only after all checks), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of stored leads.
    pub fn len(&self) -> usize {
        self.lock().leads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every stored lead, oldest first.
    pub fn all(&self) -> Vec<StoredLead> {
        let mut all: Vec<StoredLead> = self.lock().leads.values().cloned().collect();
        all.sort_by(|a, b| (a.lead.received_at, &a.lead.id).cmp(&(b.lead.received_at, &b.lead.id)));
        all
    }
}

impl LeadStore for MemoryStore {
    fn insert_if_absent(&self, new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>> {
        Box::pin(async move {
            let mut inner = self.lock();
            let NewLead {
                mut record,
                key_expires_at,
                dedupe_since,
            } = new;
            let now = record.lead.received_at;
            if let Some((id, expires)) = inner.keys.get(&record.idempotency_key)
                && expires.is_none_or(|e| e > now)
            {
                let existing = inner
                    .leads
                    .get(id)
                    .cloned()
                    .ok_or_else(|| StoreError::new("idempotency key without its lead"))?;
                return Ok(Insert::Existing(existing));
            }
            if inner.leads.contains_key(&record.lead.id) {
                return Err(StoreError::new("lead id already in use"));
            }
            let earlier = match (&record.lead.email, dedupe_since) {
                (Some(email), Some(since)) => inner
                    .primary_by_email
                    .get(email)
                    .and_then(|id| inner.leads.get(id))
                    .filter(|l| l.lead.received_at >= since)
                    .map(|l| l.lead.id.clone()),
                _ => None,
            };
            match earlier {
                Some(id) => {
                    record.duplicate_of = Some(id);
                    record.status = LeadStatus::Duplicate;
                }
                None => {
                    if let Some(email) = &record.lead.email {
                        inner
                            .primary_by_email
                            .insert(email.clone(), record.lead.id.clone());
                    }
                }
            }
            inner.keys.insert(
                record.idempotency_key.clone(),
                (record.lead.id.clone(), key_expires_at),
            );
            inner.leads.insert(record.lead.id.clone(), record.clone());
            Ok(Insert::Created(record))
        })
    }

    fn get<'a>(
        &'a self,
        lead_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        Box::pin(async move { Ok(self.lock().leads.get(lead_id).cloned()) })
    }

    fn latest_by_email<'a>(
        &'a self,
        email: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        Box::pin(async move {
            let inner = self.lock();
            Ok(inner
                .primary_by_email
                .get(email)
                .and_then(|id| inner.leads.get(id))
                .cloned())
        })
    }

    fn mark_queued<'a>(&'a self, lead_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut inner = self.lock();
            let lead = inner
                .leads
                .get_mut(lead_id)
                .ok_or_else(|| StoreError::new("no such lead"))?;
            if lead.status == LeadStatus::Received {
                lead.status = LeadStatus::Queued;
            }
            Ok(())
        })
    }
}
