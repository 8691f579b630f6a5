//! `POST /policy/coverage` on stored leads: the expected arrivals come from the leads
//! received in the last weeks, the reps' own away flags from the live state, and a bad
//! request is a 422 naming the field.

use http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::{Api, POLICY, Who};

pub async fn coverage_reads_stored_arrivals_and_away_flags(api: &Api) {
    api.apply(POLICY).await;
    // Three leads a week ago, in the hour of the week that starts the forecast below.
    let now = Timestamp::now();
    let week_ago = now - SignedDuration::from_hours(24 * 7) + SignedDuration::from_mins(1);
    for id in ["c1", "c2", "c3"] {
        api.route(id, week_ago).await;
    }
    let from = now + SignedDuration::from_mins(1);
    let request = json!({ "weeks": 1, "days": 1, "from": from }).to_string();
    let forecast = |body: String| async move {
        api.call(Who::Viewer, "POST", "/v1/admin/policy/coverage", &body)
            .await
    };
    let (s, report) = forecast(request.clone()).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let inbound = &report["pools"][0];
    assert_eq!(inbound["pool"], "inbound");
    assert_eq!(inbound["hours"].as_array().unwrap().len(), 24);
    assert_eq!(inbound["hours"][0]["expected"], 3.0, "{report}");
    // Ana has no working hours; bo is on a sabbatical all along.
    assert_eq!(inbound["hours"][0]["in_hours"], 1, "{report}");
    assert_eq!(report["gaps"], json!([]), "{report}");

    // Ana sets herself away until the forecast's second hour: its first hour is a gap.
    let until = Timestamp::from_second(from.as_second() / 3600 * 3600 + 3600).unwrap();
    let (s, away) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/reps/ana/away",
            &json!({ "until": until }).to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{away}");
    let (s, report) = forecast(request).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let gap = &report["gaps"][0];
    assert_eq!(gap["pool"], "inbound", "{report}");
    assert_eq!(gap["expected"], 3.0, "{report}");
    assert_eq!(
        gap["reasons"],
        json!({ "away": 1, "out_of_office": 1 }),
        "{report}"
    );
    assert_eq!(report["gaps"].as_array().unwrap().len(), 1, "{report}");

    // (request, the field the 422 names)
    let refusals = [
        (json!({ "weeks": 0 }), "weeks"),
        (json!({ "days": 60 }), "days"),
        (json!({ "document": "triage_pool: [" }), "triage_pool"),
        (
            json!({ "profile": [{ "pool": "nowhere", "days": "mon", "hours": "9", "leads": 1 }] }),
            "profile[0].pool",
        ),
        (json!({ "wekes": 2 }), "wekes"),
    ];
    for (body, field) in refusals {
        let (s, problem) = forecast(body.to_string()).await;
        assert!(s.is_client_error(), "{body}: {s} {problem}");
        let named = problem["errors"].as_array().is_some_and(|e| {
            e.iter()
                .any(|e| e["field"].as_str().unwrap_or("").contains(field))
        }) || problem["detail"].as_str().unwrap_or("").contains(field);
        assert!(named, "{body}: {problem}");
    }
}
