//! Admin operations straight on a store: the embedded store file when no server holds it,
//! or a deployment's DynamoDB table (and routing queue) in AWS. One implementation for
//! both, over the storage ports; the server's routes call the same `switchboard_admin`
//! operations.

use std::sync::Arc;

use jiff::Timestamp;
use switchboard_admin::coverage::CoverageRequest;
use switchboard_admin::outcomes::{OutcomesImport, OutcomesImported, OutcomesView};
use switchboard_admin::shadow::{ShadowReport, ShadowRequest, ShadowView};
use switchboard_admin::{
    AdminStore, AssignOrder, AssignedByHand, LeadFilter, LeadSummary, Page, RerouteFilter,
    Rerouted, TriageItem,
};
use switchboard_admin::{ImportRequest, Imported, RowIntake};
use switchboard_routing::Account;
use switchboard_routing::coverage::CoverageReport;
use switchboard_routing::report::HealthReport;
use switchboard_store::{ActivePolicy, ImportSummary, PolicyVersion, Recounted, WorkQueue};

use super::{AdminError, DeadLetterView, LeadReport, PolicyApplied, PolicyHistory, Redriven, ops};

pub struct DirectAdmin<S, Q> {
    store: S,
    routing: Option<Q>,
    /// Why there is no routing queue to work on, for the commands that need one.
    no_queue: &'static str,
    /// Intake for lead imports, where the target has a routing queue to hand leads to.
    intake: Option<Arc<dyn RowIntake>>,
}

impl<S: AdminStore, Q: WorkQueue> DirectAdmin<S, Q> {
    pub fn new(
        store: S,
        routing: Option<Q>,
        no_queue: &'static str,
        intake: Option<Arc<dyn RowIntake>>,
    ) -> Self {
        DirectAdmin {
            store,
            routing,
            no_queue,
            intake,
        }
    }

    /// The store itself, for what is not an admin operation (the account sync's mark).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Imported leads are routed at once, so an import needs the routing queue.
    pub async fn import_leads(&self, request: &ImportRequest) -> Result<Imported, AdminError> {
        let intake = self
            .intake
            .as_ref()
            .ok_or_else(|| AdminError::Unavailable(self.no_queue.into()))?;
        switchboard_admin::import::import(intake.as_ref(), &self.store, request, Timestamp::now())
            .await
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

    pub async fn shadow(&self) -> Result<ShadowView, AdminError> {
        switchboard_admin::shadow::view(&self.store).await
    }

    pub async fn start_shadow(&self, request: &ShadowRequest) -> Result<ShadowView, AdminError> {
        switchboard_admin::shadow::start(&self.store, request, Timestamp::now()).await
    }

    pub async fn stop_shadow(&self) -> Result<ShadowView, AdminError> {
        switchboard_admin::shadow::stop(&self.store).await
    }

    pub async fn shadow_report(
        &self,
        window: (Timestamp, Timestamp),
    ) -> Result<ShadowReport, AdminError> {
        switchboard_admin::shadow::report(&self.store, window).await
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

    pub async fn coverage(&self, request: &CoverageRequest) -> Result<CoverageReport, AdminError> {
        switchboard_admin::coverage::coverage(&self.store, request, Timestamp::now()).await
    }

    pub async fn leads(
        &self,
        window: (Timestamp, Timestamp),
        filter: &LeadFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<LeadSummary>, AdminError> {
        let after = switchboard_admin::cursor(after)?;
        let limit = switchboard_admin::page_limit(Some(limit))?;
        let now = Timestamp::now();
        switchboard_admin::received(&self.store, window, filter, after.as_ref(), limit, now).await
    }

    pub async fn triage(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<TriageItem>, AdminError> {
        let after = switchboard_admin::cursor(after)?;
        switchboard_admin::triage(&self.store, after.as_ref(), limit).await
    }

    pub async fn reroute(
        &self,
        lead_id: Option<&str>,
        filter: &RerouteFilter,
    ) -> Result<Rerouted, AdminError> {
        let (store, queue, now) = (&self.store, self.queue()?, Timestamp::now());
        match lead_id {
            Some(id) => switchboard_admin::reroute_one(store, queue, id, now).await,
            None => switchboard_admin::reroute_matching(store, queue, filter, now).await,
        }
    }

    /// `actor` is recorded as who assigned it (the CLI passes the local user).
    pub async fn assign(
        &self,
        lead_id: &str,
        order: &AssignOrder,
        actor: &str,
    ) -> Result<AssignedByHand, AdminError> {
        let queue = self.queue()?;
        switchboard_admin::assign(&self.store, queue, lead_id, order, actor, Timestamp::now()).await
    }

    pub async fn outcomes(&self, rep: Option<&str>) -> Result<OutcomesView, AdminError> {
        switchboard_admin::outcomes::show(&self.store, rep).await
    }

    pub async fn rebuild_outcomes(&self) -> Result<Recounted, AdminError> {
        switchboard_admin::outcomes::rebuild(&self.store).await
    }

    pub async fn import_outcomes(
        &self,
        request: &OutcomesImport,
    ) -> Result<OutcomesImported, AdminError> {
        switchboard_admin::outcomes::import(&self.store, request).await
    }

    pub async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetterView>, AdminError> {
        ops::dead_letters(self.queue()?, max).await
    }

    pub async fn redrive(&self, max: usize) -> Result<Redriven, AdminError> {
        ops::redrive(self.queue()?, max).await
    }

    fn queue(&self) -> Result<&Q, AdminError> {
        self.routing
            .as_ref()
            .ok_or_else(|| AdminError::Unavailable(self.no_queue.into()))
    }
}
