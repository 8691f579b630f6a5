//! Eight concurrent invocations over many leads, every message delivered twice, with
//! capacity for only about two thirds of them: no cap overrun, no double assignment,
//! every lead assigned or parked.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_router::RouteRequest;
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::{AssignmentStatus, LeadStatus, NotifyKind, RoutingState, WorkQueue};

use super::delivery::{VISIBILITY, failed_ids, is_drained, settle, sqs_event};
use super::fixtures::{activate, ids, insert};
use super::state::{assert_counters_match, counts, events_by_id, notifications_by_id, read_state};
use super::{Backend, handler};

const INVOCATIONS: usize = 8;

/// Caps as thousandths of the lead count: 650 per 1,000 leads in all.
const CAPS: [(&str, usize); 6] = [
    ("r1", 150),
    ("r2", 150),
    ("r3", 100),
    ("r4", 100),
    ("o1", 100),
    ("o2", 50),
];

fn caps(leads: usize) -> BTreeMap<&'static str, u32> {
    CAPS.iter()
        .map(|&(rep, per_mille)| (rep, (per_mille * leads / 1000).max(1) as u32))
        .collect()
}

/// A weighted pool with a least-loaded spill-over pool, then triage.
fn policy(caps: &BTreeMap<&str, u32>) -> String {
    let reps: String = caps
        .iter()
        .map(|(rep, cap)| format!("  - {{ id: {rep}, caps: {{ max_open: {cap} }} }}\n"))
        .collect();
    format!(
        "
triage_pool: triage
reps:
{reps}pools:
  - id: tight
    strategy: weighted_round_robin
    members: [ {{ rep: r1, weight: 3 }}, {{ rep: r2, weight: 2 }}, r3, r4 ]
  - {{ id: spill, strategy: least_loaded, members: [o1, o2] }}
rules: [ {{ id: all, pool: tight, fallbacks: [spill] }} ]
"
    )
}

pub async fn concurrent_handlers_keep_every_invariant<H: Backend>(h: &H) {
    let n = H::CONCURRENT_LEADS;
    let caps = caps(n);
    let capacity: u32 = caps.values().sum();
    let store = h.store().await;
    activate(&store, &policy(&caps)).await;
    let leads = ids("K", n);
    for id in &leads {
        insert(&store, id, "DE").await;
    }
    let queue = Arc::new(h.queue(100).await);
    for _ in 0..2 {
        for id in &leads {
            queue
                .send(&RouteRequest::new(id).to_body())
                .await
                .expect("send");
        }
    }

    let handler = Arc::new(handler(h, store.clone()).await);
    h.arm_faults();
    // By message id: a standard queue may hand one message to two receivers at once, and
    // both copies then finish.
    let finished = Arc::new(Mutex::new(HashSet::new()));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut invocations = Vec::new();
    for _ in 0..INVOCATIONS {
        let (handler, queue, finished, failures) = (
            handler.clone(),
            queue.clone(),
            finished.clone(),
            failures.clone(),
        );
        invocations.push(tokio::spawn(async move {
            while finished.lock().expect("lock").len() < 2 * n {
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "routing did not finish in 10 minutes"
                );
                let received = queue
                    .receive(10, VISIBILITY, Duration::ZERO)
                    .await
                    .expect("receive");
                if received.is_empty() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                let response = handler
                    .handle(sqs_event(&received), None)
                    .await
                    .expect("batch");
                failures.fetch_add(response.batch_item_failures.len(), Ordering::SeqCst);
                settle(queue.as_ref(), &received, &response).await;
                let failed = failed_ids(&response);
                finished.lock().expect("lock").extend(
                    received
                        .into_iter()
                        .map(|r| r.id)
                        .filter(|id| !failed.contains(id)),
                );
            }
        }));
    }
    for i in invocations {
        i.await.expect("invocation task");
    }
    if let Some(faults) = h.disarm_faults() {
        println!("faults injected into the adapters' calls: {faults:?}");
        // Every kind fired, or the run proved less than it claims.
        assert!(
            faults.throttled > 0
                && faults.server_error > 0
                && faults.lost_reply > 0
                && faults.slow_reply > 0,
            "{faults:?}"
        );
    }
    println!(
        "{n} leads x 2 deliveries by {INVOCATIONS} concurrent invocations in {:?}; \
         {} messages reported failed and delivered again",
        started.elapsed(),
        failures.load(Ordering::SeqCst)
    );
    assert!(is_drained(queue.as_ref()).await);
    assert!(
        queue
            .dead_letters(10)
            .await
            .expect("dead letters")
            .is_empty()
    );

    let reps: Vec<&str> = caps.keys().copied().collect();
    let state = read_state(&store, &leads, &reps).await;
    assert_counters_match(&store, &state).await;
    let mut assigned = 0;
    for id in &leads {
        let lead = state.leads[id].as_ref().expect("lead");
        let [record] = state.decisions[id].as_slice() else {
            panic!(
                "{id}: {} decisions, expected exactly one",
                state.decisions[id].len()
            );
        };
        match (lead.status, &state.assignments[id]) {
            (LeadStatus::Assigned, Some(a)) => {
                assert_eq!((a.status, a.attempt), (AssignmentStatus::Open, 1), "{id}");
                assert!(
                    matches!(&record.outcome, OutcomeRecord::Assigned { rep, .. } if rep == &a.rep)
                );
                assigned += 1;
            }
            (LeadStatus::Parked, None) => {
                assert!(
                    matches!(&record.outcome, OutcomeRecord::Parked { .. }),
                    "{id}"
                );
            }
            other => panic!("{id}: neither assigned nor parked: {other:?}"),
        }
    }
    for (rep, cap) in &caps {
        let open = state.reps[*rep].open;
        // Nothing is released here, so counts only grow: the final count is the maximum.
        assert!(open <= *cap, "rep {rep}: {open} open leads, cap {cap}");
        // A lead parks only when every rep is full, so every cap is reached exactly.
        assert_eq!(open, *cap, "rep {rep} left capacity unused");
        assert_eq!(
            store.open_assignments(rep).await.expect("open").len(),
            *cap as usize
        );
    }
    assert_eq!(assigned, capacity as usize);

    let notifications = h.notified(handler.notify_queue()).await;
    let by_assignment = notifications_by_id(&notifications);
    assert_eq!(
        by_assignment.len(),
        n,
        "one notification id per assignment or parking"
    );
    let (parkings, by_assignment): (BTreeMap<_, _>, BTreeMap<_, _>) = by_assignment
        .into_iter()
        .partition(|(_, note)| note.kind == NotifyKind::Parked);
    assert_eq!(parkings.len(), n - assigned);
    for (id, note) in &parkings {
        assert_eq!(
            id,
            &format!("{}:parked:1", note.lead_id),
            "one parking each"
        );
        assert_eq!(note.pool.as_deref(), Some("triage"), "{id}");
    }
    for (id, note) in &by_assignment {
        let a = state.assignments[note.lead_id.as_str()]
            .as_ref()
            .expect("assignment");
        assert_eq!((&a.rep, a.attempt), (&note.rep, note.attempt), "{id}");
    }
    let events = events_by_id(&h.recorded(&handler.router().events).await);
    let kinds = counts(events.values().map(|e| e.kind.as_str()));
    assert_eq!(kinds.get("lead.assigned").copied().unwrap_or(0), assigned);
    assert_eq!(kinds.get("lead.parked").copied().unwrap_or(0), n - assigned);
}
