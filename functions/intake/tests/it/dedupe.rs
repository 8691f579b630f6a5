//! Idempotency (provider id, then `Idempotency-Key`, then content hash) and the same-email
//! window, plus the store-then-enqueue order when the hand-off fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http::StatusCode;
use jiff::SignedDuration;
use switchboard_intake::{IntakeState, router};
use switchboard_store::{LeadStatus, Outbox, StoreError, StoreResult};

use crate::common::*;

#[tokio::test]
async fn provider_redelivery_returns_the_same_lead_and_creates_nothing() {
    let h = Harness::new();
    let body = fixture("typeform.json");
    let first = h.send(typeform_request(&body)).await.lead_id();
    h.clock.advance(SignedDuration::from_mins(30));
    let again = h.send(typeform_request(&body)).await;
    assert_eq!(again.lead_id(), first);
    assert_eq!(again.json()["status"], "queued");
    assert_eq!(h.store.len().await, 1);
    assert_eq!(h.queue.lead_ids(), vec![first]);
}

#[tokio::test]
async fn provider_id_wins_over_different_bytes() {
    // A provider may re-send the same submission with a different delivery envelope.
    let h = Harness::new();
    let body = fixture("tally.json");
    let first = h.send(tally_request(&body)).await.lead_id();
    let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["eventId"] = "another-delivery".into();
    let again = h
        .send(tally_request(&serde_json::to_vec(&v).unwrap()))
        .await;
    assert_eq!(again.lead_id(), first);
    assert_eq!(h.store.len().await, 1);
}

#[tokio::test]
async fn idempotency_key_header_maps_different_bodies_to_one_lead() {
    let h = Harness::new();
    let with_key = |body: Vec<u8>| {
        post(
            "/v1/leads",
            "application/json",
            &[
                ("x-api-key", API_KEY.into()),
                ("idempotency-key", "order-123".into()),
            ],
            body,
        )
    };
    let first = h.send(with_key(lead_json("a@acme.io"))).await.lead_id();
    let second = h.send(with_key(lead_json("b@acme.io"))).await.lead_id();
    assert_eq!(first, second);
    assert_eq!(h.store.len().await, 1);
    // The same key at another source is another lead.
    let other = post(
        "/v1/leads",
        "application/json",
        &[
            ("x-api-key", "sk_live_generic_key_2".into()),
            ("idempotency-key", "order-123".into()),
        ],
        lead_json("a@acme.io"),
    );
    assert_ne!(h.send(other).await.lead_id(), first);
    // An unusable key is a field error.
    let bad = post(
        "/v1/leads",
        "application/json",
        &[
            ("x-api-key", API_KEY.into()),
            ("idempotency-key", "x".repeat(300)),
        ],
        lead_json("c@acme.io"),
    );
    let a = h.send(bad).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["errors"][0]["field"], "Idempotency-Key");
}

#[tokio::test]
async fn content_hash_dedupes_retries_then_expires() {
    let h = Harness::new();
    let body = lead_json("hash@acme.io");
    let first = h.send(generic_request(&body)).await.lead_id();
    h.clock.advance(SignedDuration::from_hours(71));
    assert_eq!(h.send(generic_request(&body)).await.lead_id(), first);
    assert_eq!(h.store.len().await, 1);
    // After the content-hash TTL (72h) the same bytes are a new submission, and past the
    // 24h email window it is routed again.
    h.clock.advance(SignedDuration::from_hours(2));
    let later = h.send(generic_request(&body)).await;
    let later_id = later.lead_id();
    assert_ne!(later_id, first);
    assert!(later.json().get("duplicate_of").is_none());
    assert_eq!(h.store.len().await, 2);
    assert_eq!(h.queue.lead_ids().len(), 2);
}

