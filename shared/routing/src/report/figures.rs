//! The lead and assignment figures, counted one lead or assignment at a time.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::decision::ParkReason;
use crate::report::input::{AssignmentFacts, EndedAs, LeadFacts, LeadState};
use crate::report::percentile::{Durations, Percentiles, millis_between};

/// `100 · part / whole`, unrounded; `None` when `whole` is zero (no basis, not 0 %).
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// Leads parked for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ParkedCount {
    pub reason: ParkReason,
    pub leads: u64,
    /// Of the leads received.
    pub percent: Option<f64>,
}

/// Figures about leads (each lead counted once), by the lead's state at report time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LeadFigures {
    /// Leads received in the window, duplicates excluded. Always
    /// `assigned + parked + recycled_parked + awaiting_routing`.
    pub received: u64,
    /// Owned by a rep (open or closed).
    pub assigned: u64,
    pub assigned_percent: Option<f64>,
    pub parked: u64,
    pub parked_percent: Option<f64>,
    /// Every reason with at least one lead, in the order of [`ParkReason::ALL`].
    pub parked_by_reason: Vec<ParkedCount>,
    /// Parked by a rep's recycle: in a nurture pool or waiting for a delayed re-route.
    pub recycled_parked: u64,
    pub awaiting_routing: u64,
    pub awaiting_routing_percent: Option<f64>,
    /// Leads with at least one assignment, whatever their state now.
    pub ever_assigned: u64,
    /// Leads with more than one assignment.
    pub reassigned: u64,
    /// `reassigned` of `ever_assigned`.
    pub reassignment_percent: Option<f64>,
    /// Leads parked with reason `escalated`.
    pub escalations: u64,
    /// From `received_at` to the `assigned_at` of the lead's first assignment.
    pub time_to_assign: Percentiles,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LeadTally {
    received: u64,
    assigned: u64,
    parked: [u64; ParkReason::ALL.len()],
    recycled_parked: u64,
    awaiting_routing: u64,
    ever_assigned: u64,
    reassigned: u64,
    time_to_assign: Durations,
}

fn reason_index(reason: ParkReason) -> usize {
    ParkReason::ALL
        .iter()
        .position(|r| *r == reason)
        .expect("ParkReason::ALL lists every reason")
}

impl LeadTally {
    /// Counts a lead; a duplicate is no lead of its own and is left out.
    pub(crate) fn add(&mut self, lead: &LeadFacts) {
        match lead.state {
            LeadState::Duplicate => return,
            LeadState::Assigned | LeadState::Closed => self.assigned += 1,
            LeadState::Parked { reason } => self.parked[reason_index(reason)] += 1,
            LeadState::Recycled => self.recycled_parked += 1,
            LeadState::AwaitingRouting => self.awaiting_routing += 1,
        }
        self.received += 1;
        // The earliest, not the first listed: a caller's order is not the contract's.
        if let Some(first) = lead.assignments.iter().map(|a| a.assigned_at).min() {
            self.ever_assigned += 1;
            self.time_to_assign
                .push(millis_between(lead.received_at, first));
        }
        if lead.assignments.len() > 1 {
            self.reassigned += 1;
        }
    }

    pub(crate) fn finish(self) -> LeadFigures {
        let received = self.received;
        let parked: u64 = self.parked.iter().sum();
        LeadFigures {
            received,
            assigned: self.assigned,
            assigned_percent: percent(self.assigned, received),
            parked,
            parked_percent: percent(parked, received),
            parked_by_reason: ParkReason::ALL
                .iter()
                .zip(self.parked)
                .filter(|(_, n)| *n > 0)
                .map(|(reason, leads)| ParkedCount {
                    reason: *reason,
                    leads,
                    percent: percent(leads, received),
                })
                .collect(),
            recycled_parked: self.recycled_parked,
            awaiting_routing: self.awaiting_routing,
            awaiting_routing_percent: percent(self.awaiting_routing, received),
            ever_assigned: self.ever_assigned,
            reassigned: self.reassigned,
            reassignment_percent: percent(self.reassigned, self.ever_assigned),
            escalations: self.parked[reason_index(ParkReason::Escalated)],
            time_to_assign: self.time_to_assign.finish(),
        }
    }
}

