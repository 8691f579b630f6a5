//! The write a decision turns into, and the preconditions it carries.
//!
//! Both adapters apply the same [`Apply`]: the embedded store checks the preconditions in
//! Rust inside one write transaction ([`rep_change_holds`], [`pool_change_holds`]); the
//! DynamoDB store encodes the same checks as condition expressions.

use jiff::Timestamp;
use switchboard_routing::LeadId;
use switchboard_routing::decision::WindowChange;
use switchboard_routing::record::{OutcomeRecord, PoolChangeRecord, RepChangeRecord};
use switchboard_routing::{DecisionRecord, PoolRecord, RepState, WindowCount};

use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{LeadStatus, StoredLead};
use crate::ports::routing::{Assignment, AssignmentStatus};

/// One decision, ready to apply atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    pub lead_id: LeadId,
    /// When intake received the lead: with the decision's time, the time to assign.
    pub received_at: Timestamp,
    /// The lead's decision count when it was read; the write requires it unchanged.
    pub expected_decisions: u32,
    /// `Assigned` or `Parked`.
    pub lead_status: LeadStatus,
    /// The new assignment when the decision assigned the lead.
    pub assignment: Option<Assignment>,
    /// The explained decision, stored as decision number `expected_decisions + 1`. Its
    /// `change` holds the rep and pool preconditions.
    pub record: DecisionRecord,
    /// The lead may be parked as well as awaiting routing: an assignment made by hand from
    /// the triage queue ([`Apply::by_hand`]).
    pub from_parked: bool,
}

impl Apply {
    /// Builds the write for `record`, decided for `lead` as read.
    pub fn new(lead: &StoredLead, record: DecisionRecord) -> StoreResult<Apply> {
        let attempt = lead.decisions + 1;
        let (lead_status, assignment) = match &record.outcome {
            OutcomeRecord::Assigned { rep, pool, .. } => {
                if record.change.rep.as_ref().map(|c| &c.rep) != Some(rep) {
                    return Err(StoreError::Invalid(format!(
                        "decision for lead {} assigns {rep} without taking its capacity",
                        lead.lead.id
                    )));
                }
                let assignment = Assignment {
                    lead_id: lead.lead.id.clone(),
                    rep: rep.clone(),
                    pool: pool.clone(),
                    attempt,
                    policy_version: record.policy_version,
                    assigned_at: record.decided_at,
                    sla_due: record.sla_due,
                    accepted_at: None,
                    status: AssignmentStatus::Open,
                    ended_at: None,
                    outcome: None,
                    ended_as: None,
                };
                (LeadStatus::Assigned, Some(assignment))
            }
            OutcomeRecord::Parked { .. } => {
                if record.change.rep.is_some() || record.change.pool.is_some() {
                    return Err(StoreError::Invalid(format!(
                        "parked decision for lead {} changes routing state",
                        lead.lead.id
                    )));
                }
                (LeadStatus::Parked, None)
            }
        };
        if let Some(rc) = &record.change.rep {
            check_rep_change(rc)?;
        }
        if let Some(pc) = &record.change.pool
            && pc.after.version != pc.version_before + 1
        {
            return Err(StoreError::Invalid(format!(
                "pool {} moves from version {} to {}",
                pc.pool, pc.version_before, pc.after.version
            )));
        }
        Ok(Apply {
            lead_id: lead.lead.id.clone(),
            received_at: lead.lead.received_at,
            expected_decisions: lead.decisions,
            lead_status,
            assignment,
            record,
            from_parked: false,
        })
    }

    /// The write of an assignment a person made from the triage queue: `record` must be a
    /// by-hand decision (`switchboard_routing::by_hand`), and the lead may be parked.
    pub fn by_hand(lead: &StoredLead, record: DecisionRecord) -> StoreResult<Apply> {
        if record.by_hand.is_none() {
            return Err(StoreError::Invalid(format!(
                "decision for lead {} was not made by hand",
                lead.lead.id
            )));
        }
        let mut apply = Apply::new(lead, record)?;
        apply.from_parked = true;
        Ok(apply)
    }

    /// Whether a lead of `status` may take this decision.
    pub fn accepts(&self, status: LeadStatus) -> bool {
        status.awaits_routing() || (self.from_parked && status == LeadStatus::Parked)
    }

    /// The number this decision is stored under.
    pub fn decision_number(&self) -> u32 {
        self.expected_decisions + 1
    }

    pub fn rep_change(&self) -> Option<&RepChangeRecord> {
        self.record.change.rep.as_ref()
    }

