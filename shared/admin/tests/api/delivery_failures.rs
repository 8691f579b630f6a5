//! `GET /leads/{id}` shows the CRM writes of the lead that failed, with the CRM's reason,
//! until the write succeeds.

use http::StatusCode;
use jiff::Timestamp;
use serde_json::json;

use super::{Api, Who};

pub async fn failed_crm_writes_are_shown_on_the_lead(api: &Api) {
    api.route("f1", Timestamp::now()).await;
    let (status, before) = api.call(Who::Viewer, "GET", "/v1/admin/leads/f1", "").await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["delivery_failures"], json!([]), "{before}");

    let refused = "answered 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: [redacted] is on the \
                   do-not-contact list (fields: Email)";
    let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    api.fail_delivery("f1", "f1:1", "salesforce", refused, true, at)
        .await;
    api.fail_delivery(
        "f1",
        "f1:1",
        "hubspot",
        "rate limited: slow down",
        false,
        at,
    )
    .await;
    // Another lead's failure is not this one's.
    api.fail_delivery("f2", "f2:1", "salesforce", refused, true, at)
        .await;

    let (status, view) = api.call(Who::Viewer, "GET", "/v1/admin/leads/f1", "").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view["delivery_failures"],
        json!([
            {"assignment_id": "f1:1", "kind": "assigned", "channel": "hubspot",
             "error": "rate limited: slow down", "permanent": false,
             "failed_at": "2026-06-01T10:00:00Z"},
            {"assignment_id": "f1:1", "kind": "assigned", "channel": "salesforce",
             "error": refused, "permanent": true, "failed_at": "2026-06-01T10:00:00Z"},
        ]),
        "{view}"
    );

    // The write succeeds after the fix: nothing is left to show for that channel.
    api.deliver("f1", "f1:1", "salesforce", at).await;
    let (_, after) = api.call(Who::Viewer, "GET", "/v1/admin/leads/f1", "").await;
    let channels: Vec<_> = after["delivery_failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["hubspot"], "{after}");
}
