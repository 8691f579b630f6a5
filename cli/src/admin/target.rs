//! Choosing where an admin command runs: through the server that holds the data directory,
//! or on the store file itself when no server runs.

use std::path::Path;

use jiff::Timestamp;
use switchboard_admin::coverage::CoverageRequest;
use switchboard_admin::outcomes::{OutcomesImport, OutcomesImported, OutcomesView};
use switchboard_admin::shadow::{ShadowReport, ShadowRequest, ShadowView};
use switchboard_admin::{
    AssignOrder, AssignedByHand, ImportRequest, Imported, LeadFilter, LeadSummary, Page,
    RerouteFilter, Rerouted, TriageItem,
};
use switchboard_routing::Account;
use switchboard_routing::coverage::CoverageReport;
use switchboard_routing::report::HealthReport;
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{ActivePolicy, ImportSummary, PolicyVersion, Recounted, StoreError};

use super::AdminError;
use super::aws::{self, AwsAdmin, AwsTarget};
use super::client::RemoteAdmin;
use super::local::{self, LocalAdmin};
use super::{DeadLetterView, LeadReport, PolicyApplied, PolicyHistory, Redriven};
use crate::serve::discovery;

/// The embedded store's file in a data directory.
pub const STORE_FILE: &str = "switchboard.redb";

/// Opens the store in `data_dir`. Without `create`, a directory with no store is an error
/// (a typo in `--data-dir` should not look like an empty store).
pub fn open_store(data_dir: &Path, create: bool) -> Result<EmbeddedStore, AdminError> {
    open_store_with_cache(
        data_dir,
        create,
        switchboard_store::embedded::DEFAULT_CACHE_BYTES,
    )
}

