//! The contract suite against the embedded adapters (redb store, in-process queue,
//! in-memory events), plus durability across a reopen.

mod contract;

use contract::Harness;
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::{DomainEvent, LeadStore, PolicyStore, RoutingState};
use switchboard_testkit::{embedded_store, temp_db};

struct Embedded;

impl Harness for Embedded {
    type Store = EmbeddedStore;
    type Events = MemoryEvents;
    type Queue = MemoryQueue;
    const CONCURRENT_LEADS: usize = 10_000;
    const SHARE_LEADS: usize = 2_000;
    const RUN_WRITES_IN_ORDER: bool = true;

    async fn store(&self) -> EmbeddedStore {
        embedded_store()
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

contract_tests!(async { Some(Embedded) });

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

/// What a crash at that instant would leave: the file's bytes copied aside and opened.
fn crash_copy(path: &std::path::Path) -> EmbeddedStore {
    let copy = temp_db();
    std::fs::copy(path, &copy).expect("copy the store file");
    EmbeddedStore::open(&copy).expect("open the copy")
}

/// A delivery record trails the disk (no fsync of its own): it is visible at once, on
/// disk within the writer's trailing bound or with the next durable write, and written
/// out when the store closes. A lead's insert is on disk before the call returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_records_trail_the_disk_by_a_moment_and_leads_do_not() {
    use contract::fixtures::{insert, monday};
    use switchboard_store::{DeliveryKey, DeliveryLog};
    let key = |lead_id| DeliveryKey {
        lead_id,
        assignment_id: "a1",
        kind: "assigned",
        channel: "slack",
    };
    let delivered = |store: &EmbeddedStore, lead: &'static str| {
        let store = store.clone();
        async move {
            store
                .delivered_channels(lead, "a1", "assigned")
                .await
                .expect("read")
        }
    };
    let record = |store: &EmbeddedStore, lead: &'static str| {
        let store = store.clone();
        async move {
            let new = store.record_delivered(key(lead), monday()).await;
            assert!(new.expect("record"), "{lead} recorded once");
        }
    };
    let path = temp_db();
    let store = EmbeddedStore::open(&path).expect("open");

    // Trailing: visible now, not yet on disk, on disk after the bound.
    record(&store, "L1").await;
    let recorded = std::time::Instant::now();
    let copy = crash_copy(&path);
    // Only a copy taken well inside the bound can show it missing (a stalled machine
    // may take longer, and then the writer has rightly synced it).
    if recorded.elapsed() < std::time::Duration::from_millis(50) {
        assert!(delivered(&copy, "L1").await.is_empty());
    }
    assert_eq!(delivered(&store, "L1").await, ["slack"]);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(delivered(&crash_copy(&path), "L1").await, ["slack"]);

    // A durable write carries the trailing one to disk with it.
    record(&store, "L2").await;
    insert(&store, "L3").await;
    let copy = crash_copy(&path);
    assert!(copy.get("L3").await.expect("get").is_some());
    assert_eq!(delivered(&copy, "L2").await, ["slack"]);

    // Trailing writes that keep coming (one every 30 ms, inside the bound each time) are
    // still on disk within the bound of the first.
    record(&store, "L5").await;
    for lead in ["L6", "L7", "L8", "L9", "L10", "L11", "L12"] {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        record(&store, lead).await;
    }
    assert_eq!(delivered(&crash_copy(&path), "L5").await, ["slack"]);

    // Closing the store writes out what trails.
    record(&store, "L4").await;
    drop(store);
    let reopened = EmbeddedStore::open(&path).expect("reopen");
    assert_eq!(delivered(&reopened, "L4").await, ["slack"]);
}
