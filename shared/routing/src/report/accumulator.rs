//! The report over a window, built one lead at a time.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::RepId;
use crate::report::Window;
use crate::report::fairness::{Fairness, FairnessTally, PoolWeights};
use crate::report::figures::{AssignmentFigures, AssignmentTally, LeadFigures, LeadTally};
use crate::report::input::{LeadFacts, LeadState, PoolKey};
use crate::report::sources::{SourceFigures, SourceTally};

/// Lead and assignment figures together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Figures {
    pub leads: LeadFigures,
    pub assignments: AssignmentFigures,
}

/// One pool's figures. `leads` counts the leads reported under the pool (see
/// [`PoolKey::of_first_decision`]); `assignments` counts the assignments made in the pool,
/// whichever pool their lead is reported under (a fallback pool's reps answer for the
/// leads they took).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolFigures {
    pub pool: PoolKey,
    pub leads: LeadFigures,
    pub assignments: AssignmentFigures,
    /// `None` for a pool where no strategy picked anyone (a parking pool, the account
    /// owner, or a pool whose leads all went elsewhere).
    pub fairness: Option<Fairness>,
}

/// One rep's assignments, over every pool (fairness is per pool, in [`PoolFigures`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepFigures {
    pub rep: RepId,
    pub assignments: AssignmentFigures,
}

/// The health and fairness report of the leads received in a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HealthReport {
    pub window: Window,
    /// The clock the report was computed at: open assignments are judged at this instant.
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub generated_at: Timestamp,
    /// Same-email duplicates received in the window; in no other figure.
    pub duplicates: u64,
    pub overall: Figures,
    /// By pool key.
    pub pools: Vec<PoolFigures>,
    /// By rep id.
    pub reps: Vec<RepFigures>,
    /// Recycle rates by the leads' source.
    pub sources: Vec<SourceFigures>,
}

#[derive(Debug, Clone, Default)]
struct PoolTally {
    leads: LeadTally,
    assignments: AssignmentTally,
}

/// Builds a [`HealthReport`] from leads fed in any order, one page at a time.
///
/// It keeps counters per pool and rep, the distinct eligible sets of each pool's decisions,
/// and every measured duration (8 bytes each, for exact percentiles): memory grows with
/// the reps, pools and durations, not with the leads' facts, which may be dropped after
/// [`add`](HealthAccumulator::add).
#[derive(Debug, Clone)]
pub struct HealthAccumulator {
    window: Window,
    now: Timestamp,
    duplicates: u64,
    overall: PoolTally,
    pools: BTreeMap<PoolKey, PoolTally>,
    reps: BTreeMap<RepId, AssignmentTally>,
    sources: SourceTally,
    fairness: FairnessTally,
}

impl HealthAccumulator {
    /// A report of the leads received in `window`, as things stand at `now`.
    pub fn new(window: Window, now: Timestamp) -> HealthAccumulator {
        HealthAccumulator {
            window,
            now,
            duplicates: 0,
            overall: PoolTally::default(),
            pools: BTreeMap::new(),
            reps: BTreeMap::new(),
            sources: SourceTally::default(),
            fairness: FairnessTally::default(),
        }
    }

    /// Counts `lead` with every assignment and decision it had, if it was received in the
    /// window (even those made after the window's end: the report follows the leads).
    /// Returns whether it was counted. Adding the same lead twice counts it twice.
    pub fn add(&mut self, lead: &LeadFacts) -> bool {
        if !self.window.contains(lead.received_at) {
            return false;
        }
        if lead.state == LeadState::Duplicate {
            self.duplicates += 1;
            return true;
        }
        self.overall.leads.add(lead);
        self.sources.add(lead);
        self.pools
            .entry(lead.pool.clone())
            .or_default()
            .leads
            .add(lead);
        for a in &lead.assignments {
            self.overall.assignments.add(a, self.now);
            let key = a.pool.clone().map_or(PoolKey::AccountOwner, PoolKey::Pool);
            self.pools
                .entry(key)
                .or_default()
                .assignments
                .add(a, self.now);
            self.reps.entry(a.rep.clone()).or_default().add(a, self.now);
        }
        for pick in &lead.picks {
            self.fairness.add(pick);
        }
        true
    }

    /// The report, with fairness targets weighed by `weights`.
    pub fn finish(self, weights: &PoolWeights) -> HealthReport {
        let mut fairness = self.fairness.finish(weights);
        let mut pools = self.pools;
        // A pool that picked always has the assignments it made, but be total anyway.
        for pool in fairness.keys() {
            pools.entry(PoolKey::Pool(pool.clone())).or_default();
        }
        HealthReport {
            window: self.window,
            generated_at: self.now,
            duplicates: self.duplicates,
            overall: Figures {
                leads: self.overall.leads.finish(),
                assignments: self.overall.assignments.finish(),
            },
            pools: pools
                .into_iter()
                .map(|(key, tally)| PoolFigures {
                    fairness: match &key {
                        PoolKey::Pool(id) => fairness.remove(id),
                        PoolKey::AccountOwner | PoolKey::Undecided => None,
                    },
                    pool: key,
                    leads: tally.leads.finish(),
                    assignments: tally.assignments.finish(),
                })
                .collect(),
            reps: self
                .reps
                .into_iter()
                .map(|(rep, tally)| RepFigures {
                    rep,
                    assignments: tally.finish(),
                })
                .collect(),
            sources: self.sources.finish(),
        }
    }
}
