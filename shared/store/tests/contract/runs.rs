//! Routing in runs (`Router::route_run`): each lead decided on the state the ones before
//! it leave, the writes submitted together. It must decide exactly as routing the leads
//! one after another would, and stay correct when runs race each other.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_store::embedded::MemoryEvents;
use switchboard_store::{AssignmentStatus, LeadStatus, LeadStore, Routed, Router, RoutingState};

use super::Harness;
use super::fixtures::{activate, insert, monday};

/// Weighted reps with tight caps, an overflow pool, then triage: a run crosses caps,
/// fallbacks and parks.
const RUNS: &str = "
triage_pool: triage
default_sla: 15m
reps:
  - { id: r1, caps: { max_open: 4 } }
  - { id: r2, caps: { max_open: 3 } }
  - { id: r3, caps: { max_open: 2 } }
  - { id: o1, caps: { max_open: 2 } }
pools:
  - id: main
    strategy: weighted_round_robin
    members: [ { rep: r1, weight: 3 }, { rep: r2, weight: 2 }, r3 ]
  - { id: spill, strategy: least_loaded, members: [o1] }
rules: [ { id: all, pool: main, fallbacks: [spill] } ]
";

const CAPS: [(&str, u32); 4] = [("r1", 4), ("r2", 3), ("r3", 2), ("o1", 2)];

/// What happened to each lead: the rep, or "parked".
async fn outcomes<S: LeadStore + RoutingState>(store: &S, ids: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        let lead = store.get(id).await.expect("read").expect("lead");
        out.push(match store.assignment(id).await.expect("read") {
            Some(a) => format!("{} ({:?})", a.rep, a.pool),
            None => {
                assert_eq!(lead.status, LeadStatus::Parked, "{id}");
                "parked".to_owned()
            }
        });
    }
    out
}

pub async fn a_run_decides_as_one_lead_after_another<H: Harness>(h: &H) {
    let ids: Vec<String> = (0..16).map(|i| format!("run-{i:02}")).collect();
    let in_runs = Router::new(h.store().await, MemoryEvents::new());
    let one_by_one = Router::new(h.store().await, MemoryEvents::new());
    for r in [&in_runs, &one_by_one] {
        activate(&r.store, RUNS).await;
        for id in &ids {
            insert(&r.store, id).await;
        }
    }

    for run in ids.chunks(5) {
        let run: Vec<&str> = run.iter().map(String::as_str).collect();
        let results = in_runs.route_run(&run, monday()).await;
        assert_eq!(results.len(), run.len());
        for (id, result) in run.iter().zip(results) {
            match result.unwrap_or_else(|e| panic!("{id}: {e}")) {
                // In order, each write finds the state its decision assumed.
                Routed::Decided { attempts, .. } if H::RUN_WRITES_IN_ORDER => {
                    assert_eq!(attempts, 1, "{id}")
                }
                Routed::Decided { .. } => {}
                other => panic!("{id}: {other:?}"),
            }
        }
    }
    for id in &ids {
        one_by_one.route_lead(id, monday()).await.expect("route");
    }

    let expected = outcomes(&one_by_one.store, &ids).await;
    assert_eq!(outcomes(&in_runs.store, &ids).await, expected);
    // The policy's 11 seats are all taken and the rest park.
    assert_eq!(expected.iter().filter(|o| *o == "parked").count(), 5);

    // A second delivery of the same run changes nothing and says so.
    let run: Vec<&str> = ids[..3].iter().map(String::as_str).collect();
    for result in in_runs.route_run(&run, monday()).await {
        assert!(
            matches!(
                result,
                Ok(Routed::Existing(_)) | Ok(Routed::NotAwaitingRouting(_))
            ),
            "{result:?}"
        );
    }
    assert_eq!(outcomes(&in_runs.store, &ids).await, expected);
}

pub async fn racing_runs_never_exceed_a_cap<H: Harness>(h: &H) {
    let r = Arc::new(Router::new(h.store().await, MemoryEvents::new()));
    activate(&r.store, RUNS).await;
    let ids: Vec<String> = (0..24).map(|i| format!("race-{i:02}")).collect();
    for id in &ids {
        insert(&r.store, id).await;
    }
    // Four runners take overlapping runs at once (every lead is in two runs), so their
    // decisions build on states the others are changing.
    let mut tasks = Vec::new();
    for t in 0..4 {
        let r = r.clone();
        let mine: Vec<String> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 == t || (i + 1) % 4 == t)
            .map(|(_, id)| id.clone())
            .collect();
        tasks.push(tokio::spawn(async move {
            for run in mine.chunks(4) {
                let run: Vec<&str> = run.iter().map(String::as_str).collect();
                for result in r.route_run(&run, monday()).await {
                    result.expect("routed");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("runner");
    }

    let mut open: HashMap<String, u32> = HashMap::new();
    for id in &ids {
        let lead = r.store.get(id).await.expect("read").expect("lead");
        match r.store.assignment(id).await.expect("read") {
            Some(a) => {
                assert_eq!(a.status, AssignmentStatus::Open);
                *open.entry(a.rep.into_string()).or_default() += 1;
            }
            None => assert_eq!(lead.status, LeadStatus::Parked, "{id}"),
        }
    }
    for (rep, cap) in CAPS {
        let counted = r.store.rep_state(rep).await.expect("rep").open;
        let assigned = open.get(rep).copied().unwrap_or(0);
        assert_eq!(counted, assigned, "{rep}: counter against open assignments");
        assert_eq!(counted, cap, "{rep}: every seat is taken, none twice");
    }
}
