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
//! A lane per matched rule removes that herd: the leads of one rule are routed by one
//! task at a time, the lane's runner, while other rules' leads proceed in parallel. The
//! runner takes every lead waiting in its lane as one run
//! ([`switchboard_store::Router::route_run`]): each lead is decided on the state the ones
//! before it leave, and the run's writes share one commit. So a busy lane is not held to
//! one lead per commit (an fsync), and its leads still never contend with each other. The
//! rule is found when the lead is handed on (intake has the lead in hand) by running the
//! engine on it against an empty state: rule matching depends only on the lead's fields.
//! The router then decides for real, under the active policy. A lane is only a schedule:
//! a lead in the wrong lane (the policy changed in between, or it falls back to another
//! rule's pool) can meet a conflict, which the router resolves by deciding again.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use switchboard_routing::{DecideInput, Lead, LeadId, Snapshot, decide};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{CompiledPolicies, LeadStore, PolicyStore, Received, StoreResult};
use tokio::sync::OwnedSemaphorePermit;

/// (policy version, rule index)
pub type Key = (u64, u32);

/// A delivered route request waiting in a lane, with the worker slot it holds.
pub struct Pending {
    pub lead_id: LeadId,
    pub message: Received,
    pub slot: OwnedSemaphorePermit,
}

/// The leads waiting in one lane, and whether a runner is taking them.
#[derive(Default)]
struct Lane {
    waiting: VecDeque<Pending>,
    running: bool,
}

/// How long the active version read for scheduling is reused.
const ACTIVE_TTL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Lanes {
    policies: CompiledPolicies,
    active: Mutex<Option<(Instant, Option<u64>)>>,
    /// Lanes of leads handed on and not yet delivered to a router.
    pending: Mutex<HashMap<LeadId, Key>>,
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

    /// The lane of a lead. `None` when the lead matches no rule (it parks, which writes
    /// no shared state) or is not stored (the router reports that).
    pub async fn lane_of(&self, store: &EmbeddedStore, lead_id: &str) -> StoreResult<Option<Key>> {
        let noted = lock(&self.pending).remove(lead_id);
        match noted {
            Some(key) => Ok(Some(key)),
            // Re-driven, redelivered or recovered: read the lead.
            None => match store.get(lead_id).await? {
                Some(stored) => self.key(store, &stored.lead).await,
                None => Ok(None),
            },
        }
    }

    /// Puts a lead in its lane. `true` when the caller is to run the lane (nobody else
    /// is): it then takes runs with [`next_run`](Lanes::next_run) until that is empty.
    pub fn join(&self, key: Key, pending: Pending) -> bool {
        let mut lanes = lock(&self.lanes);
        let lane = lanes.entry(key).or_default();
        lane.waiting.push_back(pending);
        !std::mem::replace(&mut lane.running, true)
    }

    /// The lane runner's next run: the leads waiting now, oldest first, at most `max`.
    /// Empty when none wait; the lane then has no runner, and the next lead to join it
    /// becomes one.
    pub fn next_run(&self, key: Key, max: usize) -> Vec<Pending> {
        let mut lanes = lock(&self.lanes);
        let Some(lane) = lanes.get_mut(&key) else {
            return Vec::new();
        };
        let n = lane.waiting.len().min(max);
        if n == 0 {
            lanes.remove(&key);
            return Vec::new();
        }
        lane.waiting.drain(..n).collect()
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
