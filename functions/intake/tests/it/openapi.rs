//! The OpenAPI document against the Lambda's router, wired as `main` wires it (intake, rep
//! actions, the admin routes over DynamoDB, the admin console): every operation the
//! document names is a route there. No request gets past authentication, so nothing reaches AWS.

use axum::Router;
use axum::body::Body;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use switchboard_intake::actions::aws::{aws_actions, aws_desk};
use switchboard_intake::admin::{JwtRoles, aws_admin};
use switchboard_intake::aws::{AwsSettings, aws_state};
use switchboard_intake::import::ImportIntake;
use switchboard_intake::lambda_app;
use switchboard_intake::openapi::{CHECKED_IN, PATH};
use tower::ServiceExt;

use crate::common::{API_KEY, Harness, config, generic_request, get};

fn lambda_router() -> Router {
    let env = |name: &str| -> Option<String> {
        match name {
            "AWS_REGION" => Some("eu-central-1".into()),
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("unused".into()),
            "SWITCHBOARD_ACTIONS_ADMIN_KEYS" => Some("adm-1".into()),
            "SWITCHBOARD_EVENT_BUS" => Some("switchboard".into()),
            // Links and Slack answer "no such route" on a deployment without their secrets.
            "SWITCHBOARD_ACTION_LINK_SECRET" => Some("links".into()),
            "SWITCHBOARD_SLACK_SIGNING_SECRET" => Some("slack".into()),
            "SWITCHBOARD_NOTIFY_QUEUE_URL" => Some("https://sqs.invalid/notify".into()),
            _ => None,
        }
    };
    let sdk = switchboard_lambda::sdk_config_from(env).expect("sdk configuration");
    let settings = AwsSettings {
        table: "switchboard".into(),
        routing_queue_url: "https://sqs.invalid/routing".into(),
        routing_dlq_url: Some("https://sqs.invalid/routing-dlq".into()),
        event_bus: None,
    };
    let actions = aws_actions(&sdk, &settings.table, env)
        .expect("actions configuration")
        .expect("rep actions enabled");
    let touches = aws_desk(&sdk, &settings.table, env).expect("touch desk");
    let state = aws_state(config(), &sdk, &settings)
        .with_actions(actions)
        .with_touches(std::sync::Arc::new(touches));
    let import = ImportIntake::from_state(&state);
    lambda_app(
        state,
        aws_admin(&sdk, &settings, import, JwtRoles::from_lookup(env)),
        None,
    )
}

/// Each operation of the document as (method, path with every parameter filled in).
pub fn operations(document: &Value) -> Vec<(Method, String)> {
    let mut ops = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let concrete: Vec<String> = path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    "x".to_owned()
                } else {
                    s.to_owned()
                }
            })
            .collect();
        for method in item.as_object().expect("a path item").keys() {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            ops.push((method, concrete.join("/")));
        }
    }
    ops
}

/// `None` when the router has a route for the request, else what it answered.
async fn missing(app: &Router, method: Method, path: &str) -> Option<String> {
    let request = Request::builder()
        .method(method.clone())
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let answer = app.clone().oneshot(request).await.unwrap();
    let status = answer.status();
    let bytes = answer.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let no_route = body["type"]
        .as_str()
        .is_some_and(|t| t.ends_with("route-not-found"));
    (status == StatusCode::METHOD_NOT_ALLOWED || no_route)
        .then(|| format!("{method} {path}: {status} {body}"))
}

