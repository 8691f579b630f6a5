//! Router workers: take route requests off the routing queue and route each lead with
//! [`switchboard_store::Router::route_lead`].
//!
//! A message is deleted (acknowledged) only after the lead was routed, or found already
//! routed by an earlier delivery. Any failure leaves it alone: it becomes visible again
//! after the visibility timeout, and after `max_receives` deliveries the queue moves it to
//! the dead letters (`switchboard dlq list`). A body that is not a route request fails the
//! same way, so it ends up there too.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use switchboard_intake::store::RouteRequest;
use switchboard_store::{Received, WorkQueue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use super::pipeline::Pipeline;

/// How long one receive call waits for a message before checking for shutdown.
const POLL_WAIT: Duration = Duration::from_millis(500);
/// SQS's largest batch.
const MAX_BATCH: usize = 10;

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

async fn handle(pipeline: Arc<Pipeline>, message: Received, _slot: OwnedSemaphorePermit) {
    let Some(request) = RouteRequest::from_body(&message.body) else {
        pipeline.stats.route_failed();
        tracing::warn!(
            message_id = %message.id,
            receive_count = message.receive_count,
            "routing queue message is not a route request; it will reach the dead letters"
        );
        return;
    };
    let lead_id = request.lead_id.as_str();
    // Taking turns with the leads of the same rule (see `lanes`); a failure to find the
    // lane only costs the ordering, the router still decides correctly.
    let _turn = match pipeline.lanes.enter(&pipeline.store, lead_id).await {
        Ok(turn) => turn,
        Err(e) => {
            tracing::debug!(lead_id, error = %e, "no lane; routing without one");
            None
        }
    };
    match pipeline.router.route_lead(lead_id, Timestamp::now()).await {
        Ok(routed) => {
            tracing::debug!(lead_id, ?routed, "routed");
            if let Err(e) = pipeline.routing.delete(&message.receipt).await {
                // Routing is idempotent: a redelivery finds the decision and stops there.
                tracing::warn!(lead_id, error = %e, "routed, but the message was not deleted");
            }
            pipeline.stats.routed();
            pipeline.completions.complete(lead_id);
        }
        Err(e) => {
            pipeline.stats.route_failed();
            tracing::warn!(
                lead_id,
                receive_count = message.receive_count,
                error = %e,
                "routing failed; the message is delivered again after the visibility timeout"
            );
        }
    }
}
