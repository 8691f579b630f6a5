//! Routes the leads of one rule one at a time.
//!
//! Every decision in a pool is conditioned on the pool's state version (and on its rep's
//! counters), and a decision is made outside the store's write, from a committed read. So
//! when several leads of one pool are routed at once, all of them decide on the same
//! version, one commits and the others conflict, back off and decide again: work and
//! commit rounds wasted in proportion to the number of contenders, and after the
//! router's retry budget a lead goes back to the queue for a whole visibility timeout.
//! Leads of different pools never conflict.
//!
//! A lane per matched rule removes that herd: the leads of one rule take turns, each
//! deciding on the state its predecessor committed, while other rules' leads proceed in
//! parallel. The rule is found when the lead is handed on (intake has the lead in hand)
//! by running the engine on it against an empty state: rule matching depends only on the
//! lead's fields. The router then decides for real, under the active policy. A lane is
//! only a schedule: a lead in the wrong lane (the policy changed in between, or it falls
//! back to another rule's pool) can meet a conflict, which the router's retry resolves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use switchboard_routing::{DecideInput, Lead, Snapshot, decide};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{CompiledPolicies, LeadStore, PolicyStore, StoreResult};
use tokio::sync::OwnedMutexGuard;

/// (policy version, rule index)
type Key = (u64, u32);
type Lane = Arc<tokio::sync::Mutex<()>>;

/// How long the active version read for scheduling is reused.
const ACTIVE_TTL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Lanes {
    policies: CompiledPolicies,
    active: Mutex<Option<(Instant, Option<u64>)>>,
    /// Lanes of leads handed on and not yet delivered to a router.
    pending: Mutex<HashMap<String, Key>>,
    lanes: Mutex<HashMap<Key, Lane>>,
}

impl Lanes {
    /// Notes the lane of a lead being handed on for routing.
    pub async fn note(&self, store: &EmbeddedStore, lead: &Lead) {
        match self.key(store, lead).await {
            Ok(Some(key)) => {
                lock(&self.pending).insert(lead.id.clone(), key);
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(lead_id = %lead.id, error = %e, "no lane for the lead"),
        }
    }

    /// Drops the lane noted for a lead that was not handed on after all.
    pub fn forget(&self, lead_id: &str) {
        lock(&self.pending).remove(lead_id);
    }

    /// Waits for the lead's turn in its lane. `None` when the lead matches no rule (it
    /// parks, which writes no shared state) or is not stored (the router reports that).
    pub async fn enter(
        &self,
        store: &EmbeddedStore,
        lead_id: &str,
    ) -> StoreResult<Option<OwnedMutexGuard<()>>> {
        let noted = lock(&self.pending).remove(lead_id);
        let key = match noted {
            Some(key) => Some(key),
            // Re-driven, redelivered or recovered: read the lead.
            None => match store.get(lead_id).await? {
                Some(stored) => self.key(store, &stored.lead).await?,
                None => None,
            },
        };
        let Some(key) = key else {
            return Ok(None);
        };
        let lane = lock(&self.lanes).entry(key).or_default().clone();
        Ok(Some(lane.lock_owned().await))
    }

    async fn key(&self, store: &EmbeddedStore, lead: &Lead) -> StoreResult<Option<Key>> {
        let Some(version) = self.active_version(store).await? else {
            return Ok(None);
        };
        let policy = self.policies.get(store, version).await?;
        let decision = decide(
            &policy,
            &Snapshot::empty(&policy),
            &DecideInput {
                lead,
                account: None,
                bounced: &[],
                now: Timestamp::now(),
            },
        );
        Ok(decision.rule.map(|r| (version, r)))
    }

    async fn active_version(&self, store: &EmbeddedStore) -> StoreResult<Option<u64>> {
        if let Some((read_at, version)) = *lock(&self.active)
            && read_at.elapsed() < ACTIVE_TTL
        {
            return Ok(version);
        }
        let version = store.get_active().await?.map(|a| a.version);
        *lock(&self.active) = Some((Instant::now(), version));
        Ok(version)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each critical section leaves the maps consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}
