//! Routing state: what a decision reads (rep counters, pool strategy state, the lead's
//! assignment) and the atomic write of a decision, its release and its acceptance.

use std::future::Future;
use switchboard_routing::{LeadId, PoolId, RepId};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::recycle::Recycle;
use switchboard_routing::{AwayStatus, CompiledPolicy, DecisionRecord, RepState, Snapshot};

use crate::apply::Apply;
use crate::error::StoreResult;
use crate::ports::leads::StoredLead;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// The rep owns the lead and it counts against the rep's open leads.
    Open,
    /// Done (won, lost, disqualified): the lead is finished.
    Closed,
    /// The rep rejected the lead or let the SLA expire; the lead goes back to routing.
    Released,
}

impl AssignmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Open => "open",
            AssignmentStatus::Closed => "closed",
            AssignmentStatus::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<AssignmentStatus> {
        [
            AssignmentStatus::Open,
            AssignmentStatus::Closed,
            AssignmentStatus::Released,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// The current owner of a lead. One per lead: a re-route replaces a released assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Assignment {
    pub lead_id: LeadId,
    pub rep: RepId,
    /// `None` when the account owner took the lead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolId>,
    /// The number of the decision that made this assignment (1 for the first).
    pub attempt: u32,
    pub policy_version: u64,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub assigned_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub sla_due: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub accepted_at: Option<Timestamp>,
    pub status: AssignmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub ended_at: Option<Timestamp>,
    /// How a closed lead ended (`None` for a lead closed without one, or not closed). Kept
    /// with the rep who had it, for outcome-aware routing and reporting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CloseOutcome>,
    /// How it ended (`rejected`, `expired`, `released`, `closed`); `None` while open, and
    /// for assignments ended before this was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_as: Option<ReleaseOutcome>,
}

/// The business outcome of a closed lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CloseOutcome {
    Won,
    Lost,
    Unqualified,
}

impl CloseOutcome {
    pub const ALL: [CloseOutcome; 3] = [
        CloseOutcome::Won,
        CloseOutcome::Lost,
        CloseOutcome::Unqualified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseOutcome::Won => "won",
            CloseOutcome::Lost => "lost",
            CloseOutcome::Unqualified => "unqualified",
        }
    }

    pub fn parse(s: &str) -> Option<CloseOutcome> {
        CloseOutcome::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl Assignment {
    /// Open and neither accepted nor ended: the SLA clock runs.
    pub fn awaits_acceptance(&self) -> bool {
        self.status == AssignmentStatus::Open && self.accepted_at.is_none()
    }
}

/// Everything one routing attempt reads, from one consistent point of view per item.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingView {
    pub lead: Option<StoredLead>,
    pub assignment: Option<Assignment>,
    /// Counters of every rep and strategy state of every pool of the policy.
    pub snapshot: Snapshot,
}

/// A lead with its routing, read at one point in time: the status, the assignment and the
/// decisions always agree with each other (never `received` beside an open assignment).
#[derive(Debug, Clone, PartialEq)]
pub struct LeadRouting {
    pub lead: StoredLead,
    pub assignment: Option<Assignment>,
    /// Every decision made for the lead, oldest first.
    pub decisions: Vec<DecisionRecord>,
}

/// What [`RoutingState::apply`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Every write of the decision was made.
    Committed,
    /// The lead already has an open or closed assignment (a redelivery); nothing changed.
    AlreadyAssigned(Assignment),
}

/// How an open assignment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOutcome {
    /// The lead is finished; it stays with the rep in history.
    Closed,
    /// The rep turned the lead down: it is routed again, not back to this rep.
    Rejected,
    /// The SLA ran out before the rep accepted. Fails with `Conflict` if the rep accepted
    /// first, so an acceptance racing the sweep has exactly one winner.
    Expired,
    /// The rep gave the lead back without judging it: it is routed again, not back to
    /// this rep (like `Rejected`, without a rejection).
    Released,
    /// The rep found the lead unworkable ([`Recycle`]): closed, or parked for nurture or
    /// a later re-route, as the policy said. Only [`RoutingState::recycle_attempt`] ends
    /// an assignment this way.
    Recycled,
}