#[tokio::test]
async fn every_documented_operation_is_a_route_of_the_lambda() {
    let app = lambda_router();
    let document: Value = serde_json::from_str(CHECKED_IN).expect("the document is JSON");
    let ops = operations(&document);
    assert!(ops.len() > 30, "{ops:?}");
    let mut absent = Vec::new();
    for (method, path) in ops {
        absent.extend(missing(&app, method, &path).await);
    }
    assert!(absent.is_empty(), "documented but not routed: {absent:#?}");

    // The check tells a route from no route: these are not routes.
    for (method, path) in [
        (Method::GET, "/v1/admin/nothing"),
        (Method::PUT, "/healthz"),
        (Method::GET, "/v1/leads"),
    ] {
        assert!(
            missing(&app, method.clone(), path).await.is_some(),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn the_admin_console_is_served_too() {
    let page = lambda_router()
        .oneshot(Request::get("/console").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    // Its own caching, not the API's `no-store`.
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.headers().contains_key("content-security-policy"));
    let unknown = lambda_router()
        .oneshot(
            Request::get("/console/nope.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn the_document_is_served_as_checked_in() {
    let request = Request::get(PATH).body(Body::empty()).unwrap();
    let answer = lambda_router().oneshot(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["content-type"], "application/json");
    let bytes = answer.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(bytes, CHECKED_IN.as_bytes());
}

/// Every `$ref` of `value`, with where it is.
fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push((at.clone(), r)),
                    _ => refs(v, format!("{at}/{k}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_resolves_inside_the_document() {
    let document: Value = serde_json::from_str(CHECKED_IN).unwrap();
    let mut found = Vec::new();
    refs(&document, String::new(), &mut found);
    assert!(found.len() > 100, "{} references", found.len());
    for (at, r) in &found {
        let target = r
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer));
        assert!(
            target.is_some_and(|t| t.is_object() || t.is_boolean()),
            "{at}: {r} does not resolve in the document"
        );
        assert!(
            r.starts_with("#/components/schemas/"),
            "{at}: {r} is not a component schema"
        );
    }
    // Each component is referred to by something.
    for name in document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        let r = format!("#/components/schemas/{name}");
        assert!(found.iter().any(|(_, f)| *f == r), "{name} is never used");
    }
}

#[test]
fn every_operation_describes_its_bodies() {
    let document: Value = serde_json::from_str(CHECKED_IN).unwrap();
    let mut described = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let success = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .unwrap_or_else(|| panic!("{method} {path}: no success"));
            let content = success.1["content"].as_object().unwrap();
            let bodies = content.values().chain(
                op["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flat_map(|c| c.values()),
            );
            for body in bodies {
                let schema = &body["schema"];
                assert!(
                    schema.as_object().is_some_and(|s| !s.is_empty()),
                    "{method} {path}: a body without a schema"
                );
                described += 1;
            }
        }
    }
    assert!(described > 45, "{described} bodies");
}

/// Why `value` is not what the document says the `side` body (`request`, or the status of
/// an answer) of `method path` is; empty when it is.
fn mismatches(method: &str, path: &str, side: &str, value: &Value) -> Vec<String> {
    let document: Value = serde_json::from_str(CHECKED_IN).unwrap();
    let op = &document["paths"][path][method];
    let body = if side == "request" {
        &op["requestBody"]["content"]["application/json"]["schema"]
    } else {
        &op["responses"][side]["content"]["application/json"]["schema"]
    };
    assert!(body.is_object(), "{method} {path} documents no {side} body");
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [body],
        "components": document["components"],
    });
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the documented schema is valid");
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[tokio::test]
async fn the_lead_api_answers_as_documented() {
    let h = Harness::new();
    let submission = serde_json::json!({
        "email": "Jane.Doe@Acme.io",
        "first_name": "Jane",
        "company": "Acme GmbH",
        "country": "Deutschland",
        "phone": "not a phone",
        "deal": { "amount": 1200 },
        "attributes": { "employees": 250, "industry": "logistics", "tags": ["a", "b"] },
        "submission_id": 88412,
    });
    let sent = |body: &Value| {
        let wrong = mismatches("post", "/v1/leads", "request", body);
        assert!(wrong.is_empty(), "{wrong:#?}");
    };
    sent(&submission);
    sent(&serde_json::json!([submission]));

    let first = h
        .send(generic_request(submission.to_string().as_bytes()))
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let again = serde_json::json!({ "email": "jane.doe@acme.io", "submission_id": "other" });
    let duplicate = h.send(generic_request(again.to_string().as_bytes())).await;
    assert_eq!(duplicate.status, StatusCode::ACCEPTED);
    assert!(
        duplicate.json()["duplicate_of"].is_string(),
        "{}",
        duplicate.json()
    );
    for answer in [&first, &duplicate] {
        let wrong = mismatches("post", "/v1/leads", "202", &answer.json());
        assert!(wrong.is_empty(), "{wrong:#?}\n{}", answer.json());
    }

    let key = [("authorization", format!("Bearer {API_KEY}"))];
    let view = h
        .send(get(&format!("/v1/leads/{}", first.lead_id()), &key))
        .await;
    assert_eq!(view.status, StatusCode::OK);
    let view = view.json();
    assert!(!view["warnings"].as_array().unwrap().is_empty(), "{view}");
    assert!(view["lead"]["attributes"].is_object(), "{view}");
    let wrong = mismatches("get", "/v1/leads/{id}", "200", &view);
    assert!(wrong.is_empty(), "{wrong:#?}\n{view}");

    // The check catches an answer that is not as documented.
    let mut broken = view.clone();
    broken["lead"]["received_at"] = Value::from("yesterday");
    assert!(!mismatches("get", "/v1/leads/{id}", "200", &broken).is_empty());
    let mut broken = first.json();
    broken.as_object_mut().unwrap().remove("status_url");
    assert!(!mismatches("post", "/v1/leads", "202", &broken).is_empty());
    // And a submission that is no lead: a list of two.
    let two = serde_json::json!([submission, submission]);
    assert!(!mismatches("post", "/v1/leads", "request", &two).is_empty());
}
