//! One sweep per invocation, over any store, bus and queues (DynamoDB/SQS/EventBridge in
//! production, the embedded adapters in tests).

use jiff::Timestamp;
use switchboard_lambda::MetricLine;
use switchboard_store::actions::Desk;
use switchboard_store::sweeper::{SweepConfig, SweepReport, sweep};
use switchboard_store::{
    AccountDirectory, EventPublisher, LeadIndex, LeadStore, Outbox, PolicyStore, Router,
    RoutingState, ScheduledLeads, StoreError,
};

use serde::Serialize;
use switchboard_store::coverage;

use crate::event::{Check, ScheduleEvent};

/// What an invocation did: a sweep, or a scheduled check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Invocation {
    Sweep(SweepReport),
    Coverage(CoverageChecked),
}

/// The daily coverage check's outcome (the gaps themselves went out as events).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoverageChecked {
    pub policy_version: Option<u64>,
    pub gaps: usize,
    pub gap_hours: u64,
    pub shortfall_days: usize,
}

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
    S: LeadStore + LeadIndex + RoutingState + PolicyStore + AccountDirectory + ScheduledLeads,
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

    /// Runs what the event asks for at its time: the coverage check, or the sweep.
    pub async fn invoke(
        &self,
        event: &ScheduleEvent,
        now: Timestamp,
    ) -> Result<Invocation, StoreError> {
        match event.check {
            Some(Check::Coverage) => Ok(Invocation::Coverage(
                self.check_coverage(event.clock(now)).await?,
            )),
            None => Ok(Invocation::Sweep(self.handle(event, now).await?)),
        }
    }

    /// The next day's coverage under the active policy against the last weeks' leads:
    /// one `policy.coverage_gap` event and one warning per gap, and the `CoverageGaps`
    /// and `CoverageGapHours` metrics (the template alarms on the first).
    pub async fn check_coverage(&self, clock: Timestamp) -> Result<CoverageChecked, StoreError> {
        let store = &self.router.store;
        let Some(active) = store.get_active().await? else {
            return Ok(CoverageChecked::default());
        };
        let policy = self.router.policy(active.version).await?;
        let report = coverage::check(store, &self.router.events, &policy, clock).await?;
        let mut checked = CoverageChecked {
            policy_version: Some(active.version),
            gaps: report.gaps.len(),
            gap_hours: 0,
            shortfall_days: report.shortfalls.len(),
        };
        for gap in &report.gaps {
            let hours = gap.to.duration_since(gap.from).as_secs() as u64 / 3600;
            checked.gap_hours += hours;
            tracing::warn!(
                pool = %gap.pool,
                from = %gap.from,
                to = %gap.to,
                expected = gap.expected,
                "coverage_gap: leads expected and nobody of the pool in hours"
            );
        }
        MetricLine::at(clock)
            .count("CoverageGaps", checked.gaps as u64)
            .count("CoverageGapHours", checked.gap_hours)
            .emit();
        Ok(checked)
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
            retried = report.retried,
            released = report.released,
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
