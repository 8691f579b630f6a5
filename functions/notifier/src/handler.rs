//! One Lambda invocation: a batch of notify messages, each finished or reported on its own
//! as a batch item failure (so SQS redelivers only those, and after `maxReceiveCount`
//! receives moves them to the notify dead-letter queue).

use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use switchboard_store::{DeliveryLog, LeadStore, NotifyMessage, PolicyStore, RoutingState};

use crate::notifier::{Notified, Notifier, NotifyError};

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
    #[error("not attempted: the invocation's deadline is near")]
    DeadlineNear,
}

/// The invocation as a whole failed, so SQS delivers every message of the batch again.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A failed message had no message id, so it cannot be reported on its own; failing
    /// the batch is the only answer that cannot acknowledge an unfinished message.
    #[error("{0} failed message(s) without a message id")]
    Unidentified(usize),
}

pub struct Handler<S> {
    notifier: Notifier<S>,
    deadline_margin: Duration,
}

impl<S> Handler<S>
where
    S: LeadStore + RoutingState + PolicyStore + DeliveryLog,
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

    /// Handles a batch; every message not finished is in `batch_item_failures`.
    pub async fn handle(
        &self,
        event: SqsEvent,
        deadline: Option<Instant>,
    ) -> Result<SqsBatchResponse, BatchError> {
        let mut response = SqsBatchResponse::default();
        let mut unidentified = 0;
        for message in &event.records {
            let message_id = message.message_id.as_deref().filter(|id| !id.is_empty());
            let log_id = message_id.unwrap_or("<none>");
            let near = deadline.is_some_and(|d| Instant::now() + self.deadline_margin >= d);
            let result = if near {
                Err(MessageError::DeadlineNear)
            } else {
                self.handle_message(message).await
            };
            match result {
                Ok((m, Notified::Delivered { sent, already })) => tracing::info!(
                    message_id = log_id,
                    kind = %m.kind,
                    assignment_id = %m.assignment_id,
                    sent = ?sent,
                    already = ?already,
                    "notified"
                ),
                Ok((m, Notified::Stale(why))) => tracing::info!(
                    message_id = log_id,
                    kind = %m.kind,
                    assignment_id = %m.assignment_id,
                    why = %why,
                    "not notified: the message no longer applies"
                ),
                Err(e) => {
                    let receives = receive_count(message);
                    let permanent = match &e {
                        MessageError::Poison(_) => true,
                        MessageError::Notify(n) => n.is_permanent(),
                        MessageError::DeadlineNear => false,
                    };
                    if permanent {
                        tracing::error!(message_id = log_id, receives, error = %e,
                            "notification failed and cannot succeed as configured; it moves to the dead-letter queue after maxReceiveCount receives");
                    } else {
                        tracing::warn!(message_id = log_id, receives, error = %e,
                            "notification not finished; reported as failed for redelivery");
                    }
                    match message_id {
                        Some(id) => {
                            let mut failure = BatchItemFailure::default();
                            failure.item_identifier = id.to_owned();
                            response.batch_item_failures.push(failure);
                        }
                        None => unidentified += 1,
                    }
                }
            }
        }
        if unidentified > 0 {
            return Err(BatchError::Unidentified(unidentified));
        }
        Ok(response)
    }

    async fn handle_message(
        &self,
        message: &SqsMessage,
    ) -> Result<(NotifyMessage, Notified), MessageError> {
        let parsed = NotifyMessage::parse(message.body.as_deref().unwrap_or_default())?;
        let done = self.notifier.notify(&parsed).await?;
        Ok((parsed, done))
    }
}

fn receive_count(message: &SqsMessage) -> u32 {
    message
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}
