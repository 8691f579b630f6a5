//! The admin API on the embedded store.

mod api;

use api::Api;
use switchboard_store::embedded::{MemoryQueue, QueueConfig};
use switchboard_testkit::embedded_store;

async fn api() -> Api {
    let queue = MemoryQueue::new(QueueConfig { max_receives: 3 });
    Api::new(embedded_store(), queue).await
}

#[tokio::test]
async fn authorization_matrix() {
    api::authorization_matrix(&api().await).await;
}

#[tokio::test]
async fn reps_live_state() {
    api::reps_live_state(&api().await).await;
}

#[tokio::test]
async fn drafts_are_checked_not_stored() {
    api::drafts_are_checked_not_stored(&api().await).await;
}

#[tokio::test]
async fn lists_triage_and_health() {
    api::lists_triage_and_health(&api().await).await;
}

#[tokio::test]
async fn parked_leads_are_rerouted() {
    api::parked_leads_are_rerouted(&api().await).await;
}

#[tokio::test]
async fn parked_leads_are_assigned_by_hand() {
    api::parked_leads_are_assigned_by_hand(&api().await).await;
}

#[tokio::test]
async fn changes_are_audited() {
    api::changes_are_audited(&api().await).await;
}

#[tokio::test]
async fn policy_versions_are_diffed() {
    api::policy_versions_are_diffed(&api().await).await;
}

#[tokio::test]
async fn coverage_reads_stored_arrivals_and_away_flags() {
    api::coverage_reads_stored_arrivals_and_away_flags(&api().await).await;
}

#[tokio::test]
async fn leads_are_filtered() {
    api::leads_are_filtered(&api().await).await;
}

#[tokio::test]
async fn answers_are_as_documented() {
    api::answers_are_as_documented(&api().await).await;
}

#[tokio::test]
async fn leads_are_imported_once_and_routed() {
    api::leads_are_imported_once_and_routed(&api().await).await;
}

#[tokio::test]
async fn bad_imports_are_refused() {
    api::bad_imports_are_refused(&api().await).await;
}

#[tokio::test]
async fn a_spread_import_schedules_the_new_leads() {
    api::a_spread_import_schedules_the_new_leads(&api().await).await;
}

#[tokio::test]
async fn outcomes_are_imported_shown_and_rebuilt() {
    api::outcomes_are_imported_shown_and_rebuilt(&api().await).await;
}

#[tokio::test]
async fn failed_crm_writes_are_shown_on_the_lead() {
    api::failed_crm_writes_are_shown_on_the_lead(&api().await).await;
}
