//! The admin API on DynamoDB and SQS, on the endpoint in `AWS_ENDPOINT_URL` (moto started
//! by `infra/with-moto.sh`); without it every test prints why it skipped.

mod api;

use api::Api;
use switchboard_store::aws::SqsQueue;
use switchboard_testkit::moto::moto;

async fn api() -> Option<Api> {
    let moto = moto().await?;
    Some(Api::new::<_, SqsQueue>(moto.store().await, None).await)
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
