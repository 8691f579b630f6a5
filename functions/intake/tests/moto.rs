//! Intake over the AWS adapters (DynamoDB lead store, SQS routing queue) at
//! `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`: what the Lambda
//! function's `main` wires. Without that variable every test here prints why it skipped.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use switchboard_intake::aws::{AwsSettings, aws_state};
use switchboard_intake::{IntakeConfig, router};
use switchboard_store::aws::{DynamoStore, dynamo, sdk_config};
use switchboard_store::{LeadStatus, LeadStore, RouteRequest};
use tower::ServiceExt;

const SKIP_REASON: &str = "AWS_ENDPOINT_URL not set (run through infra/with-moto.sh)";
const API_KEY: &str = "sk_moto_generic";

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

struct Setup {
    sdk: aws_config::SdkConfig,
    settings: AwsSettings,
}

async fn setup() -> Option<Setup> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        eprintln!("skipped: {SKIP_REASON}");
        return None;
    }
    let sdk = sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = unique("intake");
    dynamo::create_table(&dynamodb, &table)
        .await
        .expect("create table");
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url = sqs
        .create_queue()
        .queue_name(unique("routing"))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    Some(Setup {
        sdk,
        settings: AwsSettings {
            table,
            routing_queue_url: queue_url,
            routing_dlq_url: None,
        },
    })
}

fn config() -> IntakeConfig {
    let yaml = format!("sources:\n  - {{ id: api, kind: generic, secret: {API_KEY} }}\n");
    IntakeConfig::from_yaml_str_with_env(&yaml, |_| None).expect("valid config")
}

fn post(body: &str, idempotency_key: &str) -> Request<Body> {
    Request::post("/v1/leads")
        .header("authorization", format!("Bearer {API_KEY}"))
        .header("content-type", "application/json")
        .header("idempotency-key", idempotency_key)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn json(response: axum::response::Response) -> serde_json::Value {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

async fn routing_messages(setup: &Setup) -> Vec<String> {
    let sqs = aws_sdk_sqs::Client::new(&setup.sdk);
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(&setup.settings.routing_queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        bodies.extend(messages.into_iter().filter_map(|m| m.body));
    }
}

#[tokio::test]
async fn a_posted_lead_is_stored_in_dynamodb_and_queued_once_on_sqs() {
    let Some(setup) = setup().await else { return };
    let app = router(aws_state(config(), &setup.sdk, &setup.settings));
    let body = r#"{"email": "ana@northwind-robotics.com", "first_name": "Ana", "company": "Northwind Robotics", "country": "DE"}"#;

    let first = app.clone().oneshot(post(body, "moto-1")).await.unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first = json(first).await;
    let lead_id = first["lead_id"].as_str().expect("lead_id").to_owned();

    // The provider retries: same key, same lead, no second hand-off.
    let again = app.clone().oneshot(post(body, "moto-1")).await.unwrap();
    assert!(again.status().is_success(), "{}", again.status());
    assert_eq!(json(again).await["lead_id"], lead_id.as_str());

    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&setup.sdk),
        &setup.settings.table,
    );
    let stored = store
        .get(&lead_id)
        .await
        .unwrap()
        .expect("lead in DynamoDB");
    assert_eq!(
        stored.lead.email.as_deref(),
        Some("ana@northwind-robotics.com")
    );
    assert_eq!(stored.lead.country.as_deref(), Some("DE"));
    assert_eq!(stored.status, LeadStatus::Queued);

    let messages = routing_messages(&setup).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let request = RouteRequest::parse(&messages[0]).expect("a route request");
    assert_eq!(request.lead_id, lead_id);
}

#[tokio::test]
async fn a_second_submission_from_the_same_address_is_a_duplicate_and_not_queued() {
    let Some(setup) = setup().await else { return };
    let app = router(aws_state(config(), &setup.sdk, &setup.settings));
    let first = app
        .clone()
        .oneshot(post(
            r#"{"email": "li@acme-gears.com", "first_name": "Li"}"#,
            "a",
        ))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first = json(first).await;
    let second = app
        .clone()
        .oneshot(post(
            r#"{"email": "LI@acme-gears.com", "company": "Acme"}"#,
            "b",
        ))
        .await
        .unwrap();
    assert!(second.status().is_success(), "{}", second.status());
    let second = json(second).await;
    assert_ne!(second["lead_id"], first["lead_id"]);
    assert_eq!(second["status"], "duplicate", "{second}");
    assert_eq!(second["duplicate_of"], first["lead_id"], "{second}");
    assert_eq!(routing_messages(&setup).await.len(), 1);
}
