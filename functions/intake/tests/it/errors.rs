//! Error answers: problem+json from one mapping, the right status for each failure, and no
//! side effects for refused requests.

use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode};
use jiff::Timestamp;
use switchboard_intake::{IntakeState, MAX_BODY_BYTES, router};
use switchboard_store::{
    Insert, LeadStatus, LeadStore, NewLead, StoreError, StoreResult, StoredLead,
};

use crate::common::*;

fn assert_problem(a: &Answer, status: StatusCode) -> serde_json::Value {
    assert_eq!(a.status, status, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.content_type(), "application/problem+json");
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
    let p = a.json();
    assert_eq!(p["status"], status.as_u16());
    assert!(
        p["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:switchboard:problem:")
    );
    assert!(!p["title"].as_str().unwrap().is_empty());
    assert!(p["detail"].is_string());
    assert!(p["errors"].is_array());
    p
}

#[tokio::test]
async fn unknown_source_is_401_never_404() {
    let h = Harness::new();
    for path in ["/v1/hooks/nope", &format!("/v1/hooks/nope/{TOKEN}")] {
        let a = h
            .send(post(
                path,
                "application/json",
                &[],
                fixture("typeform.json"),
            ))
            .await;
        assert_problem(&a, StatusCode::UNAUTHORIZED);
        assert!(a.headers.contains_key("www-authenticate"));
    }
    let a = h
        .send(post(
            "/v1/leads",
            "application/json",
            &[("x-api-key", "guess".into())],
            lead_json("a@b.co"),
        ))
        .await;
    assert_problem(&a, StatusCode::UNAUTHORIZED);
    let a = h
        .send(post(
            "/v1/leads",
            "application/json",
            &[("x-switchboard-source", "typeform".into())],
            lead_json("a@b.co"),
        ))
        .await;
    assert_problem(&a, StatusCode::UNAUTHORIZED);
    assert!(h.store.is_empty().await);
}

