//! The notifier: takes `lead.assigned` events off the notify queue and tells the rep.
//! For now its only sink is the log (one line per assignment); Slack, email and webhooks
//! come with the notification work. Events arrive at least once; each line carries the
//! event id, which is stable per assignment, so duplicates are recognizable.

use std::sync::Arc;
use std::time::Duration;

use switchboard_store::{DomainEvent, WorkQueue};
use tokio::sync::watch;

use super::pipeline::Pipeline;

const POLL_WAIT: Duration = Duration::from_millis(500);

/// Runs until `stop` turns true, then delivers what is already queued and returns.
pub async fn run(pipeline: Arc<Pipeline>, visibility: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        let stopping = *stop.borrow();
        let wait = if stopping { Duration::ZERO } else { POLL_WAIT };
        let received = tokio::select! {
            r = pipeline.notify.receive(10, visibility, wait) => r,
            _ = stop.wait_for(|s| *s), if !stopping => continue,
        };
        let messages = match received {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "notify queue receive failed");
                tokio::time::sleep(POLL_WAIT).await;
                continue;
            }
        };
        if messages.is_empty() && stopping {
            return;
        }
        for message in messages {
            match serde_json::from_str::<DomainEvent>(&message.body) {
                Ok(event) => log_sink(&event),
                Err(e) => {
                    // Left for redelivery, so it reaches the notify queue's dead letters.
                    tracing::warn!(message_id = %message.id, error = %e, "notify message is not an event");
                    continue;
                }
            }
            pipeline.stats.notified();
            if let Err(e) = pipeline.notify.delete(&message.receipt).await {
                tracing::warn!(message_id = %message.id, error = %e, "notified, but the message was not deleted");
            }
        }
    }
}

fn log_sink(event: &DomainEvent) {
    let d = &event.detail;
    let text = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("-").to_owned();
    tracing::info!(
        target: "switchboard::notify",
        event = %event.id,
        lead_id = %text("lead_id"),
        rep = %text("rep"),
        pool = %text("pool"),
        sla_due = %text("sla_due"),
        "notify: lead assigned"
    );
}
