//! Many leads, eight concurrent routers, random releases: the invariants must hold exactly.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use switchboard_routing::DecisionRecord;
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::embedded::MemoryEvents;
use switchboard_store::{
    AccountDirectory, AssignmentStatus, LeadStatus, LeadStore, NewLead, PolicyStore,
    ReleaseOutcome, RetryPolicy, RouteError, Routed, Router, RoutingState,
};

use super::Harness;
use super::fixtures::{activate, lead, monday};

const TASKS: usize = 8;

/// Four weighted reps with tight caps, a least-loaded overflow pool with tighter caps,
/// then triage.
const TIGHT: &str = "
triage_pool: triage
reps:
  - { id: r1, caps: { max_open: 3 } }
  - { id: r2, caps: { max_open: 3 } }
  - { id: r3, caps: { max_open: 2 } }
  - { id: r4, caps: { max_open: 2 } }
  - { id: o1, caps: { max_open: 2 } }
  - { id: o2, caps: { max_open: 1 } }
pools:
  - id: tight
    strategy: weighted_round_robin
    members: [ { rep: r1, weight: 3 }, { rep: r2, weight: 2 }, r3, r4 ]
  - { id: spill, strategy: least_loaded, members: [o1, o2] }
rules: [ { id: all, pool: tight, fallbacks: [spill] } ]
";

/// Weights 5:3:2 and no caps: eligibility never changes, so shares must be exact.
const SHARES: &str = "
triage_pool: triage
reps: [ { id: five }, { id: three }, { id: two } ]
pools:
  - id: fair
    strategy: weighted_round_robin
    members: [ { rep: five, weight: 5 }, { rep: three, weight: 3 }, { rep: two, weight: 2 } ]
rules: [ { id: all, pool: fair } ]
";

fn caps() -> HashMap<&'static str, u32> {
    HashMap::from([
        ("r1", 3),
        ("r2", 3),
        ("r3", 2),
        ("r4", 2),
        ("o1", 2),
        ("o2", 1),
    ])
}

/// A shared list of deliveries; a contended lead goes back to the end (as an unacknowledged
/// message would be redelivered).
struct Deliveries(Mutex<Vec<String>>);

impl Deliveries {
    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }
    fn put_back(&self, id: String) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(0, id);
    }
}

async fn insert_all<S>(store: &Arc<Router<S, MemoryEvents>>, ids: &[String])
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory + 'static,
{
    let chunks: Vec<Vec<String>> = ids
        .chunks(ids.len().div_ceil(TASKS))
        .map(<[String]>::to_vec)
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let r = store.clone();
        tasks.push(tokio::spawn(async move {
            for id in chunk {
                r.store
                    .insert_if_absent(&NewLead::new(lead(&id), format!("key:{id}")), monday())
                    .await
                    .expect("insert");
            }
        }));
    }
    for t in tasks {
        t.await.expect("insert task");
    }
}

/// Checks that the committed decisions of `pool` advanced its version one step at a time
/// with no version taken twice: the pool state was never lost or forked.
fn assert_pool_chain(records: &[DecisionRecord], pool: &str) -> u64 {
    let mut versions: Vec<u64> = records
        .iter()
        .filter_map(|r| r.change.pool.as_ref())
        .filter(|p| p.pool == pool)
        .map(|p| {
            assert_eq!(p.after.version, p.version_before + 1);
            p.version_before
        })
        .collect();
    versions.sort_unstable();
    let n = versions.len() as u64;
    assert_eq!(versions, (0..n).collect::<Vec<_>>(), "pool {pool} versions");
    n
}

