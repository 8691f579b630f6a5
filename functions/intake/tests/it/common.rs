//! Shared test setup: a configuration with one source per provider, a pinned clock, a
//! temporary embedded store, request builders and the providers' signing schemes.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use jiff::Timestamp;
use switchboard_intake::signature::{encode_base64, hmac_sha256};
use switchboard_intake::{FixedClock, IntakeConfig, IntakeState, router};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{
    Insert, LeadStatus, LeadStore, NewLead, Outbox, RouteRequest, StoreResult, StoredLead,
};
pub use switchboard_testkit::embedded_store;
use tower::ServiceExt;

/// 2025-06-15T15:06:40Z.
pub const NOW_SECS: i64 = 1_750_000_000;

pub const TYPEFORM_SECRET: &str = "tf-whsec-4f9c2a";
pub const HUBSPOT_SECRET: &str = "hs-client-secret-77aa";
pub const HUBSPOT_URL: &str = "https://leads.example.com/v1/hooks/hubspot";
pub const WEBFLOW_SECRET: &str = "wf-secret-0b1c";
pub const TALLY_SECRET: &str = "tally-signing-secret";
pub const CALENDLY_SECRET: &str = "calendly-signing-key";
pub const TOKEN: &str = "tok_9dJ2kQ7xLmP4";
pub const API_KEY: &str = "sk_live_generic_key_1";
pub const HMAC_SECRET: &str = "generic-hmac-secret";
pub const READ_KEY: &str = "read-key-all-leads";

pub const CONFIG: &str = r#"
read_keys: [read-key-all-leads]
public_base_url: https://leads.example.com
raw_payload_cap: 65536
sources:
  - { id: typeform, kind: typeform, secret: tf-whsec-4f9c2a, fields: { "01HZX8QD-country": country } }
  - { id: hubspot, kind: hubspot, secret: hs-client-secret-77aa, public_url: "https://leads.example.com/v1/hooks/hubspot" }
  - { id: hubspot-direct, kind: hubspot, secret: hs-client-secret-77aa }
  - { id: webflow, kind: webflow, secret: wf-secret-0b1c, fields: { Team Size: employees } }
  - { id: tally, kind: tally, secret: tally-signing-secret }
  - { id: calendly, kind: calendly, secret: calendly-signing-key }
  - { id: jotform, kind: jotform, secret: tok_9dJ2kQ7xLmP4 }
  - id: gravity
    kind: gravity_forms
    secret: tok_9dJ2kQ7xLmP4
    fields: { "1": email, "2.3": first_name, "2.6": last_name, "3": company, "4": phone, "5": country, "6": plan }
  - { id: zapier, kind: zapier, secret: tok_9dJ2kQ7xLmP4 }
  - { id: make, kind: make, secret: tok_9dJ2kQ7xLmP4 }
  - { id: website, kind: html_form, secret: tok_9dJ2kQ7xLmP4, default_country: DE }
  - { id: website-thanks, kind: html_form, secret: tok_9dJ2kQ7xLmP4, thank_you_url: "https://example.com/thanks" }
  - { id: w2l, kind: web_to_lead, secret: tok_9dJ2kQ7xLmP4, fields: { 00N5e00000AbCdE: employees } }
  - { id: api, kind: generic, secret: sk_live_generic_key_1 }
  - { id: api-other, kind: generic, secret: sk_live_generic_key_2 }
  - { id: api-hmac, kind: generic, secret: generic-hmac-secret, auth: hmac }
"#;

pub fn now() -> Timestamp {
    Timestamp::from_second(NOW_SECS).unwrap()
}

pub fn config() -> IntakeConfig {
    IntakeConfig::from_yaml_str_with_env(CONFIG, |_| None).expect("test config is valid")
}

/// The router with handles on its store, what it handed on for routing, and its clock.
pub struct Harness {
    pub app: Router,
    pub store: Recorded,
    pub queue: HandedOn,
    pub clock: Arc<FixedClock>,
}

impl Harness {
    pub fn new() -> Self {
        Self::with_config(config())
    }

    /// Intake over a fresh embedded store (the store the local process runs on).
    pub fn with_config(config: IntakeConfig) -> Self {
        Self::over(config, Recorded::new(embedded_store()), HandedOn::default())
    }

    pub fn over(config: IntakeConfig, store: Recorded, queue: HandedOn) -> Self {
        let clock = Arc::new(FixedClock::new(now()));
        let state = IntakeState::with_clock(config, store.clone(), queue.clone(), clock.clone());
        Harness {
            app: router(state),
            store,
            queue,
            clock,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        send(&self.app, request).await
    }
}

/// The embedded store, noting the id of every lead an insert created so a test can list
/// what was stored; every read goes to the store itself.
#[derive(Clone)]
pub struct Recorded {
    inner: EmbeddedStore,
    created: Arc<Mutex<Vec<String>>>,
}

impl Recorded {
    pub fn new(inner: EmbeddedStore) -> Self {
        Recorded {
            inner,
            created: Arc::default(),
        }
    }

    /// Every lead stored, in insertion order, as the store has it now.
    pub async fn all(&self) -> Vec<StoredLead> {
        let ids = self.created.lock().unwrap().clone();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(
                self.inner
                    .get(&id)
                    .await
                    .unwrap()
                    .expect("a created lead is stored"),
            );
        }
        out
    }

    pub async fn len(&self) -> usize {
        self.all().await.len()
    }

    pub async fn is_empty(&self) -> bool {
        self.len().await == 0
    }
}

