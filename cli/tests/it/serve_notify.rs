//! The local process delivers notifications with the notifier library: channels from
//! `DATA_DIR/notify.yaml`, here a signed webhook to a receiver on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use http::Method;
use switchboard_cli::http_client;
use switchboard_cli::serve::{self, Running, ServeOptions};

use crate::common::{apply_policy, scratch, serve_on_loopback};
use crate::server::{API_KEY, intake_config, lead, lead_id, post_lead_to};

type Got = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receiver() -> (String, Got) {
    let got: Got = Arc::default();
    let app = axum::Router::new()
        .fallback(
            |State(got): State<Got>, headers: HeaderMap, body: Bytes| async move {
                got.lock().unwrap().push((headers, body));
                "ok"
            },
        )
        .with_state(got.clone());
    let url = format!("http://{}/hook", serve_on_loopback(app).await);
    (url, got)
}

/// `switchboard serve` in a fresh scratch directory `name`, the demo policy, every
/// notification to one webhook signed with `secret`.
async fn serve_to_webhook(name: &str, url: &str, secret: &str) -> Running {
    let dir = scratch(name);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("notify.yaml"),
        format!("channels:\n  crm: {{ type: webhook, url: \"{url}\", secret: {secret} }}\ndefault: [crm]\n"),
    )
    .unwrap();
    let options = ServeOptions {
        port: 0,
        intake_config: Some(intake_config(&dir)),
        ..ServeOptions::new(&data)
    };
    serve::start(options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignments_reach_the_configured_webhook_signed() {
    let (url, got) = receiver().await;
    let running = serve_to_webhook("serve-notify-webhook", &url, "local-secret").await;
    let (status, _) = post_lead_to(&running, API_KEY, &lead("buyer@notify-e2e.com", "US")).await;
    assert_eq!(status, 202);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let (headers, body) = loop {
        if let Some(first) = got.lock().unwrap().first().cloned() {
            break first;
        }
        assert!(tokio::time::Instant::now() < deadline, "no notification");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["type"], "switchboard.notification");
    assert_eq!(payload["kind"], "assigned");
    assert_eq!(payload["lead"]["email"], "buyer@notify-e2e.com");
    let sig = headers["x-switchboard-signature"].to_str().unwrap();
    let t: i64 = sig[2..sig.find(',').unwrap()].parse().unwrap();
    let expected = switchboard_notifier::channels::webhook::signature(
        b"local-secret",
        jiff::Timestamp::from_second(t).unwrap(),
        &body,
    );
    assert_eq!(sig, expected);
    running.shutdown().await.unwrap();
    assert_eq!(got.lock().unwrap().len(), 1, "one lead, one notification");
}

/// A webhook that holds each request until three are in flight at once (or 5 s pass) and
/// keeps the most it saw in flight.
async fn gathering_receiver() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[derive(Clone)]
    struct Gate {
        barrier: Arc<tokio::sync::Barrier>,
        now: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
    }
    let gate = Gate {
        barrier: Arc::new(tokio::sync::Barrier::new(3)),
        now: Arc::default(),
        most: Arc::default(),
    };
    let most = gate.most.clone();
    let app = axum::Router::new()
        .fallback(|State(g): State<Gate>| async move {
            let n = g.now.fetch_add(1, Ordering::SeqCst) + 1;
            g.most.fetch_max(n, Ordering::SeqCst);
            let _ = tokio::time::timeout(Duration::from_secs(5), g.barrier.wait()).await;
            g.now.fetch_sub(1, Ordering::SeqCst);
            "ok"
        })
        .with_state(gate);
    let url = format!("http://{}/hook", serve_on_loopback(app).await);
    (url, most)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_delivered_side_by_side() {
    // One delivery at a time could not keep up with routing under load (each waits for its
    // record's commit), so the notify queue grew in memory; deliveries now run together.
    let (url, most) = gathering_receiver().await;
    let running = serve_to_webhook("serve-notify-side-by-side", &url, "s").await;
    for i in 0..3 {
        let body = lead(&format!("buyer{i}@side-by-side.com"), "US");
        assert_eq!(post_lead_to(&running, API_KEY, &body).await.0, 202);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while most.load(std::sync::atomic::Ordering::SeqCst) < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "at most {} deliveries were in flight at once",
            most.load(std::sync::atomic::Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.shutdown().await.unwrap();
}

/// Germany has a rep; any other country matches no rule and parks in triage.
const PARKING_POLICY: &str = "\
name: parking
triage_pool: triage
reps:
  - { id: desk-1, time_zone: UTC }
pools:
  - { id: dach, strategy: round_robin, members: [desk-1] }
rules:
  - { id: dach, when: { field: country, eq: DE }, pool: dach }
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_lead_reaches_its_pools_channel_once() {
    let dir = scratch("serve-notify-parked");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    apply_policy(&dir, &data, PARKING_POLICY);
    let (sales, to_sales) = receiver().await;
    let (triage, to_triage) = receiver().await;
    std::fs::write(
        data.join("notify.yaml"),
        format!(
            "channels:\n  sales: {{ type: webhook, url: \"{sales}\", secret: s1 }}\n  \
             triage: {{ type: webhook, url: \"{triage}\", secret: s2 }}\n\
             default: [sales]\npools:\n  triage: [triage]\n"
        ),
    )
    .unwrap();
    let options = ServeOptions {
        port: 0,
        demo: false,
        intake_config: Some(intake_config(&dir)),
        ..ServeOptions::new(&data)
    };
    let running = serve::start(options).await.unwrap();
    let (status, answer) =
        post_lead_to(&running, API_KEY, &lead("buyer@parked-e2e.com", "FR")).await;
    assert_eq!(status, 202);
    let id = lead_id(&answer);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let body = loop {
        if let Some((_, body)) = to_triage.lock().unwrap().first().cloned() {
            break body;
        }
        assert!(tokio::time::Instant::now() < deadline, "no notification");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["kind"], "parked");
    assert_eq!(payload["title"], "Parked in triage: no rule matched");
    assert_eq!(payload["lead"]["country"], "FR");
    assert_eq!(
        payload["message"]["assignment_id"],
        format!("{id}:parked:1")
    );
    let text = payload["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("POST /v1/admin/triage/{id}/reroute")),
        "{text}"
    );
    running.shutdown().await.unwrap();
    assert_eq!(
        to_triage.lock().unwrap().len(),
        1,
        "one parking, one notification"
    );
    assert!(
        to_sales.lock().unwrap().is_empty(),
        "the pool's channel, not the default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_notify_config_stops_the_start_and_says_why() {
    let dir = scratch("serve-notify-invalid");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("notify.yaml"), "channels: {}\ndefault: [slack]\n").unwrap();
    let options = ServeOptions {
        port: 0,
        intake_config: Some(intake_config(&dir)),
        ..ServeOptions::new(&data)
    };
    let err = serve::start(options).await.err().expect("refused");
    let text = format!("{err:#}");
    assert!(text.contains("notify.yaml"), "{text}");
    assert!(text.contains("default: unknown channel `slack`"), "{text}");
}

/// One rep, with a HubSpot owner id.
const HUBSPOT_POLICY: &str = "\
name: crm
triage_pool: triage
reps:
  - { id: desk-1, time_zone: UTC, crm: { hubspot_owner_id: '4242' } }
pools:
  - { id: all, strategy: round_robin, members: [desk-1] }
rules:
  - { id: all, pool: all }
";

/// HubSpot's contact search (nobody found) and create, recording the creates.
async fn fake_hubspot() -> (String, Got) {
    let got: Got = Arc::default();
    let app = axum::Router::new()
        .route(
            "/crm/v3/objects/contacts/search",
            axum::routing::post(|| async {
                axum::Json(serde_json::json!({"total": 0, "results": []}))
            }),
        )
        .route(
            "/crm/v3/objects/contacts",
            axum::routing::post(
                |State(got): State<Got>, headers: HeaderMap, body: Bytes| async move {
                    got.lock().unwrap().push((headers, body));
                    (
                        http::StatusCode::CREATED,
                        axum::Json(
                            serde_json::json!({"id": "7001", "properties": {}, "archived": false}),
                        ),
                    )
                },
            ),
        )
        .with_state(got.clone());
    let url = format!("http://{}", serve_on_loopback(app).await);
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_is_written_to_hubspot_as_the_owner() {
    let dir = scratch("serve-notify-hubspot");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    apply_policy(&dir, &data, HUBSPOT_POLICY);
    let (base, creates) = fake_hubspot().await;
    std::fs::write(
        data.join("notify.yaml"),
        format!("channels:\n  hubspot: {{ type: hubspot, token: pat-local, api_url: \"{base}\" }}\nalways: [hubspot]\n"),
    )
    .unwrap();
    let options = ServeOptions {
        port: 0,
        demo: false,
        intake_config: Some(intake_config(&dir)),
        ..ServeOptions::new(&data)
    };
    let running = serve::start(options).await.unwrap();
    let (status, _) = post_lead_to(&running, API_KEY, &lead("buyer@crm-e2e.com", "US")).await;
    assert_eq!(status, 202);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let (headers, body) = loop {
        if let Some(first) = creates.lock().unwrap().first().cloned() {
            break first;
        }
        assert!(tokio::time::Instant::now() < deadline, "no contact created");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(headers["authorization"], "Bearer pat-local");
    let created: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(created["properties"]["email"], "buyer@crm-e2e.com");
    assert_eq!(created["properties"]["hubspot_owner_id"], "4242");
    running.shutdown().await.unwrap();
    assert_eq!(
        creates.lock().unwrap().len(),
        1,
        "one assignment, one write"
    );
}

/// The whole loop in one process: the write-back creates the HubSpot contact and links it
/// to the lead, then a signed touch webhook about that contact accepts the assignment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hubspot_touch_on_the_written_contact_accepts_the_lead() {
    use switchboard_intake::signature::{encode_base64, hmac_sha256};
    const SECRET: &str = "hs-app-secret-local";

    let dir = scratch("serve-notify-touch");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    apply_policy(&dir, &data, HUBSPOT_POLICY);
    let (base, creates) = fake_hubspot().await;
    std::fs::write(
        data.join("notify.yaml"),
        format!("channels:\n  hubspot: {{ type: hubspot, token: pat-local, api_url: \"{base}\" }}\nalways: [hubspot]\n"),
    )
    .unwrap();
    let intake = dir.join("intake-touches.yaml");
    std::fs::write(
        &intake,
        format!(
            "{}touches:\n  - {{ id: hubspot, crm: hubspot, secret: {SECRET} }}\n",
            crate::server::INTAKE_CONFIG
        ),
    )
    .unwrap();
    let options = ServeOptions {
        port: 0,
        demo: false,
        intake_config: Some(intake),
        ..ServeOptions::new(&data)
    };
    let running = serve::start(options).await.unwrap();
    let url = &running.info.url;
    let (status, answer) =
        post_lead_to(&running, API_KEY, &lead("touched@crm-e2e.com", "US")).await;
    assert_eq!(status, 202);
    let id = lead_id(&answer);

    // HubSpot signs the URL it calls; without `public_url` that is rebuilt as https on the
    // request's host.
    let signed_url = format!(
        "https://{}/v1/touches/hubspot",
        url.trim_start_matches("http://")
    );
    let touch = |at_ms: i64| {
        let body = serde_json::json!([{
            "eventId": 1, "subscriptionId": 2, "portalId": 3, "appId": 4,
            "occurredAt": at_ms, "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0, "objectId": 7001, "propertyName": "hs_lead_status",
            "propertyValue": "IN_PROGRESS", "changeSource": "CRM_UI", "sourceId": "userId:1"
        }])
        .to_string();
        let ts = jiff::Timestamp::now().as_millisecond().to_string();
        let mac = hmac_sha256(
            SECRET.as_bytes(),
            &[
                b"POST",
                signed_url.as_bytes(),
                body.as_bytes(),
                ts.as_bytes(),
            ],
        );
        (body, ts, encode_base64(&mac))
    };
    // The contact is linked once its write is recorded: until then the touch is ignored.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let counts = loop {
        let (body, ts, signature) = touch(jiff::Timestamp::now().as_millisecond());
        let answer = http_client::request(
            Method::POST,
            &format!("{url}/v1/touches/hubspot"),
            &[
                ("content-type", "application/json"),
                ("x-hubspot-request-timestamp", ts.as_str()),
                ("x-hubspot-signature-v3", signature.as_str()),
            ],
            Bytes::from(body),
        )
        .await
        .unwrap();
        assert_eq!(answer.status.as_u16(), 200, "{:?}", answer.body);
        let counts: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        if counts["accepted"] == 1 {
            break counts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never accepted: {counts}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(counts["events"], 1);
    assert_eq!(creates.lock().unwrap().len(), 1);

    let admin = format!("Bearer {}", running.admin_token);
    let view = http_client::request(
        Method::GET,
        &format!("{url}/v1/admin/leads/{id}"),
        &[("authorization", admin.as_str())],
        Bytes::new(),
    )
    .await
    .unwrap();
    let view: serde_json::Value = serde_json::from_slice(&view.body).unwrap();
    assert!(
        view["assignment"]["accepted_at"].is_string(),
        "accepted: {view}"
    );
    running.shutdown().await.unwrap();
}

/// With `sync_accounts`, serve reads the HubSpot portal's companies into its store at
/// start, the owner mapped to the rep, and keeps the mark in the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_syncs_the_crms_accounts_at_start() {
    use switchboard_store::{AccountDirectory, SyncMarks};
    let dir = scratch("serve-notify-accounts");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    apply_policy(&dir, &data, HUBSPOT_POLICY);
    let app = axum::Router::new().route(
        "/crm/v3/objects/companies/search",
        axum::routing::post(|| async {
            axum::Json(serde_json::json!({"total": 1, "results": [{"id": "31",
                "properties": {"name": "Acme", "domain": "acme-serve.com", "hubspot_owner_id": "4242",
                               "hs_lastmodifieddate": "2026-06-01T10:00:00.000Z"}}]}))
        }),
    );
    let base = format!("http://{}", serve_on_loopback(app).await);
    std::fs::write(
        data.join("notify.yaml"),
        format!("channels:\n  hubspot: {{ type: hubspot, token: pat-local, api_url: \"{base}\", sync_accounts: true }}\nalways: [hubspot]\n"),
    )
    .unwrap();
    let options = ServeOptions {
        port: 0,
        demo: false,
        intake_config: Some(intake_config(&dir)),
        ..ServeOptions::new(&data)
    };
    let running = serve::start(options).await.unwrap();
    let store = running.pipeline().store.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    // The mark is written after the accounts it covers.
    let mark = loop {
        if let Some(mark) = store.sync_mark("hubspot:companies").await.unwrap() {
            break mark;
        }
        assert!(tokio::time::Instant::now() < deadline, "no sync ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(mark, "2026-06-01T10:00:00Z".parse().unwrap());
    assert!(!data.join("crm-sync.json").exists());
    let acme = running
        .pipeline()
        .store
        .by_domain("acme-serve.com")
        .await
        .unwrap()
        .expect("synced");
    assert_eq!(
        (acme.id.as_str(), acme.owner.as_deref()),
        ("hubspot:31", Some("desk-1"))
    );
    running.shutdown().await.unwrap();
}
