//! The in-process queues, shared between intake, the routers and the admin routes.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use switchboard_intake::{Clock, PortReception, Reception};
use switchboard_store::embedded::{EmbeddedStore, MemoryQueue, QueueConfig};
use switchboard_store::{Insert, LeadStatus, NewLead, StoreError, StoredLead};

use super::events::LoggedEvents;
use super::pipeline::Pipeline;

/// A [`MemoryQueue`] with several owners (intake, the routers, the admin routes): the
/// ports take their queue by value, and a shared queue is still one (`WorkQueue` holds for
/// `Arc<Q>`).
pub type SharedQueue = Arc<MemoryQueue>;

pub fn shared_queue(max_receives: u32) -> SharedQueue {
    Arc::new(MemoryQueue::new(QueueConfig { max_receives }))
}

/// Intake's reception in the local process: [`PortReception`] over the store and the
/// routing queue, plus two things only this process does. It notes the lead's lane for the
/// routers before the hand-off (see `lanes`), and it remembers the leads whose hand-off
/// failed, so the sweep re-drives them at once (intake keeps such a lead stored as
/// `received`).
pub struct LaneReception {
    inner: PortReception<EmbeddedStore, SharedQueue, LoggedEvents>,
    pipeline: Arc<Pipeline>,
}

impl LaneReception {
    pub fn new(pipeline: Arc<Pipeline>, clock: Arc<dyn Clock>) -> Self {
        LaneReception {
            inner: PortReception::new(pipeline.store.clone(), pipeline.routing.clone(), clock)
                .with_events(LoggedEvents),
            pipeline,
        }
    }
}

impl Reception for LaneReception {
    fn receive(&self, new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>> {
        Box::pin(async move {
            let lead_id = new.lead.id.clone();
            self.pipeline
                .lanes
                .note(&self.pipeline.store, &new.lead)
                .await;
            let result = self.inner.receive(new).await;
            let status = match &result {
                Ok(Insert::Created(stored)) => {
                    let source = stored.lead.source.as_deref().unwrap_or("unknown");
                    let duplicate = stored.status == LeadStatus::Duplicate;
                    self.pipeline.metrics.received(source, duplicate);
                    Some(stored.status)
                }
                // A redelivery (the key maps to an earlier lead) or a failure: this lead id
                // was never handed on.
                _ => None,
            };
            if status != Some(LeadStatus::Queued) {
                self.pipeline.lanes.forget(&lead_id);
            }
            if status == Some(LeadStatus::Received) {
                // Stored, but the hand-off failed.
                self.pipeline.redrive.add(&lead_id, false);
            }
            result
        })
    }

    fn lead<'a>(
        &'a self,
        lead_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        self.inner.lead(lead_id)
    }
}
