//! The notifier of the local process: takes notify messages (`NotifyMessage`) off the
//! notify queue and delivers them with the notifier library, exactly as the Lambda
//! function does, on the embedded store's delivery records.
//!
//! Channels come from `DATA_DIR/notify.yaml` (see docs/NOTIFICATIONS.md; inline secrets
//! are allowed here); without that file every message goes to the log. A message that
//! fails is left on the queue, so it is delivered again after the visibility timeout and,
//! after the queue's maximum receives, lands in its dead letters; channels that took it
//! are not repeated.
//!
//! The log channel writes ids only (lead, assignment, rep, pool, attempt, kind, SLA
//! deadline). Setting `SWITCHBOARD_LOG_PERSONAL_DATA=1` adds the note's text (the lead's
//! name or email, company, a rep's reason) for debugging on one's own machine.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use switchboard_notifier::channels::{LogDetail, Senders};
use switchboard_notifier::http::HttpClient;
use switchboard_notifier::secrets::{NoRemote, Resolver};
use switchboard_notifier::{Notified, Notifier, NotifyConfig, Origin, Setup};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{NotifyMessage, Received, WorkQueue};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::pipeline::Pipeline;

/// The notification config in the data directory.
pub const CONFIG_FILE: &str = "notify.yaml";
const POLL_WAIT: Duration = Duration::from_millis(500);

pub type LocalNotifier = Notifier<EmbeddedStore>;

/// Reads `dir/notify.yaml` (when present), resolves its secrets and builds the notifier.
/// A config that does not validate stops the start with the list of its problems.
/// `personal_data`: the log channel shows the note's text (`--log-personal-data`).
pub async fn load(
    dir: &Path,
    store: EmbeddedStore,
    personal_data: bool,
) -> anyhow::Result<LocalNotifier> {
    let file = dir.join(CONFIG_FILE);
    let setup = match std::fs::read_to_string(&file) {
        Ok(text) => {
            let config = NotifyConfig::parse(&text, Origin::Local)
                .with_context(|| format!("reading {}", file.display()))?;
            Setup::resolve(config, &mut Resolver::new(NoRemote))
                .await
                .with_context(|| format!("resolving the secrets of {}", file.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Setup::log_only(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let http = HttpClient::new().context("building the notifier's HTTP client")?;
    let log = if personal_data {
        LogDetail::PersonalData
    } else {
        LogDetail::from_env_value(std::env::var(LogDetail::ENV).ok().as_deref())
    };
    if log == LogDetail::PersonalData {
        tracing::warn!(
            "personal data logging is on (--log-personal-data or {}): the log shows leads' names, emails and reps' reasons",
            LogDetail::ENV
        );
    }
    let notifier = Notifier::new(
        store,
        Arc::new(setup),
        Senders::http_only(http).with_log_detail(log),
    );
    // Reps the CRM channels have no id for, before the first assignment to one of them
    // is skipped.
    notifier.warn_crm_gaps().await;
    Ok(notifier)
}

/// Messages delivered at the same time. A delivery waits for the store's commit of its
/// delivery record (`record_delivered`), which under load is the writer's next group
/// commit; one message at a time capped the notifier at a few hundred per second, below
/// routing's rate, so the notify queue (in memory) grew by every lead routed while load
/// ran. Concurrent deliveries share commits, as the router workers' do. The queue has SQS
/// semantics (no order), as on AWS, where concurrent invocations deliver.
const CONCURRENCY: usize = 64;

/// Runs until `stop` turns true, then delivers what is already queued and returns.
pub async fn run(
    pipeline: Arc<Pipeline>,
    notifier: Arc<LocalNotifier>,
    visibility: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let mut in_flight = JoinSet::new();
    loop {
        let stopping = *stop.borrow();
        let wait = if stopping { Duration::ZERO } else { POLL_WAIT };
        let Ok(first) = slots.clone().acquire_owned().await else {
            break;
        };
        let mut permits = vec![first];
        while permits.len() < 10 {
            match slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let received = tokio::select! {
            r = pipeline.notify.receive(permits.len(), visibility, wait) => r,
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
            break;
        }
        for (message, permit) in messages.into_iter().zip(permits) {
            let (pipeline, notifier) = (pipeline.clone(), notifier.clone());
            in_flight.spawn(async move {
                deliver(&pipeline, &notifier, message).await;
                drop(permit);
            });
        }
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
}

/// Delivers one notify message and deletes it, or leaves it for redelivery.
async fn deliver(pipeline: &Pipeline, notifier: &LocalNotifier, message: Received) {
    let result = match NotifyMessage::parse(&message.body) {
        Ok(m) => notifier.notify(&m).await.map_err(|e| e.to_string()),
        Err(e) => Err(format!("not a notify message: {e}")),
    };
    match result {
        Ok(Notified::Delivered { sent, already }) => {
            tracing::debug!(message_id = %message.id, ?sent, ?already, "notified");
        }
        Ok(Notified::Stale(why)) => {
            tracing::info!(message_id = %message.id, why = %why, "not notified: the message no longer applies");
        }
        Err(e) => {
            // Left for redelivery, so it reaches the notify queue's dead letters.
            tracing::warn!(message_id = %message.id, error = %e, "notification failed; it is retried");
            return;
        }
    }
    pipeline.stats.notified();
    if let Err(e) = pipeline.notify.delete(&message.receipt).await {
        tracing::warn!(message_id = %message.id, error = %e, "notified, but the message was not deleted");
    }
}
