//! An [`EventPublisher`] that keeps events in memory (the local process's bus, and tests).

use std::sync::Mutex;

use crate::error::StoreResult;
use crate::ports::events::{DomainEvent, EventPublisher};

#[derive(Debug, Default)]
pub struct MemoryEvents {
    events: Mutex<Vec<DomainEvent>>,
}

impl MemoryEvents {
    pub fn new() -> Self {
        MemoryEvents::default()
    }

    /// Every event published so far, in order.
    pub fn events(&self) -> Vec<DomainEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl EventPublisher for MemoryEvents {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
        Ok(())
    }
}
