//! What follows routing a lead, wherever it is routed (the router function, the local
//! process): the rep's notification for an open assignment, and the event of a parked lead
//! whose parking an earlier delivery committed.
//!
//! [`Router::route_lead`] and [`Router::route_run`] publish `lead.assigned` and
//! `lead.parked` after the commit, and `lead.assigned` again when a redelivery finds the
//! lead assigned. For a parked lead a redelivery only learns "not awaiting routing", so a
//! crash between the parking commit and its event would lose the event: [`after_routing`]
//! rebuilds it from the stored decision record, with the id and detail the router gives it.
//!
//! Every step is idempotent per lead (notifications are sent at least once and the
//! notifier keys its work on the assignment; events carry stable ids), so a message
//! delivered again after a failure at any point finishes what is left.

use jiff::Timestamp;
use serde_json::json;
use switchboard_routing::record::OutcomeRecord;

use crate::error::StoreError;
use crate::notify_message::NotifyMessage;
use crate::ports::events::{DomainEvent, EventPublisher};
use crate::ports::leads::LeadStatus;
use crate::ports::queue::Outbox;
use crate::ports::routing::{Assignment, AssignmentStatus, RoutingState};
use crate::router::{Routed, Router};

/// What routing a lead and the steps after it did.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// The lead has this open or closed assignment; `decided` is false for a redelivery
    /// that found it already made. Its notification was enqueued if it is open.
    Assigned {
        assignment: Assignment,
        decided: bool,
    },
    /// The lead waits in `pool` for manual handling; `decided` as above.
    Parked { pool: String, decided: bool },
    /// The lead needs no routing (a duplicate, or closed).
    NotRouted(LeadStatus),
}

/// A step after routing failed; the routing itself stands, and doing it all again is safe.
#[derive(Debug, thiserror::Error)]
pub enum AfterRoutingError {
    /// Reading the lead's decision records failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Republishing the event of a lead parked by an earlier delivery failed.
    #[error("publishing the event: {0}")]
    Publish(StoreError),
    #[error("enqueueing the notification: {0}")]
    Notify(StoreError),
    #[error("encoding the notification: {0}")]
    Encode(#[from] serde_json::Error),
    /// The stored state contradicts itself; retrying may not help, and the dead-letter
    /// queue brings it to an operator.
    #[error("lead {lead_id}: {why}")]
    Inconsistent { lead_id: String, why: String },
}

/// Finishes what routing `lead_id` (with the outcome `routed`) implies: notifies the rep
/// of a new or still open assignment on `notify`, republishes `lead.parked` for a lead an
/// earlier delivery parked.
pub async fn after_routing<S, E, N>(
    router: &Router<S, E>,
    notify: &N,
    lead_id: &str,
    routed: Routed,
    now: Timestamp,
) -> Result<Done, AfterRoutingError>
where
    S: RoutingState,
    E: EventPublisher,
    N: Outbox,
{
    match routed {
        Routed::Decided {
            assignment: Some(assignment),
            ..
        } => {
            send_assigned(notify, &assignment).await?;
            Ok(Done::Assigned {
                assignment,
                decided: true,
            })
        }
        Routed::Decided {
            assignment: None,
            record,
            ..
        } => match record.outcome {
            OutcomeRecord::Parked { pool, .. } => Ok(Done::Parked {
                pool,
                decided: true,
            }),
            OutcomeRecord::Assigned { .. } => Err(inconsistent(
                lead_id,
                "an assigning decision without an assignment",
            )),
        },
        Routed::Existing(assignment) => {
            // A closed assignment needs no notification: the rep has finished the lead.
            if assignment.status == AssignmentStatus::Open {
                send_assigned(notify, &assignment).await?;
            }
            Ok(Done::Assigned {
                assignment,
                decided: false,
            })
        }
        Routed::NotAwaitingRouting(LeadStatus::Parked) => {
            let pool = republish_parked(router, lead_id, now).await?;
            Ok(Done::Parked {
                pool,
                decided: false,
            })
        }
        Routed::NotAwaitingRouting(status @ (LeadStatus::Closed | LeadStatus::Duplicate)) => {
            Ok(Done::NotRouted(status))
        }
        Routed::NotAwaitingRouting(status) => Err(inconsistent(
            lead_id,
            format!(
                "status {} but neither routable nor assigned",
                status.as_str()
            ),
        )),
    }
}

async fn send_assigned<N: Outbox>(notify: &N, a: &Assignment) -> Result<(), AfterRoutingError> {
    let body = NotifyMessage::for_assignment(a).to_body()?;
    notify.send(&body).await.map_err(AfterRoutingError::Notify)
}

/// Republishes the event of the lead's latest decision, which must have parked it.
/// Returns the parking pool.
async fn republish_parked<S, E>(
    router: &Router<S, E>,
    lead_id: &str,
    now: Timestamp,
) -> Result<String, AfterRoutingError>
where
    S: RoutingState,
    E: EventPublisher,
{
    let decisions = router.store.decisions(lead_id).await?;
    let number = decisions.len();
    let Some(record) = decisions.last() else {
        return Err(inconsistent(lead_id, "parked without a decision record"));
    };
    let OutcomeRecord::Parked { pool, reason } = &record.outcome else {
        return Err(inconsistent(
            lead_id,
            format!("parked, but decision {number} assigned it"),
        ));
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
    router
        .events
        .publish(&event)
        .await
        .map_err(AfterRoutingError::Publish)?;
    Ok(pool.clone())
}

fn inconsistent(lead_id: &str, why: impl Into<String>) -> AfterRoutingError {
    AfterRoutingError::Inconsistent {
        lead_id: lead_id.to_owned(),
        why: why.into(),
    }
}
