//! Wakes requests waiting for a lead's decision (`GET /v1/leads/{id}/decision?wait_ms=`)
//! when a router has finished with that lead, so a client learns of the decision as soon
//! as it is stored instead of polling.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::oneshot;

/// Lead id → (waiter token, wake-up) of each waiting request.
type Waiting = HashMap<String, Vec<(u64, oneshot::Sender<()>)>>;

#[derive(Debug, Default)]
pub struct Completions {
    waiters: Mutex<Waiting>,
    next: AtomicU64,
    closed: AtomicBool,
}

/// A registered wait. Dropping it unregisters it.
pub struct Waiter<'a> {
    owner: &'a Completions,
    lead_id: String,
    token: u64,
    done: Option<oneshot::Receiver<()>>,
}

impl Completions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        // Each critical section leaves the map consistent.
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers interest in `lead_id`. Register before reading the lead's state, so a
    /// decision stored between the read and the wait still wakes the waiter.
    pub fn register(&self, lead_id: &str) -> Waiter<'_> {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        if self.closed.load(Ordering::Acquire) {
            // Shutting down: the wait ends at once.
            drop(tx);
        } else {
            self.lock()
                .entry(lead_id.to_owned())
                .or_default()
                .push((token, tx));
        }
        Waiter {
            owner: self,
            lead_id: lead_id.to_owned(),
            token,
            done: Some(rx),
        }
    }

    /// The routers are done with `lead_id` (decided, or found already decided).
    pub fn complete(&self, lead_id: &str) {
        let waiting = self.lock().remove(lead_id);
        for (_, tx) in waiting.into_iter().flatten() {
            let _ = tx.send(());
        }
    }

    /// Wakes every waiter and lets no new one wait (shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.lock().clear();
    }
}

impl Waiter<'_> {
    /// Until the lead completes, the server shuts down, or `timeout` passes.
    pub async fn wait(&mut self, timeout: std::time::Duration) {
        if let Some(rx) = self.done.take() {
            let _ = tokio::time::timeout(timeout, rx).await;
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut map = self.owner.lock();
        if let Some(list) = map.get_mut(&self.lead_id) {
            list.retain(|(t, _)| *t != self.token);
            if list.is_empty() {
                map.remove(&self.lead_id);
            }
        }
    }
}