#[tokio::test]
async fn oversized_bodies_are_413_with_or_without_content_length() {
    let h = Harness::new();
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let a = h.send(typeform_request(&big)).await;
    assert_problem(&a, StatusCode::PAYLOAD_TOO_LARGE);

    // Streamed without a length: the cap applies while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..300).map(|_| Ok(vec![b' '; 1024])).collect();
    let request = Request::post("/v1/hooks/typeform")
        .header("content-type", "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    assert_problem(&h.send(request).await, StatusCode::PAYLOAD_TOO_LARGE);

    // Exactly at the limit is read (and then refused for its signature, not its size).
    let at_limit = vec![b' '; MAX_BODY_BYTES];
    let a = h
        .send(post(
            "/v1/hooks/typeform",
            "application/json",
            &[],
            at_limit,
        ))
        .await;
    assert_problem(&a, StatusCode::UNAUTHORIZED);
    assert!(h.store.is_empty().await);
}

#[tokio::test]
async fn wrong_content_type_is_415_after_authentication() {
    let h = Harness::new();
    let body = fixture("typeform.json");
    let sig = typeform_signature(TYPEFORM_SECRET, &body);
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let a = h
            .send(post(
                "/v1/hooks/typeform",
                ct,
                &[("typeform-signature", sig.clone())],
                body.clone(),
            ))
            .await;
        let p = assert_problem(&a, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(a.headers["accept-post"], "application/json");
        assert!(p["detail"].as_str().unwrap().contains("application/json"));
    }
    let a = h
        .send(post(
            &format!("/v1/hooks/jotform/{TOKEN}"),
            "application/json",
            &[],
            b"{}".to_vec(),
        ))
        .await;
    assert_problem(&a, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Without a content type at all.
    let request = Request::post("/v1/leads")
        .header("x-api-key", API_KEY)
        .body(Body::from(lead_json("a@acme.io")))
        .unwrap();
    assert_problem(&h.send(request).await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(h.store.is_empty().await);
}

#[tokio::test]
async fn malformed_email_is_a_400_field_error() {
    let h = Harness::new();
    let body = serde_json::json!({"email": "jane(at)acme.com", "phone": "+4930901820"}).to_string();
    let p = assert_problem(
        &h.send(generic_request(body.as_bytes())).await,
        StatusCode::BAD_REQUEST,
    );
    assert_eq!(p["errors"][0]["field"], "email");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid email")
    );
    assert!(h.store.is_empty().await);
    assert!(h.queue.lead_ids().is_empty());
}

#[tokio::test]
async fn no_email_and_no_usable_phone_is_422() {
    let h = Harness::new();
    for body in [
        serde_json::json!({"first_name": "Nobody", "company": "Acme"}),
        serde_json::json!({"first_name": "Nobody", "phone": "call me maybe"}),
        serde_json::json!({}),
    ] {
        let p = assert_problem(
            &h.send(generic_request(body.to_string().as_bytes())).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["email", "phone"]);
    }
    assert!(h.store.is_empty().await);
}

#[tokio::test]
async fn phone_only_lead_is_accepted_and_unknown_country_is_a_warning() {
    let h = Harness::new();
    let body =
        serde_json::json!({"phone": "030 901820", "country": "Atlantis", "first_name": "Ana"});
    // The source has no default country and "Atlantis" is unknown, so the national number
    // cannot be read: 422.
    let a = h.send(generic_request(body.to_string().as_bytes())).await;
    assert_problem(&a, StatusCode::UNPROCESSABLE_ENTITY);
    // With a default country (the `website` source has DE) it is readable.
    let form = "phone=030+901820&country=Atlantis&first_name=Ana";
    let a = h
        .send(post(
            &format!("/v1/hooks/website/{TOKEN}"),
            "application/x-www-form-urlencoded",
            &[],
            form,
        ))
        .await;
    let id = a.lead_id();
    let stored = h
        .store
        .all()
        .await
        .into_iter()
        .find(|r| r.lead.id == id)
        .unwrap();
    assert_eq!(stored.lead.phone.as_deref(), Some("+4930901820"));
    assert_eq!(stored.lead.country, None);
    assert_eq!(
        stored.lead.attributes["country_raw"],
        switchboard_routing::Scalar::Text("Atlantis".into())
    );
    assert!(stored.warnings.iter().any(|w| w.field == "country"));
}

#[tokio::test]
async fn unparseable_payloads_are_400() {
    let h = Harness::new();
    let cases: Vec<Vec<u8>> = vec![
        b"{not json".to_vec(),
        b"[1,2]".to_vec(),
        b"\"just a string\"".to_vec(),
        br#"{"event_type":"form_response"}"#.to_vec(),
        br#"{"event_type":"form_response","form_response":{"answers":"nope"}}"#.to_vec(),
        br#"{"form_response":{}}"#.to_vec(),
    ];
    for body in cases {
        let p = assert_problem(
            &h.send(typeform_request(&body)).await,
            StatusCode::BAD_REQUEST,
        );
        assert!(!p["errors"].as_array().unwrap().is_empty());
    }
    // Jotform without rawRequest, and with rawRequest that is not JSON.
    for form in [
        "formID=1&submissionID=2",
        "submissionID=2&rawRequest=%7Bnope",
    ] {
        let a = h
            .send(post(
                &format!("/v1/hooks/jotform/{TOKEN}"),
                "application/x-www-form-urlencoded",
                &[],
                form,
            ))
            .await;
        assert_problem(&a, StatusCode::BAD_REQUEST);
    }
    let a = h
        .send(post(
            &format!("/v1/hooks/jotform/{TOKEN}"),
            "multipart/form-data; boundary=xyz",
            &[],
            "garbage",
        ))
        .await;
    assert_problem(&a, StatusCode::BAD_REQUEST);
    assert!(h.store.is_empty().await);
}

#[tokio::test]
async fn lead_lookup_needs_a_key_and_only_shows_what_the_key_may_read() {
    let h = Harness::new();
    let id = h
        .send(generic_request(&lead_json("view@acme.io")))
        .await
        .lead_id();
    let path = format!("/v1/leads/{id}");

    assert_problem(&h.send(get(&path, &[])).await, StatusCode::UNAUTHORIZED);
    assert_problem(
        &h.send(get(&path, &[("x-api-key", "nope".into())])).await,
        StatusCode::UNAUTHORIZED,
    );
    // Another source's API key: the lead is not there for it.
    assert_problem(
        &h.send(get(&path, &[("x-api-key", "sk_live_generic_key_2".into())]))
            .await,
        StatusCode::NOT_FOUND,
    );
    for key in [API_KEY, READ_KEY] {
        let a = h
            .send(get(&path, &[("authorization", format!("Bearer {key}"))]))
            .await;
        assert_eq!(a.status, StatusCode::OK);
        let v = a.json();
        assert_eq!(v["lead_id"], id.as_str());
        assert_eq!(v["status"], "queued");
        assert_eq!(v["lead"]["email"], "view@acme.io");
        assert_eq!(v["lead"]["company"], "Acme");
        assert_eq!(a.headers["cache-control"], "no-store");
    }
    let missing = h
        .send(get(
            "/v1/leads/does-not-exist",
            &[("x-api-key", READ_KEY.into())],
        ))
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_unknown_routes_and_methods() {
    let h = Harness::new();
    let a = h.send(get("/healthz", &[])).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["status"], "ok");
    assert_problem(&h.send(get("/nope", &[])).await, StatusCode::NOT_FOUND);
    assert_problem(
        &h.send(get("/v1/hooks/typeform", &[])).await,
        StatusCode::METHOD_NOT_ALLOWED,
    );
}

/// A store that is down: every call fails as a backend failure would.
struct DownStore;

fn down<T>(detail: &str) -> StoreResult<T> {
    Err(StoreError::backend(format!("table unavailable: {detail}")))
}

impl LeadStore for DownStore {
    async fn insert_if_absent(&self, _: &NewLead, _: Timestamp) -> StoreResult<Insert> {
        down("internal detail")
    }
    async fn get(&self, _: &str) -> StoreResult<Option<StoredLead>> {
        down("get")
    }
    async fn latest_by_email(&self, _: &str) -> StoreResult<Option<StoredLead>> {
        down("latest_by_email")
    }
    async fn awaiting_routing(&self, _: Timestamp, _: usize) -> StoreResult<Vec<StoredLead>> {
        down("awaiting_routing")
    }
    async fn set_status(
        &self,
        _: &str,
        _: LeadStatus,
        _: LeadStatus,
        _: Timestamp,
    ) -> StoreResult<StoredLead> {
        down("set_status")
    }
}

#[tokio::test]
async fn store_failure_is_503_so_the_provider_retries_and_nothing_is_enqueued() {
    let queue = HandedOn::default();
    let state = IntakeState::with_clock(
        config(),
        DownStore,
        queue.clone(),
        Arc::new(switchboard_intake::FixedClock::new(now())),
    );
    let app = router(state);
    let a = send(&app, typeform_request(&fixture("typeform.json"))).await;
    let p = assert_problem(&a, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.headers["retry-after"], "30");
    assert!(!p["detail"].as_str().unwrap().contains("internal detail"));
    assert!(
        queue.lead_ids().is_empty(),
        "nothing is handed on that was not stored"
    );
}
