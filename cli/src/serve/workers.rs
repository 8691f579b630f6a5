//! Router workers: take route requests off the routing queue and route the leads, in
//! runs per lane ([`switchboard_store::Router::route_run`], see `lanes`), or one by one
//! with [`switchboard_store::Router::route_lead`] when a lead has no lane, then finish
//! what routing implies with [`switchboard_store::after_routing`] (the rep's notification,
//! the event of a lead parked earlier), the step the router function runs on AWS.
//!
//! A message is deleted (acknowledged) only after the lead was routed, or found already
//! routed by an earlier delivery, and the steps after routing are done. Any failure
//! leaves it alone: it becomes visible again
//! after the visibility timeout, and after `max_receives` deliveries the queue moves it to
//! the dead letters (`switchboard dlq list`). A body that is not a route request fails the
//! same way, so it ends up there too.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use switchboard_lambda::DecisionCount;
use switchboard_store::{Received, RouteError, RouteRequest, Routed, WorkQueue, after_routing};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use super::lanes::Pending;
use super::pipeline::Pipeline;

/// How long one receive call waits for a message before checking for shutdown.
const POLL_WAIT: Duration = Duration::from_millis(500);
/// SQS's largest batch.
const MAX_BATCH: usize = 10;
/// Most leads routed in one run of a lane (one commit round).
const MAX_RUN: usize = 64;
/// About when a lead that lost every race is delivered again (jittered ±50 %).
const CONTENDED_RETRY: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Leads one worker routes at the same time. Routing mostly waits for the store's
    /// commit, so a worker keeps many in flight; they share group commits.
    pub concurrency: usize,
    pub visibility_timeout: Duration,
}

/// Runs one worker until `stop` turns true, then waits for the leads in flight.
pub async fn run(pipeline: Arc<Pipeline>, config: WorkerConfig, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut in_flight = JoinSet::new();
    loop {
        let first = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        let mut permits = vec![first];
        while permits.len() < MAX_BATCH {
            match slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let received = tokio::select! {
            r = pipeline.routing.receive(permits.len(), config.visibility_timeout, POLL_WAIT) => r,
            _ = stop.wait_for(|s| *s) => break,
        };
        match received {
            Ok(messages) => {
                for (message, permit) in messages.into_iter().zip(permits) {
                    in_flight.spawn(handle(pipeline.clone(), message, permit));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "routing queue receive failed");
                tokio::time::sleep(POLL_WAIT).await;
            }
        }
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
}

async fn handle(pipeline: Arc<Pipeline>, message: Received, slot: OwnedSemaphorePermit) {
    let Ok(request) = RouteRequest::parse(&message.body) else {
        pipeline.stats.route_failed();
        tracing::warn!(
            message_id = %message.id,
            receive_count = message.receive_count,
            "routing queue message is not a route request; it will reach the dead letters"
        );
        return;
    };
    let pending = Pending {
        lead_id: request.lead_id,
        message,
        slot,
    };
    // Routed in a run with the other leads of the same rule (see `lanes`); a failure to
    // find the lane only costs the batching, the router still decides correctly.
    let lane = match pipeline
        .lanes
        .lane_of(&pipeline.store, &pending.lead_id)
        .await
    {
        Ok(lane) => lane,
        Err(e) => {
            tracing::debug!(lead_id = %pending.lead_id, error = %e, "no lane; routing without one");
            None
        }
    };
    let Some(key) = lane else {
        let now = Timestamp::now();
        let result = pipeline.router.route_lead(&pending.lead_id, now).await;
        finish(&pipeline, pending, result, now).await;
        return;
    };
    if !pipeline.lanes.join(key, pending) {
        return; // the lane's runner takes it
    }
    loop {
        let run = pipeline.lanes.next_run(key, MAX_RUN);
        if run.is_empty() {
            return;
        }
        let ids: Vec<&str> = run.iter().map(|p| p.lead_id.as_str()).collect();
        let now = Timestamp::now();
        let results = pipeline.router.route_run(&ids, now).await;
        for (pending, result) in run.into_iter().zip(results) {
            finish(&pipeline, pending, result, now).await;
        }
    }
}

/// Finishes what a routed lead's routing implies and acknowledges its message, or leaves
/// the message for redelivery.
async fn finish(
    pipeline: &Pipeline,
    pending: Pending,
    result: Result<Routed, RouteError>,
    now: Timestamp,
) {
    let lead_id = pending.lead_id.as_str();
    let contended = matches!(result, Err(RouteError::Contended { .. }));
    let finished = match result {
        Ok(routed) => {
            // Counted once the decision is committed: a redelivery after a failure below
            // decides nothing, so it would never be counted later.
            if let Some((_, count)) = DecisionCount::of(&routed) {
                pipeline.metrics.decided(count);
            }
            if let Some((lost, waited)) = routed.lost_races() {
                pipeline.metrics.conflicted(lost, waited);
            }
            after_routing(&pipeline.router, &pipeline.notify, lead_id, routed, now)
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    match finished {
        Ok(done) => {
            tracing::debug!(lead_id, ?done, "routed");
            if let Err(e) = pipeline.routing.delete(&pending.message.receipt).await {
                // Routing is idempotent: a redelivery finds the decision and stops there.
                tracing::warn!(lead_id, error = %e, "routed, but the message was not deleted");
            }
            pipeline.stats.routed();
            pipeline.completions.complete(lead_id);
        }
        Err(e) if contended => {
            // Lost every race for the same reps within the router's patience: not poison,
            // so it is routed again in a moment rather than after the visibility timeout.
            let again = CONTENDED_RETRY.mul_f64(0.5 + fastrand::f64());
            if let Err(e) = pipeline
                .routing
                .change_visibility(&pending.message.receipt, again)
                .await
            {
                tracing::warn!(lead_id, error = %e, "could not bring a contended lead back early");
            }
            pipeline.stats.route_failed();
            tracing::info!(lead_id, error = %e, retry_in_ms = again.as_millis() as u64, "routing contended; deciding again shortly");
        }
        Err(e) => {
            pipeline.stats.route_failed();
            tracing::warn!(
                lead_id,
                receive_count = pending.message.receive_count,
                error = %e,
                "routing failed; the message is delivered again after the visibility timeout"
            );
        }
    }
}
