//! The routing state as a JSON file keyed by rep and pool ids: what `explain --state` reads
//! and `simulate --state-out` writes.
//!
//! ```json
//! { "reps":  { "anna": { "open": 3, "day": { "start": "2026-11-23", "count": 5 } } },
//!   "pools": { "dach": { "version": 4, "last_rep": "anna", "credits": { "anna": -1, "jonas": 1 } } } }
//! ```

use std::collections::BTreeMap;

use anyhow::bail;
use serde::{Deserialize, Serialize};
use switchboard_routing::{CompiledPolicy, PoolId, PoolRecord, RepId, RepState, Snapshot};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Counters per rep id; reps not listed start empty.
    #[serde(default)]
    pub reps: BTreeMap<RepId, RepState>,
    /// Strategy state per pool id; pools not listed start at the beginning.
    #[serde(default)]
    pub pools: BTreeMap<PoolId, PoolRecord>,
}

impl StateFile {
    /// The snapshot for `policy`. Ids the policy does not know are an error: a typo would
    /// otherwise silently explain a decision against the wrong state.
    pub fn to_snapshot(&self, policy: &CompiledPolicy) -> anyhow::Result<Snapshot> {
        let mut snap = Snapshot::empty(policy);
        for (id, rs) in &self.reps {
            let Some(slot) = snap.rep_mut(policy, id) else {
                bail!("state file: unknown rep `{id}` (not in the policy)");
            };
            *slot = rs.clone();
        }
        for (id, rec) in &self.pools {
            if policy.pool_index(id).is_none() {
                bail!("state file: unknown pool `{id}` (not in the policy)");
            }
            snap.set_pool_record(policy, id, rec);
        }
        Ok(snap)
    }

    /// Every rep and pool of the policy, by id.
    pub fn from_snapshot(policy: &CompiledPolicy, snap: &Snapshot) -> StateFile {
        StateFile {
            reps: policy
                .reps()
                .iter()
                .zip(&snap.reps)
                .map(|(spec, rs)| (spec.id.clone(), rs.clone()))
                .collect(),
            pools: policy
                .pools()
                .iter()
                .filter_map(|p| Some((p.id.clone(), snap.pool_record(policy, &p.id)?)))
                .collect(),
        }
    }
}
