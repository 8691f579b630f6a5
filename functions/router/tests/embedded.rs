//! The scenario suite on the embedded adapters: the redb store, the in-process queue with
//! SQS semantics (routing and notify queues) and the in-memory bus.

mod common;

use std::sync::Mutex;

use common::Backend;
use switchboard_router::Notification;
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::{DomainEvent, Outbox, StoreResult};
use switchboard_testkit::{drain_queue, embedded_store};

/// The in-process notify queue, read back by draining it.
#[derive(Default)]
struct MemoryNotify {
    queue: MemoryQueue,
    seen: Mutex<Vec<Notification>>,
}

impl Outbox for MemoryNotify {
    async fn send(&self, body: &str) -> StoreResult<()> {
        // Through the port's implementation for any work queue.
        Outbox::send(&self.queue, body).await
    }
}

struct Embedded;

impl Backend for Embedded {
    type Store = EmbeddedStore;
    type Events = MemoryEvents;
    type Notify = MemoryNotify;
    type Queue = MemoryQueue;
    const CONCURRENT_LEADS: usize = 1_200;

    async fn store(&self) -> EmbeddedStore {
        embedded_store()
    }

    async fn events(&self) -> MemoryEvents {
        MemoryEvents::new()
    }

    async fn recorded(&self, events: &MemoryEvents) -> Vec<DomainEvent> {
        events.events()
    }

    async fn notify(&self) -> MemoryNotify {
        MemoryNotify::default()
    }

    async fn notified(&self, notify: &MemoryNotify) -> Vec<Notification> {
        for body in drain_queue(&notify.queue).await {
            let n = Notification::parse(&body).expect("notification body");
            notify.seen.lock().expect("lock").push(n);
        }
        notify.seen.lock().expect("lock").clone()
    }

    async fn queue(&self, max_receives: u32) -> MemoryQueue {
        MemoryQueue::new(QueueConfig { max_receives })
    }
}

router_scenarios!(async { Some(Embedded) });
