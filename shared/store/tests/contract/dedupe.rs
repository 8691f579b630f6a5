//! Same-email dedupe and expiring idempotency keys: decided inside the insert's one atomic
//! write, on every backend.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::Lead;
use switchboard_store::{Insert, LeadStatus, LeadStore, NewLead, StoreError, StoredLead};

use super::Harness;
use super::fixtures::monday;

const WINDOW: SignedDuration = SignedDuration::from_hours(24);

fn from(email: &str, id: &str, at: Timestamp) -> NewLead {
    NewLead::new(Lead::new(id, at).with_email(email), format!("form:{id}"))
        .dedupe_since(at - WINDOW)
}

async fn created<S: LeadStore>(store: &S, new: NewLead, now: Timestamp) -> StoredLead {
    match store.insert_if_absent(&new, now).await.expect("insert") {
        Insert::Created(l) => l,
        other => panic!("{} must be new: {other:?}", new.lead.id),
    }
}

pub async fn same_email_in_the_window_is_a_duplicate<H: Harness>(h: &H) {
    let store = h.store().await;
    let t0 = monday();
    let email = "ana@example.org";
    let first = created(&store, from(email, "D1", t0), t0).await;
    assert_eq!(
        (first.status, first.duplicate_of.as_deref()),
        (LeadStatus::Received, None)
    );

    // Inside the window: stored, linked, never routed.
    let t1 = t0 + SignedDuration::from_hours(23);
    let second = created(&store, from(email, "D2", t1), t1).await;
    assert_eq!(second.status, LeadStatus::Duplicate);
    assert_eq!(second.duplicate_of.as_deref(), Some("D1"));
    assert_eq!(store.get("D2").await.expect("get"), Some(second.clone()));
    assert!(!second.status.awaits_routing());
    let awaiting = store
        .awaiting_routing(t1 + SignedDuration::from_secs(1), 10)
        .await
        .expect("awaiting");
    assert!(awaiting.iter().all(|l| l.lead.id != "D2"), "{awaiting:?}");

    // A redelivery of the duplicate returns it as stored, link included.
    let again = store
        .insert_if_absent(&from(email, "D2", t1), t1)
        .await
        .expect("again");
    assert_eq!(again, Insert::Existing(second));

    // The address's latest primary is still the first lead.
    let latest = store.latest_by_email(email).await.expect("latest");
    assert_eq!(
        latest.map(|l| l.lead.id.into_string()),
        Some("D1".to_owned())
    );

    // Past the window (measured from the primary, not from the duplicate): a new primary.
    let t2 = t0 + WINDOW + SignedDuration::from_secs(1);
    let third = created(&store, from(email, "D3", t2), t2).await;
    assert_eq!(
        (third.status, third.duplicate_of),
        (LeadStatus::Received, None)
    );
    let latest = store.latest_by_email(email).await.expect("latest");
    assert_eq!(
        latest.map(|l| l.lead.id.into_string()),
        Some("D3".to_owned())
    );

    // Other addresses, and inserts without dedupe, are not affected.
    let other = created(&store, from("bo@example.org", "D4", t2), t2).await;
    assert_eq!(other.status, LeadStatus::Received);
    let unchecked = created(
        &store,
        NewLead::new(Lead::new("D5", t2).with_email(email), "form:D5"),
        t2,
    )
    .await;
    assert_eq!(unchecked.status, LeadStatus::Received);
    let latest = store.latest_by_email(email).await.expect("latest");
    assert_eq!(
        latest.map(|l| l.lead.id.into_string()),
        Some("D3".to_owned()),
        "an insert without dedupe does not take over the address"
    );
    assert_eq!(
        store
            .latest_by_email("nobody@example.org")
            .await
            .expect("none"),
        None
    );
}

pub async fn concurrent_same_address_inserts_have_one_primary<H: Harness>(h: &H) {
    let store = Arc::new(h.store().await);
    let t0 = monday();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let new = from("race@example.org", &format!("R{i}"), t0);
            store.insert_if_absent(&new, t0).await
        }));
    }
    let mut stored = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(Insert::Created(l)) => stored.push(l),
            other => panic!("each insert has its own key and must create: {other:?}"),
        }
    }
    let primaries: Vec<&StoredLead> = stored
        .iter()
        .filter(|l| l.status == LeadStatus::Received)
        .collect();
    assert_eq!(primaries.len(), 1, "exactly one primary: {stored:?}");
    let primary = &primaries[0].lead.id;
    for l in stored.iter().filter(|l| l.lead.id != *primary) {
        assert_eq!(l.status, LeadStatus::Duplicate);
        assert_eq!(l.duplicate_of.as_ref(), Some(primary));
        assert_eq!(store.get(&l.lead.id).await.expect("get").as_ref(), Some(l));
    }
    let latest = store
        .latest_by_email("race@example.org")
        .await
        .expect("latest");
    assert_eq!(latest.map(|l| l.lead.id).as_ref(), Some(primary));
}

