//! The scenario suite on the embedded adapters: the redb store, the in-process queue with
//! SQS semantics (routing and notify queues) and the in-memory bus.

mod common;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::Backend;
use switchboard_router::{Notification, NotifyQueue};
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::{DomainEvent, StoreResult, WorkQueue};

const TEMP_PREFIX: &str = "switchboard-router-tests-";

/// A fresh database file per store, in a directory per test process. Directories left by
/// earlier runs (whose process is gone) are removed on first use.
fn temp_db() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    static CLEAN: std::sync::Once = std::sync::Once::new();
    CLEAN.call_once(remove_stale_dirs);
    let dir = std::env::temp_dir().join(format!("{TEMP_PREFIX}{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(format!("db-{}.redb", NEXT.fetch_add(1, Ordering::Relaxed)))
}

fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        // Only where /proc tells which processes live; elsewhere leave the files alone.
        let proc_dir = std::path::Path::new("/proc");
        if proc_dir.exists() && !proc_dir.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The in-process notify queue, read back by draining it.
#[derive(Default)]
struct MemoryNotify {
    queue: MemoryQueue,
    seen: Mutex<Vec<Notification>>,
}

impl NotifyQueue for MemoryNotify {
    async fn send(&self, body: &str) -> StoreResult<()> {
        // Through the port's implementation for any work queue.
        NotifyQueue::send(&self.queue, body).await
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
        EmbeddedStore::open(temp_db()).expect("open store")
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
        loop {
            let batch = notify
                .queue
                .receive(10, Duration::from_secs(60), Duration::ZERO)
                .await
                .expect("receive notifications");
            if batch.is_empty() {
                break;
            }
            for m in batch {
                let n = Notification::parse(&m.body).expect("notification body");
                notify.seen.lock().expect("lock").push(n);
                notify.queue.delete(&m.receipt).await.expect("delete");
            }
        }
        notify.seen.lock().expect("lock").clone()
    }

    async fn queue(&self, max_receives: u32) -> MemoryQueue {
        MemoryQueue::new(QueueConfig { max_receives })
    }
}

router_scenarios!(async { Some(Embedded) }, "never");
