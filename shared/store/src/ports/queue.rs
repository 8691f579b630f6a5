//! A work queue with SQS semantics: at-least-once delivery, visibility timeouts, receive
//! counts, a dead-letter list after too many receives, and redrive.

use std::future::Future;
use std::time::Duration;

use crate::error::StoreResult;

/// A received message. `receipt` identifies this receive (not the message) for
/// [`WorkQueue::delete`] and [`WorkQueue::change_visibility`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub id: String,
    pub receipt: String,
    pub body: String,
    /// 1 on the first delivery.
    pub receive_count: u32,
}

/// A message moved to the dead-letter list after `max_receives` deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: String,
    pub body: String,
}

/// A work queue.
///
/// Contract:
/// - **At least once.** A received message is hidden for the visibility timeout and comes
///   back (with its receive count increased) unless deleted in time. A message may be
///   delivered twice even to concurrent receivers, so consumers must be idempotent.
/// - **Dead letters.** A message received `max_receives` times without being deleted goes
///   to the dead-letter list on its next receive instead of being delivered.
/// - [`redrive`](WorkQueue::redrive) moves dead letters back as new messages (receive
///   count restarts; the id may change).
/// - Deleting an already deleted message is not an error. A receipt from an earlier
///   receive of a message that was received again since may be refused (the embedded
///   queue refuses it with `Conflict`; SQS may accept it): use the latest receipt.
pub trait WorkQueue: Send + Sync {
    fn send(&self, body: &str) -> impl Future<Output = StoreResult<String>> + Send;

    /// Up to `max` (at most 10) visible messages, waiting up to `wait` for the first one.
    fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> impl Future<Output = StoreResult<Vec<Received>>> + Send;

    fn delete(&self, receipt: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Zero makes the message visible again at once (a negative acknowledgement).
    fn change_visibility(
        &self,
        receipt: &str,
        visibility: Duration,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Up to `max` dead letters, without removing them.
    fn dead_letters(&self, max: usize)
    -> impl Future<Output = StoreResult<Vec<DeadLetter>>> + Send;

    /// Moves up to `max` dead letters back to the queue; returns how many moved.
    fn redrive(&self, max: usize) -> impl Future<Output = StoreResult<usize>> + Send;
}

/// A queue shared by several owners (a runtime's stages and its admin routes) is still
/// the queue.
impl<Q: WorkQueue> WorkQueue for std::sync::Arc<Q> {
    fn send(&self, body: &str) -> impl Future<Output = StoreResult<String>> + Send {
        (**self).send(body)
    }

    fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> impl Future<Output = StoreResult<Vec<Received>>> + Send {
        (**self).receive(max, visibility, wait)
    }

    fn delete(&self, receipt: &str) -> impl Future<Output = StoreResult<()>> + Send {
        (**self).delete(receipt)
    }

    fn change_visibility(
        &self,
        receipt: &str,
        visibility: Duration,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        (**self).change_visibility(receipt, visibility)
    }

    fn dead_letters(
        &self,
        max: usize,
    ) -> impl Future<Output = StoreResult<Vec<DeadLetter>>> + Send {
        (**self).dead_letters(max)
    }

    fn redrive(&self, max: usize) -> impl Future<Output = StoreResult<usize>> + Send {
        (**self).redrive(max)
    }
}

/// The sending side of a queue: where producers (rep actions, the sweep) put messages.
/// Every [`WorkQueue`] is one; a producer that only sends needs nothing more (the SQS
/// adapter [`crate::aws::SqsOutbox`] needs no dead-letter queue).
pub trait Outbox: Send + Sync {
    fn send(&self, body: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

impl<Q: WorkQueue> Outbox for Q {
    async fn send(&self, body: &str) -> StoreResult<()> {
        WorkQueue::send(self, body).await.map(|_| ())
    }
}
