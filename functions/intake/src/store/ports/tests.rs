//! The adapter against the embedded store: idempotency (with key expiry), the email
//! dedupe under concurrency, status reads and the queue body.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::Lead;
use switchboard_store::embedded::{EmbeddedStore, MemoryQueue, QueueConfig};
use switchboard_store::{self as port, WorkQueue};

use super::{PortQueue, PortStore, RouteRequest};
use crate::queue::Enqueue;
use crate::store::{Insert, LeadStatus, LeadStore, NewLead, RawPayload, StoredLead};

struct TempStore {
    store: PortStore<EmbeddedStore>,
    dir: std::path::PathBuf,
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn open(test: &str) -> TempStore {
    let dir = std::env::temp_dir().join(format!("intake-ports-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = EmbeddedStore::open(dir.join("store.redb")).unwrap();
    TempStore {
        store: PortStore::new(store),
        dir,
    }
}

fn t0() -> Timestamp {
    Timestamp::from_second(1_750_000_000).unwrap()
}

fn new_lead(id: &str, email: &str, key: &str, at: Timestamp) -> NewLead {
    NewLead {
        record: StoredLead {
            lead: Lead {
                id: id.into(),
                received_at: at,
                email: Some(email.into()),
                ..Lead::default()
            },
            status: LeadStatus::Received,
            duplicate_of: None,
            idempotency_key: key.into(),
            warnings: Vec::new(),
            raw: RawPayload::capture(Some("application/json"), b"{}", 1024),
        },
        key_expires_at: None,
        dedupe_since: Some(at - SignedDuration::from_hours(24)),
    }
}

fn created(i: Insert) -> StoredLead {
    match i {
        Insert::Created(r) => r,
        Insert::Existing(r) => panic!("expected a new lead, got existing {}", r.lead.id),
    }
}

fn existing(i: Insert) -> StoredLead {
    match i {
        Insert::Existing(r) => r,
        Insert::Created(r) => panic!("expected an existing lead, got new {}", r.lead.id),
    }
}

#[tokio::test]
async fn one_key_makes_one_lead() {
    let t = open("one-key");
    let first = created(
        t.store
            .insert_if_absent(new_lead("L1", "a@x.io", "api:header:k1", t0()))
            .await
            .unwrap(),
    );
    assert_eq!(first.status, LeadStatus::Received);
    let again = existing(
        t.store
            .insert_if_absent(new_lead("L2", "a@x.io", "api:header:k1", t0()))
            .await
            .unwrap(),
    );
    assert_eq!(again.lead.id, "L1");
    assert!(t.store.get("L2").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_inserts_of_one_key_agree() {
    let t = open("concurrent-key");
    let store = Arc::new(t.store.clone());
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let new = new_lead(&format!("L{i}"), "b@x.io", "api:header:same", t0());
            match store.insert_if_absent(new).await.unwrap() {
                Insert::Created(r) | Insert::Existing(r) => r.lead.id,
            }
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every insert returns the one lead: {ids:?}");
}

#[tokio::test]
async fn an_expired_key_makes_a_new_lead_once() {
    let t = open("expired-key");
    let life = SignedDuration::from_hours(72);
    let key = "form:hash:abc";
    let mut first = new_lead("L1", "c@x.io", key, t0());
    first.key_expires_at = Some(t0() + life);
    first.dedupe_since = None;
    created(t.store.insert_if_absent(first).await.unwrap());

    // Within the key's life: the same lead.
    let soon = t0() + SignedDuration::from_hours(1);
    let mut retry = new_lead("L2", "c@x.io", key, soon);
    retry.key_expires_at = Some(soon + life);
    retry.dedupe_since = None;
    assert_eq!(
        existing(t.store.insert_if_absent(retry).await.unwrap())
            .lead
            .id,
        "L1"
    );

    // After it: a new lead, and from then on that one.
    let later = t0() + SignedDuration::from_hours(100);
    for (id, expect_new) in [("L3", true), ("L4", false)] {
        let mut again = new_lead(id, "c@x.io", key, later);
        again.key_expires_at = Some(later + life);
        again.dedupe_since = None;
        let got = t.store.insert_if_absent(again).await.unwrap();
        match (got, expect_new) {
            (Insert::Created(r), true) => assert_eq!(r.lead.id, "L3"),
            (Insert::Existing(r), false) => assert_eq!(r.lead.id, "L3"),
            (other, _) => panic!("{id}: unexpected {other:?}"),
        }
    }
    assert!(t.store.get("L1").await.unwrap().is_some());
}

#[tokio::test]
async fn same_email_within_the_window_is_a_duplicate() {
    let t = open("dedupe");
    let primary = created(
        t.store
            .insert_if_absent(new_lead("P", "d@x.io", "k:1", t0()))
            .await
            .unwrap(),
    );
    assert_eq!(primary.status, LeadStatus::Received);
    let hour_later = t0() + SignedDuration::from_hours(1);
    let dup = created(
        t.store
            .insert_if_absent(new_lead("D", "d@x.io", "k:2", hour_later))
            .await
            .unwrap(),
    );
    assert_eq!(dup.status, LeadStatus::Duplicate);
    assert_eq!(dup.duplicate_of.as_deref(), Some("P"));
    let stored = port::LeadStore::get(t.store.inner(), "D")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, port::LeadStatus::Duplicate);
    assert_eq!(
        t.store
            .latest_by_email("d@x.io")
            .await
            .unwrap()
            .unwrap()
            .lead
            .id,
        "P"
    );

    // Outside the window (relative to the primary): a new primary.
    let next_week = t0() + SignedDuration::from_hours(24 * 7);
    let fresh = created(
        t.store
            .insert_if_absent(new_lead("N", "d@x.io", "k:3", next_week))
            .await
            .unwrap(),
    );
    assert_eq!(fresh.status, LeadStatus::Received);
    assert_eq!(
        t.store
            .latest_by_email("d@x.io")
            .await
            .unwrap()
            .unwrap()
            .lead
            .id,
        "N"
    );
    // A lead without dedupe is never a duplicate.
    let mut no_dedupe = new_lead("X", "d@x.io", "k:4", next_week);
    no_dedupe.dedupe_since = None;
    assert_eq!(
        created(t.store.insert_if_absent(no_dedupe).await.unwrap()).status,
        LeadStatus::Received
    );
}

#[tokio::test]
async fn the_latest_of_many_claims_is_found() {
    let t = open("many-claims");
    // Each lead arrives after the previous one's window: 11 claims for one address.
    for i in 0..11 {
        let at = t0() + SignedDuration::from_hours(48 * i);
        let r = created(
            t.store
                .insert_if_absent(new_lead(&format!("L{i}"), "e@x.io", &format!("k:{i}"), at))
                .await
                .unwrap(),
        );
        assert_eq!(r.status, LeadStatus::Received, "lead {i}");
    }
    assert_eq!(
        t.store
            .latest_by_email("e@x.io")
            .await
            .unwrap()
            .unwrap()
            .lead
            .id,
        "L10"
    );
    let at = t0() + SignedDuration::from_hours(48 * 10 + 1);
    let dup = created(
        t.store
            .insert_if_absent(new_lead("late", "e@x.io", "k:late", at))
            .await
            .unwrap(),
    );
    assert_eq!(dup.duplicate_of.as_deref(), Some("L10"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_leads_from_one_address_have_one_primary() {
    let t = open("concurrent-email");
    let store = Arc::new(t.store.clone());
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let new = new_lead(&format!("L{i}"), "f@x.io", &format!("k:{i}"), t0());
            created(store.insert_if_absent(new).await.unwrap())
        }));
    }
    let mut primaries = Vec::new();
    let mut duplicates = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            LeadStatus::Received => primaries.push(r.lead.id),
            LeadStatus::Duplicate => duplicates.push(r.duplicate_of.unwrap()),
            LeadStatus::Queued => panic!("not queued yet"),
        }
    }
    assert_eq!(primaries.len(), 1, "{primaries:?}");
    assert!(duplicates.iter().all(|d| *d == primaries[0]));
}

#[tokio::test]
async fn status_reads_and_mark_queued() {
    let t = open("status");
    let mut new = new_lead("Q", "g@x.io", "k:q", t0());
    new.dedupe_since = None;
    created(t.store.insert_if_absent(new).await.unwrap());
    t.store.mark_queued("Q").await.unwrap();
    assert_eq!(
        t.store.get("Q").await.unwrap().unwrap().status,
        LeadStatus::Queued
    );
    // Already queued: left as it is.
    t.store.mark_queued("Q").await.unwrap();
    assert!(t.store.mark_queued("missing").await.is_err());
    // Claims never read back as leads.
    assert!(
        t.store
            .get(&super::claims::claim_id("g@x.io", 0))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn enqueue_sends_a_route_request() {
    let queue = PortQueue::new(MemoryQueue::new(QueueConfig::default()));
    let lead = Lead {
        id: "L9".into(),
        ..Lead::default()
    };
    queue.enqueue(&lead).await.unwrap();
    let got = queue
        .inner()
        .receive(10, Duration::from_secs(30), Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        RouteRequest::parse(&got[0].body).ok(),
        Some(RouteRequest {
            lead_id: "L9".into()
        })
    );
    assert!(RouteRequest::parse("not json").is_err());
}
