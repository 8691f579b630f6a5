//! Why a message was not finished.

use switchboard_lambda::MessageFailure;
use switchboard_routing::LeadId;
use switchboard_store::{AfterRoutingError, RouteError};

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
    /// The lead is routed, but its notification or its parked event is not out yet (or
    /// the stored state contradicts itself, which the dead-letter queue brings to an
    /// operator).
    #[error(transparent)]
    AfterRouting(#[from] AfterRoutingError),
}

impl MessageFailure for MessageError {
    fn is_poison(&self) -> bool {
        matches!(self, MessageError::Poison(_))
    }
}

/// A message that did not finish, with the lead it named (once parsed), for the log.
#[derive(Debug)]
pub(crate) struct Unfinished {
    pub lead_id: Option<LeadId>,
    pub error: MessageError,
}

impl std::fmt::Display for Unfinished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.lead_id {
            Some(lead_id) => write!(f, "lead {lead_id}: {}", self.error),
            None => self.error.fmt(f),
        }
    }
}

impl MessageFailure for Unfinished {
    fn is_poison(&self) -> bool {
        self.error.is_poison()
    }
}

/// The invocation as a whole failed, so SQS delivers every message of the batch again.
pub use switchboard_lambda::BatchError;
