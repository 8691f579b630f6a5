//! The answers against the OpenAPI document (`docs/openapi.json`, as served): every success
//! the suite gets, and every request body it had accepted, is checked against the schema the
//! document gives that operation ([`Api::call`] does it), and one test reads the main
//! answers on purpose and checks that a wrong answer would be caught.

use std::sync::LazyLock;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{Api, Who};

const DOCUMENT: &str = include_str!("../../../../docs/openapi.json");

static PARSED: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(DOCUMENT).expect("docs/openapi.json is JSON"));

/// Which body of an operation.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    Request,
    Response,
}

/// The document's path template `path` (without its query) stands for, the most literal
/// one when two match.
fn template(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    PARSED["paths"]
        .as_object()?
        .keys()
        .filter_map(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            let fits = parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.starts_with('{') || p == s);
            fits.then(|| (parts.iter().filter(|p| !p.starts_with('{')).count(), t))
        })
        .max()
        .map(|(_, t)| t.as_str())
}

/// The schema the document gives `side` of `method path`, with the document's components
/// beside it so its references resolve.
fn schema(method: &str, path: &str, side: Side) -> Value {
    let template = template(path).unwrap_or_else(|| panic!("{path} is not in the document"));
    let op = &PARSED["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template} is not in the document");
    let body = match side {
        Side::Request => &op["requestBody"]["content"]["application/json"]["schema"],
        Side::Response => op["responses"]
            .as_object()
            .and_then(|r| r.iter().find(|(code, _)| code.starts_with('2')))
            .map(|(_, r)| &r["content"]["application/json"]["schema"])
            .unwrap_or(&Value::Null),
    };
    assert!(
        !body.is_null(),
        "{method} {template} documents no {side:?} body"
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [body],
        "components": PARSED["components"],
    })
}

/// Why `value` is not what the document says `side` of `method path` is; empty when it is.
pub fn mismatches(method: &str, path: &str, side: Side, value: &Value) -> Vec<String> {
    let schema = schema(method, path, side);
    // Formats asserted too: a timestamp must be RFC 3339, not just a string.
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{method} {path}: the documented schema is not valid: {e}"));
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Panics unless `value` is what the document says.
pub fn check(method: &str, path: &str, side: Side, value: &Value) {
    let wrong = mismatches(method, path, side, value);
    assert!(
        wrong.is_empty(),
        "{method} {path}: the {side:?} body is not as documented: {wrong:#?}\n{value:#}"
    );
}

/// The lead view, the triage page, the health report, the policy history, the reps and the
/// audit log as the API answers them are as documented, and the check refuses an answer that
/// is not.
pub async fn answers_are_as_documented(api: &Api) {
    let now = Timestamp::now();
    for (i, id) in ["d1", "d2", "d3"].iter().enumerate() {
        api.route(id, now - SignedDuration::from_mins(3 - i as i64))
            .await;
    }
    let (_, away) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/reps/ana/away",
            r#"{"until":"2100-01-01T00:00:00Z"}"#,
        )
        .await;
    assert_eq!(away["away"]["until"], "2100-01-01T00:00:00Z", "{away}");

    let mut checked = Vec::new();
    for path in [
        "/v1/admin/leads/d1",
        "/v1/admin/leads/d3",
        "/v1/admin/leads?since=1h",
        "/v1/admin/triage",
        "/v1/admin/reports/health?since=1h",
        "/v1/admin/policy/history",
        "/v1/admin/policy/active",
        "/v1/admin/reps",
        "/v1/admin/audit?since=1h",
    ] {
        let (status, answer) = api.call(Who::Viewer, "GET", path, "").await;
        assert!(status.is_success(), "{path}: {status} {answer}");
        check("GET", path, Side::Response, &answer);
        checked.push((path, answer));
    }
    let answer = |path: &str| &checked.iter().find(|(p, _)| *p == path).unwrap().1;

    // The answers hold what the schemas describe: an assignment and decisions with their
    // steps, a parked lead with its reason, figures per pool.
    let assigned = answer("/v1/admin/leads/d1");
    assert_eq!(assigned["decisions"][0]["outcome"]["status"], "assigned");
    assert!(assigned["assignment"].is_object(), "{assigned}");
    let parked = answer("/v1/admin/leads/d3");
    assert_eq!(parked["decisions"][0]["outcome"]["status"], "parked");
    assert_eq!(parked["assignment"], Value::Null, "{parked}");
    assert_eq!(answer("/v1/admin/triage")["items"][0]["lead_id"], "d3");
    let report = answer("/v1/admin/reports/health?since=1h");
    assert_eq!(report["pools"][0]["pool"]["kind"], "pool", "{report}");
    assert!(
        answer("/v1/admin/policy/history")["versions"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );

    // A wrong answer is caught: a field missing, a value of the wrong kind, a field the type
    // does not have, an unknown outcome.
    let broken = [
        ("/v1/admin/leads/d1", "/decisions", Value::Null),
        ("/v1/admin/leads/d1", "/lead/updated_at", json!(17)),
        ("/v1/admin/leads/d1", "/lead/lead/colour", json!("blue")),
        (
            "/v1/admin/leads/d3",
            "/decisions/0/outcome/status",
            json!("lost"),
        ),
        ("/v1/admin/triage", "/items/0/parked_at", json!("yesterday")),
        (
            "/v1/admin/reports/health?since=1h",
            "/overall/leads/received",
            json!(-1),
        ),
        (
            "/v1/admin/reports/health?since=1h",
            "/pools/0/pool/kind",
            json!("team"),
        ),
        (
            "/v1/admin/policy/history",
            "/versions/0/version",
            json!("1"),
        ),
    ];
    for (path, pointer, value) in broken {
        let mut wrong = answer(path).clone();
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        let target = wrong
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{path}{pointer}"));
        match value {
            Value::Null => {
                target.as_object_mut().unwrap().remove(field);
            }
            v => target[field] = v,
        }
        assert!(
            !mismatches("GET", path, Side::Response, &wrong).is_empty(),
            "{path}: {pointer} changed, yet the answer passes"
        );
    }

    // Request bodies too: what a route takes passes, a misspelt field does not.
    check(
        "POST",
        "/v1/admin/triage/x/assign",
        Side::Request,
        &json!({ "rep": "ana", "reason": "customer asked" }),
    );
    assert!(
        !mismatches(
            "POST",
            "/v1/admin/policy/rollback",
            Side::Request,
            &json!({ "verison": 1 })
        )
        .is_empty()
    );
}
