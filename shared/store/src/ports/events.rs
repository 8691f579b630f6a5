//! Domain events for downstream systems (CRM sync, analytics, notifications).

use std::future::Future;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::StoreResult;

/// The source name every event carries (EventBridge `source`).
pub const EVENT_SOURCE: &str = "switchboard";

/// One event. `id` is stable per fact (e.g. `lead.assigned:L1:1`), so consumers can drop
/// the duplicates at-least-once publishing produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub id: String,
    /// `lead.assigned`, `lead.parked`, `lead.released`, ... (EventBridge `detail-type`).
    pub kind: String,
    pub time: Timestamp,
    pub detail: serde_json::Value,
}

/// Publishes domain events.
///
/// Contract: `Ok` means the event was accepted by the bus. Publishing is at least once:
/// callers publish after their write commits and again when a retry finds the write
/// already done, so the same `id` may be seen more than once.
pub trait EventPublisher: Send + Sync {
    fn publish(&self, event: &DomainEvent) -> impl Future<Output = StoreResult<()>> + Send;
}

/// A publisher that publishes nothing: for wiring without a bus (tests of other parts).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventPublisher for NoEvents {
    async fn publish(&self, _event: &DomainEvent) -> StoreResult<()> {
        Ok(())
    }
}

/// A bus that may not be configured: `None` publishes nothing.
impl<E: EventPublisher> EventPublisher for Option<E> {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        match self {
            Some(bus) => bus.publish(event).await,
            None => Ok(()),
        }
    }
}

/// A publisher shared between parts of a process (and kept by a test to read back).
impl<E: EventPublisher> EventPublisher for std::sync::Arc<E> {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        (**self).publish(event).await
    }
}

/// `lead.received`: a lead was stored (a duplicate too, naming the lead it duplicates).
/// Carries ids and the source only, never the lead's contact details.
pub fn lead_received(lead: &crate::ports::leads::StoredLead) -> DomainEvent {
    DomainEvent {
        id: format!("lead.received:{}", lead.lead.id),
        kind: "lead.received".into(),
        time: lead.lead.received_at,
        detail: serde_json::json!({
            "lead_id": lead.lead.id,
            "source": lead.lead.source,
            "status": lead.status.as_str(),
            "duplicate_of": lead.duplicate_of,
        }),
    }
}
