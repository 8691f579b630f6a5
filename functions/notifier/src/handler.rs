//! One Lambda invocation: a batch of notify messages, each parsed and delivered on its own
//! (the batch runner reports the ones not finished, so SQS redelivers only those, and
//! after `maxReceiveCount` receives moves them to the notify dead-letter queue).

use std::time::{Duration, Instant};

use switchboard_lambda::{
    Deadline, Message, MessageFailure, SqsBatchResponse, SqsEvent, run_batch,
};
use switchboard_store::{DeliveryLog, LeadStore, NotifyMessage, PolicyStore, RoutingState};

use crate::notifier::{Notified, Notifier, NotifyError};

/// The invocation as a whole failed, so SQS delivers every message of the batch again.
pub use switchboard_lambda::BatchError;

/// Time left before the function's timeout under which a message is not started: a
/// message makes a few store reads and one request per channel (each at most
/// `http::DEFAULT_TIMEOUT`).
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(12);

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// Not a notify message; no redelivery can fix it, and the dead-letter queue brings
    /// it to an operator.
    #[error("poison message: {0}")]
    Poison(#[from] serde_json::Error),
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

impl MessageFailure for MessageError {
    /// A channel that refuses the message as configured fails it again on every delivery.
    fn is_poison(&self) -> bool {
        match self {
            MessageError::Poison(_) => true,
            MessageError::Notify(n) => n.is_permanent(),
        }
    }
}

pub struct Handler<S> {
    notifier: Notifier<S>,
    deadline_margin: Duration,
}

impl<S> Handler<S>
where
    S: LeadStore + RoutingState + PolicyStore + DeliveryLog + switchboard_store::CrmLinks,
{
    pub fn new(notifier: Notifier<S>) -> Self {
        Handler {
            notifier,
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
        }
    }

    pub fn with_deadline_margin(mut self, margin: Duration) -> Self {
        self.deadline_margin = margin;
        self
    }

    pub fn notifier(&self) -> &Notifier<S> {
        &self.notifier
    }

    pub fn deadline_margin(&self) -> Duration {
        self.deadline_margin
    }

    /// Handles a batch; every message not finished is in `batch_item_failures`.
    pub async fn handle(
        &self,
        event: SqsEvent,
        deadline: Option<Instant>,
    ) -> Result<SqsBatchResponse, BatchError> {
        let deadline = Deadline {
            at: deadline,
            margin: self.deadline_margin,
        };
        run_batch(event, deadline, |message| self.handle_message(message)).await
    }

    async fn handle_message(&self, message: Message) -> Result<Notified, MessageError> {
        let m = NotifyMessage::parse(&message.body)?;
        let done = self.notifier.notify(&m).await?;
        match &done {
            Notified::Delivered { sent, already } => tracing::info!(
                message_id = message.log_id(),
                kind = %m.kind,
                assignment_id = %m.assignment_id,
                sent = ?sent,
                already = ?already,
                "notified"
            ),
            Notified::Stale(why) => tracing::info!(
                message_id = message.log_id(),
                kind = %m.kind,
                assignment_id = %m.assignment_id,
                why = %why,
                "not notified: the message no longer applies"
            ),
        }
        Ok(done)
    }
}
