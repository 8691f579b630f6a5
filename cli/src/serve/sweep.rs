//! The periodic sweep (every 30 s by default), two passes per tick:
//!
//! 1. The SLA sweep of `switchboard_store::sweeper` (the same pass the `sla-sweeper`
//!    Lambda runs every minute): assignments nobody accepted in time are expired, the
//!    first rep loses the lead and it is routed to the next one (or escalated); leads
//!    awaiting routing for longer than `redrive_after` are re-driven, found through the
//!    store's awaiting-routing index; parked leads the policy retries and scheduled leads
//!    (a spread import's) whose time has come go back to routing.
//! 2. The re-drive list: leads found awaiting routing when the process started (their
//!    queue messages were lost with the previous process, whose queue was in memory;
//!    re-driven on the first tick, whatever their age, and also found in store files
//!    written before the awaiting-routing index existed) and leads whose hand-off to the
//!    queue failed in this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use switchboard_store::RouteRequest;
use switchboard_store::actions::Desk;
use switchboard_store::sweeper::{SweepReport, sweep};
use switchboard_store::{LeadStore, WorkQueue};
use tokio::sync::watch;

use super::pipeline::Pipeline;

/// Leads to re-drive: id → whether to re-drive regardless of age.
#[derive(Debug, Default)]
pub struct RedriveList {
    leads: Mutex<HashMap<String, bool>>,
}

impl RedriveList {
    pub fn add(&self, lead_id: &str, at_once: bool) {
        let mut leads = self.leads.lock().unwrap_or_else(|p| p.into_inner());
        let entry = leads.entry(lead_id.to_owned()).or_insert(at_once);
        *entry |= at_once;
    }

    pub fn len(&self) -> usize {
        self.leads.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn snapshot(&self) -> Vec<(String, bool)> {
        let leads = self.leads.lock().unwrap_or_else(|p| p.into_inner());
        leads.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    fn remove(&self, lead_id: &str) {
        self.leads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(lead_id);
    }
}

#[derive(Debug, Clone)]
pub struct SweepConfig {
    pub interval: Duration,
    pub redrive_after: Duration,
    /// The SLA pass (expiry, re-routing, escalation, re-drive by index).
    pub sla: switchboard_store::sweeper::SweepConfig,
}

impl SweepConfig {
    pub fn new(interval: Duration, redrive_after: Duration) -> Self {
        let redrive = jiff::SignedDuration::try_from(redrive_after)
            .unwrap_or(jiff::SignedDuration::from_mins(2));
        SweepConfig {
            interval,
            redrive_after,
            sla: switchboard_store::sweeper::SweepConfig {
                // The embedded index is cheap to read: look back a whole day, so a lead
                // due while the process was stopped is still found after a restart.
                lookback: jiff::SignedDuration::from_hours(24),
                redrive_after: redrive,
                interval: jiff::SignedDuration::try_from(interval)
                    .unwrap_or(jiff::SignedDuration::from_secs(30)),
                ..Default::default()
            },
        }
    }
}

/// Ticks at once and then every `interval` until `stop` turns true.
pub async fn run(pipeline: Arc<Pipeline>, config: SweepConfig, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(config.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sla = config.sla.clone();
    let mut last: Option<Timestamp> = None;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = Timestamp::now();
        // SLA reminders that fell since the previous pass, however late this one runs.
        if let Some(last) = last {
            sla.interval = now.duration_since(last);
        }
        last = Some(now);
        sla_tick(&pipeline, &sla, now).await;
        let sent = tick(&pipeline, config.redrive_after, now).await;
        if sent > 0 {
            tracing::info!(leads = sent, "sweep re-drove leads awaiting routing");
        }
    }
}

/// One SLA pass at `now` (see `switchboard_store::sweeper`).
pub async fn sla_tick(
    pipeline: &Pipeline,
    config: &switchboard_store::sweeper::SweepConfig,
    now: Timestamp,
) -> Option<SweepReport> {
    let desk = Desk::new(&pipeline.router, &pipeline.notify);
    match sweep(&desk, &pipeline.routing, config, now).await {
        Ok(report) => {
            pipeline.metrics.swept(&report);
            if report != SweepReport::default() {
                tracing::info!(?report, "SLA sweep");
            }
            Some(report)
        }
        Err(e) => {
            tracing::error!(error = %e, "SLA sweep failed; next tick");
            None
        }
    }
}

/// One pass over the re-drive list; returns how many leads were handed on again.
pub async fn tick(pipeline: &Pipeline, redrive_after: Duration, now: Timestamp) -> usize {
    let mut sent = 0;
    for (lead_id, at_once) in pipeline.redrive.snapshot() {
        let lead = match pipeline.store.get(&lead_id).await {
            Ok(lead) => lead,
            Err(e) => {
                tracing::warn!(lead_id, error = %e, "sweep cannot read the lead; next tick");
                continue;
            }
        };
        let Some(lead) = lead.filter(|l| l.status.awaits_routing()) else {
            pipeline.redrive.remove(&lead_id);
            continue;
        };
        // Touched at this tick's time: the SLA pass just re-drove it from the store's
        // index and marked it queued. A second route request would route it once but
        // notify its rep twice (the second delivery finds the assignment and notifies
        // again), so it leaves the list as handed on.
        if lead.updated_at >= now {
            pipeline.redrive.remove(&lead_id);
            continue;
        }
        let age = now.duration_since(lead.updated_at);
        let young = age.is_negative() || age.unsigned_abs() < redrive_after;
        if !at_once && young {
            continue;
        }
        let body = RouteRequest::new(lead_id.as_str()).to_body();
        match pipeline.routing.send(&body).await {
            Ok(_) => {
                pipeline.redrive.remove(&lead_id);
                pipeline.stats.redriven();
                sent += 1;
            }
            Err(e) => tracing::warn!(lead_id, error = %e, "sweep cannot enqueue; next tick"),
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_routing::Lead;
    use switchboard_store::{LeadStatus, NewLead};

    /// A lead found awaiting routing at start-up and old enough for the store's index
    /// re-drive is handed on by one of the two passes of a tick, not both: two route
    /// requests would notify its rep twice.
    #[tokio::test]
    async fn a_lead_on_both_redrive_paths_is_handed_on_once() {
        let pipeline = Pipeline::new(switchboard_testkit::embedded_store(), 5);
        let now = Timestamp::now();
        let long_ago = now - jiff::SignedDuration::from_mins(10);
        let lead = Lead::new("L-both", long_ago).with_email("both@example.org");
        pipeline
            .store
            .insert_if_absent(&NewLead::new(lead, "L-both"), long_ago)
            .await
            .unwrap();
        pipeline.redrive.add("L-both", true);
        let config = SweepConfig::new(Duration::from_secs(30), Duration::from_secs(60));

        let report = sla_tick(&pipeline, &config.sla, now).await.unwrap();
        assert_eq!(report.redriven, 1);
        assert_eq!(tick(&pipeline, config.redrive_after, now).await, 0);
        assert_eq!(pipeline.routing.len(), 1, "one route request");
        assert!(pipeline.redrive.is_empty());
        let stored = pipeline.store.get("L-both").await.unwrap().unwrap();
        assert_eq!(stored.status, LeadStatus::Queued);
    }
}
