//! Intake over the AWS adapters (DynamoDB lead store, SQS routing queue) at
//! `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`: what the Lambda
//! function's `main` wires. Without that variable every test here prints why it skipped.

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use switchboard_intake::aws::{AwsSettings, aws_state};
use switchboard_intake::{IntakeConfig, router};
use switchboard_store::aws::{CallCounter, DynamoStore, SqsOutbox};
use switchboard_store::{LeadStatus, LeadStore, RouteRequest};
use switchboard_testkit::moto::{BusProbe, Moto, moto};
use tower::ServiceExt;

const API_KEY: &str = "sk_moto_generic";

struct Setup {
    aws: Moto,
    settings: AwsSettings,
    bus: BusProbe,
}

async fn setup() -> Option<Setup> {
    let aws = moto().await?;
    let bus = aws.bus_probe().await;
    let settings = AwsSettings {
        table: aws.table("intake").await,
        routing_queue_url: aws.queue("routing").await,
        routing_dlq_url: None,
        event_bus: Some(bus.bus.clone()),
    };
    Some(Setup { aws, settings, bus })
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
    setup.aws.drain(&setup.settings.routing_queue_url).await
}

#[tokio::test]
async fn a_posted_lead_is_stored_in_dynamodb_and_queued_once_on_sqs() {
    let Some(setup) = setup().await else { return };
    let app = router(aws_state(config(), &setup.aws.config, &setup.settings));
    let body = r#"{"email": "ana@northwind-robotics.com", "first_name": "Ana", "company": "Northwind Robotics", "country": "DE"}"#;

    let first = app.clone().oneshot(post(body, "moto-1")).await.unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first = json(first).await;
    let lead_id = first["lead_id"].as_str().expect("lead_id").to_owned();

    // The provider retries: same key, same lead, no second hand-off.
    let again = app.clone().oneshot(post(body, "moto-1")).await.unwrap();
    assert!(again.status().is_success(), "{}", again.status());
    assert_eq!(json(again).await["lead_id"], lead_id.as_str());

    let store = DynamoStore::new(setup.aws.dynamodb(), &setup.settings.table);
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

    // Announced once on the bus (the redelivery stored nothing), with ids, not contacts.
    let events = setup.bus.events().await;
    let received: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "lead.received")
        .collect();
    assert_eq!(received.len(), 1, "{events:?}");
    assert_eq!(received[0].id, format!("lead.received:{lead_id}"));
    assert_eq!(received[0].detail["lead_id"], lead_id.as_str());
    assert_eq!(received[0].detail["status"], "queued");
    assert!(
        !received[0].detail.to_string().contains("northwind"),
        "{:?}",
        received[0]
    );
}

