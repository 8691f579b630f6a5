//! What follows routing a lead, wherever it is routed (the router function, the local
//! process): the rep's notification for an open assignment, the parking pool's
//! notification for a parked lead, and the event of a parked lead whose parking an earlier
//! delivery committed.
//!
//! [`Router::route_lead`] and [`Router::route_run`] publish `lead.assigned` and
//! `lead.parked` after the commit, and `lead.assigned` again when a redelivery finds the
//! lead assigned. For a parked lead a redelivery only learns "not awaiting routing", so a
//! crash between the parking commit and its event would lose the event: [`after_routing`]
//! rebuilds it from the stored decision record, with the id and detail the router gives it.
//!
//! A parked lead has nobody to tell it waits, so its pool's channels are (no lead waits in
//! triage unnoticed), once per parking decision: the message is keyed on the lead and the
//! decision's number, and a later parking after a re-route is a new notification. A lead
//! escalated after bounces, or parked by the re-route after its rep let it go, is not:
//! that escalation already told the manager or the pool.
//!
//! Every step is idempotent per lead (notifications are sent at least once and the
//! notifier keys its work on the assignment or parking; events carry stable ids), so a
//! message delivered again after a failure at any point finishes what is left.

use jiff::Timestamp;
use serde_json::json;
use switchboard_routing::record::{DecisionRecord, OutcomeRecord};
use switchboard_routing::{ParkReason, PoolId};

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
    /// The lead waits in `pool` for manual handling; `decided` as above. The pool's
    /// notification was enqueued unless the lead was escalated (already notified).
    Parked { pool: PoolId, decided: bool },
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
/// of a new or still open assignment on `notify`, notifies the pool of a parked lead, and
/// republishes `lead.parked` for a lead an earlier delivery parked.
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
        } => match &record.outcome {
            OutcomeRecord::Parked { pool, reason } => {
                let number = decision_number(router, lead_id, &record).await?;
                send_parked(notify, &record, pool, *reason, number).await?;
                Ok(Done::Parked {
                    pool: pool.clone(),
                    decided: true,
                })
            }
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
            // The parking may have committed without its notification: send it again;
            // the notifier's delivery log keeps it to one per channel. Not for a parking
            // right after an assignment: the re-route that made it (the rep let the lead
            // go) sent its `escalated` message, and this request is an old one.
            let p = republish_parked(router, lead_id, now).await?;
            if !p.after_assignment {
                send_parked(notify, &p.record, &p.pool, p.reason, p.number).await?;
            }
            Ok(Done::Parked {
                pool: p.pool,
                decided: false,
            })
        }
        // A scheduled lead is routed when the sweep hands it on at its time, not on a
        // stray request before that.
        Routed::NotAwaitingRouting(
            status @ (LeadStatus::Closed | LeadStatus::Duplicate | LeadStatus::Scheduled),
        ) => Ok(Done::NotRouted(status)),
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

/// Tells the parking pool's channels about the `number`-th decision, `record`, which
/// parked the lead; nothing for an escalation, which told the manager or the pool itself.
async fn send_parked<N: Outbox>(
    notify: &N,
    record: &DecisionRecord,
    pool: &str,
    reason: ParkReason,
    number: u32,
) -> Result<(), AfterRoutingError> {
    if reason == ParkReason::Escalated {
        return Ok(());
    }
    let message = NotifyMessage::parked(
        &record.lead_id,
        pool,
        reason,
        number,
        record.policy_version,
        record.decided_at,
    );
    let body = message.to_body()?;
    notify.send(&body).await.map_err(AfterRoutingError::Notify)
}

/// The number (1 for the first) of the lead's decision `record`, which this delivery just
/// committed. Looked up rather than counted, since a person may have decided again since
/// (assigned it from triage, say); a store that does not show the write yet has no later
/// decision either, so the next number is this one.
async fn decision_number<S, E>(
    router: &Router<S, E>,
    lead_id: &str,
    record: &DecisionRecord,
) -> Result<u32, AfterRoutingError>
where
    S: RoutingState,
    E: EventPublisher,
{
    let decisions = router.store.decisions(lead_id).await?;
    let found = decisions
        .iter()
        .rposition(|d| d.decided_at == record.decided_at && d.outcome == record.outcome);
    Ok(count(found.unwrap_or(decisions.len()) + 1))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Republishes the event of the lead's latest decision, which must have parked it.
/// Returns that parking.
async fn republish_parked<S, E>(
    router: &Router<S, E>,
    lead_id: &str,
    now: Timestamp,
) -> Result<Parking, AfterRoutingError>
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
    let previous = number.checked_sub(2).map(|i| &decisions[i].outcome);
    Ok(Parking {
        pool: pool.clone(),
        reason: *reason,
        number: count(number),
        record: record.clone(),
        after_assignment: matches!(previous, Some(OutcomeRecord::Assigned { .. })),
    })
}

