//! What one routing outcome counts for: a first assignment with its time from intake, a
//! re-assignment, or a park with its reason. The router function's CloudWatch lines and
//! `switchboard serve`'s `/metrics` both count from here, so the two runtimes agree on
//! what a number means.

use std::time::Duration;

use jiff::Timestamp;
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::Routed;

/// The pool an account owner's assignment counts under: it went through no pool.
pub const OWNER_POOL: &str = "account_owner";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionCount<'a> {
    /// The lead's first assignment; `time_to_assign` runs from intake's receipt to the
    /// decision (zero if the clocks disagree).
    Assigned {
        pool: &'a str,
        time_to_assign: Duration,
    },
    /// A later assignment (after a release, a rejection or an expired SLA).
    Reassigned {
        pool: &'a str,
    },
    Parked {
        pool: &'a str,
        reason: &'static str,
    },
}

impl<'a> DecisionCount<'a> {
    /// The count of one routing outcome, with the decision's time; none when this call
    /// decided nothing (a redelivery that found the lead routed counts once, not twice).
    pub fn of(routed: &'a Routed) -> Option<(Timestamp, DecisionCount<'a>)> {
        let Routed::Decided {
            record, assignment, ..
        } = routed
        else {
            return None;
        };
        let at = record.decided_at;
        let count = match &record.outcome {
            OutcomeRecord::Assigned { pool, .. } => {
                let pool = pool.as_ref().map_or(OWNER_POOL, |p| p.as_str());
                if assignment.as_ref().is_none_or(|a| a.attempt == 1) {
                    DecisionCount::Assigned {
                        pool,
                        time_to_assign: routed.time_to_decide().unwrap_or_default(),
                    }
                } else {
                    DecisionCount::Reassigned { pool }
                }
            }
            OutcomeRecord::Parked { pool, reason } => DecisionCount::Parked {
                pool: pool.as_str(),
                reason: reason.as_str(),
            },
        };
        Some((at, count))
    }
}
