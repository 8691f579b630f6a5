//! The local process's event bus: every domain event is logged. Notifications do not come
//! from events: the workers enqueue them after routing (`switchboard_store::after_routing`),
//! as the router function does on AWS, and rep actions and the sweep enqueue their own.

use switchboard_store::{DomainEvent, EventPublisher, StoreResult};

pub struct LoggedEvents;

impl EventPublisher for LoggedEvents {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        // Not the detail: it holds a rep's free-text reason for a reject or release.
        tracing::debug!(id = %event.id, kind = %event.kind, "event");
        Ok(())
    }
}
