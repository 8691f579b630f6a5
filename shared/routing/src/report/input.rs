//! What the report reads about one lead: plain facts, free of any storage type, so the
//! store (or a simulation, or a test) can build them from what it holds.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::decision::ParkReason;
use crate::ids::{LeadId, PoolId, RepId};
use crate::record::{DecisionRecord, OutcomeRecord};
use crate::recycle::RecycleReason;

/// Where a lead stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadState {
    /// Waiting for a (first or new) decision: received, queued, or back from a rep who
    /// rejected it, gave it back or let its SLA expire.
    AwaitingRouting,
    /// A rep owns it (accepted or not).
    Assigned,
    /// Finished by the rep who had it.
    Closed,
    /// Waiting in a parking pool, for the reason of its latest decision.
    Parked { reason: ParkReason },
    /// Parked by a rep's recycle: in a nurture pool, or waiting for its delayed re-route.
    Recycled,
    /// A same-email duplicate of an earlier lead: never routed, left out of every figure
    /// except the report's duplicate count.
    Duplicate,
}

/// How an assignment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndedAs {
    Closed,
    Rejected,
    Expired,
    Released,
    /// The rep recycled the lead as unworkable.
    Recycled,
    /// It ended and the lead went on, but how is not known: storage keeps the full record
    /// of a lead's latest assignment only, so an earlier one is known from its decision
    /// (rep, pool, time, SLA due) and not whether it was accepted or how it ended.
    Unrecorded,
}

/// One assignment of a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentFacts {
    pub rep: RepId,
    /// `None` when the account owner took the lead.
    pub pool: Option<PoolId>,
    pub assigned_at: Timestamp,
    /// The accept deadline; `None` when the rule had no SLA.
    pub due_at: Option<Timestamp>,
    pub accepted_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    /// `None` while the assignment is open.
    pub ended_as: Option<EndedAs>,
}

/// A decision in which a pool's strategy picked a rep: the picked rep and every rep that
/// was eligible in that pool at that moment (the picked one included). Only these
/// decisions take part in fairness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolPick {
    pub pool: PoolId,
    pub picked: RepId,
    pub eligible: Vec<RepId>,
}

impl PoolPick {
    /// The pool step of `record` that picked a rep, with the reps the record lists as
    /// `picked` or `eligible` in it. `None` when no pool picked: the lead was parked or the
    /// account owner took it.
    pub fn from_record(record: &DecisionRecord) -> Option<PoolPick> {
        let step = record
            .steps
            .iter()
            .find(|s| s.step == "pool" && s.picked.is_some() && s.pool.is_some())?;
        let picked = step.picked.clone()?;
        let mut eligible: Vec<RepId> = step
            .candidates
            .iter()
            .filter(|c| c.status == "picked" || c.status == "eligible")
            .map(|c| c.rep.clone())
            .collect();
        if !eligible.contains(&picked) {
            eligible.push(picked.clone());
        }
        Some(PoolPick {
            pool: step.pool.clone()?,
            picked,
            eligible,
        })
    }
}

/// The pool a lead is reported under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PoolKey {
    /// A routing pool, or the parking pool a lead was parked in without reaching one.
    Pool(PoolId),
    /// The matched account's owner took the lead at its first decision.
    AccountOwner,
    /// No decision yet.
    Undecided,
}

impl PoolKey {
    /// The pool the lead's first decision was routing it toward: the first pool of the
    /// waterfall it tried (the matched rule's target pool, whether or not anyone there
    /// could take it); without one, the parking pool it was parked in (kill switch, no
    /// rule); [`PoolKey::AccountOwner`] when the owner took it; [`PoolKey::Undecided`]
    /// without a decision. The first decision, because a later one (a re-route, an
    /// escalation) is about the same lead and should not move it to another pool's count.
    pub fn of_first_decision(first: Option<&DecisionRecord>) -> PoolKey {
        let Some(record) = first else {
            return PoolKey::Undecided;
        };
        if let Some(pool) = record
            .steps
            .iter()
            .find(|s| s.step == "pool")
            .and_then(|s| s.pool.clone())
        {
            return PoolKey::Pool(pool);
        }
        match &record.outcome {
            OutcomeRecord::Parked { pool, .. } => PoolKey::Pool(pool.clone()),
            OutcomeRecord::Assigned { pool: Some(p), .. } => PoolKey::Pool(p.clone()),
            OutcomeRecord::Assigned { pool: None, .. } => PoolKey::AccountOwner,
        }
    }
}

impl fmt::Display for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolKey::Pool(p) => f.write_str(p),
            PoolKey::AccountOwner => f.write_str("(account owner)"),
            PoolKey::Undecided => f.write_str("(no decision)"),
        }
    }
}

/// Everything the report needs about one lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFacts {
    pub lead_id: LeadId,
    pub received_at: Timestamp,
    pub state: LeadState,
    /// See [`PoolKey::of_first_decision`].
    pub pool: PoolKey,
    /// Every assignment the lead had, oldest first.
    pub assignments: Vec<AssignmentFacts>,
    /// One per decision in which a pool picked a rep, oldest first.
    pub picks: Vec<PoolPick>,
    /// The configured source it came from, if any.
    pub source: Option<String>,
    /// The reason of each time a rep recycled it, oldest first.
    pub recycles: Vec<RecycleReason>,
}
