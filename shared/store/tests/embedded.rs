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
