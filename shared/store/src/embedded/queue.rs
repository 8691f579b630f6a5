//! An in-process [`WorkQueue`] with SQS semantics, for the local process and tests.
//!
//! Messages live in memory: a restart loses queued messages, which the pipeline tolerates
//! because a stored lead that never got routed stays `received` and the sweeper re-drives it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::{StoreError, StoreResult};
use crate::ports::queue::{DeadLetter, Received, WorkQueue};

/// SQS's ReceiveMessage returns at most ten messages.
const MAX_BATCH: usize = 10;

#[derive(Debug, Clone, Copy)]
pub struct QueueConfig {
    /// Deliveries before a message goes to the dead-letter list (SQS `maxReceiveCount`).
    pub max_receives: u32,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { max_receives: 5 }
    }
}

#[derive(Debug)]
struct Message {
    id: String,
    body: String,
    receive_count: u32,
    visible_at: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    messages: HashMap<u64, Message>,
    /// (visible at, sequence): the earliest visible message first, then send order.
    schedule: BTreeSet<(Instant, u64)>,
    dead: BTreeMap<u64, DeadLetter>,
}

impl Inner {
    fn enqueue(&mut self, body: String, now: Instant) -> String {
        self.next_seq += 1;
        let seq = self.next_seq;
        let id = format!("m{seq}");
        self.messages.insert(
            seq,
            Message {
                id: id.clone(),
                body,
                receive_count: 0,
                visible_at: now,
            },
        );
        self.schedule.insert((now, seq));
        id
    }

    /// Gives back the maps' spare room once most of it is unused: a `HashMap` keeps its
    /// largest capacity, so a backlog once drained would otherwise hold its table (about
    /// 80 bytes a message, every page touched) for the life of the process. Shrinking to
    /// twice the messages left at a quarter keeps the cost amortized.
    fn shrink_if_sparse(&mut self) {
        let (len, cap) = (self.messages.len(), self.messages.capacity());
        if cap > 1024 && len * 4 < cap {
            self.messages.shrink_to(len * 2);
        }
    }

    /// The in-flight message a receipt names, if the receipt is from its latest receive.
    fn in_flight(&mut self, receipt: &str) -> StoreResult<Option<(u64, &mut Message)>> {
        let (seq, count) = receipt
            .split_once('.')
            .and_then(|(s, c)| Some((s.parse::<u64>().ok()?, c.parse::<u32>().ok()?)))
            .ok_or_else(|| StoreError::Invalid(format!("malformed receipt {receipt:?}")))?;
        match self.messages.get_mut(&seq) {
            None => Ok(None),
            Some(m) if m.receive_count != count => Err(StoreError::Conflict(format!(
                "receipt {receipt:?} is stale: the message was received again"
            ))),
            Some(m) => Ok(Some((seq, m))),
        }
    }
}

/// The in-process queue. Its dead-letter list is part of it.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    config: QueueConfig,
    inner: Mutex<Inner>,
    /// Wakes long-polling receivers when a message may have become visible.
    wake: Notify,
}

impl MemoryQueue {
    pub fn new(config: QueueConfig) -> Self {
        MemoryQueue {
            config,
            ..MemoryQueue::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every critical section leaves the maps consistent, so a poisoned lock is usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Messages not yet deleted (visible or in flight), without the dead letters.
    pub fn len(&self) -> usize {
        self.lock().messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl WorkQueue for MemoryQueue {
    async fn send(&self, body: &str) -> StoreResult<String> {
        let id = self.lock().enqueue(body.to_owned(), Instant::now());
        self.wake.notify_waiters();
        Ok(id)
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StoreResult<Vec<Received>> {
        let max = max.clamp(1, MAX_BATCH);
        let deadline = Instant::now() + wait;
        loop {
            // Registered before looking, so a send between the look and the wait wakes us.
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();

            let next_visible = {
                let mut inner = self.lock();
                let now = Instant::now();
                let mut out = Vec::new();
                while out.len() < max {
                    let Some(&(at, seq)) = inner.schedule.first() else {
                        break;
                    };
                    if at > now {
                        break;
                    }
                    inner.schedule.pop_first();
                    let Some(msg) = inner.messages.get_mut(&seq) else {
                        continue;
                    };
                    if msg.receive_count >= self.config.max_receives {
                        let dead = DeadLetter {
                            id: msg.id.clone(),
                            body: msg.body.clone(),
                        };
                        inner.messages.remove(&seq);
                        inner.dead.insert(seq, dead);
                        continue;
                    }
                    msg.receive_count += 1;
                    msg.visible_at = now + visibility;
                    out.push(Received {
                        id: msg.id.clone(),
                        receipt: format!("{seq}.{}", msg.receive_count),
                        body: msg.body.clone(),
                        receive_count: msg.receive_count,
                    });
                    let at = msg.visible_at;
                    inner.schedule.insert((at, seq));
                }
                if !out.is_empty() || now >= deadline {
                    return Ok(out);
                }
                inner.schedule.first().map(|&(at, _)| at)
            };
            let until = next_visible.map_or(deadline, |at| at.min(deadline));
            tokio::select! {
                _ = &mut woken => {}
                _ = tokio::time::sleep_until(until) => {}
            }
        }
    }

    async fn delete(&self, receipt: &str) -> StoreResult<()> {
        let mut inner = self.lock();
        if let Some((seq, msg)) = inner.in_flight(receipt)? {
            let at = msg.visible_at;
            inner.messages.remove(&seq);
            inner.schedule.remove(&(at, seq));
            inner.shrink_if_sparse();
        }
        Ok(())
    }

    async fn change_visibility(&self, receipt: &str, visibility: Duration) -> StoreResult<()> {
        {
            let mut inner = self.lock();
            let (seq, msg) = inner
                .in_flight(receipt)?
                .ok_or_else(|| StoreError::NotFound(format!("message of receipt {receipt:?}")))?;
            let old = msg.visible_at;
            msg.visible_at = Instant::now() + visibility;
            let new = msg.visible_at;
            inner.schedule.remove(&(old, seq));
            inner.schedule.insert((new, seq));
        }
        self.wake.notify_waiters();
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        Ok(self.lock().dead.values().take(max).cloned().collect())
    }

    async fn redrive(&self, max: usize) -> StoreResult<usize> {
        let moved = {
            let mut inner = self.lock();
            let now = Instant::now();
            let mut moved = 0;
            while moved < max {
                let Some((_, dead)) = inner.dead.pop_first() else {
                    break;
                };
                inner.enqueue(dead.body, now);
                moved += 1;
            }
            moved
        };
        self.wake.notify_waiters();
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_drained_backlog_gives_its_table_back() {
        let q = MemoryQueue::new(QueueConfig::default());
        for i in 0..5_000 {
            q.send(&format!("m{i}")).await.unwrap();
        }
        let peak = q.lock().messages.capacity();
        assert!(peak >= 5_000, "{peak}");
        loop {
            let got = q
                .receive(10, Duration::from_secs(30), Duration::ZERO)
                .await
                .unwrap();
            if got.is_empty() {
                break;
            }
            for m in got {
                q.delete(&m.receipt).await.unwrap();
            }
        }
        assert!(q.is_empty());
        let left = q.lock().messages.capacity();
        assert!(
            left <= 1_024,
            "a drained queue still holds room for {left} messages"
        );
    }
}
