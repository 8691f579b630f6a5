//! Fairness: each rep's picks in a pool against its eligibility-adjusted target.
//!
//! In each decision where a pool picked a rep, a rep that was eligible expects
//! `weight / (sum of the weights of the eligible reps)` of that lead, and a rep that was
//! not eligible expects nothing. A rep's target is the sum of its expectations over the
//! pool's decisions, so a rep who was away or at cap is not held to the leads it could not
//! take, and the targets of a pool add up to its number of decisions.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::ids::{PoolId, RepId};
use crate::policy::CompiledPolicy;
use crate::report::input::PoolPick;

/// The weight of each member of each pool. A rep without a weight here (a pool member
/// without `weight`, or a rep that has left the pool since the decision) weighs 1, the
/// policy's default weight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolWeights {
    pools: HashMap<PoolId, HashMap<RepId, u32>>,
}

impl PoolWeights {
    pub fn new() -> PoolWeights {
        PoolWeights::default()
    }

    /// The members' weights in `policy` (the decisions of the report may have been made
    /// under earlier versions; their weights are not in the decision records).
    pub fn from_policy(policy: &CompiledPolicy) -> PoolWeights {
        let mut weights = PoolWeights::new();
        for pool in policy.pools() {
            for member in &pool.members {
                weights.set(
                    pool.id.clone(),
                    policy.rep_id(member.rep).clone(),
                    member.weight,
                );
            }
        }
        weights
    }

    pub fn set(&mut self, pool: PoolId, rep: RepId, weight: u32) {
        self.pools.entry(pool).or_default().insert(rep, weight);
    }

    pub fn weight(&self, pool: &str, rep: &str) -> u32 {
        self.pools
            .get(pool)
            .and_then(|reps| reps.get(rep))
            .copied()
            .unwrap_or(1)
    }
}

/// One rep's fairness in one pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FairnessRow {
    pub rep: RepId,
    pub weight: u32,
    /// Decisions of the pool in which the rep was eligible.
    pub eligible_in: u64,
    /// Decisions of the pool that picked the rep.
    pub assignments: u64,
    /// The eligibility-adjusted target (see the module documentation).
    pub target: f64,
    /// `(assignments - target) / target`; `None` when the target is zero.
    pub deviation: Option<f64>,
}

/// A pool's fairness: its decisions and one row per rep eligible in at least one of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Fairness {
    pub decisions: u64,
    /// By rep id.
    pub reps: Vec<FairnessRow>,
}

/// What one pool's decisions need to be weighed later, once the weights are known:
/// memory grows with the distinct eligible sets, not with the decisions.
#[derive(Debug, Clone, Default)]
struct PoolTally {
    decisions: u64,
    picked: BTreeMap<RepId, u64>,
    /// Sorted, deduplicated eligible set → decisions with exactly that set.
    eligible_sets: HashMap<Vec<RepId>, u64>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FairnessTally {
    pools: BTreeMap<PoolId, PoolTally>,
}

impl FairnessTally {
    pub(crate) fn add(&mut self, pick: &PoolPick) {
        let pool = self.pools.entry(pick.pool.clone()).or_default();
        pool.decisions += 1;
        *pool.picked.entry(pick.picked.clone()).or_default() += 1;
        let mut set = pick.eligible.clone();
        // The picked rep was eligible by definition, whatever the caller listed.
        set.push(pick.picked.clone());
        set.sort_unstable();
        set.dedup();
        *pool.eligible_sets.entry(set).or_default() += 1;
    }

    pub(crate) fn finish(self, weights: &PoolWeights) -> BTreeMap<PoolId, Fairness> {
        self.pools
            .into_iter()
            .map(|(pool, tally)| {
                let fairness = weigh(&pool, tally, weights);
                (pool, fairness)
            })
            .collect()
    }
}

fn weigh(pool: &PoolId, tally: PoolTally, weights: &PoolWeights) -> Fairness {
    #[derive(Default)]
    struct Acc {
        eligible_in: u64,
        target: f64,
        assignments: u64,
    }
    let mut reps: BTreeMap<RepId, Acc> = BTreeMap::new();
    // Sets in a fixed order, so the float sums come out the same on every run.
    let mut sets: Vec<(Vec<RepId>, u64)> = tally.eligible_sets.into_iter().collect();
    sets.sort_unstable();
    for (set, decisions) in sets {
        let total: u64 = set
            .iter()
            .map(|rep| u64::from(weights.weight(pool, rep)))
            .sum();
        for rep in set {
            let w = weights.weight(pool, &rep);
            let acc = reps.entry(rep).or_default();
            acc.eligible_in += decisions;
            if total > 0 {
                acc.target += decisions as f64 * f64::from(w) / total as f64;
            }
        }
    }
    for (rep, n) in tally.picked {
        reps.entry(rep).or_default().assignments = n;
    }
    Fairness {
        decisions: tally.decisions,
        reps: reps
            .into_iter()
            .map(|(rep, acc)| FairnessRow {
                weight: weights.weight(pool, &rep),
                deviation: (acc.target > 0.0)
                    .then(|| (acc.assignments as f64 - acc.target) / acc.target),
                rep,
                eligible_in: acc.eligible_in,
                assignments: acc.assignments,
                target: acc.target,
            })
            .collect(),
    }
}