/// What a posted lead costs intake on AWS, which docs/DEPLOY.md ("What one lead costs")
/// quotes: the email entry's read, the insert's one transaction, which stores the lead
/// `queued` already (no status update after the hand-off), and the hand-off.
#[tokio::test]
async fn aws_calls_per_posted_lead() {
    let Some(setup) = setup().await else { return };
    let counter = CallCounter::new();
    let store = DynamoStore::new(setup.aws.counted_dynamodb(&counter), &setup.settings.table);
    let routing = SqsOutbox::new(
        setup.aws.counted_sqs(&counter),
        &setup.settings.routing_queue_url,
    );
    let app = router(switchboard_intake::IntakeState::new(
        config(),
        store,
        routing,
    ));
    const LEADS: u64 = 10;
    for i in 0..LEADS {
        let body =
            format!(r#"{{"email": "lead{i}@northwind-robotics.com", "company": "Northwind"}}"#);
        let response = app
            .clone()
            .oneshot(post(&body, &format!("cost-{i}")))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(json(response).await["status"], "queued");
    }
    let calls = counter.snapshot();
    println!("calls for {LEADS} posted leads: {calls:?}");
    let units = counter
        .write_units(&setup.aws.dynamodb())
        .await
        .expect("write units");
    println!("write units for {LEADS} posted leads: {units:#?}");
    let count = |name: &str| calls.get(name).copied().unwrap_or(0);
    assert_eq!(count("DynamoDB.GetItem"), LEADS);
    assert_eq!(count("DynamoDB.TransactWriteItems"), LEADS);
    assert_eq!(count("DynamoDB.UpdateItem"), 0, "{calls:?}");
    assert_eq!(count("SQS.SendMessage"), LEADS);
    assert_eq!(counter.total(), 3 * LEADS, "{calls:?}");
    // Lead, key and email entry, each doubled in the transaction, and the lead into the
    // awaiting and `by_received` indexes.
    assert_eq!(units.total, 8 * LEADS, "{units:#?}");
    let messages = routing_messages(&setup).await;
    assert_eq!(messages.len(), LEADS as usize);
}

#[tokio::test]
async fn a_second_submission_from_the_same_address_is_a_duplicate_and_not_queued() {
    let Some(setup) = setup().await else { return };
    let app = router(aws_state(config(), &setup.aws.config, &setup.settings));
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
    // Both are announced; the duplicate names the lead it duplicates.
    let events = setup.bus.events().await;
    let dup = events
        .iter()
        .find(|e| e.kind == "lead.received" && e.detail["status"] == "duplicate")
        .expect("the duplicate's lead.received");
    assert_eq!(dup.detail["duplicate_of"], first["lead_id"]);
    assert_eq!(
        events.iter().filter(|e| e.kind == "lead.received").count(),
        2
    );
}

/// The admin API as the Lambda serves it: over the deployment's table, with the caller
/// read from the request context API Gateway's authorizer filled in.
mod admin {
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerIamDescription,
        ApiGatewayRequestAuthorizerJwtDescription, ApiGatewayV2httpRequestContext,
    };
    use lambda_http::request::RequestContext;
    use switchboard_intake::admin::{JwtRoles, aws_admin};
    use switchboard_intake::import::ImportIntake;
    use switchboard_testkit::activate;

    use super::*;

    const POLICY: &str = "name: t\ntriage_pool: triage\nreps: [{ id: ana, name: Ana }]\npools: [{ id: p, strategy: round_robin, members: [ana] }]\nrules: [{ id: default, pool: p }]\n";

    fn iam() -> RequestContext {
        let mut iam = ApiGatewayRequestAuthorizerIamDescription::default();
        iam.user_arn = Some("arn:aws:iam::123456789012:user/ops".into());
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.iam = Some(iam);
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.authorizer = Some(authorizer);
        RequestContext::ApiGatewayV2(context)
    }

    fn viewer() -> RequestContext {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims
            .insert("cognito:groups".into(), "[switchboard-viewer]".into());
        jwt.claims.insert("email".into(), "vera@example.com".into());
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.authorizer = Some(authorizer);
        RequestContext::ApiGatewayV2(context)
    }

    fn request(method: &str, path: &str, context: Option<RequestContext>) -> Request<Body> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        if let Some(context) = context {
            request.extensions_mut().insert(context);
        }
        request
    }

    #[tokio::test]
    async fn the_lambda_serves_the_admin_api_to_the_callers_its_authorizers_name() {
        let Some(setup) = setup().await else { return };
        let store = DynamoStore::new(setup.aws.dynamodb(), &setup.settings.table);
        activate(&store, POLICY).await;
        let app = aws_admin(
            &setup.aws.config,
            &setup.settings,
            ImportIntake::from_state(&aws_state(
                Default::default(),
                &setup.aws.config,
                &setup.settings,
            )),
            JwtRoles::from_lookup(|_| None),
        );
        let cases = [
            ("GET", "/v1/iam/admin/reps/ana", Some(iam()), StatusCode::OK),
            (
                "GET",
                "/v1/iam/admin/reps/ana",
                None,
                StatusCode::UNAUTHORIZED,
            ),
            ("GET", "/v1/admin/reps/ana", Some(viewer()), StatusCode::OK),
            ("GET", "/v1/admin/reps/ana", None, StatusCode::UNAUTHORIZED),
            (
                "POST",
                "/v1/admin/reps/ana/away",
                Some(viewer()),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                "/v1/admin/reps/ana/away",
                Some(iam()),
                StatusCode::OK,
            ),
            (
                "GET",
                "/v1/admin/reps/zed",
                Some(iam()),
                StatusCode::NOT_FOUND,
            ),
            // No dead-letter queue configured: said so, as a problem.
            (
                "GET",
                "/v1/admin/dlq",
                Some(iam()),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
        ];
        for (method, path, context, want) in cases {
            let response = app
                .clone()
                .oneshot(request(method, path, context))
                .await
                .unwrap();
            let status = response.status();
            let content_type = response.headers()["content-type"].clone();
            let body = json(response).await;
            assert_eq!(status, want, "{method} {path}: {body}");
            if !status.is_success() {
                assert_eq!(content_type, "application/problem+json", "{method} {path}");
            }
        }
        let response = app
            .oneshot(request("GET", "/v1/admin/reps/ana", Some(iam())))
            .await
            .unwrap();
        assert_eq!(
            json(response).await["unavailable"],
            "away",
            "the admin's change is in DynamoDB"
        );
    }
}

