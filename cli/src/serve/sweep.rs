//! The periodic sweep (every 30 s by default) re-drives leads that were stored but never
//! handed on for routing.
//!
//! What it does: it keeps a list of such leads and, on each tick, sends a route request
//! for every one that still awaits routing (`received` or `queued`) and was last updated
//! longer than `redrive_after` ago. The list holds the leads found awaiting routing when
//! the process started (their queue messages were lost with the previous process: the
//! queue is in memory; re-driven on the first tick, whatever their age) and the leads
//! whose hand-off to the queue failed in this process.
//!
//! What it does not do yet: re-route leads whose rep did not accept within the SLA (the
//! store's `due` index is there; accepting leads comes with the rep actions), escalate,
//! or find leads awaiting routing by querying the store while running: the store's lead
//! port has no query by status, so leads are only found by the start-up scan and by the
//! failed hand-offs this process saw.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use switchboard_intake::store::RouteRequest;
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

#[derive(Debug, Clone, Copy)]
pub struct SweepConfig {
    pub interval: Duration,
    pub redrive_after: Duration,
}

/// Ticks at once and then every `interval` until `stop` turns true.
pub async fn run(pipeline: Arc<Pipeline>, config: SweepConfig, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(config.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let sent = tick(&pipeline, config.redrive_after, Timestamp::now()).await;
        if sent > 0 {
            tracing::info!(leads = sent, "sweep re-drove leads awaiting routing");
        }
    }
}

/// One sweep; returns how many leads were handed on again.
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
        let age = now.duration_since(lead.updated_at);
        let young = age.is_negative() || age.unsigned_abs() < redrive_after;
        if !at_once && young {
            continue;
        }
        let body = RouteRequest {
            lead_id: lead_id.clone(),
        }
        .to_body();
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
