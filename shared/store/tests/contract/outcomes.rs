//! Reps' outcome records: a won or lost close counts once, with the close, under its
//! decision's segment; routing of a `best_fit` policy reads them; a recount gives what
//! the closes gave; imported history sits beside the recorded one.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::fit::{FitVerdict, RepOutcomes};
use switchboard_routing::{CompiledPolicy, RepId};
use switchboard_store::actions::{Desk, Target};
use switchboard_store::{
    Assignment, CloseOutcome, LeadStore, NewLead, OutcomeRecord, OutcomeStore, Recounted,
    ReleaseOutcome, Routed, Router, RoutingState,
};

use super::Harness;
use super::fixtures::{SIMPLE, activate, doc, lead, monday};

/// Three reps in a `best_fit` pool over round robin; segments by industry; shares kept
/// per day.
const FIT: &str = "
name: fit
triage_pool: triage
outcomes: { segment: [industry], prior_strength: 5 }
reps: [ { id: ana }, { id: bo }, { id: cy } ]
pools:
  - id: main
    strategy: best_fit
    best_fit: { base: round_robin, window: day }
    members: [ana, bo, cy]
rules: [ { id: all, pool: main } ]
";

fn reps() -> Vec<RepId> {
    ["ana", "bo", "cy"].into_iter().map(RepId::from).collect()
}

async fn route<H: Harness>(
    router: &Router<H::Store, H::Events>,
    id: &str,
    industry: &str,
    now: Timestamp,
) -> Assignment {
    let l = lead(id).with_attr("industry", industry);
    router
        .store
        .insert_if_absent(&NewLead::new(l, format!("key:{id}")), now)
        .await
        .expect("insert");
    match router.route_lead(id, now).await.expect("route") {
        Routed::Decided {
            assignment: Some(a),
            ..
        } => a,
        other => panic!("{id} not assigned: {other:?}"),
    }
}

async fn close<S: RoutingState>(
    store: &S,
    a: &Assignment,
    outcome: CloseOutcome,
    now: Timestamp,
) -> bool {
    store
        .end_attempt(
            &a.lead_id,
            a.attempt,
            ReleaseOutcome::Closed,
            Some(outcome),
            now,
        )
        .await
        .expect("close")
        .is_some()
}

pub async fn outcomes_count_once_per_close_and_reach_the_snapshot<H: Harness>(h: &H) {
    let router = Router::new(h.store().await, h.events().await);
    let store = &router.store;
    activate(store, FIT).await;
    let policy = CompiledPolicy::compile(doc(FIT), 1).expect("compile");
    let now = monday();
    use CloseOutcome::{Lost, Unqualified, Won};
    // (lead, industry, outcome)
    let cases = [
        ("O1", "SaaS", Won),
        ("O2", "saas", Lost),
        ("O3", "retail", Won),
        ("O4", "saas ", Unqualified),
        ("O5", "retail", Lost),
        ("O6", "saas", Won),
        ("O7", "retail", Won),
    ];
    let mut want: std::collections::BTreeMap<RepId, RepOutcomes> = reps()
        .into_iter()
        .map(|r| (r, RepOutcomes::default()))
        .collect();
    let mut assigned = Vec::new();
    for (id, industry, outcome) in cases {
        let a = route::<H>(&router, id, industry, now).await;
        assert!(close(store, &a, outcome, now).await, "{id} closes");
        // The same close again (a retry, a double click): nothing ends, nothing counts.
        assert!(!close(store, &a, Won, now).await, "{id} closes once");
        if let Some(won) = switchboard_store::counts_as_won(outcome) {
            let segment = format!("industry={}", industry.trim().to_lowercase());
            want.get_mut(&a.rep).unwrap().record(Some(&segment), won);
        }
        assigned.push(a);
    }
    let recorded: Vec<RepOutcomes> = want.values().cloned().collect();
    let read = store.rep_outcomes(&reps()).await.expect("read");
    let got: Vec<RepOutcomes> = read.iter().map(|r| r.recorded.clone()).collect();
    assert_eq!(got, recorded, "one count per won or lost close");
    assert!(read.iter().all(|r| r.imported.is_empty()));
    assert_eq!(
        read.iter().map(|r| r.total().overall.closes()).sum::<u32>(),
        6,
        "unqualified is not a close of the rep's"
    );

    // Routing loads every member's total.
    let view = store.load(&policy, "O1").await.expect("load");
    for (rep, outcomes) in &want {
        let i = policy.rep_index(rep).unwrap();
        let loaded = view.snapshot.outcomes_of(i).cloned().unwrap_or_default();
        assert_eq!(&loaded, outcomes, "{rep} in the snapshot");
    }

    // Imported history: beside the recorded part, in the total, replaced by the next import.
    let mut history = RepOutcomes::default();
    for _ in 0..3 {
        history.record(Some("industry=retail"), true);
    }
    store
        .set_imported_outcomes("ana", &history)
        .await
        .expect("import");
    store
        .set_imported_outcomes("ana", &history)
        .await
        .expect("import again");
    let ana = &store.rep_outcomes(&reps()[..1]).await.expect("read")[0];
    assert_eq!(ana.recorded, want[&RepId::from("ana")]);
    assert_eq!(ana.imported, history);
    let view = store.load(&policy, "O1").await.expect("load");
    let loaded = view.snapshot.outcomes_of(policy.rep_index("ana").unwrap());
    assert_eq!(loaded, Some(&ana.total()));
    assert_eq!(
        ana.total().in_segment("industry=retail").won,
        want[&RepId::from("ana")].in_segment("industry=retail").won + 3
    );

    // A recount gives what the closes gave, keeps the imported part, and is idempotent.
    let before = store.rep_outcomes(&reps()).await.expect("read");
    for _ in 0..2 {
        let done = store.recount_outcomes().await.expect("recount");
        assert_eq!(
            done,
            Recounted {
                leads: 7,
                closes: 6,
                unqualified: 1,
                reps: done.reps
            }
        );
        assert!(done.reps >= 3, "{done:?}");
        assert_eq!(store.rep_outcomes(&reps()).await.expect("read"), before);
    }
    // A rep never closed has an empty record.
    assert_eq!(
        store
            .rep_outcomes(&[RepId::from("zed")])
            .await
            .expect("read"),
        vec![OutcomeRecord::default()]
    );

    // A policy without a best_fit pool reads no outcomes.
    activate(store, SIMPLE).await;
    let simple = CompiledPolicy::compile(doc(SIMPLE), 2).expect("compile");
    let view = store.load(&simple, "O1").await.expect("load");
    assert!(view.snapshot.outcomes.is_empty());
}

