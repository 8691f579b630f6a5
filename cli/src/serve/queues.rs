//! The in-process queues, shared between intake, the routers and the admin routes.

use std::sync::Arc;
use std::time::Duration;

use switchboard_intake::queue::{Enqueue, EnqueueError};
use switchboard_intake::store::{BoxFuture, PortQueue};
use switchboard_routing::Lead;
use switchboard_store::embedded::{MemoryQueue, QueueConfig};
use switchboard_store::{DeadLetter, Received, StoreResult, WorkQueue};

use super::pipeline::Pipeline;

/// A [`MemoryQueue`] with several owners: the port takes its queue by value.
#[derive(Debug, Clone)]
pub struct SharedQueue(Arc<MemoryQueue>);

impl SharedQueue {
    pub fn new(max_receives: u32) -> Self {
        SharedQueue(Arc::new(MemoryQueue::new(QueueConfig { max_receives })))
    }

    /// Messages not yet deleted, visible or in flight (dead letters not counted).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl WorkQueue for SharedQueue {
    async fn send(&self, body: &str) -> StoreResult<String> {
        self.0.send(body).await
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StoreResult<Vec<Received>> {
        self.0.receive(max, visibility, wait).await
    }

    async fn delete(&self, receipt: &str) -> StoreResult<()> {
        self.0.delete(receipt).await
    }

    async fn change_visibility(&self, receipt: &str, visibility: Duration) -> StoreResult<()> {
        self.0.change_visibility(receipt, visibility).await
    }

    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        self.0.dead_letters(max).await
    }

    async fn redrive(&self, max: usize) -> StoreResult<usize> {
        self.0.redrive(max).await
    }
}

/// Intake's hand-off to the routing queue. It notes the lead's lane for the routers (see
/// `lanes`), and remembers the leads it failed to hand on, so the sweep re-drives them
/// (intake keeps such a lead stored as `received`).
pub struct TrackedEnqueue {
    inner: PortQueue<SharedQueue>,
    pipeline: Arc<Pipeline>,
}

impl TrackedEnqueue {
    pub fn new(pipeline: Arc<Pipeline>) -> Self {
        TrackedEnqueue {
            inner: PortQueue::new(pipeline.routing.clone()),
            pipeline,
        }
    }
}

impl Enqueue for TrackedEnqueue {
    fn enqueue<'a>(&'a self, lead: &'a Lead) -> BoxFuture<'a, Result<(), EnqueueError>> {
        Box::pin(async move {
            self.pipeline.lanes.note(&self.pipeline.store, lead).await;
            let result = self.inner.enqueue(lead).await;
            if result.is_err() {
                self.pipeline.lanes.forget(&lead.id);
                self.pipeline.redrive.add(&lead.id, false);
            }
            result
        })
    }
}
