//! One sweep per invocation, over any store, bus and queues (DynamoDB/SQS/EventBridge in
//! production, the embedded adapters in tests).

use jiff::Timestamp;
use switchboard_lambda::MetricLine;
use switchboard_store::actions::Desk;
use switchboard_store::sweeper::{SweepConfig, SweepReport, sweep};
use switchboard_store::{
    AccountDirectory, EventPublisher, LeadIndex, LeadStore, Outbox, PolicyStore, Router,
    RoutingState, StoreError,
};

use crate::event::ScheduleEvent;

/// The sweeper's state for the life of the process: the router (with its compiled-policy
/// cache), the notify and routing queues, and the sweep settings.
pub struct Handler<S, E, N, R> {
    pub router: Router<S, E>,
    pub notify: N,
    pub routing: R,
    pub config: SweepConfig,
}

impl<S, E, N, R> Handler<S, E, N, R>
where
    S: LeadStore + LeadIndex + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
    R: Outbox,
{
    pub fn new(router: Router<S, E>, notify: N, routing: R, config: SweepConfig) -> Self {
        Handler {
            router,
            notify,
            routing,
            config,
        }
    }

    /// Sweeps at the event's time (or `now`). An error means the due or awaiting index
    /// could not be read; the next invocation a minute later covers the same window.
    pub async fn handle(
        &self,
        event: &ScheduleEvent,
        now: Timestamp,
    ) -> Result<SweepReport, StoreError> {
        let clock = event.clock(now);
        let desk = Desk::new(&self.router, &self.notify);
        let report = sweep(&desk, &self.routing, &self.config, clock).await?;
        tracing::info!(
            clock = %clock,
            expired = report.expired,
            accepted_first = report.accepted_first,
            reassigned = report.reassigned,
            escalated = report.escalated,
            warned = report.warned,
            pending = report.pending,
            redriven = report.redriven,
            failures = report.failures,
            "sweep done"
        );
        MetricLine::at(clock)
            .count("SlaExpired", report.expired as u64)
            .count("LeadsReassigned", report.reassigned as u64)
            .count("LeadsEscalated", report.escalated as u64)
            .count("SlaWarnings", report.warned as u64)
            .count("SweepFailures", report.failures as u64)
            .emit();
        Ok(report)
    }
}