pub async fn outcomes_make_best_fit_depart_for_a_credibly_better_rep<H: Harness>(h: &H) {
    let router = Router::new(h.store().await, h.events().await);
    let store = &router.store;
    activate(store, FIT).await;
    let mut now = monday();
    // Round robin's record: ana wins every SaaS lead, bo and cy lose theirs.
    for i in 0..30 {
        let a = route::<H>(&router, &format!("F{i}"), "saas", now).await;
        let outcome = if a.rep == "ana" {
            CloseOutcome::Won
        } else {
            CloseOutcome::Lost
        };
        assert!(close(store, &a, outcome, now).await);
        now += SignedDuration::from_mins(1);
    }
    // One SaaS lead a day after that (a new fairness window each) goes to ana; where
    // round robin would have picked someone else, the record says why.
    let mut departed = 0;
    for day in 1..=2 {
        let id = format!("F-day{day}");
        let at = monday() + SignedDuration::from_hours(24 * day);
        let a = route::<H>(&router, &id, "saas", at).await;
        assert_eq!(a.rep, "ana", "{id}");
        let record = store
            .decisions(&id)
            .await
            .expect("decisions")
            .pop()
            .unwrap();
        assert_eq!(record.segment.as_deref(), Some("industry=saas"));
        let fit = record.fit.expect("a best_fit record");
        if fit.base_pick != "ana" {
            assert_eq!(fit.verdict, FitVerdict::Credible, "{id}: {fit:?}");
            departed += 1;
        }
        assert!(close(store, &a, CloseOutcome::Won, at).await);
    }
    assert!(departed >= 1, "round robin picked ana both days");
}

/// One rep in a `best_fit` pool, so every lead is hers.
const ONE: &str = "
name: one
triage_pool: triage
outcomes: { segment: [industry] }
reps: [ { id: ana } ]
pools:
  - { id: main, strategy: best_fit, best_fit: { base: round_robin }, members: [ana] }
rules: [ { id: all, pool: main } ]
";

pub async fn outcomes_of_concurrent_closes_all_count<H: Harness>(h: &H) {
    const LEADS: usize = 12;
    let router = Arc::new(Router::new(h.store().await, h.events().await));
    let notify = Arc::new(h.queue(5).await);
    activate(&router.store, ONE).await;
    let now = monday();
    let mut want = RepOutcomes::default();
    let mut tasks = Vec::new();
    for i in 0..LEADS {
        let industry = if i % 3 == 0 { "retail" } else { "saas" };
        let a = route::<H>(&router, &format!("C{i}"), industry, now).await;
        let won = i % 2 == 0;
        want.record(Some(&format!("industry={industry}")), won);
        let outcome = if won {
            CloseOutcome::Won
        } else {
            CloseOutcome::Lost
        };
        let (router, notify) = (router.clone(), notify.clone());
        // The rep closes them all at once, each twice (a double click).
        tasks.push(tokio::spawn(async move {
            let desk = Desk::new(&router, &*notify);
            let target = Target::new(&a.lead_id, &a.rep, Some(a.attempt));
            let (first, second) = tokio::join!(
                desk.close(&target, outcome, now),
                desk.close(&target, outcome, now),
            );
            let codes = [first.expect("close").code(), second.expect("close").code()];
            assert!(
                codes.contains(&"closed")
                    && codes
                        .iter()
                        .all(|c| *c == "closed" || *c == "already_closed"),
                "{codes:?}"
            );
            codes.iter().filter(|c| **c == "closed").count()
        }));
    }
    let mut closed = 0;
    for t in tasks {
        closed += t.await.expect("task");
    }
    assert_eq!(closed, LEADS, "each lead closed once");
    let got = &router
        .store
        .rep_outcomes(&[RepId::from("ana")])
        .await
        .expect("read")[0];
    assert_eq!(got.recorded, want);
}