/// [`open_store`] keeping at most `cache_bytes` of the store's pages in memory.
pub fn open_store_with_cache(
    data_dir: &Path,
    create: bool,
    cache_bytes: usize,
) -> Result<EmbeddedStore, AdminError> {
    let file = data_dir.join(STORE_FILE);
    if !create && !file.exists() {
        return Err(AdminError::NotFound(format!(
            "no store in {} (start `switchboard serve --data-dir {}` first)",
            data_dir.display(),
            data_dir.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| {
        AdminError::Store(StoreError::backend_from(
            format!("cannot create {}", data_dir.display()),
            e,
        ))
    })?;
    EmbeddedStore::open_with_cache(&file, cache_bytes).map_err(|e| {
        if held_by_another_process(&e) {
            AdminError::Unavailable(format!(
                "{} is open in another process (a `switchboard serve` without {} in the \
                 directory?)",
                file.display(),
                discovery::FILE
            ))
        } else {
            AdminError::Store(e)
        }
    })
}

fn held_by_another_process(e: &StoreError) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(redb::Error::DatabaseAlreadyOpen) = s.downcast_ref::<redb::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// Where admin operations run.
pub enum Admin {
    Local(LocalAdmin),
    Remote(RemoteAdmin),
    /// A deployment's DynamoDB table (and routing queue) in AWS.
    Aws(AwsAdmin),
}

impl Admin {
    /// The running server of `data_dir` if there is one, else the store file (created
    /// when `create` is set).
    pub async fn connect(data_dir: &Path, create: bool) -> Result<Admin, AdminError> {
        if let Some(info) = discovery::read(data_dir) {
            let remote = RemoteAdmin::new(info.url, info.admin_token);
            match remote.reachable().await {
                Ok(true) => return Ok(Admin::Remote(remote)),
                // A stale file from a server that did not shut down cleanly.
                Ok(false) => {}
                Err(e) => {
                    return Err(AdminError::Remote(format!(
                        "server at {}: {e}",
                        remote.url()
                    )));
                }
            }
        }
        Ok(Admin::Local(local::local(open_store(data_dir, create)?)))
    }

    /// A deployment's admin API (the stack's `AdminUrl` with a JWT in `token`, or its
    /// `AdminIamUrl`, signed with the environment's AWS credentials).
    pub async fn connect_api(url: &str, token: Option<String>) -> Result<Admin, AdminError> {
        Ok(Admin::Remote(RemoteAdmin::deployment(url, token).await?))
    }

    /// A deployment's DynamoDB table and queues in AWS, directly.
    pub async fn connect_aws(target: &AwsTarget) -> Admin {
        Admin::Aws(aws::connect(target).await)
    }

    pub async fn apply_policy(
        &self,
        text: &str,
        note: Option<&str>,
    ) -> Result<PolicyApplied, AdminError> {
        match self {
            Admin::Local(a) => a.apply_policy(text, note).await,
            Admin::Remote(a) => a.apply_policy(text, note).await,
            Admin::Aws(a) => a.apply_policy(text, note).await,
        }
    }

    pub async fn policy_version(&self, version: Option<u64>) -> Result<PolicyVersion, AdminError> {
        match self {
            Admin::Local(a) => a.policy_version(version).await,
            Admin::Remote(a) => a.policy_version(version).await,
            Admin::Aws(a) => a.policy_version(version).await,
        }
    }

    pub async fn policy_history(&self) -> Result<PolicyHistory, AdminError> {
        match self {
            Admin::Local(a) => a.policy_history().await,
            Admin::Remote(a) => a.policy_history().await,
            Admin::Aws(a) => a.policy_history().await,
        }
    }

    pub async fn rollback(&self, version: Option<u64>) -> Result<ActivePolicy, AdminError> {
        match self {
            Admin::Local(a) => a.rollback(version).await,
            Admin::Remote(a) => a.rollback(version).await,
            Admin::Aws(a) => a.rollback(version).await,
        }
    }

    /// The shadow setting (`GET /policy/shadow`).
    pub async fn shadow(&self) -> Result<ShadowView, AdminError> {
        match self {
            Admin::Local(a) => a.shadow().await,
            Admin::Remote(a) => a.shadow().await,
            Admin::Aws(a) => a.shadow().await,
        }
    }

    pub async fn start_shadow(&self, request: &ShadowRequest) -> Result<ShadowView, AdminError> {
        match self {
            Admin::Local(a) => a.start_shadow(request).await,
            Admin::Remote(a) => a.start_shadow(request).await,
            Admin::Aws(a) => a.start_shadow(request).await,
        }
    }

    pub async fn stop_shadow(&self) -> Result<ShadowView, AdminError> {
        match self {
            Admin::Local(a) => a.stop_shadow().await,
            Admin::Remote(a) => a.stop_shadow().await,
            Admin::Aws(a) => a.stop_shadow().await,
        }
    }

    pub async fn shadow_report(
        &self,
        window: (Timestamp, Timestamp),
    ) -> Result<ShadowReport, AdminError> {
        match self {
            Admin::Local(a) => a.shadow_report(window).await,
            Admin::Remote(a) => a.shadow_report(window).await,
            Admin::Aws(a) => a.shadow_report(window).await,
        }
    }

    pub async fn import_accounts(&self, accounts: &[Account]) -> Result<ImportSummary, AdminError> {
        match self {
            Admin::Local(a) => a.import_accounts(accounts).await,
            Admin::Remote(a) => a.import_accounts(accounts).await,
            Admin::Aws(a) => a.import_accounts(accounts).await,
        }
    }

    pub async fn lead(&self, lead_id: &str) -> Result<LeadReport, AdminError> {
        match self {
            Admin::Local(a) => a.lead(lead_id).await,
            Admin::Remote(a) => a.lead(lead_id).await,
            Admin::Aws(a) => a.lead(lead_id).await,
        }
    }

    /// The coverage forecast (`POST /policy/coverage`).
    pub async fn coverage(&self, request: &CoverageRequest) -> Result<CoverageReport, AdminError> {
        match self {
            Admin::Local(a) => a.coverage(request).await,
            Admin::Remote(a) => a.coverage(request).await,
            Admin::Aws(a) => a.coverage(request).await,
        }
    }

    /// Imports a chunk of leads (`POST /leads/import`).
    pub async fn import_leads(&self, request: &ImportRequest) -> Result<Imported, AdminError> {
        match self {
            Admin::Local(a) => a.import_leads(request).await,
            Admin::Remote(a) => a.import_leads(request).await,
            Admin::Aws(a) => a.import_leads(request).await,
        }
    }

    /// The health and fairness report over the leads received in `[from, to)`.
    pub async fn health(&self, window: (Timestamp, Timestamp)) -> Result<HealthReport, AdminError> {
        match self {
            Admin::Local(a) => a.health(window).await,
            Admin::Remote(a) => a.health(window).await,
            Admin::Aws(a) => a.health(window).await,
        }
    }

    /// A page of the leads received in `[from, to)` that `filter` keeps, oldest first.
    pub async fn leads(
        &self,
        window: (Timestamp, Timestamp),
        filter: &LeadFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<LeadSummary>, AdminError> {
        match self {
            Admin::Local(a) => a.leads(window, filter, after, limit).await,
            Admin::Remote(a) => a.leads(window, filter, after, limit).await,
            Admin::Aws(a) => a.leads(window, filter, after, limit).await,
        }
    }

    /// A page of the parked leads, oldest parked first.
    pub async fn triage(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<TriageItem>, AdminError> {
        match self {
            Admin::Local(a) => a.triage(after, limit).await,
            Admin::Remote(a) => a.triage(after, limit).await,
            Admin::Aws(a) => a.triage(after, limit).await,
        }
    }

    /// Hands a parked lead (or every one `filter` selects) back to routing.
    pub async fn reroute(
        &self,
        lead_id: Option<&str>,
        filter: &RerouteFilter,
    ) -> Result<Rerouted, AdminError> {
        match self {
            Admin::Local(a) => a.reroute(lead_id, filter).await,
            Admin::Remote(a) => a.reroute(lead_id, filter).await,
            Admin::Aws(a) => a.reroute(lead_id, filter).await,
        }
    }

    /// Gives a parked lead to a named rep; `actor` names who did, where the command works
    /// on the store itself (a server records its own caller).
    pub async fn assign(
        &self,
        lead_id: &str,
        order: &AssignOrder,
        actor: &str,
    ) -> Result<AssignedByHand, AdminError> {
        match self {
            Admin::Local(a) => a.assign(lead_id, order, actor).await,
            Admin::Remote(a) => a.assign(lead_id, order).await,
            Admin::Aws(a) => a.assign(lead_id, order, actor).await,
        }
    }

    /// Each rep's outcomes (every rep of the active policy, or `rep`).
    pub async fn outcomes(&self, rep: Option<&str>) -> Result<OutcomesView, AdminError> {
        match self {
            Admin::Local(a) => a.outcomes(rep).await,
            Admin::Remote(a) => a.outcomes(rep).await,
            Admin::Aws(a) => a.outcomes(rep).await,
        }
    }

    /// Recounts every rep's recorded outcomes from the stored closes.
    pub async fn rebuild_outcomes(&self) -> Result<Recounted, AdminError> {
        match self {
            Admin::Local(a) => a.rebuild_outcomes().await,
            Admin::Remote(a) => a.rebuild_outcomes().await,
            Admin::Aws(a) => a.rebuild_outcomes().await,
        }
    }

    /// Replaces the reps' imported outcome history with `request`'s rows.
    pub async fn import_outcomes(
        &self,
        request: &OutcomesImport,
    ) -> Result<OutcomesImported, AdminError> {
        match self {
            Admin::Local(a) => a.import_outcomes(request).await,
            Admin::Remote(a) => a.import_outcomes(request).await,
            Admin::Aws(a) => a.import_outcomes(request).await,
        }
    }

    pub async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetterView>, AdminError> {
        match self {
            Admin::Local(a) => a.dead_letters(max).await,
            Admin::Remote(a) => a.dead_letters(max).await,
            Admin::Aws(a) => a.dead_letters(max).await,
        }
    }

    pub async fn redrive(&self, max: usize) -> Result<Redriven, AdminError> {
        match self {
            Admin::Local(a) => a.redrive(max).await,
            Admin::Remote(a) => a.redrive(max).await,
            Admin::Aws(a) => a.redrive(max).await,
        }
    }
}
