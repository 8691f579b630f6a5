//! The local process's account sync: what the notifier function runs on its daily
//! schedule on AWS, run here at start and then once a day, for the CRM channels of
//! `notify.yaml` with `sync_accounts: true` (docs/CRM.md, "Accounts"). The marks are kept
//! in the store, as `switchboard crm sync accounts` keeps them.

use std::sync::Arc;
use std::time::Duration;

use switchboard_notifier::account_sync::{sync_all, syncing};
use tokio::task::JoinHandle;

use super::notifier::LocalNotifier;

/// How often the local process syncs, as the deployment's default schedule.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Starts the sync when a channel syncs accounts. Stopping is aborting the task: a run
/// cut short resumes from its last mark.
pub fn spawn(notifier: Arc<LocalNotifier>) -> Option<JoinHandle<()>> {
    if syncing(notifier.setup()).is_empty() {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            // Each channel's outcome is logged by the sync itself.
            let runs = sync_all(
                notifier.setup(),
                &notifier.senders().http,
                notifier.store(),
                notifier.store(),
                None,
                jiff::Timestamp::now(),
            )
            .await;
            if let Err(e) = runs {
                tracing::error!(error = %e, "account sync: the store failed");
            }
            tokio::time::sleep(EVERY).await;
        }
    }))
}