pub async fn a_failed_insert_writes_nothing<H: Harness>(h: &H) {
    let store = h.store().await;
    let t0 = monday();
    created(&store, NewLead::new(Lead::new("F1", t0), "form:F1"), t0).await;

    // The lead id is taken, so the whole insert fails: no key, no email entry. (The step
    // that cannot be half-done: a store that wrote the entry before failing on the lead
    // would make every later lead of this address a duplicate of a lead that does not
    // exist.)
    let clash = NewLead::new(
        Lead::new("F1", t0).with_email("f@example.org"),
        "form:other",
    )
    .dedupe_since(t0 - WINDOW);
    let failed = store.insert_if_absent(&clash, t0).await;
    assert!(matches!(failed, Err(StoreError::Conflict(_))), "{failed:?}");
    assert_eq!(
        store
            .latest_by_email("f@example.org")
            .await
            .expect("latest"),
        None
    );
    let after = created(&store, from("f@example.org", "F2", t0), t0).await;
    assert_eq!(
        after.status,
        LeadStatus::Received,
        "the address is still free"
    );
    let rekeyed = NewLead::new(Lead::new("F3", t0), "form:other");
    created(&store, rekeyed, t0).await;
}

pub async fn expired_keys_store_a_new_lead<H: Harness>(h: &H) {
    let store = h.store().await;
    let t0 = monday();
    let ttl = SignedDuration::from_hours(1);
    let keyed = |id: &str, at: Timestamp| {
        NewLead::new(Lead::new(id, at), "hash:same-content").key_expires_at(at + ttl)
    };
    let first = created(&store, keyed("K1", t0), t0).await;

    // Before expiry: the same key gives the first lead back.
    let t1 = t0 + SignedDuration::from_mins(59);
    let again = store
        .insert_if_absent(&keyed("K2", t1), t1)
        .await
        .expect("again");
    assert_eq!(again, Insert::Existing(first.clone()));
    assert_eq!(store.get("K2").await.expect("get"), None);

    // At expiry the key maps to nothing: the next insert stores a new lead under it, once,
    // and the old lead is untouched.
    let t2 = t0 + ttl;
    let second = created(&store, keyed("K3", t2), t2).await;
    assert_eq!(second.idempotency_key, "hash:same-content");
    let repeat = store
        .insert_if_absent(&keyed("K4", t2), t2)
        .await
        .expect("repeat");
    assert_eq!(repeat, Insert::Existing(second));
    assert_eq!(store.get("K1").await.expect("get"), Some(first));

    // A key without expiry never expires.
    let forever = NewLead::new(Lead::new("K5", t0), "provider:1");
    created(&store, forever.clone(), t0).await;
    let years = t0 + SignedDuration::from_hours(24 * 365 * 3);
    let later = NewLead {
        lead: Lead::new("K6", years),
        ..forever
    };
    let found = store.insert_if_absent(&later, years).await.expect("later");
    assert_eq!(found.lead().lead.id, "K5");
}

/// (lead id tried, content, hour, dedupe on, lead stored or found, duplicate of)
type Step = (
    &'static str,
    &'static str,
    i64,
    bool,
    &'static str,
    Option<&'static str>,
);

/// Keys made from a delivery's content, as intake makes them. A store may keep such a key
/// in the address's dedupe entry instead of an entry of its own (the embedded store does),
/// so every way the address's primary can change is walked through: each redelivery must
/// find the lead its key was first stored with until the key expires, whoever is the
/// address's primary by then.
pub async fn content_keys_map_through_every_change_of_primary<H: Harness>(h: &H) {
    let store = h.store().await;
    let t0 = monday();
    let ttl = SignedDuration::from_hours(72);
    let hours = |n: i64| t0 + SignedDuration::from_hours(n);
    let email = "kim@example.org";
    let delivery = |id: &str, content: &str, at: Timestamp, dedupe: bool| {
        let new = NewLead::new(
            Lead::new(id, at).with_email(email),
            format!("form:hash:{content}"),
        )
        .key_expires_at(at + ttl)
        .key_from_content();
        if dedupe {
            new.dedupe_since(at - WINDOW)
        } else {
            new
        }
    };
    let steps: [Step; 14] = [
        ("A", "a", 0, true, "A", None),      // the address's primary
        ("A2", "a", 1, true, "A", None),     // a redelivery
        ("A3", "a", 2, false, "A", None),    // one with the dedupe off
        ("B", "b", 3, true, "B", Some("A")), // other content, same address: a duplicate
        ("B2", "b", 4, true, "B", Some("A")),
        ("N", "n", 5, false, "N", None), // no dedupe: not the address's primary
        ("N2", "n", 6, true, "N", None),
        ("C", "c", 25, true, "C", None), // past the window: C takes the address over
        ("A4", "a", 26, true, "A", None), // A's key still maps to A
        ("C2", "c", 27, true, "C", None),
        ("A5", "a", 72, true, "A5", None), // A's key expired: a new primary under it
        ("C3", "c", 73, true, "C", None),  // C's key, from before A5, still maps to C
        ("A6", "a", 73, true, "A5", None),
        ("A7", "a", 144, true, "A7", None), // A5's key expired while A5 was primary
    ];
    for (tried, content, hour, dedupe, expected, duplicate_of) in steps {
        let at = hours(hour);
        let stored = store
            .insert_if_absent(&delivery(tried, content, at, dedupe), at)
            .await
            .expect("insert");
        let lead = stored.lead();
        assert_eq!(
            (lead.lead.id.as_str(), lead.duplicate_of.as_deref()),
            (expected, duplicate_of),
            "{tried} at hour {hour}"
        );
        let created = matches!(stored, Insert::Created(_));
        assert_eq!(created, tried == expected, "{tried} at hour {hour}");
    }
    let latest = store.latest_by_email(email).await.expect("latest");
    assert_eq!(
        latest.map(|l| l.lead.id.into_string()),
        Some("A7".to_owned())
    );
}
