//! The routing state a decision reads: per-rep counters and per-pool strategy state.
//!
//! A [`Snapshot`] is indexed by the compiled policy's rep and pool positions for speed;
//! [`RepState`] and [`PoolRecord`] are the id-keyed forms storage persists.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::RepId;
use crate::policy::CompiledPolicy;

/// A count within a calendar window (a day, or an ISO week identified by its Monday).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCount {
    /// First day of the window the count belongs to, in the rep's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    #[serde(default)]
    pub count: u32,
}

impl WindowCount {
    /// The count for the window starting at `start` (zero when the stored window is older).
    pub fn count_in(&self, start: Date) -> u32 {
        if self.start == Some(start) {
            self.count
        } else {
            0
        }
    }
}

/// A rep set themselves away (from Slack or the API), optionally until a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AwayStatus {
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub since: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<crate::schema::Timestamp>")
    )]
    pub until: Option<Timestamp>,
}

impl AwayStatus {
    pub fn is_away(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|u| now < u)
    }
}

/// Live counters of one rep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepState {
    /// Leads assigned and not yet closed or released.
    #[serde(default)]
    pub open: u32,
    #[serde(default)]
    pub day: WindowCount,
    #[serde(default)]
    pub week: WindowCount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_assigned_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away: Option<AwayStatus>,
}

/// Strategy state of one pool, by member position in the compiled policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolState {
    /// Incremented by every decision that changes this state; storage conditions on it.
    pub version: u64,
    /// Round robin: position of the member picked last.
    pub cursor: Option<u32>,
    /// Weighted round robin: each member's credit (sums to zero over members).
    pub credits: Vec<i64>,
    /// Best fit: the first day (UTC) of the fairness window `counts` belong to.
    pub window: Option<Date>,
    /// Best fit: leads each member took from this pool in the window.
    pub counts: Vec<u32>,
}

impl PoolState {
    /// Member counts in the window starting at `start` (zeros when the stored one is older).
    pub fn counts_in(&self, start: Date, members: usize) -> Vec<u32> {
        let mut c = if self.window == Some(start) {
            self.counts.clone()
        } else {
            Vec::new()
        };
        c.resize(members, 0);
        c
    }
}

/// Pool state keyed by rep id, as persisted; survives members being added or removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolRecord {
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rep: Option<RepId>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credits: BTreeMap<RepId, i64>,
    /// Best fit: first day (UTC) of the fairness window of `counts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(with = "Option<String>"))]
    pub window_start: Option<Date>,
    /// Best fit: leads per rep from this pool in the window.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<RepId, u32>,
}

/// Everything a decision reads, for one compiled policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub reps: Vec<RepState>,
    pub pools: Vec<PoolState>,
    /// Recorded outcomes by rep position, read by `best_fit` pools (empty: none known).
    pub outcomes: Vec<crate::fit::RepOutcomes>,
}

impl Snapshot {
    /// A fresh state: no open leads, cursors at the start, zero credits.
    pub fn empty(policy: &CompiledPolicy) -> Self {
        Snapshot {
            reps: vec![RepState::default(); policy.reps().len()],
            pools: policy
                .pools()
                .iter()
                .map(|p| PoolState {
                    version: 0,
                    cursor: None,
                    credits: vec![0; p.members.len()],
                    window: None,
                    counts: Vec::new(),
                })
                .collect(),
            outcomes: Vec::new(),
        }
    }

    /// A rep's recorded outcomes (none when unknown).
    pub fn outcomes_of(&self, rep: crate::policy::RepIdx) -> Option<&crate::fit::RepOutcomes> {
        self.outcomes.get(rep as usize)
    }

    /// Loads a rep's recorded outcomes, by id (ignored when the policy lacks the rep).
    pub fn set_rep_outcomes(
        &mut self,
        policy: &CompiledPolicy,
        id: &str,
        outcomes: crate::fit::RepOutcomes,
    ) {
        let Some(i) = policy.rep_index(id) else {
            return;
        };
        if self.outcomes.len() < self.reps.len() {
            self.outcomes.resize(self.reps.len(), Default::default());
        }
        self.outcomes[i as usize] = outcomes;
    }

    /// State of a rep by id, if the policy knows the rep.
    pub fn rep(&self, policy: &CompiledPolicy, id: &str) -> Option<&RepState> {
        policy.rep_index(id).map(|i| &self.reps[i as usize])
    }

    pub fn rep_mut(&mut self, policy: &CompiledPolicy, id: &str) -> Option<&mut RepState> {
        policy.rep_index(id).map(|i| &mut self.reps[i as usize])
    }

    /// Loads a persisted pool record (members that left are dropped, new ones start at zero).
    pub fn set_pool_record(&mut self, policy: &CompiledPolicy, pool_id: &str, rec: &PoolRecord) {
        let Some(pi) = policy.pool_index(pool_id) else {
            return;
        };
        let pool = &policy.pools()[pi as usize];
        let ids = || pool.members.iter().map(|m| policy.rep_id(m.rep));
        let state = &mut self.pools[pi as usize];
        state.version = rec.version;
        state.cursor = rec
            .last_rep
            .as_deref()
            .and_then(|last| ids().position(|id| id == last))
            .map(|p| p as u32);
        state.credits = ids()
            .map(|id| rec.credits.get(id).copied().unwrap_or(0))
            .collect();
        state.window = rec.window_start;
        state.counts = if rec.counts.is_empty() {
            Vec::new()
        } else {
            ids()
                .map(|id| rec.counts.get(id).copied().unwrap_or(0))
                .collect()
        };
    }

    /// The persisted form of a pool's state.
    pub fn pool_record(&self, policy: &CompiledPolicy, pool_id: &str) -> Option<PoolRecord> {
        let pi = policy.pool_index(pool_id)?;
        Some(pool_record(policy, pi, &self.pools[pi as usize]))
    }
}

pub(crate) fn pool_record(policy: &CompiledPolicy, pi: u32, state: &PoolState) -> PoolRecord {
    let pool = &policy.pools()[pi as usize];
    PoolRecord {
        version: state.version,
        last_rep: state
            .cursor
            .and_then(|c| pool.members.get(c as usize))
            .map(|m| policy.rep_id(m.rep).to_owned()),
        credits: pool
            .members
            .iter()
            .zip(state.credits.iter())
            .filter(|(_, c)| **c != 0)
            .map(|(m, c)| (policy.rep_id(m.rep).to_owned(), *c))
            .collect(),
        window_start: state.window,
        counts: pool
            .members
            .iter()
            .zip(state.counts.iter())
            .filter(|(_, c)| **c != 0)
            .map(|(m, c)| (policy.rep_id(m.rep).to_owned(), *c))
            .collect(),
    }
}

impl Snapshot {
    /// Applies a decision's state change, as storage would after its conditions held.
    pub fn apply(&mut self, change: &crate::decision::StateChange) {
        if let Some(rc) = &change.rep {
            let rs = &mut self.reps[rc.rep as usize];
            rs.open = rc.open_after;
            rs.day = WindowCount {
                start: Some(rc.day.start),
                count: rc.day.after,
            };
            rs.week = WindowCount {
                start: Some(rc.week.start),
                count: rc.week.after,
            };
            rs.last_assigned_at = Some(rc.last_assigned_at);
        }
        if let Some(pc) = &change.pool {
            self.pools[pc.pool as usize] = pc.after.clone();
        }
    }

    /// A lead of this rep was closed or released: one fewer open lead.
    pub fn release(&mut self, rep: crate::policy::RepIdx) {
        let rs = &mut self.reps[rep as usize];
        rs.open = rs.open.saturating_sub(1);
    }
}