    pub fn pool_change(&self) -> Option<&PoolChangeRecord> {
        self.record.change.pool.as_ref()
    }
}

/// A change the engine could not have produced: taking capacity past a cap or counting by
/// anything but one. Rejected before any write.
fn check_rep_change(rc: &RepChangeRecord) -> StoreResult<()> {
    let bad = |what: &str| {
        Err(StoreError::Invalid(format!(
            "capacity change of rep {} is inconsistent: {what}",
            rc.rep
        )))
    };
    if rc.open_after != rc.open_before + 1 {
        return bad("open count must grow by one");
    }
    if rc.max_open.is_some_and(|m| rc.open_before >= m) {
        return bad("open count already at its cap");
    }
    for (name, w) in [("day", &rc.day), ("week", &rc.week)] {
        if w.after != w.before + 1 {
            return bad(&format!("{name} count must grow by one"));
        }
        if w.max.is_some_and(|m| w.before >= m) {
            return bad(&format!("{name} count already at its cap"));
        }
    }
    Ok(())
}

/// True when a window count stored as `stored` is still what the decision saw: the same
/// window with the same count, or an older (or no) window while the decision counted zero.
pub fn window_holds(stored: &WindowCount, change: &WindowChange) -> bool {
    match stored.start {
        Some(start) if start == change.start => stored.count == change.before,
        Some(start) if start > change.start => false,
        _ => change.before == 0,
    }
}

/// The rep-side preconditions of a decision against the stored counters.
pub fn rep_change_holds(stored: &RepState, rc: &RepChangeRecord) -> bool {
    stored.open == rc.open_before
        && rc.max_open.is_none_or(|m| stored.open < m)
        && window_holds(&stored.day, &rc.day)
        && rc.day.max.is_none_or(|m| rc.day.before < m)
        && window_holds(&stored.week, &rc.week)
        && rc.week.max.is_none_or(|m| rc.week.before < m)
}

/// The counters after taking capacity (away status and anything else is kept).
pub fn rep_after(stored: &RepState, rc: &RepChangeRecord) -> RepState {
    RepState {
        open: rc.open_after,
        day: WindowCount {
            start: Some(rc.day.start),
            count: rc.day.after,
        },
        week: WindowCount {
            start: Some(rc.week.start),
            count: rc.week.after,
        },
        last_assigned_at: Some(rc.last_assigned_at),
        away: stored.away,
    }
}

/// The pool-side precondition: the stored version (0 when never written) is unchanged.
pub fn pool_change_holds(stored: Option<&PoolRecord>, pc: &PoolChangeRecord) -> bool {
    stored.map_or(0, |p| p.version) == pc.version_before
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn window(start: Option<jiff::civil::Date>, count: u32) -> WindowCount {
        WindowCount { start, count }
    }

    fn change(before: u32, max: Option<u32>) -> WindowChange {
        WindowChange {
            start: date(2026, 6, 2),
            before,
            after: before + 1,
            max,
        }
    }

    #[test]
    fn a_window_holds_only_as_it_was_decided() {
        let today = Some(date(2026, 6, 2));
        assert!(window_holds(&window(today, 3), &change(3, None)));
        assert!(!window_holds(&window(today, 4), &change(3, None)));
        // An older window (or none) counts as zero in the new one.
        assert!(window_holds(
            &window(Some(date(2026, 6, 1)), 9),
            &change(0, None)
        ));
        assert!(window_holds(&window(None, 0), &change(0, None)));
        assert!(!window_holds(
            &window(Some(date(2026, 6, 1)), 9),
            &change(9, None)
        ));
        // A stored window newer than the decided one means the decision is stale.
        assert!(!window_holds(
            &window(Some(date(2026, 6, 3)), 0),
            &change(0, None)
        ));
    }

    #[test]
    fn capacity_is_never_taken_at_the_cap() {
        let rc = RepChangeRecord {
            rep: "ana".into(),
            open_before: 2,
            open_after: 3,
            max_open: Some(2),
            day: change(0, None),
            week: change(0, None),
            last_assigned_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let stored = RepState {
            open: 2,
            ..RepState::default()
        };
        assert!(!rep_change_holds(&stored, &rc));
        assert!(check_rep_change(&rc).is_err());
        let below = RepChangeRecord {
            open_before: 1,
            open_after: 2,
            ..rc
        };
        let stored = RepState {
            open: 1,
            ..RepState::default()
        };
        assert!(rep_change_holds(&stored, &below));
        assert!(check_rep_change(&below).is_ok());
        assert_eq!(rep_after(&stored, &below).open, 2);
    }
}
