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
//!
//! Rules whose pools share a rep share a lane ([`lane_of_each_rule`]): their leads write
//! the same rep's counters, so in lanes of their own they would race for them (an
//! enterprise pool drawn from the regional pools' reps, a desk that regional reps also
//! serve). Rules with reps of their own keep a lane each. Only the rule's own pool counts,
//! not its fallbacks: nearly every rule falls back to the same desk, and one lane for all
//! would route every lead one run at a time.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use switchboard_routing::{CompiledPolicy, DecideInput, Lead, LeadId, Snapshot, decide};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{CompiledPolicies, LeadStore, PolicyStore, Received, StoreResult};
use tokio::sync::OwnedSemaphorePermit;

/// (policy version, lane: the lowest index of the rules sharing it)
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
    /// Each rule's lane, per policy version (see [`lane_of_each_rule`]).
    rule_lanes: Mutex<HashMap<u64, Vec<u32>>>,
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
        let Some(rule) = decision.rule else {
            return Ok(None);
        };
        let mut lanes = lock(&self.rule_lanes);
        let of_rule = lanes
            .entry(version)
            .or_insert_with(|| lane_of_each_rule(&policy));
        Ok(Some((
            version,
            of_rule.get(rule as usize).copied().unwrap_or(rule),
        )))
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

/// Each rule's lane: the lowest index among the rules it is joined to by a rep that the
/// rules' own pools share (directly or through other rules).
pub fn lane_of_each_rule(policy: &CompiledPolicy) -> Vec<u32> {
    let rules = policy.rules();
    let mut lane: Vec<u32> = (0..rules.len() as u32).collect();
    fn root(lane: &mut [u32], mut i: u32) -> u32 {
        while lane[i as usize] != i {
            let up = lane[lane[i as usize] as usize];
            lane[i as usize] = up;
            i = up;
        }
        i
    }
    // The first rule seen with each rep; a later rule with it joins that one.
    let mut first_with_rep: HashMap<u32, u32> = HashMap::new();
    for (r, rule) in rules.iter().enumerate() {
        let Some(pool) = rule.waterfall.first() else {
            continue;
        };
        for member in &policy.pools()[*pool as usize].members {
            let other = *first_with_rep.entry(member.rep).or_insert(r as u32);
            let (a, b) = (root(&mut lane, r as u32), root(&mut lane, other));
            // The lower index is the root, so each lane is named by its first rule.
            lane[a.max(b) as usize] = a.min(b);
        }
    }
    (0..rules.len() as u32)
        .map(|r| root(&mut lane, r))
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each critical section leaves the maps consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPS: &str =
        "triage_pool: triage\nreps: [{id: a}, {id: b}, {id: c}, {id: d}, {id: e}, {id: f}]\n";

    fn lanes(pools: &str, rules: &str) -> Vec<u32> {
        let yaml = format!("{REPS}pools:\n{pools}rules:\n{rules}");
        lane_of_each_rule(&CompiledPolicy::from_yaml(&yaml, 1).unwrap())
    }

    #[test]
    fn rules_share_a_lane_exactly_when_their_pools_share_a_rep() {
        let pools = "  - {id: p1, strategy: round_robin, members: [a, b]}
  - {id: p2, strategy: round_robin, members: [c]}
  - {id: p3, strategy: round_robin, members: [b, d]}
  - {id: p4, strategy: round_robin, members: [d, e]}
  - {id: p5, strategy: round_robin, members: [f]}
";
        // (rules, each rule's lane)
        let cases: [(&str, &[u32]); 4] = [
            // Disjoint pools: a lane per rule, even when all fall back to the same pool.
            (
                "  - {id: r1, when: {field: country, in: [US]}, pool: p1, fallbacks: [p5]}
  - {id: r2, when: {field: country, in: [DE]}, pool: p2, fallbacks: [p5]}
  - {id: r3, pool: p5}
",
                &[0, 1, 2],
            ),
            // p1 and p3 share b: r1 and r3 share the first one's lane.
            (
                "  - {id: r1, when: {field: country, in: [US]}, pool: p1}
  - {id: r2, when: {field: country, in: [DE]}, pool: p2}
  - {id: r3, pool: p3}
",
                &[0, 1, 0],
            ),
            // A chain, p1 - p3 through b, p3 - p4 through d: all three in one lane,
            // named by the lowest rule even when it is listed last.
            (
                "  - {id: r1, when: {field: country, in: [US]}, pool: p4}
  - {id: r2, when: {field: country, in: [DE]}, pool: p2}
  - {id: r3, when: {field: country, in: [FR]}, pool: p1}
  - {id: r4, pool: p3}
",
                &[0, 1, 0, 0],
            ),
            // Two rules on the same pool.
            (
                "  - {id: r1, when: {field: country, in: [US]}, pool: p2}
  - {id: r2, when: {field: country, in: [DE]}, pool: p5}
  - {id: r3, pool: p2}
",
                &[0, 1, 0],
            ),
        ];
        for (rules, expected) in cases {
            assert_eq!(lanes(pools, rules), expected, "{rules}");
        }
    }

    #[test]
    fn the_demo_policies_lanes() {
        let lanes_of = |path: &str| {
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path),
            )
            .unwrap();
            lane_of_each_rule(&CompiledPolicy::from_yaml(&text, 1).unwrap())
        };
        // The load policy's pools have reps of their own: a lane per rule.
        assert_eq!(
            lanes_of("demo/load-policy.yaml"),
            (0..9).collect::<Vec<u32>>()
        );
        // The contention policy's enterprise pool takes the US, DACH and UK pools' reps,
        // and the desk (the default rule's pool) takes one rep of each other region.
        assert_eq!(
            lanes_of("demo/contention-policy.yaml"),
            [0, 0, 0, 0, 4, 4, 4, 4, 4]
        );
    }
}
