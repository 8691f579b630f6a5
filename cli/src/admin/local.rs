//! Admin operations straight on the embedded store, for when no server holds it.

use jiff::Timestamp;
use switchboard_routing::Account;
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{ActivePolicy, ImportSummary, PolicyVersion};

use super::AdminError;
use super::ops;
use super::{LeadReport, PolicyApplied, PolicyHistory};
use switchboard_admin::{Page, TriageItem};
use switchboard_routing::report::HealthReport;

pub struct LocalAdmin {
    store: EmbeddedStore,
}

impl LocalAdmin {
    pub fn new(store: EmbeddedStore) -> Self {
        LocalAdmin { store }
    }

    pub async fn apply_policy(
        &self,
        text: &str,
        note: Option<&str>,
    ) -> Result<PolicyApplied, AdminError> {
        ops::apply_policy(&self.store, text, note, Timestamp::now()).await
    }

    pub async fn policy_version(&self, version: Option<u64>) -> Result<PolicyVersion, AdminError> {
        ops::policy_version(&self.store, version).await
    }

    pub async fn policy_history(&self) -> Result<PolicyHistory, AdminError> {
        ops::policy_history(&self.store).await
    }

    pub async fn rollback(&self, version: Option<u64>) -> Result<ActivePolicy, AdminError> {
        ops::rollback(&self.store, version, Timestamp::now()).await
    }

    pub async fn import_accounts(&self, accounts: &[Account]) -> Result<ImportSummary, AdminError> {
        ops::import_accounts(&self.store, accounts).await
    }

    pub async fn lead(&self, lead_id: &str) -> Result<LeadReport, AdminError> {
        ops::lead_report(&self.store, lead_id).await
    }

    pub async fn health(&self, window: (Timestamp, Timestamp)) -> Result<HealthReport, AdminError> {
        switchboard_admin::health(&self.store, window, Timestamp::now()).await
    }

    pub async fn triage(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<TriageItem>, AdminError> {
        let after = switchboard_admin::cursor(after)?;
        switchboard_admin::triage(&self.store, after.as_ref(), limit).await
    }
}
