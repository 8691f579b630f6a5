//! What Lambda's SQS event source mapping does around the handler: receive a batch from
//! the routing queue, turn it into an `SqsEvent`, invoke, then delete the messages that
//! finished and leave the failed ones to come back.

use std::collections::HashSet;
use std::time::Duration;

use switchboard_router::{SqsBatchResponse, SqsEvent, SqsMessage};
use switchboard_store::{Received, WorkQueue};

/// How long a received message stays hidden; failed messages are made visible at once
/// instead of waiting for this (as if the timeout had passed).
pub const VISIBILITY: Duration = Duration::from_secs(60);

/// The Lambda event for received messages, with the fields the event source sets.
pub fn sqs_event(received: &[Received]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = received
        .iter()
        .map(|r| {
            let mut m = SqsMessage::default();
            m.message_id = Some(r.id.clone());
            m.receipt_handle = Some(r.receipt.clone());
            m.body = Some(r.body.clone());
            m.attributes.insert(
                "ApproximateReceiveCount".into(),
                r.receive_count.to_string(),
            );
            m.event_source = Some("aws:sqs".into());
            m
        })
        .collect();
    event
}

/// Receives until `n` messages arrived (SQS may return fewer per call than are queued).
pub async fn receive_n<Q: WorkQueue>(queue: &Q, n: usize) -> Vec<Received> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..200 {
        if out.len() >= n {
            break;
        }
        let batch = queue
            .receive(n - out.len(), VISIBILITY, Duration::ZERO)
            .await
            .expect("receive");
        if batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        out.extend(batch);
    }
    assert_eq!(out.len(), n, "expected {n} messages on the routing queue");
    out
}

/// Message ids the response reports as failed.
pub fn failed_ids(response: &SqsBatchResponse) -> HashSet<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

/// Deletes the messages that finished and makes the failed ones visible again. Returns
/// how many were deleted.
pub async fn settle<Q: WorkQueue>(
    queue: &Q,
    received: &[Received],
    response: &SqsBatchResponse,
) -> usize {
    let failed = failed_ids(response);
    let mut deleted = 0;
    for r in received {
        if failed.contains(&r.id) {
            hand_back(queue, r).await;
        } else {
            queue.delete(&r.receipt).await.expect("delete");
            deleted += 1;
        }
    }
    deleted
}

/// Makes every received message visible again: the invocation died without answering.
pub async fn abandon<Q: WorkQueue>(queue: &Q, received: &[Received]) {
    for r in received {
        hand_back(queue, r).await;
    }
}

/// Makes a message visible again, as Lambda's poller does for a failed one. A refusal is
/// not the test's failure: under injected faults a call whose reply was lost is sent
/// again, and by then the message it made visible may have been received by another
/// invocation, which makes this receipt stale (SQS answers `ReceiptHandleIsInvalid`). The
/// message is in other hands or comes back when its visibility timeout ends, as with the
/// real poller.
async fn hand_back<Q: WorkQueue>(queue: &Q, r: &Received) {
    if let Err(e) = queue.change_visibility(&r.receipt, Duration::ZERO).await {
        eprintln!(
            "message {} not handed back now ({e}); its visibility timeout will",
            r.id
        );
    }
}

/// True when nothing is visible on the queue.
pub async fn is_drained<Q: WorkQueue>(queue: &Q) -> bool {
    let left = queue
        .receive(10, VISIBILITY, Duration::ZERO)
        .await
        .expect("receive");
    abandon(queue, &left).await;
    left.is_empty()
}
