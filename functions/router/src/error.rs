//! Why a message was not finished, and why a whole batch failed.

use switchboard_store::{RouteError, StoreError};

use crate::message::BodyError;

/// Why one routing message did not finish. Every variant is reported to SQS as a batch
/// item failure, so the message is delivered again (and, after the queue's
/// `maxReceiveCount` receives, moved to its dead-letter queue).
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The body names no lead. Redelivery cannot fix it; it is reported like any failure so
    /// that SQS moves it to the dead-letter queue, where an operator can read it.
    #[error("poison message: {0}")]
    Poison(#[from] BodyError),
    /// Reading, deciding or applying failed, every attempt conflicted, the lead does not
    /// exist or no policy is active. `route_lead` also publishes the outcome event, so a
    /// failed publish lands here too.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// Republishing the event of a lead parked by an earlier delivery failed.
    #[error("publishing the event: {0}")]
    Publish(StoreError),
    #[error("enqueueing the notification: {0}")]
    Notify(StoreError),
    #[error("encoding the notification: {0}")]
    Encode(#[from] serde_json::Error),
    /// The stored state contradicts itself; retrying may not help, and the dead-letter
    /// queue brings it to an operator.
    #[error("lead {lead_id}: {why}")]
    Inconsistent { lead_id: String, why: String },
    /// Left for the next delivery: too little time remained to finish it before the
    /// function's timeout.
    #[error("not attempted: the invocation's deadline is near")]
    DeadlineNear,
}

impl From<StoreError> for MessageError {
    fn from(e: StoreError) -> Self {
        MessageError::Route(RouteError::Store(e))
    }
}

/// The invocation as a whole failed, so SQS delivers every message of the batch again.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A failed message had no message id, so it cannot be reported on its own. Lambda's
    /// SQS integration always sets one; failing the batch is the only answer that cannot
    /// acknowledge an unfinished message.
    #[error("{0} failed message(s) without a message id")]
    Unidentified(usize),
}
