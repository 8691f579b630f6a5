use std::time::Duration;

use switchboard_store::WorkQueue;

/// Receives and deletes every visible message on a work queue (the in-process queue or
/// SQS through its adapter); returns the bodies in the order received.
pub async fn drain_queue<Q: WorkQueue>(queue: &Q) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let got = queue
            .receive(10, Duration::from_secs(60), Duration::ZERO)
            .await
            .expect("receive");
        if got.is_empty() {
            return bodies;
        }
        for m in got {
            queue.delete(&m.receipt).await.expect("delete");
            bodies.push(m.body);
        }
    }
}