impl LeadStore for Recorded {
    async fn insert_if_absent(&self, new: &NewLead, now: Timestamp) -> StoreResult<Insert> {
        let done = self.inner.insert_if_absent(new, now).await?;
        if let Insert::Created(l) = &done {
            self.created.lock().unwrap().push(l.lead.id.to_string());
        }
        Ok(done)
    }

    async fn get(&self, lead_id: &str) -> StoreResult<Option<StoredLead>> {
        self.inner.get(lead_id).await
    }

    async fn latest_by_email(&self, email: &str) -> StoreResult<Option<StoredLead>> {
        self.inner.latest_by_email(email).await
    }

    async fn awaiting_routing(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<StoredLead>> {
        self.inner.awaiting_routing(before, limit).await
    }

    async fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> StoreResult<StoredLead> {
        self.inner.set_status(lead_id, from, to, now).await
    }
}

/// The routing queue as intake sees it (send only): the lead ids of the route requests it
/// was given, in order.
#[derive(Debug, Default, Clone)]
pub struct HandedOn {
    ids: Arc<Mutex<Vec<String>>>,
}

impl HandedOn {
    pub fn lead_ids(&self) -> Vec<String> {
        self.ids.lock().unwrap().clone()
    }
}

impl Outbox for HandedOn {
    async fn send(&self, body: &str) -> StoreResult<()> {
        let request = RouteRequest::parse(body).expect("intake sends route requests");
        self.ids.lock().unwrap().push(request.lead_id.into_string());
        Ok(())
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "answer is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The lead id of a 202 answer.
    pub fn lead_id(&self) -> String {
        assert_eq!(
            self.status,
            StatusCode::ACCEPTED,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()["lead_id"].as_str().unwrap().to_owned()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("router is infallible");
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .expect("body reads")
        .to_bytes()
        .to_vec();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn post(
    path: &str,
    content_type: &str,
    headers: &[(&str, String)],
    body: impl Into<Vec<u8>>,
) -> Request<Body> {
    let mut b = Request::post(path)
        .header("content-type", content_type)
        .header("host", "leads.example.com");
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Body::from(body.into())).unwrap()
}

pub fn get(path: &str, headers: &[(&str, String)]) -> Request<Body> {
    let mut b = Request::get(path);
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Body::empty()).unwrap()
}

// --- The providers' signing schemes, written from their documentation. ---

pub fn typeform_signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        encode_base64(&hmac_sha256(secret.as_bytes(), &[body]))
    )
}

pub fn tally_signature(secret: &str, body: &[u8]) -> String {
    encode_base64(&hmac_sha256(secret.as_bytes(), &[body]))
}

pub fn webflow_signature(secret: &str, timestamp_ms: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(
        secret.as_bytes(),
        &[timestamp_ms.as_bytes(), b":", body],
    ))
}

pub fn hubspot_signature(
    secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp_ms: &str,
) -> String {
    encode_base64(&hmac_sha256(
        secret.as_bytes(),
        &[
            method.as_bytes(),
            uri.as_bytes(),
            body,
            timestamp_ms.as_bytes(),
        ],
    ))
}

/// Calendly's `t=...,v1=...` (also the generic HMAC scheme).
pub fn t_v1_signature(secret: &str, t_secs: i64, body: &[u8]) -> String {
    let t = t_secs.to_string();
    format!(
        "t={t},v1={}",
        hex::encode(hmac_sha256(secret.as_bytes(), &[t.as_bytes(), b".", body]))
    )
}

pub fn ms(secs: i64) -> String {
    (secs * 1000).to_string()
}

// --- Signed requests for each provider at the harness clock. ---

pub fn typeform_request(body: &[u8]) -> Request<Body> {
    post(
        "/v1/hooks/typeform",
        "application/json",
        &[(
            "typeform-signature",
            typeform_signature(TYPEFORM_SECRET, body),
        )],
        body.to_vec(),
    )
}

pub fn tally_request(body: &[u8]) -> Request<Body> {
    post(
        "/v1/hooks/tally",
        "application/json",
        &[("tally-signature", tally_signature(TALLY_SECRET, body))],
        body.to_vec(),
    )
}

pub fn webflow_request(body: &[u8], at_secs: i64) -> Request<Body> {
    let ts = ms(at_secs);
    post(
        "/v1/hooks/webflow",
        "application/json",
        &[
            ("x-webflow-timestamp", ts.clone()),
            (
                "x-webflow-signature",
                webflow_signature(WEBFLOW_SECRET, &ts, body),
            ),
        ],
        body.to_vec(),
    )
}

pub fn hubspot_request(body: &[u8], at_secs: i64) -> Request<Body> {
    let ts = ms(at_secs);
    post(
        "/v1/hooks/hubspot",
        "application/json",
        &[
            ("x-hubspot-request-timestamp", ts.clone()),
            (
                "x-hubspot-signature-v3",
                hubspot_signature(HUBSPOT_SECRET, "POST", HUBSPOT_URL, body, &ts),
            ),
        ],
        body.to_vec(),
    )
}

pub fn calendly_request(body: &[u8], at_secs: i64) -> Request<Body> {
    post(
        "/v1/hooks/calendly",
        "application/json",
        &[(
            "calendly-webhook-signature",
            t_v1_signature(CALENDLY_SECRET, at_secs, body),
        )],
        body.to_vec(),
    )
}

pub fn generic_request(body: &[u8]) -> Request<Body> {
    post(
        "/v1/leads",
        "application/json",
        &[("authorization", format!("Bearer {API_KEY}"))],
        body.to_vec(),
    )
}

/// A generic JSON lead with the given email.
pub fn lead_json(email: &str) -> Vec<u8> {
    serde_json::json!({ "email": email, "first_name": "Test", "company": "Acme GmbH" })
        .to_string()
        .into_bytes()
}
