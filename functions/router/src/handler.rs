//! One invocation: a batch of routing messages, each finished or reported on its own.

use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::{
    AccountDirectory, Assignment, AssignmentStatus, EventPublisher, LeadStatus, LeadStore,
    PolicyStore, Routed, Router, RoutingState,
};

use crate::error::{BatchError, MessageError};
use crate::message::{Notification, RouteRequest};
use crate::notify::NotifyQueue;
use crate::parked;

/// The clock decisions are made at (injectable so tests are deterministic).
pub type Clock = fn() -> Timestamp;

/// Time left before the function's timeout under which a message is not started: routing
/// one lead takes a few round trips, plus up to eight conflict retries with backoff.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(3);

/// What finishing one message did.
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

/// Routes the leads of SQS batches: `route_lead` reads the state, decides, applies the
/// decision in one atomic write (retrying conflicts) and publishes `lead.assigned` or
/// `lead.parked`; the handler then enqueues the notification.
///
/// Every step is idempotent per lead, so a message delivered again after a failure or a
/// crash at any point finishes the remaining steps and changes nothing that was done.
pub struct Handler<S, E, N> {
    router: Router<S, E>,
    notify: N,
    clock: Clock,
    deadline_margin: Duration,
}

impl<S, E, N> Handler<S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: NotifyQueue,
{
    /// The router keeps the compiled policies, so one handler per process compiles each
    /// policy version once, on the first lead routed under it.
    pub fn new(router: Router<S, E>, notify: N) -> Self {
        Handler {
            router,
            notify,
            clock: Timestamp::now,
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_deadline_margin(mut self, margin: Duration) -> Self {
        self.deadline_margin = margin;
        self
    }

    pub fn router(&self) -> &Router<S, E> {
        &self.router
    }

    pub fn notify_queue(&self) -> &N {
        &self.notify
    }

    /// Handles a batch. Each message that did not finish is in `batch_item_failures` (and
    /// logged with its message id); the others are done and may be deleted. Messages are
    /// not started once `deadline` is less than the margin away.
    ///
    /// Messages run one after another: leads of one batch usually share a pool, whose
    /// state every decision conditions on, so running them at once would mostly add
    /// conflicts; parallelism comes from concurrent invocations.
    pub async fn handle(
        &self,
        event: SqsEvent,
        deadline: Option<Instant>,
    ) -> Result<SqsBatchResponse, BatchError> {
        let mut response = SqsBatchResponse::default();
        let mut unidentified = 0;
        for message in &event.records {
            let message_id = message.message_id.as_deref().filter(|id| !id.is_empty());
            let near_deadline =
                deadline.is_some_and(|d| Instant::now() + self.deadline_margin >= d);
            let (lead_id, result) = if near_deadline {
                (None, Err(MessageError::DeadlineNear))
            } else {
                self.handle_message(message).await
            };
            let log_id = message_id.unwrap_or("<none>");
            let lead = lead_id.as_deref().unwrap_or("<unknown>");
            match result {
                Ok(done) => log_done(log_id, lead, &done),
                Err(e) => {
                    let receives = receive_count(message);
                    if matches!(e, MessageError::Poison(_)) {
                        tracing::error!(message_id = log_id, receives, error = %e,
                            "poison message reported as failed; it moves to the dead-letter queue after maxReceiveCount receives");
                    } else {
                        tracing::warn!(message_id = log_id, lead_id = lead, receives, error = %e,
                            "message not finished; reported as failed for redelivery");
                    }
                    match message_id {
                        Some(id) => {
                            let mut failure = BatchItemFailure::default();
                            failure.item_identifier = id.to_owned();
                            response.batch_item_failures.push(failure);
                        }
                        None => unidentified += 1,
                    }
                }
            }
        }
        if unidentified > 0 {
            return Err(BatchError::Unidentified(unidentified));
        }
        Ok(response)
    }

    async fn handle_message(
        &self,
        message: &SqsMessage,
    ) -> (Option<String>, Result<Done, MessageError>) {
        match RouteRequest::parse(message.body.as_deref().unwrap_or_default()) {
            Err(e) => (None, Err(e.into())),
            Ok(request) => {
                let result = self.route(&request.lead_id).await;
                (Some(request.lead_id), result)
            }
        }
    }

    /// Routes one lead and finishes what its routing implies; safe to repeat.
    pub async fn route(&self, lead_id: &str) -> Result<Done, MessageError> {
        let now = (self.clock)();
        match self.router.route_lead(lead_id, now).await? {
            Routed::Decided {
                assignment: Some(assignment),
                ..
            } => {
                self.notify(&assignment).await?;
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
                OutcomeRecord::Assigned { .. } => Err(MessageError::Inconsistent {
                    lead_id: lead_id.to_owned(),
                    why: "an assigning decision without an assignment".into(),
                }),
            },
            Routed::Existing(assignment) => {
                // A closed assignment needs no notification: the rep has finished the lead.
                if assignment.status == AssignmentStatus::Open {
                    self.notify(&assignment).await?;
                }
                Ok(Done::Assigned {
                    assignment,
                    decided: false,
                })
            }
            Routed::NotAwaitingRouting(LeadStatus::Parked) => {
                let pool = parked::republish(&self.router.store, &self.router.events, lead_id, now)
                    .await?;
                Ok(Done::Parked {
                    pool,
                    decided: false,
                })
            }
            Routed::NotAwaitingRouting(status @ (LeadStatus::Closed | LeadStatus::Duplicate)) => {
                Ok(Done::NotRouted(status))
            }
            Routed::NotAwaitingRouting(status) => Err(MessageError::Inconsistent {
                lead_id: lead_id.to_owned(),
                why: format!(
                    "status {} but neither routable nor assigned",
                    status.as_str()
                ),
            }),
        }
    }

    async fn notify(&self, assignment: &Assignment) -> Result<(), MessageError> {
        let body = Notification::for_assignment(assignment).to_body()?;
        self.notify.send(&body).await.map_err(MessageError::Notify)
    }
}

fn receive_count(message: &SqsMessage) -> u32 {
    message
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn log_done(message_id: &str, lead_id: &str, done: &Done) {
    match done {
        Done::Assigned {
            assignment,
            decided,
        } => tracing::info!(
            message_id,
            lead_id,
            rep = %assignment.rep,
            attempt = assignment.attempt,
            redelivery = !decided,
            "lead assigned"
        ),
        Done::Parked { pool, decided } => tracing::info!(
            message_id,
            lead_id,
            pool = %pool,
            redelivery = !decided,
            "lead parked"
        ),
        Done::NotRouted(status) => tracing::info!(
            message_id,
            lead_id,
            status = status.as_str(),
            "lead needs no routing"
        ),
    }
}