/// SLA compliance over the assignments whose SLA outcome is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SlaFigures {
    /// `met + missed`.
    pub known: u64,
    /// Accepted at or before the due time.
    pub met: u64,
    /// Accepted after the due time, or not accepted while the clock ran past it.
    pub missed: u64,
    /// `met` of `known`.
    pub compliance_percent: Option<f64>,
}

/// Figures about assignments (a lead assigned twice counts twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AssignmentFigures {
    pub assignments: u64,
    pub accepted: u64,
    /// Ended as `rejected`.
    pub rejected: u64,
    /// `rejected` of `assignments`.
    pub reject_percent: Option<f64>,
    /// Ended as `expired`.
    pub expired: u64,
    /// Ended by the rep recycling the lead as unworkable.
    pub recycled: u64,
    /// `recycled` of `assignments`: the recycle rate.
    pub recycle_percent: Option<f64>,
    /// Ended without a record of how (see `EndedAs::Unrecorded`): left out of the SLA
    /// figures, and not counted as accepted or rejected.
    pub unrecorded: u64,
    /// From `assigned_at` to `accepted_at`, over accepted assignments.
    pub time_to_accept: Percentiles,
    pub sla: SlaFigures,
}

/// Whether `a` met its SLA: `Some(true)` accepted by the due time, `Some(false)` accepted
/// late or not accepted while its clock ran past the due time, `None` when unknown: no SLA,
/// still running at `now`, stopped before the due time without an accept (closed,
/// rejected or given back in time: the rep answered), or not recorded.
pub fn sla_met(a: &AssignmentFacts, now: Timestamp) -> Option<bool> {
    let due = a.due_at?;
    if a.ended_as == Some(EndedAs::Unrecorded) {
        return None;
    }
    if let Some(accepted) = a.accepted_at {
        return Some(accepted <= due);
    }
    // The clock stops when the assignment ends; an open one is judged at `now`.
    let clock_end = match a.ended_as {
        None => now,
        Some(_) => a.ended_at?,
    };
    (clock_end > due).then_some(false)
}

#[derive(Debug, Clone, Default)]
pub(crate) struct AssignmentTally {
    assignments: u64,
    accepted: u64,
    rejected: u64,
    expired: u64,
    recycled: u64,
    unrecorded: u64,
    time_to_accept: Durations,
    sla_met: u64,
    sla_missed: u64,
}

impl AssignmentTally {
    pub(crate) fn add(&mut self, a: &AssignmentFacts, now: Timestamp) {
        self.assignments += 1;
        if let Some(accepted) = a.accepted_at {
            self.accepted += 1;
            self.time_to_accept
                .push(millis_between(a.assigned_at, accepted));
        }
        match a.ended_as {
            Some(EndedAs::Rejected) => self.rejected += 1,
            Some(EndedAs::Expired) => self.expired += 1,
            Some(EndedAs::Recycled) => self.recycled += 1,
            Some(EndedAs::Unrecorded) => self.unrecorded += 1,
            Some(EndedAs::Closed | EndedAs::Released) | None => {}
        }
        match sla_met(a, now) {
            Some(true) => self.sla_met += 1,
            Some(false) => self.sla_missed += 1,
            None => {}
        }
    }

    pub(crate) fn finish(self) -> AssignmentFigures {
        let known = self.sla_met + self.sla_missed;
        AssignmentFigures {
            assignments: self.assignments,
            accepted: self.accepted,
            rejected: self.rejected,
            reject_percent: percent(self.rejected, self.assignments),
            expired: self.expired,
            recycled: self.recycled,
            recycle_percent: percent(self.recycled, self.assignments),
            unrecorded: self.unrecorded,
            time_to_accept: self.time_to_accept.finish(),
            sla: SlaFigures {
                known,
                met: self.sla_met,
                missed: self.sla_missed,
                compliance_percent: percent(self.sla_met, known),
            },
        }
    }
}
