//! Handing a stored lead on for routing (SQS on AWS, an in-process channel locally).
//!
//! Intake stores first and enqueues second. If enqueueing fails, the lead stays stored
//! with status `received`, the sender still gets its 202, and the sweeper re-drives leads
//! stuck in `received`. Redeliveries of a stored submission never enqueue again.

use std::sync::Mutex;

use switchboard_routing::Lead;

use crate::store::BoxFuture;

/// Why a hand-off failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct EnqueueError {
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl EnqueueError {
    pub fn new(message: impl Into<String>) -> Self {
        EnqueueError {
            message: message.into(),
            source: None,
        }
    }
}

/// Hands a stored lead on for routing. Implementations must be safe to call twice for the
/// same lead (routing is idempotent per lead id).
pub trait Enqueue: Send + Sync + 'static {
    fn enqueue<'a>(&'a self, lead: &'a Lead) -> BoxFuture<'a, Result<(), EnqueueError>>;
}

/// Records the ids of enqueued leads, in order.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    ids: Mutex<Vec<String>>,
}

impl MemoryQueue {
    pub fn new() -> Self {
        MemoryQueue::default()
    }

    pub fn lead_ids(&self) -> Vec<String> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Enqueue for MemoryQueue {
    fn enqueue<'a>(&'a self, lead: &'a Lead) -> BoxFuture<'a, Result<(), EnqueueError>> {
        Box::pin(async move {
            self.ids
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(lead.id.clone());
            Ok(())
        })
    }
}