impl ReleaseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseOutcome::Closed => "closed",
            ReleaseOutcome::Rejected => "rejected",
            ReleaseOutcome::Expired => "expired",
            ReleaseOutcome::Released => "released",
            ReleaseOutcome::Recycled => "recycled",
        }
    }

    pub fn parse(s: &str) -> Option<ReleaseOutcome> {
        [
            ReleaseOutcome::Closed,
            ReleaseOutcome::Rejected,
            ReleaseOutcome::Expired,
            ReleaseOutcome::Released,
            ReleaseOutcome::Recycled,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    /// True when the lead goes back to routing at once with the rep noted as bounced (a
    /// recycled lead goes where its [`Recycle`] says).
    pub fn bounces(self) -> bool {
        !matches!(self, ReleaseOutcome::Closed | ReleaseOutcome::Recycled)
    }
}

/// Routing state storage.
///
/// Contract:
/// - **One atomic unit per decision.** [`apply`](RoutingState::apply) takes capacity,
///   advances the pool state, writes the assignment, moves the lead's status and stores the
///   decision record together, or changes nothing. It requires the values the decision was
///   made under: the rep's open count equals `open_before` and is below `max_open`; the
///   day and week counts equal their `before` (a stored window older than the decided one
///   counts as zero) and are below their caps; the pool version equals `version_before`;
///   the lead still awaits routing with the decision count it was read with; no open or
///   closed assignment exists. A failed precondition is
///   [`Conflict`](crate::StoreError::Conflict), except an existing open or closed
///   assignment, which returns [`Applied::AlreadyAssigned`] (redelivery is idempotent).
/// - **Release frees capacity exactly once.** [`release`](RoutingState::release) ends an
///   open assignment and decrements the rep's open count in one atomic unit conditioned on
///   the assignment still being open; for any other state it returns `Ok(None)` and
///   changes nothing. So a rep's open count always equals its open assignments.
/// - **Acceptance is conditional.** [`accept`](RoutingState::accept) succeeds only for the
///   assigned rep while the assignment is open; accepting twice is idempotent.
/// - Reads of single items are strongly consistent. [`open_assignments`](RoutingState::open_assignments)
///   and [`due`](RoutingState::due) read secondary indexes, which may lag writes by a
///   moment on DynamoDB (never in the embedded store).
pub trait RoutingState: Send + Sync {
    /// Reads the lead, its assignment and the state of every rep and pool of `policy`.
    fn load(
        &self,
        policy: &CompiledPolicy,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<RoutingView>> + Send;

    fn apply(&self, apply: &Apply) -> impl Future<Output = StoreResult<Applied>> + Send;

    /// Ends the lead's open assignment. Returns the ended assignment, or `None` when the lead
    /// had no open assignment (already released, closed, or never assigned).
    fn release(
        &self,
        lead_id: &str,
        outcome: ReleaseOutcome,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send;

    /// The assigned rep accepts the lead, which stops its SLA clock.
    fn accept(
        &self,
        lead_id: &str,
        rep: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Assignment>> + Send;

    /// As [`release`](RoutingState::release), but only while the open assignment is the
    /// one of decision `attempt`, so a late action cannot end a later assignment of the
    /// lead. `close` is recorded on a closed assignment. `Ok(None)`: the lead has no open
    /// assignment at `attempt`; nothing changed.
    fn end_attempt(
        &self,
        lead_id: &str,
        attempt: u32,
        outcome: ReleaseOutcome,
        close: Option<CloseOutcome>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send;

    /// Ends the open assignment of decision `attempt` as recycled, in one atomic unit like
    /// [`end_attempt`](RoutingState::end_attempt): the rep's open count is decremented, the
    /// assignment ends (`closed` when `recycle.then` closes the lead, else `released`), the
    /// lead moves to `closed` or `parked` (nurture, or waiting for its re-route; the rep is
    /// added to its bounced reps) and `recycle` is appended to the lead's recycles. The
    /// caller builds `recycle` for that assignment's rep and attempt. `Ok(None)`: the lead
    /// has no open assignment at `attempt`; nothing changed.
    fn recycle_attempt(
        &self,
        lead_id: &str,
        recycle: &Recycle,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send;

    /// As [`accept`](RoutingState::accept), but only while the open assignment is the one
    /// of decision `attempt` (`Conflict` otherwise). Accepting twice is idempotent.
    fn accept_attempt(
        &self,
        lead_id: &str,
        rep: &str,
        attempt: u32,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Assignment>> + Send;

    /// Sets (`Some`) or clears (`None`) the rep's away status, which the engine reads; the
    /// rep's counters are kept. Returns the rep's state after the write.
    fn set_away(
        &self,
        rep: &str,
        away: Option<AwayStatus>,
    ) -> impl Future<Output = StoreResult<RepState>> + Send;

    fn assignment(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send;

    /// Every decision applied to the lead, oldest first.
    fn decisions(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<DecisionRecord>>> + Send;

    /// The rep's counters (all zero for a rep never assigned).
    fn rep_state(&self, rep: &str) -> impl Future<Output = StoreResult<RepState>> + Send;

    /// The lead, its assignment and its decisions from one consistent read (`None` for an
    /// unknown lead). Reading the three separately can mix two moments of a lead that
    /// routing, an action or the SLA sweep is changing.
    fn lead_routing(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Option<LeadRouting>>> + Send;

    /// The rep's open assignments, for the counter audit and the rep's inbox.
    fn open_assignments(
        &self,
        rep: &str,
    ) -> impl Future<Output = StoreResult<Vec<Assignment>>> + Send;

    /// Open, unaccepted assignments whose SLA is due in `[from, to)`, earliest first, at
    /// most `limit`. The cost grows with the leads due, not with the leads open.
    fn due(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<Assignment>>> + Send;
}
