//! Leads stored to be routed later (`scheduled`, with a `route_at`): an imported batch
//! spread over its reps' working hours. The sweep finds the due ones here and hands them
//! to routing with `set_status(scheduled → queued)`; SQS delays stop at 15 minutes, so a
//! days-long plan lives in the store.

use std::future::Future;

use jiff::Timestamp;

use crate::error::StoreResult;
use crate::ports::leads::StoredLead;

/// The index of scheduled leads by their `route_at`.
///
/// Contract: a lead is in the index exactly while its status is `scheduled` (the insert
/// that stores it `scheduled` adds it in the same atomic write; the status change that
/// moves it on removes it in its own write), so a lead handed to routing is never found
/// again. On DynamoDB the index may lag a write by a moment: callers check the status of
/// what they read, and the conditional status change lets one caller win.
pub trait ScheduledLeads: Send + Sync {
    /// Scheduled leads whose `route_at` is at or before `due_by`, earliest first (then by
    /// lead id), at most `limit`.
    fn scheduled_due(
        &self,
        due_by: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<StoredLead>>> + Send;
}
