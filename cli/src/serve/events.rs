//! The local process's event bus: every domain event is logged, and `lead.assigned`
//! events are also sent to the notify queue, as an EventBridge rule would feed the
//! notifier's SQS queue on AWS.

use switchboard_store::{DomainEvent, EventPublisher, StoreResult, WorkQueue};

use super::queues::SharedQueue;

pub const ASSIGNED: &str = "lead.assigned";

pub struct NotifyEvents {
    notify: SharedQueue,
}

impl NotifyEvents {
    pub fn new(notify: SharedQueue) -> Self {
        NotifyEvents { notify }
    }
}

impl EventPublisher for NotifyEvents {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        tracing::debug!(id = %event.id, kind = %event.kind, detail = %event.detail, "event");
        if let Some(message) = super::notifier::message_for_event(event) {
            self.notify.send(&message.to_body()?).await?;
        }
        Ok(())
    }
}
