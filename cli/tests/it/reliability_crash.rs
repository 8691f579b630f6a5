//! Crash safety of `switchboard serve`: the real binary takes leads at a steady rate while
//! reps accept, reject, release and close them and a short SLA keeps re-routing the rest;
//! it is killed with SIGKILL at three different moments and restarted on the same data
//! directory each time. Afterwards the store must hold every acknowledged lead exactly
//! once, routed exactly once per attempt, with every rep's open counter equal to its open
//! assignments and never above its cap.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use switchboard_cli::http_client::{self, Connection};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{AssignmentStatus, LeadStore, RoutingState};

use crate::common::{ok, path_str, scratch};
use crate::server::{API_KEY, READ_KEY, Server, intake_config, stored_lead_ids};

const REPS: [&str; 6] = ["r1", "r2", "r3", "r4", "r5", "r6"];
const CAP: u32 = 40;

/// Six reps with a cap each that the load reaches (so caps are tested and later leads
/// park), a 2 s SLA so expiries and re-routes happen during the runs and across the
/// restarts, and escalation after three bounces so bouncing leads end parked.
const POLICY: &str = "
name: crash-safety
triage_pool: triage
default_sla: 2s
escalation: { after_bounces: 3 }
reps:
  - { id: r1, caps: { max_open: 40 } }
  - { id: r2, caps: { max_open: 40 } }
  - { id: r3, caps: { max_open: 40 } }
  - { id: r4, caps: { max_open: 40 } }
  - { id: r5, caps: { max_open: 40 } }
  - { id: r6, caps: { max_open: 40 } }
pools: [ { id: main, strategy: round_robin, members: [r1, r2, r3, r4, r5, r6] } ]
rules: [ { id: all, pool: main } ]
";

/// How long each run lasts before its SIGKILL: different lengths, so the kills land at
/// different points of the sweep's cycle and of the load.
const RUNS_BEFORE_KILL: [Duration; 3] = [
    Duration::from_millis(1300),
    Duration::from_millis(2900),
    Duration::from_millis(2100),
];

/// One lead every 15 ms: about 66 leads/s.
const POST_EVERY: Duration = Duration::from_millis(15);
/// One rep action every 40 ms.
const ACT_EVERY: Duration = Duration::from_millis(40);

/// What the clients saw.
#[derive(Default)]
struct Ledger {
    /// Idempotency key → lead id, for every 202.
    acked: BTreeMap<String, String>,
    /// Acknowledged lead ids in the order of their answers, for the reps to pick from.
    order: Vec<String>,
    /// Keys whose request got no answer (the process died with it in flight).
    unanswered: BTreeSet<String>,
    /// Answers no valid request should get.
    wrong: Vec<String>,
    /// Rep actions sent, by action and answer status.
    actions: BTreeMap<String, usize>,
}

fn key(n: usize) -> String {
    format!("crash-{n}")
}

fn body(n: usize) -> Bytes {
    json!({
        "email": format!("buyer{n}@crash-safety.example"),
        "first_name": "Crash",
        "last_name": format!("Test {n}"),
        "company": format!("Crash Test {n} Inc"),
        "country": "US",
    })
    .to_string()
    .into()
}

/// Posts lead `n`; records the answer or its absence.
async fn post(url: &str, n: usize, ledger: &Mutex<Ledger>) {
    let auth = format!("Bearer {API_KEY}");
    let k = key(n);
    let sent = tokio::time::timeout(
        Duration::from_secs(15),
        http_client::request(
            Method::POST,
            &format!("{url}/v1/leads"),
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
                ("idempotency-key", k.as_str()),
            ],
            body(n),
        ),
    )
    .await;
    let mut ledger = ledger.lock().unwrap();
    match sent {
        Ok(Ok(r)) if r.status == StatusCode::ACCEPTED => {
            let answer: Value = serde_json::from_slice(&r.body).unwrap();
            let id = answer["lead_id"].as_str().unwrap().to_owned();
            ledger.unanswered.remove(&k);
            if let Some(before) = ledger.acked.insert(k.clone(), id.clone()) {
                if before != id {
                    ledger
                        .wrong
                        .push(format!("{k}: a retry gave {id}, the first answer {before}"));
                }
            } else {
                ledger.order.push(id);
            }
        }
        Ok(Ok(r)) => {
            let text = String::from_utf8_lossy(&r.body).into_owned();
            ledger.wrong.push(format!("{k}: {} {text}", r.status));
        }
        // Refused, reset or cut off by the kill: the client does not know.
        Ok(Err(_)) | Err(_) => {
            ledger.unanswered.insert(k);
        }
    }
}

