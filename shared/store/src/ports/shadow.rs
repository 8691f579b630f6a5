//! Shadow mode: a candidate policy version decides every lead next to the active one, with
//! no state change and no notification, and its decision is kept for comparison.
//!
//! The setting names the version; the router reads it (cached for a few seconds), decides
//! with it after the active decision commits, and stores a [`ShadowDecision`]. Storing it
//! is best effort: a shadow is a trial, and a lost comparison costs one row of a report,
//! never a lead.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::record::{DecisionRecord, OutcomeRecord};
use switchboard_routing::{LeadId, ParkReason, PoolId, PoolRecord, RepId};

/// Which version shadows the active policy, since when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShadowSetting {
    pub version: u64,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub since: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a decision sent the lead, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Pick {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rep: Option<RepId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolId>,
    /// Set when the lead parked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked: Option<ParkReason>,
}

impl Pick {
    pub fn of(record: &DecisionRecord) -> Pick {
        match &record.outcome {
            OutcomeRecord::Assigned { rep, pool, .. } => Pick {
                rep: Some(rep.clone()),
                pool: pool.clone(),
                parked: None,
            },
            OutcomeRecord::Parked { pool, reason } => Pick {
                rep: None,
                pool: Some(pool.clone()),
                parked: Some(*reason),
            },
        }
    }
}

/// The shadow's decision for one lead, beside what the active policy did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShadowDecision {
    pub lead_id: LeadId,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub decided_at: Timestamp,
    pub active_version: u64,
    /// What the active policy decided (its full record is stored with the lead).
    pub active: Pick,
    /// The shadow's full decision record, never applied.
    pub shadow: DecisionRecord,
}

impl ShadowDecision {
    /// Both sent the lead to the same rep (whatever the pool), or both parked it in the
    /// same pool for the same reason.
    pub fn agrees(&self) -> bool {
        let shadow = Pick::of(&self.shadow);
        match (&self.active.rep, &shadow.rep) {
            (Some(a), Some(s)) => a == s,
            (None, None) => self.active == shadow,
            _ => false,
        }
    }
}

/// The shadow's own pool strategy state (cursors, credits, fairness counts), by pool id:
/// it follows the shadow's picks, while rep capacity is the live one.
pub type ShadowPools = BTreeMap<PoolId, PoolRecord>;
