//! Publishing `lead.parked` again for a redelivered message.
//!
//! `Router::route_lead` republishes `lead.assigned` when a redelivery finds the lead
//! assigned, but for a parked lead it only answers "not awaiting routing". A crash between
//! the parking commit and its event would then lose the event, so the handler rebuilds it
//! from the stored decision record, with the same id and detail the router gives it.

use jiff::Timestamp;
use serde_json::json;
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::{DomainEvent, EventPublisher, RoutingState};

use crate::error::MessageError;

/// Republishes the event of the lead's latest decision, which must have parked it.
/// Returns the parking pool.
pub async fn republish<S, E>(
    store: &S,
    events: &E,
    lead_id: &str,
    now: Timestamp,
) -> Result<String, MessageError>
where
    S: RoutingState,
    E: EventPublisher,
{
    let decisions = store.decisions(lead_id).await?;
    let number = decisions.len();
    let Some(record) = decisions.last() else {
        return Err(MessageError::Inconsistent {
            lead_id: lead_id.to_owned(),
            why: "parked without a decision record".into(),
        });
    };
    let OutcomeRecord::Parked { pool, reason } = &record.outcome else {
        return Err(MessageError::Inconsistent {
            lead_id: lead_id.to_owned(),
            why: format!("parked, but decision {number} assigned it"),
        });
    };
    let event = DomainEvent {
        id: format!("lead.parked:{lead_id}:{number}"),
        kind: "lead.parked".into(),
        time: now,
        detail: json!({
            "lead_id": lead_id,
            "pool": pool,
            "reason": reason,
            "policy_version": record.policy_version,
        }),
    };
    events
        .publish(&event)
        .await
        .map_err(MessageError::Publish)?;
    Ok(pool.clone())
}
