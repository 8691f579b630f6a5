//! The scheduled account sync: every CRM channel configured with `sync_accounts: true`
//! reads its CRM's accounts changed since the last run into the store's account
//! directory, owners mapped through the active policy. Run by the notifier function on
//! its daily schedule and by `switchboard serve` (docs/CRM.md, "Accounts").

use std::time::Instant;

use jiff::Timestamp;
use switchboard_store::{AccountDirectory, PolicyStore, StoreError, SyncMarks};

use crate::channels::Channel;
use crate::channels::crm::accounts::{self, Directory, Run, Source, SyncError, SyncReport};
use crate::http::HttpClient;
use crate::setup::Setup;

/// One channel's run.
#[derive(Debug)]
pub struct ChannelSync {
    pub channel: String,
    pub result: Result<SyncReport, SyncError>,
}

/// The channels that sync accounts, by name.
pub fn syncing(setup: &Setup) -> Vec<(&str, Source<'_>)> {
    setup
        .channels
        .iter()
        .filter_map(|(name, c)| match c {
            Channel::Hubspot(h) if h.sync_accounts => Some((name.as_str(), Source::Hubspot(h))),
            Channel::Salesforce(s) if s.sync_accounts => {
                Some((name.as_str(), Source::Salesforce(s)))
            }
            _ => None,
        })
        .collect()
}

/// Syncs every channel that syncs accounts, each from its own mark in `marks` (the
/// table on AWS, a file beside the local store); one failing does not stop the others.
/// Without an active policy nothing is synced (owners could not be mapped, and a run
/// would store every account ownerless).
pub async fn sync_all<S, M>(
    setup: &Setup,
    http: &HttpClient,
    store: &S,
    marks: &M,
    stop_at: Option<Instant>,
    now: Timestamp,
) -> Result<Vec<ChannelSync>, StoreError>
where
    S: AccountDirectory + PolicyStore,
    M: SyncMarks,
{
    let channels = syncing(setup);
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    let Some(active) = store.get_active().await? else {
        tracing::warn!("account sync: no policy is active, so no owner can be mapped; not run");
        return Ok(Vec::new());
    };
    let Some(policy) = store.get_version(active.version).await? else {
        return Err(StoreError::Invalid(format!(
            "the active policy version {} is not stored",
            active.version
        )));
    };
    let mut done = Vec::new();
    for (channel, source) in channels {
        let run = Run {
            marks: Some(marks),
            full: false,
            stop_at,
        };
        let result =
            accounts::sync(source, http, &policy.document, &Directory(store), run, now).await;
        // Counts and times only: account names and domains are the customer's data.
        match &result {
            Ok(r) => tracing::info!(
                channel,
                crm = source.crm().name(),
                read = r.read,
                stored = r.stored,
                owned = r.owned,
                owner_not_a_rep = r.owner_not_a_rep,
                skipped = r.skipped,
                since = ?r.since,
                mark = ?r.mark,
                complete = r.complete,
                "account sync"
            ),
            Err(e) => tracing::error!(
                channel,
                crm = source.crm().name(),
                permanent = e.is_permanent(),
                error = %e,
                "account sync failed"
            ),
        }
        done.push(ChannelSync {
            channel: channel.to_owned(),
            result,
        });
    }
    Ok(done)
}
