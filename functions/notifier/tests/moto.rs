//! The notifier on AWS services emulated by moto: the configuration document from an SSM
//! SecureString, secrets from SSM and Secrets Manager, email through SES v2, delivery
//! records (and a refused CRM write's error) in DynamoDB. Run through
//! `infra/with-moto.sh`; without `AWS_ENDPOINT_URL` every test here prints why it skipped.

#[allow(dead_code)]
#[path = "it/common.rs"]
mod common;

use aws_sdk_ssm::types::ParameterType;
use common::{Receiver, monday, routed};
use serde_json::Value;
use switchboard_notifier::aws::{
    AwsClients, CONFIG_INLINE, CONFIG_PARAM, StartError, TABLE, aws_handler,
};
use switchboard_notifier::{SqsEvent, SqsMessage};
use switchboard_store::aws::DynamoStore;
use switchboard_store::{DeliveryLog, NotifyMessage};
use switchboard_testkit::moto::{Moto, moto};
use switchboard_testkit::unique;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn table(aws: &Moto) -> (String, DynamoStore) {
    let name = aws.table("notifier").await;
    (name.clone(), DynamoStore::new(aws.dynamodb(), name))
}

async fn put_secure(clients: &AwsClients, name: &str, value: &str) {
    clients
        .ssm
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .expect("put parameter");
}

fn batch(id: &str, m: &NotifyMessage) -> SqsEvent {
    let mut msg = SqsMessage::default();
    msg.message_id = Some(id.to_owned());
    msg.body = Some(m.to_body().unwrap());
    let mut event = SqsEvent::default();
    event.records.push(msg);
    event
}