/// Posts a new lead every [`POST_EVERY`] until `stop`.
async fn drive(
    url: String,
    ledger: Arc<Mutex<Ledger>>,
    next: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    let mut tick = tokio::time::interval(POST_EVERY);
    let mut inflight = tokio::task::JoinSet::new();
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let n = next.fetch_add(1, Ordering::Relaxed);
        let (url, ledger) = (url.clone(), ledger.clone());
        inflight.spawn(async move { post(&url, n, &ledger).await });
    }
    while inflight.join_next().await.is_some() {}
}

/// A rep action for the admin token, acting for `rep`.
async fn act(
    url: &str,
    token: &str,
    lead: &str,
    action: &str,
    body: Value,
) -> Result<http_client::Response, http_client::ClientError> {
    let auth = format!("Bearer {token}");
    http_client::request(
        Method::POST,
        &format!("{url}/v1/leads/{lead}/{action}"),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        Bytes::from(body.to_string()),
    )
    .await
}

async fn decision(url: &str, lead: &str) -> Option<Value> {
    let auth = format!("Bearer {READ_KEY}");
    let r = http_client::request(
        Method::GET,
        &format!("{url}/v1/leads/{lead}/decision"),
        &[("authorization", auth.as_str())],
        Bytes::new(),
    )
    .await
    .ok()?;
    (r.status == StatusCode::OK).then(|| serde_json::from_slice(&r.body).unwrap())
}

/// Every [`ACT_EVERY`], one of the 60 latest acknowledged leads (picked by a fixed
/// stride, as the recent ones are the ones likely still open) gets what a rep would do:
/// accept, reject, release, or nothing (the SLA then expires it); an accepted one is
/// sometimes closed.
async fn reps_at_work(
    url: String,
    token: String,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
) {
    let mut tick = tokio::time::interval(ACT_EVERY);
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        i += 1;
        let lead = {
            let l = ledger.lock().unwrap();
            if l.order.is_empty() {
                continue;
            }
            let recent = l.order.len().min(60);
            l.order[l.order.len() - 1 - (i * 7919) % recent].clone()
        };
        let Some(view) = decision(&url, &lead).await else {
            continue;
        };
        let a = &view["assignment"];
        if a["status"] != "open" {
            continue;
        }
        let (rep, attempt) = (a["rep"].clone(), a["attempt"].clone());
        let (action, body) = if a["accepted_at"].is_string() {
            if !i.is_multiple_of(3) {
                continue;
            }
            (
                "close",
                json!({"rep": rep, "attempt": attempt, "outcome": "won"}),
            )
        } else {
            match i % 4 {
                0 => ("accept", json!({"rep": rep, "attempt": attempt})),
                1 => (
                    "reject",
                    json!({"rep": rep, "attempt": attempt, "reason": "not my territory"}),
                ),
                2 => ("release", json!({"rep": rep, "attempt": attempt})),
                _ => continue,
            }
        };
        if let Ok(r) = act(&url, &token, &lead, action, body).await {
            let tally = format!("{action} {}", r.status.as_u16());
            *ledger.lock().unwrap().actions.entry(tally).or_default() += 1;
            // 200 done, 409 the lead moved on meanwhile, 503 lost too many races: all
            // answers a rep may get. Anything else is a fault.
            let fine = [
                StatusCode::OK,
                StatusCode::CONFLICT,
                StatusCode::SERVICE_UNAVAILABLE,
            ];
            if !fine.contains(&r.status) {
                let text = String::from_utf8_lossy(&r.body).into_owned();
                ledger
                    .lock()
                    .unwrap()
                    .wrong
                    .push(format!("{action} {lead}: {} {text}", r.status));
            }
        }
    }
}

fn flags(config: &str) -> Vec<&str> {
    vec![
        "--intake-config",
        config,
        "--no-demo",
        // Expiries found within a quarter second of their deadline; lost hand-offs
        // re-driven after a second.
        "--sweep-interval",
        "250ms",
        "--redrive-after",
        "1s",
        "--visibility-timeout",
        "2s",
    ]
}

