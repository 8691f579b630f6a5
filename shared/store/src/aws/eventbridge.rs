//! [`EventPublisher`] on EventBridge: one `PutEvents` entry per event on a custom bus.
//!
//! The entry's `source` is [`EVENT_SOURCE`], its `detail-type` the event kind, and its
//! `detail` the whole [`DomainEvent`] as JSON (so consumers get the stable `id`).

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use crate::aws::describe;
use crate::error::{StoreError, StoreResult};
use crate::ports::events::{DomainEvent, EVENT_SOURCE, EventPublisher};

#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        EventBridgePublisher {
            client,
            bus: bus.into(),
        }
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        let detail = serde_json::to_string(event)
            .map_err(|e| StoreError::backend_from("cannot encode event", e))?;
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(&event.kind)
            .detail(detail)
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| {
                StoreError::backend_from(format!("EventBridge PutEvents: {}", describe(&e)), e)
            })?;
        // PutEvents answers 200 even when an entry was rejected.
        if out.failed_entry_count > 0 {
            let why = out
                .entries
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e.error_message)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(StoreError::backend(format!(
                "EventBridge rejected event {}: {why}",
                event.id
            )));
        }
        Ok(())
    }
}