/// A lead's parking decision, `number`-th of its decisions.
struct Parking {
    record: DecisionRecord,
    pool: PoolId,
    reason: ParkReason,
    number: u32,
    /// The decision before it assigned the lead: a re-route parked it.
    after_assignment: bool,
}

fn inconsistent(lead_id: &str, why: impl Into<String>) -> AfterRoutingError {
    AfterRoutingError::Inconsistent {
        lead_id: lead_id.to_owned(),
        why: why.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
    use crate::notify_message::NotifyKind;
    use crate::ports::leads::{LeadStore, NewLead};
    use crate::ports::policies::PolicyStore;
    use crate::ports::queue::WorkQueue;
    use std::time::Duration;
    use switchboard_routing::{Lead, PolicyDocument};

    /// Germany goes to one rep; anything else matches no rule and parks in triage.
    const POLICY: &str = "
name: after-routing
triage_pool: triage
reps:
  - { id: ana, caps: { max_open: 5 } }
pools:
  - { id: main, strategy: round_robin, members: [ana] }
rules:
  - { id: germany, when: { field: country, eq: DE }, pool: main }
";

    fn monday() -> Timestamp {
        "2026-06-01T10:00:00Z".parse().unwrap()
    }

    struct Fixture {
        router: Router<EmbeddedStore, MemoryEvents>,
        notify: MemoryQueue,
        dir: std::path::PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    async fn fixture(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "switchboard-after-routing-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = EmbeddedStore::open(dir.join("db.redb")).unwrap();
        let doc = PolicyDocument::from_yaml(POLICY).unwrap();
        let v = store.put_version(&doc, None, monday()).await.unwrap();
        store.set_active(v.version, None, monday()).await.unwrap();
        for (id, country) in [("DE-1", "DE"), ("FR-1", "FR")] {
            let lead = Lead::new(id, monday())
                .with_email(&format!("{id}@example.org"))
                .with_country(country);
            store
                .insert_if_absent(&NewLead::new(lead, id), monday())
                .await
                .unwrap();
        }
        Fixture {
            router: Router::new(store, MemoryEvents::new()),
            notify: MemoryQueue::new(QueueConfig { max_receives: 5 }),
            dir,
        }
    }

    impl Fixture {
        async fn route(&self, lead_id: &str) -> Done {
            let routed = self.router.route_lead(lead_id, monday()).await.unwrap();
            after_routing(&self.router, &self.notify, lead_id, routed, monday())
                .await
                .unwrap()
        }

        async fn notified(&self) -> Vec<NotifyMessage> {
            let got = self
                .notify
                .receive(10, Duration::from_secs(60), Duration::ZERO)
                .await
                .unwrap();
            for m in &got {
                self.notify.delete(&m.receipt).await.unwrap();
            }
            got.iter()
                .map(|m| NotifyMessage::parse(&m.body).unwrap())
                .collect()
        }
    }

    #[tokio::test]
    async fn an_open_assignment_is_notified_on_every_delivery() {
        let f = fixture("assigned").await;
        let Done::Assigned {
            assignment,
            decided: true,
        } = f.route("DE-1").await
        else {
            panic!("the first delivery decides");
        };
        assert_eq!(
            f.notified().await,
            [NotifyMessage::for_assignment(&assignment)]
        );
        assert_eq!(
            f.route("DE-1").await,
            Done::Assigned {
                assignment: assignment.clone(),
                decided: false
            }
        );
        assert_eq!(
            f.notified().await,
            [NotifyMessage::for_assignment(&assignment)]
        );
    }

    /// The `parked` message of FR-1's first decision, which parked it in triage.
    fn parked_message(policy_version: u64) -> NotifyMessage {
        NotifyMessage::parked(
            "FR-1",
            "triage",
            switchboard_routing::ParkReason::NoRuleMatched,
            1,
            policy_version,
            monday(),
        )
    }

    #[tokio::test]
    async fn a_new_parking_tells_the_pool_once() {
        let f = fixture("parked-new").await;
        assert_eq!(
            f.route("FR-1").await,
            Done::Parked {
                pool: "triage".into(),
                decided: true
            }
        );
        let version = f.router.store.decisions("FR-1").await.unwrap()[0].policy_version;
        let notified = f.notified().await;
        assert_eq!(notified, [parked_message(version)]);
        assert_eq!(notified[0].addressee(), None);
        assert_eq!(notified[0].assignment_id, "FR-1:parked:1");
    }

    #[tokio::test]
    async fn a_parked_lead_gets_its_event_and_notification_again() {
        let f = fixture("parked").await;
        assert_eq!(
            f.route("FR-1").await,
            Done::Parked {
                pool: "triage".into(),
                decided: true
            }
        );
        let first = f.router.events.events();
        let parked = first.last().expect("lead.parked").clone();
        assert_eq!(parked.kind, "lead.parked");
        let sent = f.notified().await;
        assert_eq!(
            f.route("FR-1").await,
            Done::Parked {
                pool: "triage".into(),
                decided: false
            }
        );
        let again = f.router.events.events();
        assert_eq!(again.len(), first.len() + 1);
        let republished = again.last().unwrap();
        assert_eq!(
            (&republished.id, &republished.kind, &republished.detail),
            (&parked.id, &parked.kind, &parked.detail)
        );
        // The same message, with the same key: the notifier's delivery log sends it once.
        assert_eq!(f.notified().await, sent);
        assert_eq!(sent.len(), 1);
    }

    #[tokio::test]
    async fn a_lead_parked_by_a_re_route_is_not_told_again_by_an_old_request() {
        let f = fixture("rerouted").await;
        assert!(matches!(f.route("DE-1").await, Done::Assigned { .. }));
        f.notified().await;
        // With the kill switch on, the re-route after Ana rejects parks the lead and
        // escalates it (to the pool: Ana has no manager).
        let mut doc = PolicyDocument::from_yaml(POLICY).unwrap();
        doc.kill_switch = true;
        let v = f
            .router
            .store
            .put_version(&doc, None, monday())
            .await
            .unwrap();
        f.router
            .store
            .set_active(v.version, Some(v.version - 1), monday())
            .await
            .unwrap();
        let target = crate::actions::Target {
            lead_id: "DE-1".into(),
            rep: "ana".into(),
            attempt: None,
        };
        crate::actions::Desk::new(&f.router, &f.notify)
            .reject(&target, "no budget", monday())
            .await
            .unwrap();
        let kinds: Vec<_> = f.notified().await.iter().map(|n| n.kind).collect();
        assert!(kinds.contains(&NotifyKind::Escalated), "{kinds:?}");
        assert!(!kinds.contains(&NotifyKind::Parked), "{kinds:?}");
        let routed = Routed::NotAwaitingRouting(LeadStatus::Parked);
        let done = after_routing(&f.router, &f.notify, "DE-1", routed, monday())
            .await
            .unwrap();
        assert!(matches!(done, Done::Parked { decided: false, .. }));
        assert!(f.notified().await.is_empty());
    }

    #[tokio::test]
    async fn an_escalated_lead_is_not_told_again() {
        let f = fixture("escalated").await;
        // Routing cannot escalate a new lead (only bounces do), so the parking decision
        // is made to read as an escalation.
        let Routed::Decided {
            mut record,
            assignment: None,
            attempts,
            received_at,
        } = f.router.route_lead("FR-1", monday()).await.unwrap()
        else {
            panic!("FR-1 parks");
        };
        record.outcome = OutcomeRecord::Parked {
            pool: "triage".into(),
            reason: switchboard_routing::ParkReason::Escalated,
        };
        let routed = Routed::Decided {
            record,
            assignment: None,
            attempts,
            received_at,
        };
        let done = after_routing(&f.router, &f.notify, "FR-1", routed, monday())
            .await
            .unwrap();
        assert!(matches!(done, Done::Parked { decided: true, .. }));
        assert!(f.notified().await.is_empty());
    }
}
