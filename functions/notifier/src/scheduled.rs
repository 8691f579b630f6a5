//! The notifier function's other invocation: its daily EventBridge schedule sends
//! `{"sync": "accounts"}` (template.yaml, `DailyAccountSync`), which runs the account
//! sync of the CRM channels ([`crate::account_sync`]) instead of a batch of messages.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use switchboard_lambda::{SqsBatchResponse, SqsEvent};
use switchboard_store::{
    AccountDirectory, CrmLinks, DeliveryLog, LeadStore, PolicyStore, RoutingState, SyncMarks,
};

use crate::account_sync::sync_all;
use crate::channels::crm::accounts::SyncReport;
use crate::handler::{BatchError, Handler};

/// What the function was invoked with.
#[derive(Debug)]
pub enum Invocation {
    /// The notify queue's batch.
    Batch(SqsEvent),
    Scheduled(Scheduled),
}

/// A scheduled task's input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheduled {
    pub sync: Task,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Accounts,
}

impl Invocation {
    /// An SQS event has `Records`; anything else must be a scheduled task's input.
    pub fn parse(payload: serde_json::Value) -> Result<Invocation, serde_json::Error> {
        if payload.get("Records").is_some() {
            serde_json::from_value(payload).map(Invocation::Batch)
        } else {
            serde_json::from_value(payload).map(Invocation::Scheduled)
        }
    }
}

/// The answer to an invocation.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Batch(SqsBatchResponse),
    Synced(Vec<Synced>),
}

/// One channel's account sync, as the invocation answers it.
#[derive(Debug, Serialize)]
pub struct Synced {
    pub channel: String,
    pub report: SyncReport,
}

#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    #[error("not an SQS event nor a scheduled task: {0}")]
    Payload(#[from] serde_json::Error),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("account sync: {0}")]
    Store(#[from] switchboard_store::StoreError),
    /// Failed so the invocation counts as an error and the function's errors alarm goes
    /// off; the channels that did sync are in the log.
    #[error("account sync failed for {0}")]
    Sync(String),
}

impl<S> Handler<S>
where
    S: LeadStore
        + RoutingState
        + PolicyStore
        + DeliveryLog
        + CrmLinks
        + AccountDirectory
        + SyncMarks,
{
    /// Handles either invocation; `deadline` is the function's.
    pub async fn invoke(
        &self,
        invocation: Invocation,
        deadline: Option<Instant>,
    ) -> Result<Answer, InvocationError> {
        match invocation {
            Invocation::Batch(batch) => Ok(Answer::Batch(self.handle(batch, deadline).await?)),
            Invocation::Scheduled(Scheduled {
                sync: Task::Accounts,
            }) => self.sync_accounts(deadline).await.map(Answer::Synced),
        }
    }

    /// The account sync of every channel with `sync_accounts`, stopped before the
    /// deadline (the next run continues from the mark).
    pub async fn sync_accounts(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Vec<Synced>, InvocationError> {
        let n = self.notifier();
        let stop_at = deadline.and_then(|d| d.checked_sub(self.deadline_margin()));
        let runs = sync_all(
            n.setup(),
            &n.senders().http,
            n.store(),
            n.store(),
            stop_at,
            jiff::Timestamp::now(),
        )
        .await?;
        let mut synced = Vec::new();
        let mut failed = Vec::new();
        for run in runs {
            match run.result {
                Ok(report) => synced.push(Synced {
                    channel: run.channel,
                    report,
                }),
                Err(e) => failed.push(format!("{}: {e}", run.channel)),
            }
        }
        if failed.is_empty() {
            Ok(synced)
        } else {
            Err(InvocationError::Sync(failed.join("; ")))
        }
    }
}