/// The emails moto's SES kept, through its internal API (`/moto-api/data.json`).
async fn sent_emails() -> Vec<Value> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("connect to moto");
    let request = format!("GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (_, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let data: Value = serde_json::from_str(body).expect("moto data");
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn emails_about(lead_id: &str) -> Vec<Value> {
    sent_emails()
        .await
        .into_iter()
        .filter(|m| m["body"].as_str().is_some_and(|b| b.contains(lead_id)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_through_ses_with_secrets_from_ssm_and_secrets_manager() {
    let Some(aws) = moto().await else {
        return;
    };
    let clients = AwsClients::new(&aws.config);
    let (table_name, store) = table(&aws).await;
    let lead_id = unique("L-ses");
    let a = routed(&store, &lead_id).await;
    let sender = format!("{}@example.com", unique("leads"));
    clients
        .sesv2
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("verify the sender");

    let r = Receiver::start().await;
    let prefix = format!("/{}", unique("switchboard"));
    put_secure(&clients, &format!("{prefix}/crm-secret"), "crm-signing-key").await;
    clients
        .secretsmanager
        .create_secret()
        .name(format!("{prefix}/actions"))
        .secret_string("action-link-key")
        .send()
        .await
        .expect("create secret");
    let doc = format!(
        r#"
public_url: https://leads.example.com
action_links: {{ secret: "secretsmanager:{prefix}/actions" }}
channels:
  mail: {{ type: email, from: "{sender}" }}
  crm: {{ type: webhook, url: "{crm}", secret: "ssm:{prefix}/crm-secret" }}
default: [mail, crm]
"#,
        crm = r.url("/crm"),
    );
    let param = format!("{prefix}/notify-config");
    put_secure(&clients, &param, &doc).await;

    let env = move |name: &str| match name {
        TABLE => Some(table_name.clone()),
        CONFIG_PARAM => Some(param.clone()),
        _ => None,
    };
    let handler = aws_handler(clients.clone(), env).await.expect("start");
    let m = NotifyMessage::for_assignment(&a);
    let response = handler.handle(batch("m-1", &m), None).await.unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");

    let emails = emails_about(&lead_id).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let email = &emails[0];
    assert_eq!(email["source"], sender.as_str());
    let rep_email = format!("{}@example.com", a.rep);
    assert_eq!(email["destinations"]["ToAddresses"][0], rep_email.as_str());
    assert_eq!(
        email["subject"],
        "New lead: Ada Lovelace (Analytical <Engines> & Co)"
    );
    let html = email["body"].as_str().unwrap();
    assert!(
        html.contains("Analytical &lt;Engines&gt; &amp; Co"),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://leads.example.com/v1/actions/"),
        "{html}"
    );

    // The webhook was signed with the key from SSM.
    let got = r.got("/crm");
    assert_eq!(got.len(), 1);
    let sig = got[0].header("x-switchboard-signature").unwrap().to_owned();
    let t: i64 = sig[2..sig.find(',').unwrap()].parse().unwrap();
    let expected = switchboard_notifier::channels::webhook::signature(
        b"crm-signing-key",
        jiff::Timestamp::from_second(t).unwrap(),
        &got[0].body,
    );
    assert_eq!(sig, expected);
    // The links were signed with the key from Secrets Manager.
    let body = got[0].json();
    let link = body["links"]["accept"].as_str().unwrap();
    let token = link.rsplit('/').next().unwrap();
    let far_future = monday() + jiff::SignedDuration::from_hours(24 * 365 * 10);
    let claim =
        switchboard_store::action_link::verify(b"action-link-key", token, jiff::Timestamp::now());
    assert!(claim.is_ok(), "{claim:?}");
    assert!(switchboard_store::action_link::verify(b"action-link-key", token, far_future).is_err());

    // Delivery records in DynamoDB: a redelivery sends nothing.
    let mut recorded = store
        .delivered_channels(&lead_id, &m.assignment_id, "assigned")
        .await
        .unwrap();
    recorded.sort();
    assert_eq!(recorded, ["crm", "mail"]);
    let again = handler.handle(batch("m-1", &m), None).await.unwrap();
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(emails_about(&lead_id).await.len(), 1);
    assert_eq!(r.got("/crm").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_sender_fails_the_message() {
    let Some(aws) = moto().await else {
        return;
    };
    let clients = AwsClients::new(&aws.config);
    let (table_name, store) = table(&aws).await;
    let lead_id = unique("L-unverified");
    let a = routed(&store, &lead_id).await;
    let doc = r#"{"channels": {"mail": {"type": "email", "from": "nobody@unverified.example"}}, "default": ["mail"]}"#;
    let env = move |name: &str| match name {
        TABLE => Some(table_name.clone()),
        CONFIG_INLINE => Some(doc.to_owned()),
        _ => None,
    };
    let handler = aws_handler(clients, env).await.expect("start");
    let response = handler
        .handle(batch("m-x", &NotifyMessage::for_assignment(&a)), None)
        .await
        .unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(response.batch_item_failures[0].item_identifier, "m-x");
    let err = handler
        .notifier()
        .notify(&NotifyMessage::for_assignment(&a))
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert!(err.to_string().contains("not verified"), "{err}");
    assert!(emails_about(&lead_id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_refuses_inline_secrets_and_missing_references() {
    let Some(aws) = moto().await else {
        return;
    };
    let clients = AwsClients::new(&aws.config);
    let inline = r#"{"channels": {"s": {"type": "slack_webhook", "url": "https://hooks.slack.com/services/T/B/X"}}}"#;
    let env = move |name: &str| match name {
        TABLE => Some("t".to_owned()),
        CONFIG_INLINE => Some(inline.to_owned()),
        _ => None,
    };
    let err = aws_handler(clients.clone(), env)
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, StartError::Config(_)), "{err}");
    assert!(
        err.to_string()
            .contains("inline secrets are only allowed in the local process"),
        "{err}"
    );

    let missing = r#"{"channels": {"s": {"type": "slack_webhook", "url": "ssm:/does/not/exist"}}}"#;
    let env = move |name: &str| match name {
        TABLE => Some("t".to_owned()),
        CONFIG_INLINE => Some(missing.to_owned()),
        _ => None,
    };
    let err = aws_handler(clients.clone(), env)
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("channel s: ssm:/does/not/exist"),
        "{err}"
    );

    let env = |name: &str| match name {
        TABLE => Some("t".to_owned()),
        CONFIG_PARAM => Some("/no/such/parameter".to_owned()),
        _ => None,
    };
    let err = aws_handler(clients, env).await.err().expect("refused");
    assert!(matches!(err, StartError::ConfigParam { .. }), "{err}");
}

/// A HubSpot company search with two pages, its request bodies kept.
async fn hubspot_companies() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::Json;
    use axum::routing::post;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let log = seen.clone();
    let search = move |Json(body): Json<Value>| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(body.clone());
            let company = |id: &str, domain: &str, owner: &str, at: &str| {
                serde_json::json!({"id": id, "properties": {"name": format!("Company {id}"),
                    "domain": domain, "hubspot_owner_id": owner, "hs_lastmodifieddate": at}})
            };
            Json(match body["after"].as_str() {
                None => serde_json::json!({"total": 2, "results": [
                    company("1", "www.acme-moto.com", "111", "2026-06-01T10:00:00.000Z")],
                    "paging": {"next": {"after": "1"}}}),
                Some(_) => serde_json::json!({"total": 2, "results": [
                    company("2", "beta-moto.com", "999", "2026-06-01T11:00:00.000Z")]}),
            })
        }
    };
    let app = axum::Router::new().route("/crm/v3/objects/companies/search", post(search));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_account_sync_writes_accounts_and_its_mark_to_dynamodb() {
    use switchboard_notifier::scheduled::{Answer, Invocation};
    use switchboard_routing::PolicyDocument;
    use switchboard_store::{AccountDirectory, PolicyStore, SyncMarks};
    let Some(aws) = moto().await else {
        return;
    };
    let clients = AwsClients::new(&aws.config);
    let (table_name, store) = table(&aws).await;
    let doc = PolicyDocument::from_yaml(
        "triage_pool: t
reps:
  - { id: ana, crm: { hubspot_owner_id: '111' } }
pools: [ { id: p, members: [ana] } ]
rules: [ { id: r, pool: p } ]
",
    )
    .unwrap();
    let v = store.put_version(&doc, None, monday()).await.unwrap();
    store.set_active(v.version, None, monday()).await.unwrap();

    let (api_url, seen) = hubspot_companies().await;
    let prefix = format!("/{}", unique("switchboard"));
    put_secure(&clients, &format!("{prefix}/hubspot"), "pat-moto").await;
    let doc = format!(
        "channels:\n  hs: {{ type: hubspot, token: \"ssm:{prefix}/hubspot\", api_url: \"{api_url}\", sync_accounts: true }}\nalways: [hs]\n"
    );
    let param = format!("{prefix}/notify-config");
    put_secure(&clients, &param, &doc).await;
    let env = move |name: &str| match name {
        TABLE => Some(table_name.clone()),
        CONFIG_PARAM => Some(param.clone()),
        _ => None,
    };
    let handler = aws_handler(clients.clone(), env).await.expect("start");

    // What the schedule sends (template.yaml, DailyAccountSync).
    let scheduled = Invocation::parse(serde_json::json!({"sync": "accounts"})).unwrap();
    let Answer::Synced(synced) = handler.invoke(scheduled, None).await.unwrap() else {
        panic!("not a sync answer");
    };
    assert_eq!(synced.len(), 1);
    assert_eq!((synced[0].report.stored, synced[0].report.owned), (2, 1));
    let acme = store
        .by_domain("acme-moto.com")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        (acme.id.as_str(), acme.owner.as_deref()),
        ("hubspot:1", Some("ana"))
    );
    let beta = store
        .by_domain("beta-moto.com")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(beta.owner, None, "owner 999 is not a rep");
    let mark: jiff::Timestamp = "2026-06-01T11:00:00Z".parse().unwrap();
    assert_eq!(
        store.sync_mark("hubspot:companies").await.unwrap(),
        Some(mark)
    );

    // The next run asks only for what changed since the mark.
    let again = Invocation::parse(serde_json::json!({"sync": "accounts"})).unwrap();
    handler.invoke(again, None).await.unwrap();
    let bodies = seen.lock().unwrap().clone();
    assert!(bodies[0].get("filterGroups").is_none());
    assert_eq!(
        bodies[2]["filterGroups"][0]["filters"][0]["value"],
        mark.as_millisecond().to_string()
    );

    // The queue's batches still reach the notifier; anything else is refused.
    let sqs = Invocation::parse(serde_json::json!({"Records": []})).unwrap();
    assert!(matches!(sqs, Invocation::Batch(_)));
    assert!(Invocation::parse(serde_json::json!({"sync": "everything"})).is_err());
}

/// A HubSpot write refused through the function: the message fails for the dead letters,
/// and the CRM's reason is stored on the lead's delivery in DynamoDB without the lead's
/// email, which HubSpot's message quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_crm_write_is_stored_on_the_delivery_in_dynamodb() {
    use axum::Json;
    use axum::http::StatusCode;
    use axum::routing::post;
    use switchboard_routing::PolicyDocument;
    use switchboard_store::PolicyStore;
    let Some(aws) = moto().await else {
        return;
    };
    let clients = AwsClients::new(&aws.config);
    let (table_name, store) = table(&aws).await;
    let doc = PolicyDocument::from_yaml(
        "triage_pool: t
reps:
  - { id: ana, crm: { hubspot_owner_id: '111' } }
pools: [ { id: p, members: [ana] } ]
rules: [ { id: r, pool: p } ]
",
    )
    .unwrap();
    let v = store.put_version(&doc, None, monday()).await.unwrap();
    store.set_active(v.version, None, monday()).await.unwrap();
    let lead_id = unique("L-refused");
    let a = routed(&store, &lead_id).await;

    let refuse = || async {
        let answer = serde_json::json!({"status": "error", "category": "VALIDATION_ERROR",
            "message": "Property values were not valid: ada@analytical.example is blocked"});
        (StatusCode::BAD_REQUEST, Json(answer))
    };
    let app = axum::Router::new().route("/crm/v3/objects/contacts/search", post(refuse));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let token = format!("/{}/hubspot", unique("switchboard"));
    put_secure(&clients, &token, "pat-moto").await;
    let doc = format!(
        r#"{{"channels": {{"hs": {{"type": "hubspot", "token": "ssm:{token}", "api_url": "{api_url}"}}}}, "default": ["hs"]}}"#
    );
    let env = move |name: &str| match name {
        TABLE => Some(table_name.clone()),
        CONFIG_INLINE => Some(doc.clone()),
        _ => None,
    };
    let handler = aws_handler(clients, env).await.expect("start");
    let m = NotifyMessage::for_assignment(&a);
    let response = handler.handle(batch("m-refused", &m), None).await.unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);

    let failures = store.delivery_failures(&lead_id).await.unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let f = &failures[0];
    assert_eq!(
        (
            f.assignment_id.as_str(),
            f.kind.as_str(),
            f.channel.as_str()
        ),
        (m.assignment_id.as_str(), "assigned", "hs")
    );
    assert!(f.permanent);
    assert_eq!(
        f.error,
        "answered 400: VALIDATION_ERROR: Property values were not valid: [redacted] is blocked"
    );
    assert!(
        store
            .delivered_channels(&lead_id, &m.assignment_id, "assigned")
            .await
            .unwrap()
            .is_empty()
    );
}
