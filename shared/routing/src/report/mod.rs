//! The health and fairness report: over the leads received in a time window, per pool and
//! per rep, how many were assigned or parked (and why), how fast they were assigned and
//! accepted, SLA compliance, reassignments, rejections, escalations, recycles (per pool,
//! rep and source), and each rep's assignments against its eligibility-adjusted share. The definitions are in
//! `docs/HEALTH.md`.
//!
//! Pure like the engine: the caller reads the leads and passes the clock. It converts what
//! it stores into [`LeadFacts`], feeds them page by page to a [`HealthAccumulator`] and
//! calls [`HealthAccumulator::finish`] with the pools' weights.

mod accumulator;
mod fairness;
mod figures;
mod input;
mod percentile;
mod sources;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use accumulator::{Figures, HealthAccumulator, HealthReport, PoolFigures, RepFigures};
pub use fairness::{Fairness, FairnessRow, PoolWeights};
pub use figures::{AssignmentFigures, LeadFigures, ParkedCount, SlaFigures, percent, sla_met};
pub use input::{AssignmentFacts, EndedAs, LeadFacts, LeadState, PoolKey, PoolPick};
pub use percentile::{Percentiles, millis_between, nearest_rank};
pub use sources::{RecycleCount, SourceFigures};

/// Why a report cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the window ends ({to}) before it starts ({from})")]
    EndsBeforeStart { from: Timestamp, to: Timestamp },
}

/// The leads received in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Window {
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    from: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    to: Timestamp,
}

impl Window {
    /// `from == to` is allowed (a window without leads); `to` before `from` is not.
    pub fn new(from: Timestamp, to: Timestamp) -> Result<Window, ReportError> {
        if to < from {
            return Err(ReportError::EndsBeforeStart { from, to });
        }
        Ok(Window { from, to })
    }

    pub fn from(&self) -> Timestamp {
        self.from
    }

    pub fn to(&self) -> Timestamp {
        self.to
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}