/// Retries, with the same key and body as a client would, every request the kill left
/// unanswered.
async fn retry_unanswered(url: &str, ledger: &Mutex<Ledger>) {
    let keys: Vec<String> = ledger.lock().unwrap().unanswered.iter().cloned().collect();
    for k in keys {
        let n: usize = k.strip_prefix("crash-").unwrap().parse().unwrap();
        post(url, n, ledger).await;
    }
}

/// Waits until no lead awaits routing and every open assignment is accepted, accepting
/// what is still open, so the SLA stops moving leads and the final state is settled.
async fn settle(server: &Server, ids: &[String]) {
    let token = server.admin_token();
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut conn = Connection::open(server.authority()).await.unwrap();
    let read = format!("Bearer {READ_KEY}");
    loop {
        let mut unsettled = Vec::new();
        for id in ids {
            let r = conn
                .send(
                    Method::GET,
                    &format!("/v1/leads/{id}/decision"),
                    &[("authorization", read.as_str())],
                    Bytes::new(),
                )
                .await
                .unwrap();
            assert_eq!(r.status, StatusCode::OK, "{id}");
            let view: Value = serde_json::from_slice(&r.body).unwrap();
            let a = &view["assignment"];
            match view["status"].as_str().unwrap() {
                "parked" | "closed" => {}
                "assigned" if a["status"] == "open" && a["accepted_at"].is_string() => {}
                "assigned" if a["status"] == "open" => {
                    let body = json!({"rep": a["rep"], "attempt": a["attempt"]});
                    let _ = act(&server.url, &token, id, "accept", body).await;
                    unsettled.push(id.clone());
                }
                _ => unsettled.push(id.clone()),
            }
        }
        if unsettled.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} lead(s) never settled, e.g. {:?}",
            unsettled.len(),
            &unsettled[..unsettled.len().min(5)]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_and_doubles_nothing() {
    let dir = scratch("reliability-crash");
    let data = dir.join("data");
    let d = path_str(&data);
    let config = intake_config(&dir);
    let config = path_str(&config);
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();
    // Applied before the first start: the command creates the store.
    ok(&["policy", "apply", path_str(&policy), "--data-dir", d]);

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let next = Arc::new(AtomicUsize::new(0));
    for (run, length) in RUNS_BEFORE_KILL.iter().enumerate() {
        let server = Server::start(&data, &flags(config));
        retry_unanswered(&server.url, &ledger).await;
        let stop = Arc::new(AtomicBool::new(false));
        let load = tokio::spawn(drive(
            server.url.clone(),
            ledger.clone(),
            next.clone(),
            stop.clone(),
        ));
        let reps = tokio::spawn(reps_at_work(
            server.url.clone(),
            server.admin_token(),
            ledger.clone(),
            stop.clone(),
        ));
        tokio::time::sleep(*length).await;
        // Killed while leads and actions are in flight.
        server.kill_hard();
        stop.store(true, Ordering::Relaxed);
        load.await.unwrap();
        reps.await.unwrap();
        let l = ledger.lock().unwrap();
        eprintln!(
            "run {run}: {} acknowledged so far, {} unanswered at the kill",
            l.acked.len(),
            l.unanswered.len()
        );
    }

    // The last start: every request the kills cut off is retried, then the state settles
    // and the server stops cleanly.
    let server = Server::start(&data, &flags(config));
    retry_unanswered(&server.url, &ledger).await;
    let ids: Vec<String> = {
        let l = ledger.lock().unwrap();
        assert!(
            l.unanswered.is_empty(),
            "retries after the restart went unanswered: {:?}",
            l.unanswered
        );
        assert!(l.wrong.is_empty(), "wrong answers: {:#?}", l.wrong);
        l.acked.values().cloned().collect()
    };
    let posted = next.load(Ordering::Relaxed);
    assert!(ids.len() > 100, "only {} leads acknowledged", ids.len());
    settle(&server, &ids).await;
    server.stop();

    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    audit(&data, &ledger, posted).await;
}

/// Checks the stopped store against what the clients were told.
async fn audit(data: &std::path::Path, ledger: &Ledger, posted: usize) {
    // No lead doubled: distinct keys got distinct ids, and the store holds exactly the
    // acknowledged leads (every unanswered request was retried with its key, so a lead
    // stored before a kill was answered by the retry).
    let acked: BTreeSet<&String> = ledger.acked.values().collect();
    assert_eq!(
        acked.len(),
        ledger.acked.len(),
        "two keys got the same lead"
    );
    let stored: BTreeSet<String> = stored_lead_ids(data).into_iter().collect();
    let missing: Vec<_> = acked.iter().filter(|id| !stored.contains(**id)).collect();
    assert!(missing.is_empty(), "acknowledged leads lost: {missing:?}");
    let extra: Vec<_> = stored.iter().filter(|id| !acked.contains(id)).collect();
    assert!(
        extra.is_empty(),
        "leads stored but never acknowledged: {extra:?}"
    );
    assert!(stored.len() <= posted);

    let store = EmbeddedStore::open(data.join("switchboard.redb")).unwrap();
    let mut keys = BTreeSet::new();
    let mut open_by_rep: BTreeMap<String, u32> = BTreeMap::new();
    let (mut decisions_total, mut parked, mut closed) = (0usize, 0usize, 0usize);
    for id in &stored {
        let lead = store.get(id).await.unwrap().unwrap();
        assert!(
            keys.insert(lead.idempotency_key.clone()),
            "idempotency key {} stored twice",
            lead.idempotency_key
        );
        let assignment = store.assignment(id).await.unwrap();
        let decisions: Vec<Value> = store
            .decisions(id)
            .await
            .unwrap()
            .iter()
            .map(|d| serde_json::to_value(d).unwrap())
            .collect();
        // One decision per attempt, each recorded once.
        assert!(!decisions.is_empty(), "{id} was never decided");
        assert_eq!(decisions.len(), lead.decisions as usize, "{id}");
        decisions_total += decisions.len();
        for d in &decisions {
            // The decision's own precondition: the rep was below the cap when it was
            // applied, so no counter ever went above it.
            if let Some(after) = d["change"]["rep"]["open_after"].as_u64() {
                assert!(after <= u64::from(CAP), "{id}: {d}");
            }
        }
        let last = decisions.last().unwrap();
        match lead.status.as_str() {
            "assigned" | "closed" => {
                let a = assignment.unwrap_or_else(|| panic!("{id} has no assignment"));
                assert_eq!(a.attempt as usize, decisions.len(), "{id}: {a:?}");
                assert_eq!(last["outcome"]["status"], "assigned", "{id}");
                assert_eq!(
                    last["outcome"]["rep"].as_str(),
                    Some(a.rep.as_str()),
                    "{id}"
                );
                let want = if lead.status.as_str() == "assigned" {
                    AssignmentStatus::Open
                } else {
                    closed += 1;
                    AssignmentStatus::Closed
                };
                assert_eq!(a.status, want, "{id}: {a:?}");
                if a.status == AssignmentStatus::Open {
                    *open_by_rep.entry(a.rep.to_string()).or_default() += 1;
                }
            }
            "parked" => {
                parked += 1;
                assert_eq!(last["outcome"]["status"], "parked", "{id}");
                assert!(
                    assignment
                        .as_ref()
                        .is_none_or(|a| a.status == AssignmentStatus::Released),
                    "{id} is parked with {assignment:?}"
                );
            }
            other => panic!("{id} ended {other}"),
        }
    }
    for rep in REPS {
        let counter = store.rep_state(rep).await.unwrap().open;
        let indexed = store.open_assignments(rep).await.unwrap().len();
        let counted = open_by_rep.get(rep).copied().unwrap_or(0);
        assert_eq!(counter, counted, "{rep}: counter against open assignments");
        assert_eq!(
            indexed, counted as usize,
            "{rep}: index against open assignments"
        );
        assert!(counter <= CAP, "{rep} holds {counter} > {CAP}");
    }
    // The run did what it is for: re-routes (rejections, releases, expiries) and parks.
    assert!(decisions_total > stored.len(), "nothing was re-routed");
    eprintln!(
        "audit: {} leads, {decisions_total} decisions, {parked} parked, {closed} closed, \
         open by rep {open_by_rep:?}, rep actions {:?}",
        stored.len(),
        ledger.actions
    );
}
