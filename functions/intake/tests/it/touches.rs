//! The CRM touch webhooks on the embedded store (the same suite runs on DynamoDB in
//! `tests/moto.rs`).

#[path = "../touches/mod.rs"]
mod suite;

use switchboard_testkit::embedded_store;

macro_rules! on_embedded {
    ($($name:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                suite::$name(&suite::touches(embedded_store()).await).await;
            }
        )+
    };
}

on_embedded!(
    a_hubspot_touch_accepts_and_a_duplicate_changes_nothing,
    a_crm_outcome_closes_the_assignment_and_counts_for_the_rep,
    hubspot_requests_must_be_signed_and_fresh,
    a_hubspot_owner_change_hands_the_lead_over,
    a_salesforce_outbound_message_is_acknowledged,
    a_salesforce_flow_callout_touches,
    without_the_reps_crm_id_an_owner_change_is_ignored,
);

/// Without a desk (no touch webhooks wired) the routes are off.
#[tokio::test]
async fn the_routes_are_off_without_a_desk() {
    use http::{Request, StatusCode};
    let config = switchboard_intake::IntakeConfig::from_yaml_str_with_env(
        "touches: [ { id: salesforce, crm: salesforce, secret: t } ]",
        |_| None,
    )
    .unwrap();
    let state = switchboard_intake::IntakeState::new(
        config,
        embedded_store(),
        switchboard_store::embedded::MemoryQueue::new(switchboard_store::embedded::QueueConfig {
            max_receives: 5,
        }),
    );
    let answer = crate::common::send(
        &switchboard_intake::router(state),
        Request::post("/v1/touches/salesforce/t")
            .body(axum::body::Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.content_type(), "application/problem+json");
}