/// The CRM touch webhooks on DynamoDB: the suite `tests/it/touches.rs` runs on the
/// embedded store, here on the table the Lambda uses.
mod touches {
    #[path = "../touches/mod.rs"]
    mod suite;

    use switchboard_store::aws::DynamoStore;
    use switchboard_testkit::moto::moto;

    macro_rules! on_dynamodb {
        ($($name:ident),+ $(,)?) => {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(aws) = moto().await else { return };
                    let store = DynamoStore::new(aws.dynamodb(), aws.table("touches").await);
                    suite::$name(&suite::touches(store).await).await;
                }
            )+
        };
    }

    on_dynamodb!(
        a_hubspot_touch_accepts_and_a_duplicate_changes_nothing,
        a_crm_outcome_closes_the_assignment_and_counts_for_the_rep,
        hubspot_requests_must_be_signed_and_fresh,
        a_hubspot_owner_change_hands_the_lead_over,
        a_salesforce_outbound_message_is_acknowledged,
        a_salesforce_flow_callout_touches,
        without_the_reps_crm_id_an_owner_change_is_ignored,
    );
}

/// The touch webhooks' secrets as `secretsmanager:` and `ssm:` references, read at the
/// function's start as `main` reads them.
#[tokio::test]
async fn touch_secrets_are_read_from_secrets_manager_and_ssm() {
    use switchboard_http::secrets::Resolver;
    use switchboard_lambda::secrets::AwsSecrets;
    let Some(aws) = moto().await else { return };
    let prefix = switchboard_testkit::unique("switchboard");
    let sm = aws_sdk_secretsmanager::Client::new(&aws.config);
    sm.create_secret()
        .name(format!("{prefix}/hubspot-app"))
        .secret_string("hubspot-client-secret")
        .send()
        .await
        .expect("create secret");
    let ssm = aws_sdk_ssm::Client::new(&aws.config);
    ssm.put_parameter()
        .name(format!("/{prefix}/salesforce-touch"))
        .value("salesforce-token")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put parameter");
    let text = format!(
        "touches:
  - {{ id: hs, crm: hubspot, secret: 'secretsmanager:{prefix}/hubspot-app' }}
  - {{ id: sf, crm: salesforce, secret: 'ssm:/{prefix}/salesforce-touch' }}
"
    );
    let mut resolver = Resolver::new(AwsSecrets::from_config(&aws.config));
    let config = IntakeConfig::from_yaml_str_resolving(&text, |_| None, &mut resolver)
        .await
        .expect("resolved");
    assert_eq!(config.touches[0].secret.expose(), b"hubspot-client-secret");
    assert_eq!(config.touches[1].secret.expose(), b"salesforce-token");

    // A reference to nothing stops the start and names it.
    let missing = format!(
        "touches:\n  - {{ id: hs, crm: hubspot, secret: 'secretsmanager:{prefix}/nope' }}\n"
    );
    let err = IntakeConfig::from_yaml_str_resolving(&missing, |_| None, &mut resolver)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("secretsmanager:{prefix}/nope")),
        "{err}"
    );
}
