//! One invocation: a batch of routing messages, each parsed and routed on its own.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use switchboard_lambda::{Deadline, Message, SqsBatchResponse, SqsEvent, run_batch};
use switchboard_store::{
    AccountDirectory, Done, EventPublisher, LeadStore, Outbox, PolicyStore, Router, RoutingState,
    after_routing,
};

use crate::error::{BatchError, MessageError, Unfinished};
use crate::message::RouteRequest;

/// The clock decisions are made at (injectable so tests are deterministic).
pub type Clock = fn() -> Timestamp;

/// Time left before the function's timeout under which a message is not started: routing
/// one lead takes a few round trips, plus up to eight conflict retries with backoff.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(3);

/// Routes the leads of SQS batches: `route_lead` reads the state, decides, applies the
/// decision in one atomic write (retrying conflicts) and publishes `lead.assigned` or
/// `lead.parked`; [`after_routing`] then enqueues the notification (or republishes the
/// event of a lead parked earlier).
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
    N: Outbox,
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

    /// Leads are enriched through `lookup` when the policy configures a provider.
    pub fn with_enrichment(
        mut self,
        lookup: impl switchboard_store::enrichment::ProviderLookup + 'static,
    ) -> Self {
        self.router = self.router.with_enrichment(lookup);
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
    pub async fn handle(
        &self,
        event: SqsEvent,
        deadline: Option<Instant>,
    ) -> Result<SqsBatchResponse, BatchError> {
        let deadline = Deadline {
            at: deadline,
            margin: self.deadline_margin,
        };
        run_batch(event, deadline, |message| self.handle_message(message)).await
    }

    async fn handle_message(&self, message: Message) -> Result<Done, Unfinished> {
        let request = RouteRequest::parse(&message.body).map_err(|e| Unfinished {
            lead_id: None,
            error: e.into(),
        })?;
        let done = self
            .route(&request.lead_id)
            .await
            .map_err(|error| Unfinished {
                lead_id: Some(request.lead_id.clone()),
                error,
            })?;
        log_done(message.log_id(), &request.lead_id, &done);
        Ok(done)
    }

    /// Routes one lead and finishes what its routing implies; safe to repeat.
    pub async fn route(&self, lead_id: &str) -> Result<Done, MessageError> {
        let now = (self.clock)();
        let routed = self.router.route_lead(lead_id, now).await?;
        let metrics = crate::metrics::decision_metrics(&routed);
        let done = after_routing(&self.router, &self.notify, lead_id, routed, now).await?;
        // After the notification is on its way: a message that fails later is decided
        // again by a redelivery, which emits nothing (it decides nothing).
        for line in &metrics {
            line.emit();
        }
        Ok(done)
    }
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
