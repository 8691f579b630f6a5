//! The notifier's delivery records: a conditional insert per channel, listed per message;
//! the failures of deliveries not made, listed per lead.

use jiff::Timestamp;
use switchboard_store::{DeliveryFailure, DeliveryKey, DeliveryLog};

use super::Harness;

fn key<'a>(assignment_id: &'a str, kind: &'a str, channel: &'a str) -> DeliveryKey<'a> {
    DeliveryKey {
        lead_id: "L-del",
        assignment_id,
        kind,
        channel,
    }
}

pub async fn deliveries_are_recorded_once_per_channel<H: Harness>(h: &H) {
    let store = h.store().await;
    let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    assert!(
        store
            .delivered_channels("L-del", "L-del:1", "assigned")
            .await
            .unwrap()
            .is_empty()
    );

    assert!(
        store
            .record_delivered(key("L-del:1", "assigned", "slack"), at)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_delivered(key("L-del:1", "assigned", "email"), at)
            .await
            .unwrap()
    );
    // The same delivery again is not a new record.
    assert!(
        !store
            .record_delivered(key("L-del:1", "assigned", "slack"), at)
            .await
            .unwrap()
    );

    // Other kinds and other assignments (including one whose id extends this one's) are
    // separate.
    assert!(
        store
            .record_delivered(key("L-del:1", "sla_warning", "slack"), at)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_delivered(key("L-del:10", "assigned", "crm"), at)
            .await
            .unwrap()
    );

    let mut channels = store
        .delivered_channels("L-del", "L-del:1", "assigned")
        .await
        .unwrap();
    channels.sort();
    assert_eq!(channels, ["email", "slack"]);
    assert_eq!(
        store
            .delivered_channels("L-del", "L-del:1", "sla_warning")
            .await
            .unwrap(),
        ["slack"]
    );
    assert_eq!(
        store
            .delivered_channels("L-del", "L-del:10", "assigned")
            .await
            .unwrap(),
        ["crm"]
    );
    assert!(
        store
            .delivered_channels("L-other", "L-del:1", "assigned")
            .await
            .unwrap()
            .is_empty()
    );
}

/// Concurrent records of one delivery: exactly one of them is new.
pub async fn concurrent_records_have_one_winner<H: Harness>(h: &H) {
    let store = std::sync::Arc::new(h.store().await);
    let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_delivered(key("L-del:2", "assigned", "webhook"), at)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut new = 0;
    for t in tasks {
        if t.await.unwrap() {
            new += 1;
        }
    }
    assert_eq!(new, 1);
}

/// A failed delivery keeps its last error until the delivery is recorded; failures are
/// the lead's own and record no delivery.
pub async fn delivery_failures_are_kept_until_the_delivery_succeeds<H: Harness>(h: &H) {
    let store = h.store().await;
    let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    let later: Timestamp = "2026-06-01T10:05:00Z".parse().unwrap();
    assert!(store.delivery_failures("L-del").await.unwrap().is_empty());

    let transient = "rate limited: REQUEST_LIMIT_EXCEEDED";
    let refused = "answered 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: Region is required";
    store
        .record_failure(
            key("L-del:1", "assigned", "salesforce"),
            transient,
            false,
            at,
        )
        .await
        .unwrap();
    // The next attempt's error replaces the first.
    store
        .record_failure(
            key("L-del:1", "assigned", "salesforce"),
            refused,
            true,
            later,
        )
        .await
        .unwrap();
    store
        .record_failure(key("L-del:10", "assigned", "hubspot"), transient, false, at)
        .await
        .unwrap();
    let other = DeliveryKey {
        lead_id: "L-other",
        ..key("L-other:1", "assigned", "salesforce")
    };
    store
        .record_failure(other, refused, true, at)
        .await
        .unwrap();

    let failures = store.delivery_failures("L-del").await.unwrap();
    assert_eq!(
        failures,
        [
            DeliveryFailure {
                assignment_id: "L-del:1".into(),
                kind: "assigned".into(),
                channel: "salesforce".into(),
                error: refused.into(),
                permanent: true,
                failed_at: later,
            },
            DeliveryFailure {
                assignment_id: "L-del:10".into(),
                kind: "assigned".into(),
                channel: "hubspot".into(),
                error: transient.into(),
                permanent: false,
                failed_at: at,
            },
        ]
    );
    // A failure is not a delivery.
    assert!(
        store
            .delivered_channels("L-del", "L-del:1", "assigned")
            .await
            .unwrap()
            .is_empty()
    );

    // Once the delivery is recorded (a redrive after the fix), its failure is gone.
    store
        .record_delivered(key("L-del:1", "assigned", "salesforce"), later)
        .await
        .unwrap();
    let failures = store.delivery_failures("L-del").await.unwrap();
    let left: Vec<_> = failures.iter().map(|f| f.channel.as_str()).collect();
    assert_eq!(left, ["hubspot"]);
    assert_eq!(store.delivery_failures("L-other").await.unwrap().len(), 1);
}
