//! The contract suite against the embedded adapters (redb store, in-process queue,
//! in-memory events), plus durability across a reopen.

mod contract;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use contract::Harness;
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::{DomainEvent, LeadStore, PolicyStore, RoutingState};

const TEMP_PREFIX: &str = "switchboard-store-tests-";

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

struct Embedded;

impl Harness for Embedded {
    type Store = EmbeddedStore;
    type Events = MemoryEvents;
    type Queue = MemoryQueue;
    const CONCURRENT_LEADS: usize = 10_000;
    const SHARE_LEADS: usize = 2_000;

    async fn store(&self) -> EmbeddedStore {
        EmbeddedStore::open(temp_db()).expect("open store")
    }
    async fn events(&self) -> MemoryEvents {
        MemoryEvents::new()
    }
    async fn recorded(&self, events: &MemoryEvents) -> Vec<DomainEvent> {
        events.events()
    }
    async fn queue(&self, max_receives: u32) -> MemoryQueue {
        MemoryQueue::new(QueueConfig { max_receives })
    }
}

contract_tests!(async { Some(Embedded) }, "never");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_reopening_the_file() {
    use contract::fixtures::{CAPPED, activate, insert, monday};
    let path = temp_db();
    let (lead, assignment, decisions, rep, active) = {
        let store = EmbeddedStore::open(&path).expect("open");
        let router = switchboard_store::Router::new(store, MemoryEvents::new());
        activate(&router.store, CAPPED).await;
        insert(&router.store, "L1").await;
        router.route_lead("L1", monday()).await.expect("route");
        let s = &router.store;
        (
            s.get("L1").await.expect("get"),
            s.assignment("L1").await.expect("assignment"),
            s.decisions("L1").await.expect("decisions"),
            s.rep_state("ana").await.expect("rep"),
            s.get_active().await.expect("active"),
        )
        // The store and its file handle are dropped here.
    };
    assert!(assignment.is_some() && rep.open == 1 && decisions.len() == 1);
    let reopened = EmbeddedStore::open(&path).expect("reopen");
    assert_eq!(reopened.get("L1").await.expect("get"), lead);
    assert_eq!(
        reopened.assignment("L1").await.expect("assignment"),
        assignment
    );
    assert_eq!(
        reopened.decisions("L1").await.expect("decisions"),
        decisions
    );
    assert_eq!(reopened.rep_state("ana").await.expect("rep"), rep);
    assert_eq!(reopened.get_active().await.expect("active"), active);
    assert_eq!(
        reopened.open_assignments("ana").await.expect("open").len(),
        1
    );
}
