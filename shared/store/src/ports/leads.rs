//! Lead storage: insert once per idempotency key, read, and move the status along.

use std::future::Future;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::Lead;

use crate::error::StoreResult;

/// Where a lead is in the pipeline.
///
/// `received`/`queued` leads are waiting to be routed; routing moves them to `assigned` or
/// `parked`; closing moves `assigned` to `closed`; a rejected or expired assignment moves
/// the lead back to `received` so it is routed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    Received,
    Queued,
    /// Linked to an earlier lead; never routed.
    Duplicate,
    Assigned,
    Parked,
    Closed,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 6] = [
        LeadStatus::Received,
        LeadStatus::Queued,
        LeadStatus::Duplicate,
        LeadStatus::Assigned,
        LeadStatus::Parked,
        LeadStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Received => "received",
            LeadStatus::Queued => "queued",
            LeadStatus::Duplicate => "duplicate",
            LeadStatus::Assigned => "assigned",
            LeadStatus::Parked => "parked",
            LeadStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<LeadStatus> {
        LeadStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// True while the lead waits for a routing decision.
    pub fn awaits_routing(self) -> bool {
        matches!(self, LeadStatus::Received | LeadStatus::Queued)
    }
}

/// A lead as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLead {
    pub lead: Lead,
    pub idempotency_key: String,
    pub status: LeadStatus,
    /// Reps this lead bounced from (rejected or let the SLA expire), oldest first. Routing
    /// passes them to the engine so the lead does not go straight back.
    #[serde(default)]
    pub bounced: Vec<String>,
    /// How many decisions were applied to the lead. Applying a decision requires the count
    /// it was decided under, so two deciders of one lead cannot both win.
    #[serde(default)]
    pub decisions: u32,
    pub updated_at: Timestamp,
}

/// What [`LeadStore::insert_if_absent`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Insert {
    /// Stored now with status `received`.
    Created(StoredLead),
    /// The idempotency key already maps to this lead; nothing was written.
    Existing(StoredLead),
}

impl Insert {
    pub fn lead(&self) -> &StoredLead {
        match self {
            Insert::Created(l) | Insert::Existing(l) => l,
        }
    }
}

/// Lead storage.
///
/// Contract:
/// - **Atomic, idempotent insert.** [`insert_if_absent`](LeadStore::insert_if_absent)
///   writes the lead and its idempotency key together or not at all. Any number of
///   concurrent inserts with one key create one lead and all return it. A different key
///   with an already used lead id is a [`Conflict`](crate::StoreError::Conflict).
/// - **Conditional status changes.** [`set_status`](LeadStore::set_status) changes the
///   status only if it still is `from`; otherwise `Conflict` and nothing changes. It is for
///   transitions outside routing (`received → queued`, `parked → received`); `assigned`,
///   `parked` and `closed` are set by
///   [`RoutingState::apply`](crate::RoutingState::apply) and
///   [`RoutingState::release`](crate::RoutingState::release), which `set_status` refuses.
/// - **Read-your-writes.** `get` after a successful write sees it.
pub trait LeadStore: Send + Sync {
    fn insert_if_absent(
        &self,
        lead: &Lead,
        idempotency_key: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Insert>> + Send;

    fn get(&self, lead_id: &str) -> impl Future<Output = StoreResult<Option<StoredLead>>> + Send;

    /// Leads awaiting routing (`received` or `queued`) last updated before `updated_before`,
    /// oldest first, at most `limit`: the ones whose hand-off to routing was lost. Reads an
    /// index holding only leads awaiting routing, so the cost grows with those leads, not
    /// with every lead stored (on DynamoDB the index may lag writes by a moment).
    fn awaiting_routing(
        &self,
        updated_before: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<StoredLead>>> + Send;

    /// `NotFound` when the lead does not exist; `Conflict` when its status is not `from`.
    fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<StoredLead>> + Send;
}

/// Statuses [`LeadStore::set_status`] may set (the others belong to routing).
pub fn settable_status(to: LeadStatus) -> bool {
    matches!(
        to,
        LeadStatus::Received | LeadStatus::Queued | LeadStatus::Duplicate
    )
}
