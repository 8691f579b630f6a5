//! The admin API on DynamoDB and SQS, on the endpoint in `AWS_ENDPOINT_URL` (moto started
//! by `infra/with-moto.sh`); without it every test prints why it skipped.

mod api;

use api::Api;
use switchboard_store::aws::SqsQueue;
use switchboard_testkit::moto::moto;

async fn api() -> Option<Api> {
    let moto = moto().await?;
    let (queue, dlq) = (moto.queue("admin").await, moto.queue("admin-dlq").await);
    let queue = SqsQueue::new(moto.sqs(), &queue, &dlq);
    Some(Api::new(moto.store().await, queue).await)
}

#[tokio::test]
async fn authorization_matrix() {
    let Some(api) = api().await else { return };
    api::authorization_matrix(&api).await;
}

#[tokio::test]
async fn reps_live_state() {
    let Some(api) = api().await else { return };
    api::reps_live_state(&api).await;
}

#[tokio::test]
async fn drafts_are_checked_not_stored() {
    let Some(api) = api().await else { return };
    api::drafts_are_checked_not_stored(&api).await;
}

#[tokio::test]
async fn lists_triage_and_health() {
    let Some(api) = api().await else { return };
    api::lists_triage_and_health(&api).await;
}

#[tokio::test]
async fn parked_leads_are_rerouted() {
    let Some(api) = api().await else { return };
    api::parked_leads_are_rerouted(&api).await;
}

#[tokio::test]
async fn parked_leads_are_assigned_by_hand() {
    let Some(api) = api().await else { return };
    api::parked_leads_are_assigned_by_hand(&api).await;
}

#[tokio::test]
async fn changes_are_audited() {
    let Some(api) = api().await else { return };
    api::changes_are_audited(&api).await;
}

#[tokio::test]
async fn policy_versions_are_diffed() {
    let Some(api) = api().await else { return };
    api::policy_versions_are_diffed(&api).await;
}

#[tokio::test]
async fn coverage_reads_stored_arrivals_and_away_flags() {
    let Some(api) = api().await else { return };
    api::coverage_reads_stored_arrivals_and_away_flags(&api).await;
}

#[tokio::test]
async fn leads_are_filtered() {
    let Some(api) = api().await else { return };
    api::leads_are_filtered(&api).await;
}

#[tokio::test]
async fn answers_are_as_documented() {
    let Some(api) = api().await else { return };
    api::answers_are_as_documented(&api).await;
}

#[tokio::test]
async fn leads_are_imported_once_and_routed() {
    let Some(api) = api().await else { return };
    api::leads_are_imported_once_and_routed(&api).await;
}

#[tokio::test]
async fn bad_imports_are_refused() {
    let Some(api) = api().await else { return };
    api::bad_imports_are_refused(&api).await;
}

#[tokio::test]
async fn a_spread_import_schedules_the_new_leads() {
    let Some(api) = api().await else { return };
    api::a_spread_import_schedules_the_new_leads(&api).await;
}

#[tokio::test]
async fn outcomes_are_imported_shown_and_rebuilt() {
    let Some(api) = api().await else { return };
    api::outcomes_are_imported_shown_and_rebuilt(&api).await;
}

#[tokio::test]
async fn failed_crm_writes_are_shown_on_the_lead() {
    let Some(api) = api().await else { return };
    api::failed_crm_writes_are_shown_on_the_lead(&api).await;
}
