//! Routing a lead again after its rep let it go (rejected, released, SLA expired), and
//! telling everyone: the new rep, the old rep, and a manager when it escalates.

use jiff::Timestamp;
use serde_json::json;
use switchboard_routing::PoolId;
use switchboard_routing::decision::ParkReason;
use switchboard_routing::record::OutcomeRecord;

use super::events::event;
use super::{Desk, Next};
use crate::notify_message::NotifyMessage;
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::leads::LeadStore;
use crate::ports::policies::PolicyStore;
use crate::ports::queue::Outbox;
use crate::ports::routing::{Assignment, AssignmentStatus, RoutingState};
use crate::router::Routed;

/// What [`reroute`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerouted {
    pub next: Next,
    /// True when the lead was escalated (parked after too many bounces, or nobody can
    /// take it).
    pub escalated: bool,
}

/// Routes the lead of `old` (just ended) again, excluding the reps it bounced from, and
/// sends the notifications and events of the outcome. `why` is the reason the old rep
/// lost it (`sla_expired`, `rejected: <reason>`).
///
/// Never fails: the action that ended `old` stands whatever happens here. A routing
/// failure leaves the lead `received` for the sweep's re-drive ([`Next::Pending`]); a
/// notify or event failure is logged as an error, since the fact it reports is committed.
pub async fn reroute<S, E, N>(
    desk: &Desk<'_, S, E, N>,
    old: &Assignment,
    why: &str,
    now: Timestamp,
) -> Rerouted
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    let lead_id = old.lead_id.as_str();
    let routed = match desk.router.route_lead(lead_id, now).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(lead_id, error = %e, "re-route failed; the sweep re-drives the lead");
            return Rerouted {
                next: Next::Pending,
                escalated: false,
            };
        }
    };
    match routed {
        Routed::Decided {
            assignment: Some(new),
            ..
        } => {
            reassigned(desk, old, &new, why, now).await;
            Rerouted {
                next: Next::Rep {
                    rep: new.rep.clone(),
                    attempt: new.attempt,
                    sla_due: new.sla_due,
                },
                escalated: false,
            }
        }
        Routed::Existing(new) if new.status == AssignmentStatus::Open => {
            // Someone routed it first (a redelivered route request); they notified.
            Rerouted {
                next: Next::Rep {
                    rep: new.rep.clone(),
                    attempt: new.attempt,
                    sla_due: new.sla_due,
                },
                escalated: false,
            }
        }
        Routed::Decided {
            assignment: None,
            record,
            ..
        } => {
            let (pool, reason) = match &record.outcome {
                OutcomeRecord::Parked { pool, reason } => (pool.clone(), *reason),
                OutcomeRecord::Assigned { .. } => {
                    unreachable!("a decision without assignment parks")
                }
            };
            escalate(desk, old, &pool, reason, record.policy_version, why, now).await;
            Rerouted {
                next: Next::Parked {
                    pool,
                    escalated: reason == ParkReason::Escalated,
                },
                escalated: true,
            }
        }
        Routed::Existing(_) | Routed::NotAwaitingRouting(_) => Rerouted {
            next: Next::Pending,
            escalated: false,
        },
    }
}

async fn send<N: Outbox>(notify: &N, message: &NotifyMessage) {
    let sent = match message.to_body() {
        Ok(body) => notify.send(&body).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = sent {
        tracing::error!(
            lead_id = %message.lead_id,
            kind = %message.kind,
            rep = %message.rep,
            error = %e,
            "notification not queued"
        );
    }
}

async fn publish<E: EventPublisher>(events: &E, event: crate::ports::events::DomainEvent) {
    if let Err(e) = events.publish(&event).await {
        tracing::error!(id = %event.id, error = %e, "event not published");
    }
}

async fn reassigned<S, E, N>(
    desk: &Desk<'_, S, E, N>,
    old: &Assignment,
    new: &Assignment,
    why: &str,
    now: Timestamp,
) where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    send(desk.notify, &NotifyMessage::for_assignment(new)).await;
    if new.rep != old.rep {
        send(
            desk.notify,
            &NotifyMessage::reassigned_away(old, why, Some(&new.rep)),
        )
        .await;
    }
    publish(
        &desk.router.events,
        event(
            "lead.reassigned",
            new,
            now,
            json!({ "from_rep": old.rep, "from_attempt": old.attempt, "reason": why }),
        ),
    )
    .await;
}

async fn escalate<S, E, N>(
    desk: &Desk<'_, S, E, N>,
    old: &Assignment,
    pool: &str,
    reason: ParkReason,
    policy_version: u64,
    why: &str,
    now: Timestamp,
) where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    send(desk.notify, &NotifyMessage::reassigned_away(old, why, None)).await;
    let manager = match desk.router.policy(policy_version).await {
        Ok(policy) => {
            let notify_manager = policy.escalation().is_none_or(|e| e.notify_manager);
            notify_manager
                .then(|| policy.manager_of(&old.rep).cloned())
                .flatten()
        }
        Err(e) => {
            tracing::warn!(policy_version, error = %e, "cannot read the policy; escalating to the pool's channels");
            None
        }
    };
    let text = match reason {
        ParkReason::Escalated => format!("bounced too often (last: {why}); parked in {pool}"),
        _ => format!("nobody can take it (last: {why}); parked in {pool}"),
    };
    let mut notice = NotifyMessage::escalated(old, manager.as_deref(), text);
    notice.pool = Some(PoolId::from(pool));
    send(desk.notify, &notice).await;
    publish(
        &desk.router.events,
        event(
            "lead.escalated",
            old,
            now,
            json!({
                "parked_in": pool,
                "reason": reason.as_str(),
                "last_bounce": why,
                "manager": manager,
            }),
        ),
    )
    .await;
}