pub async fn concurrent_routing_keeps_every_invariant<H: Harness>(h: &H) {
    let n = H::CONCURRENT_LEADS;
    let r = Arc::new(
        Router::new(h.store().await, MemoryEvents::new()).with_retry(RetryPolicy {
            // No patience: contention must reach the caller, to test its hand-back.
            max_attempts: 4,
            patience: std::time::Duration::ZERO,
            ..RetryPolicy::default()
        }),
    );
    activate(&r.store, TIGHT).await;
    let ids: Vec<String> = (0..n).map(|i| format!("lead-{i:05}")).collect();
    insert_all(&r, &ids).await;

    // Every lead is delivered twice (duplicate deliveries), in a shuffled order.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut work: Vec<String> = ids.iter().chain(ids.iter()).cloned().collect();
    rng.shuffle(&mut work);
    let work = Arc::new(Deliveries(Mutex::new(work)));
    let contended = Arc::new(AtomicUsize::new(0));
    let released = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));

    // A watcher samples the counters while routing runs: no cap may be exceeded, ever.
    let watcher = {
        let r = r.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let caps = caps();
            let mut samples = 0;
            while !done.load(Ordering::Relaxed) {
                for (rep, cap) in &caps {
                    let open = r.store.rep_state(rep).await.expect("rep").open;
                    assert!(open <= *cap, "{rep} has {open} open, cap {cap}");
                }
                samples += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            samples
        })
    };

    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (r, work, contended, released) =
            (r.clone(), work.clone(), contended.clone(), released.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(100 + t as u64);
            let mut mine: Vec<String> = Vec::new();
            while let Some(id) = work.take() {
                match r.route_lead(&id, monday()).await {
                    Ok(Routed::Decided {
                        assignment: Some(a),
                        ..
                    }) => mine.push(a.lead_id.into_string()),
                    Ok(_) => {}
                    Err(RouteError::Contended { .. }) => {
                        contended.fetch_add(1, Ordering::Relaxed);
                        work.put_back(id);
                    }
                    Err(e) => panic!("routing {id} failed: {e}"),
                }
                // Close about half of this task's leads, at random moments, so capacity
                // frees while others route.
                if !mine.is_empty() && rng.bool() {
                    let victim = mine.swap_remove(rng.usize(..mine.len()));
                    let ended = r
                        .release(&victim, ReleaseOutcome::Closed, monday())
                        .await
                        .expect("release");
                    assert!(ended.is_some(), "{victim} was open and released once");
                    released.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("routing task");
    }
    done.store(true, Ordering::Relaxed);
    let samples = watcher.await.expect("watcher");

    // Every lead is assigned (open or closed) or parked, with exactly one decision.
    let mut open_by_rep: BTreeMap<String, u32> = BTreeMap::new();
    let mut status_counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut records = Vec::with_capacity(n);
    for id in &ids {
        let lead = r.store.get(id).await.expect("get").expect("lead exists");
        let decisions = r.store.decisions(id).await.expect("decisions");
        assert_eq!(
            decisions.len(),
            1,
            "{id}: one decision despite two deliveries"
        );
        assert_eq!(lead.decisions, 1, "{id}");
        let assignment = r.store.assignment(id).await.expect("assignment");
        match (&decisions[0].outcome, &assignment, lead.status) {
            (OutcomeRecord::Assigned { rep, .. }, Some(a), LeadStatus::Assigned) => {
                assert_eq!((&a.rep, a.status), (rep, AssignmentStatus::Open), "{id}");
                *open_by_rep.entry(a.rep.to_string()).or_default() += 1;
            }
            (OutcomeRecord::Assigned { rep, .. }, Some(a), LeadStatus::Closed) => {
                assert_eq!((&a.rep, a.status), (rep, AssignmentStatus::Closed), "{id}");
            }
            (OutcomeRecord::Parked { pool, .. }, None, LeadStatus::Parked) => {
                assert_eq!(pool, "triage");
            }
            other => panic!("{id} is inconsistent: {other:?}"),
        }
        *status_counts.entry(lead.status.as_str()).or_default() += 1;
        records.push(decisions.into_iter().next().expect("one decision"));
    }

    // Counters equal the open assignments recomputed from the assignment list, and the
    // index of open assignments agrees; no cap is exceeded.
    for (rep, cap) in caps() {
        let state = r.store.rep_state(rep).await.expect("rep");
        let recomputed = open_by_rep.get(rep).copied().unwrap_or(0);
        assert_eq!(state.open, recomputed, "{rep} counter vs assignments");
        let indexed = r.store.open_assignments(rep).await.expect("open");
        assert_eq!(indexed.len() as u32, recomputed, "{rep} open index");
        assert!(state.open <= cap, "{rep} over cap");
    }
    let picks = assert_pool_chain(&records, "tight");
    let assigned = status_counts.get("assigned").copied().unwrap_or(0)
        + status_counts.get("closed").copied().unwrap_or(0);
    assert_eq!(
        released.load(Ordering::Relaxed),
        status_counts.get("closed").copied().unwrap_or(0)
    );
    assert!(
        assigned > 0 && status_counts.get("parked").copied().unwrap_or(0) > 0,
        "caps must bind: {status_counts:?}"
    );
    println!(
        "{n} leads, {TASKS} tasks: {status_counts:?}; {picks} picks from the weighted pool; \
         {} contended retries; {} releases; {samples} watcher samples",
        contended.load(Ordering::Relaxed),
        released.load(Ordering::Relaxed),
    );
}

pub async fn concurrent_weighted_shares_stay_exact<H: Harness>(h: &H) {
    let n = H::SHARE_LEADS;
    let r = Arc::new(Router::new(h.store().await, MemoryEvents::new()));
    activate(&r.store, SHARES).await;
    let ids: Vec<String> = (0..n).map(|i| format!("share-{i:05}")).collect();
    insert_all(&r, &ids).await;
    let work = Arc::new(Deliveries(Mutex::new(ids.clone())));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (r, work) = (r.clone(), work.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(id) = work.take() {
                match r.route_lead(&id, monday()).await {
                    Ok(Routed::Decided {
                        assignment: Some(_),
                        ..
                    }) => {}
                    Err(RouteError::Contended { .. }) => work.put_back(id),
                    other => panic!("routing {id}: {other:?}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("routing task");
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut records = Vec::new();
    for id in &ids {
        let a = r
            .store
            .assignment(id)
            .await
            .expect("read")
            .expect("assigned");
        *counts.entry(a.rep.into_string()).or_default() += 1;
        records.extend(r.store.decisions(id).await.expect("decisions"));
    }
    assert_eq!(assert_pool_chain(&records, "fair"), n as u64);
    // Pool writes are conditioned on the version, so committed picks form one serial
    // smooth weighted round robin sequence, whose counts stay within one lead of
    // n * weight / total however the routers interleave.
    for (rep, weight) in [("five", 5.0), ("three", 3.0), ("two", 2.0)] {
        let want = n as f64 * weight / 10.0;
        let got = counts.get(rep).copied().unwrap_or(0) as f64;
        assert!(
            (got - want).abs() <= 1.0,
            "{rep}: {got} leads, share {want}"
        );
    }
    println!("{n} leads over weights 5:3:2 with {TASKS} routers: {counts:?}");
}