#[tokio::test]
async fn same_email_within_the_window_links_to_the_first_lead() {
    let h = Harness::new();
    let first = h
        .send(generic_request(&lead_json("Jane@Acme.io")))
        .await
        .lead_id();
    h.clock.advance(SignedDuration::from_hours(23));
    let dup = h
        .send(generic_request(
            &serde_json::json!({"email": " jane@acme.io ", "first_name": "Jane", "phone": "+4930901820"})
                .to_string()
                .into_bytes(),
        ))
        .await;
    assert_eq!(dup.status, StatusCode::ACCEPTED);
    let answer = dup.json();
    assert_eq!(answer["duplicate_of"], first.as_str());
    assert_eq!(answer["status"], "duplicate");
    let dup_id = answer["lead_id"].as_str().unwrap().to_owned();
    assert_ne!(dup_id, first);
    // Stored (nothing is dropped), but not routed again.
    assert_eq!(h.store.len().await, 2);
    assert_eq!(h.queue.lead_ids(), vec![first.clone()]);

    // The window counts from the routed lead: 25h after it, the address is routed again.
    h.clock.advance(SignedDuration::from_hours(2));
    let fresh = h.send(generic_request(&lead_json("jane@acme.io"))).await;
    assert!(fresh.json().get("duplicate_of").is_none());
    assert_eq!(h.queue.lead_ids().len(), 2);

    // The status lookup shows the link.
    let view = h
        .send(get(
            &format!("/v1/leads/{dup_id}"),
            &[("x-api-key", API_KEY.into())],
        ))
        .await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.json()["duplicate_of"], first.as_str());
    assert_eq!(view.json()["status"], "duplicate");
}

#[tokio::test]
async fn dedupe_window_is_configurable() {
    let mut config = config();
    config.dedupe_window = SignedDuration::from_mins(10);
    let h = Harness::with_config(config);
    h.send(generic_request(&lead_json("w@acme.io")))
        .await
        .lead_id();
    h.clock.advance(SignedDuration::from_mins(11));
    let second = h
        .send(post(
            "/v1/leads",
            "application/json",
            &[("x-api-key", API_KEY.into())],
            lead_json("W@acme.io"),
        ))
        .await;
    assert!(second.json().get("duplicate_of").is_none());
    assert_eq!(h.queue.lead_ids().len(), 2);
}

/// A routing queue that fails until switched on, then records what it is given.
#[derive(Default, Clone)]
struct FlakyQueue {
    working: Arc<AtomicBool>,
    sent: HandedOn,
}

impl Outbox for FlakyQueue {
    async fn send(&self, body: &str) -> StoreResult<()> {
        if !self.working.load(Ordering::SeqCst) {
            return Err(StoreError::backend("queue unavailable"));
        }
        self.sent.send(body).await
    }
}

#[tokio::test]
async fn failed_hand_off_keeps_the_lead_received_and_redeliveries_do_not_enqueue() {
    let store = Recorded::new(embedded_store());
    let queue = FlakyQueue::default();
    let clock = Arc::new(switchboard_intake::FixedClock::new(now()));
    let state = IntakeState::with_clock(config(), store.clone(), queue.clone(), clock);
    let app = router(state);
    let body = fixture("typeform.json");

    let a = send(&app, typeform_request(&body)).await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "stored leads are acknowledged"
    );
    assert_eq!(a.json()["status"], "received");
    let id = a.lead_id();
    assert_eq!(store.all().await[0].status, LeadStatus::Received);

    // The queue is back; a redelivery answers with the same lead, still `received`, and
    // leaves the re-drive to the sweeper rather than enqueueing a second time.
    queue.working.store(true, Ordering::SeqCst);
    let retry = send(&app, typeform_request(&body)).await;
    assert_eq!(retry.lead_id(), id);
    assert_eq!(retry.json()["status"], "received");
    assert_eq!(store.len().await, 1);
    assert!(queue.sent.lead_ids().is_empty());

    // A new submission goes through.
    let other = send(&app, tally_request(&fixture("tally.json")))
        .await
        .lead_id();
    assert_eq!(queue.sent.lead_ids(), vec![other]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_create_one_lead_and_route_one_per_email() {
    let h = Harness::new();
    let body = fixture("typeform.json");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let app = h.app.clone();
            let body = body.clone();
            tokio::spawn(async move { send(&app, typeform_request(&body)).await.lead_id() })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(h.store.len().await, 1);
    assert_eq!(h.queue.lead_ids(), vec![ids[0].clone()]);

    // Different submissions from one address at the same moment: one is routed, the
    // others link to it.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let app = h.app.clone();
            let body = serde_json::json!({"email": "race@acme.io", "first_name": format!("N{i}")})
                .to_string()
                .into_bytes();
            tokio::spawn(async move { send(&app, generic_request(&body)).await.json() })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let primaries: Vec<_> = answers
        .iter()
        .filter(|a| a.get("duplicate_of").is_none())
        .collect();
    assert_eq!(primaries.len(), 1, "{answers:?}");
    let primary = primaries[0]["lead_id"].as_str().unwrap();
    assert!(
        answers
            .iter()
            .filter(|a| a.get("duplicate_of").is_some())
            .all(|a| a["duplicate_of"] == primary)
    );
    assert_eq!(h.store.len().await, 17);
    assert_eq!(h.queue.lead_ids().len(), 2);
}
