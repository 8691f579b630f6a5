//! Contract of the work queue: visibility, redelivery, receive counts, dead letters, redrive.

use std::collections::BTreeMap;
use std::time::Duration;

use switchboard_store::{Received, WorkQueue};

use super::Harness;

const SECOND: Duration = Duration::from_secs(1);

/// Receives until `want` messages arrived or `wait` passed (a standard queue may return
/// fewer messages than are visible in one call).
async fn receive_n<Q: WorkQueue>(
    q: &Q,
    want: usize,
    visibility: Duration,
    wait: Duration,
) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    while got.len() < want {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let batch = q
            .receive(
                want - got.len(),
                visibility,
                left.min(Duration::from_secs(1)),
            )
            .await
            .expect("receive");
        got.extend(batch);
        if tokio::time::Instant::now() >= deadline {
            break;
        }
    }
    got
}

fn by_body(msgs: Vec<Received>) -> BTreeMap<String, Received> {
    msgs.into_iter().map(|m| (m.body.clone(), m)).collect()
}

pub async fn visibility_redelivery_and_delete<H: Harness>(h: &H) {
    let q = h.queue(5).await;
    q.send("a").await.expect("send a");
    q.send("b").await.expect("send b");
    let first = by_body(receive_n(&q, 2, 2 * SECOND, 3 * SECOND).await);
    assert_eq!(first.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert!(first.values().all(|m| m.receive_count == 1));
    // Both are in flight: nothing is visible.
    let none = q
        .receive(10, 2 * SECOND, Duration::ZERO)
        .await
        .expect("receive");
    assert!(none.is_empty(), "in-flight message delivered: {none:?}");

    q.delete(&first["a"].receipt).await.expect("delete a");
    q.delete(&first["a"].receipt)
        .await
        .expect("deleting twice is fine");
    // A negative acknowledgement makes b visible again at once, with a higher count.
    q.change_visibility(&first["b"].receipt, Duration::ZERO)
        .await
        .expect("nack b");
    let again = receive_n(&q, 1, SECOND, 3 * SECOND).await;
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].body.as_str(), again[0].receive_count), ("b", 2));
    assert_eq!(again[0].id, first["b"].id);
    // Not deleted: it comes back by itself after the visibility timeout.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let third = receive_n(&q, 1, 10 * SECOND, 3 * SECOND).await;
    assert_eq!(third.len(), 1);
    assert_eq!((third[0].body.as_str(), third[0].receive_count), ("b", 3));
    q.delete(&third[0].receipt).await.expect("delete b");

    // A long poll returns as soon as a message arrives.
    let start = tokio::time::Instant::now();
    let (got, ()) = tokio::join!(q.receive(1, SECOND, Duration::from_secs(5)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        q.send("c").await.expect("send c");
    });
    let got = got.expect("long poll");
    assert_eq!(
        got.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "long poll waited too long"
    );
}

pub async fn dead_letters_and_redrive<H: Harness>(h: &H) {
    let q = h.queue(2).await;
    q.send("poison").await.expect("send");
    for count in 1..=2 {
        let got = receive_n(&q, 1, SECOND, 3 * SECOND).await;
        assert_eq!(got.len(), 1, "delivery {count}");
        assert_eq!(got[0].receive_count, count);
        q.change_visibility(&got[0].receipt, Duration::ZERO)
            .await
            .expect("nack");
    }
    // Received twice (the maximum) without a delete: the next receive moves it aside.
    let none = q.receive(10, SECOND, SECOND).await.expect("receive");
    assert!(
        none.is_empty(),
        "poison message delivered a third time: {none:?}"
    );
    let dead = q.dead_letters(10).await.expect("dead letters");
    assert_eq!(
        dead.iter().map(|d| d.body.as_str()).collect::<Vec<_>>(),
        ["poison"]
    );
    // Listing does not consume.
    assert_eq!(q.dead_letters(10).await.expect("dead letters").len(), 1);

    assert_eq!(q.redrive(10).await.expect("redrive"), 1);
    assert!(q.dead_letters(10).await.expect("dead letters").is_empty());
    let back = receive_n(&q, 1, SECOND, 3 * SECOND).await;
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].body.as_str(), back[0].receive_count),
        ("poison", 1)
    );
    q.delete(&back[0].receipt).await.expect("delete");
    assert_eq!(q.redrive(10).await.expect("nothing to redrive"), 0);
}
