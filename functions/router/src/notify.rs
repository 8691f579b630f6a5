//! Where notifications go: a send-only port, so the router needs (and is granted) nothing
//! but `SendMessage` on the notify queue.

use std::future::Future;

use switchboard_store::{StoreResult, WorkQueue};

/// Hands a notification body to the notifier.
///
/// Contract: `Ok` means the queue accepted the message. Sending is at least once (see
/// [`Notification`](crate::Notification)), so the same body may be sent more than once.
pub trait NotifyQueue: Send + Sync {
    fn send(&self, body: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Any work queue (the embedded queue of the local process, the store's SQS queue) can
/// carry notifications.
impl<Q: WorkQueue> NotifyQueue for Q {
    async fn send(&self, body: &str) -> StoreResult<()> {
        WorkQueue::send(self, body).await.map(|_| ())
    }
}
