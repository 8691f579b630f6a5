//! Contract of recycling: the assignment ends and the rep's open count drops exactly once,
//! the recycle is kept with the lead, and the lead goes where the policy says (closed,
//! parked for nurture, or parked until the sweep re-routes it after the delay).

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::recycle::{Recycle, RecycleAsk, RecycleReason, RecycleThen};
use switchboard_routing::report::{HealthAccumulator, PoolWeights, Window};
use switchboard_store::actions::{Answer, Desk, Target};
use switchboard_store::report_facts::lead_facts;
use switchboard_store::sweeper::{SweepConfig, sweep};
use switchboard_store::{
    Assignment, AssignmentStatus, LeadIndex, LeadStatus, LeadStore, ReleaseOutcome, RouteRequest,
    Routed, Router, RoutingState,
};
use switchboard_testkit::drain_queue;

use super::Harness;
use super::fixtures::{activate, insert, monday};

const POLICY: &str = "
name: recycling
triage_pool: triage
default_sla: 5m
recycle:
  default: { then: close }
  reasons:
    no_budget: { then: nurture, pool: nurture }
    student: { then: reroute, after: 1h }
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

async fn route<H: Harness>(
    router: &Router<H::Store, H::Events>,
    id: &str,
    now: Timestamp,
) -> Assignment {
    insert(&router.store, id).await;
    match router.route_lead(id, now).await.expect("route") {
        Routed::Decided {
            assignment: Some(a),
            ..
        } => a,
        other => panic!("{id} not assigned: {other:?}"),
    }
}

fn ask(reason: &str) -> RecycleAsk {
    RecycleAsk::parse(Some(reason), None).expect("a valid reason")
}

pub async fn recycling_frees_capacity_once_and_follows_the_policy<H: Harness>(h: &H) {
    let router = Router::new(h.store().await, h.events().await);
    activate(&router.store, POLICY).await;
    let notify = h.queue(5).await;
    let routing = h.queue(5).await;
    let desk = Desk::new(&router, &notify);
    let store = &router.store;
    let t0 = monday();
    let open = |rep: String| async move { store.rep_state(&rep).await.expect("rep").open };

    // Close (the default): finished, capacity freed once.
    let a = route::<H>(&router, "RC1", t0).await;
    let other = if a.rep == "ana" { "bo" } else { "ana" };
    let before = open(a.rep.to_string()).await;
    let refused = desk
        .recycle(&Target::new("RC1", other, None), &ask("bad_data"), t0)
        .await
        .expect("recycle");
    assert!(matches!(refused, Answer::NotYours { .. }), "{refused:?}");
    assert_eq!(open(a.rep.to_string()).await, before);

    let at = t0 + SignedDuration::from_mins(1);
    let answer = desk
        .recycle(&Target::new("RC1", &a.rep, Some(1)), &ask("bad_data"), at)
        .await
        .expect("recycle");
    let expected = Recycle {
        rep: a.rep.clone(),
        attempt: 1,
        reason: RecycleReason::BadData,
        note: None,
        at,
        then: RecycleThen::Close,
    };
    let Answer::Recycled {
        assignment,
        recycle,
    } = answer
    else {
        panic!("not recycled: {answer:?}");
    };
    assert_eq!(*recycle, expected);
    assert_eq!(assignment.status, AssignmentStatus::Closed);
    assert_eq!(assignment.ended_as, Some(ReleaseOutcome::Recycled));
    assert_eq!(assignment.outcome, None);
    assert_eq!(open(a.rep.to_string()).await, before - 1);
    let lead = store.get("RC1").await.expect("get").expect("lead");
    assert_eq!(lead.status, LeadStatus::Closed);
    assert_eq!(lead.recycles, vec![expected.clone()]);
    assert_eq!(
        store.assignment("RC1").await.expect("read"),
        Some(assignment)
    );

    // Again, by the desk and straight at the store: nothing more is freed or recorded.
    let again = desk
        .recycle(&Target::new("RC1", &a.rep, Some(1)), &ask("bad_data"), at)
        .await
        .expect("recycle");
    assert!(matches!(again, Answer::AlreadyClosed { .. }), "{again:?}");
    assert_eq!(
        store
            .recycle_attempt("RC1", &expected, at)
            .await
            .expect("store"),
        None
    );
    assert_eq!(open(a.rep.to_string()).await, before - 1);
    assert_eq!(
        store.get("RC1").await.unwrap().unwrap().recycles.len(),
        1,
        "a repeated recycle is recorded once"
    );

    // Nurture: parked in the nurture pool, and the sweep leaves it there.
    let b = route::<H>(&router, "RC2", t0).await;
    let before = open(b.rep.to_string()).await;
    let answer = desk
        .recycle(&Target::new("RC2", &b.rep, None), &ask("no_budget"), at)
        .await
        .expect("recycle");
    assert!(matches!(answer, Answer::Recycled { .. }), "{answer:?}");
    assert_eq!(open(b.rep.to_string()).await, before - 1);
    let lead = store.get("RC2").await.unwrap().unwrap();
    assert_eq!(lead.status, LeadStatus::Parked);
    assert_eq!(
        lead.recycles[0].then,
        RecycleThen::Nurture {
            pool: "nurture".into()
        }
    );
    assert_eq!(
        store.assignment("RC2").await.unwrap().unwrap().status,
        AssignmentStatus::Released
    );
    let parked = store.parked(None, 10).await.expect("parked");
    assert!(parked.leads.iter().any(|l| l.lead.id == "RC2"));

    // Re-route after a delay: parked until the delay is over, then the sweep hands it
    // back to routing, and it goes to the other rep.
    let c = route::<H>(&router, "RC3", t0).await;
    let before = open(c.rep.to_string()).await;
    desk.recycle(&Target::new("RC3", &c.rep, None), &ask("student"), at)
        .await
        .expect("recycle");
    assert_eq!(open(c.rep.to_string()).await, before - 1);
    let lead = store.get("RC3").await.unwrap().unwrap();
    assert_eq!(lead.status, LeadStatus::Parked);
    assert_eq!(lead.bounced, vec![c.rep.clone()]);
    assert_eq!(
        lead.recycles[0].then,
        RecycleThen::Reroute {
            reroute_at: at + SignedDuration::from_hours(1)
        }
    );

    let config = SweepConfig {
        lookback: SignedDuration::from_mins(6),
        redrive_after: SignedDuration::from_hours(10),
        ..SweepConfig::default()
    };
    let early = sweep(&desk, &routing, &config, at + SignedDuration::from_mins(59))
        .await
        .expect("sweep");
    assert_eq!(early.retried, 0);
    assert!(drain_queue(&routing).await.is_empty());
    let due = sweep(&desk, &routing, &config, at + SignedDuration::from_mins(60))
        .await
        .expect("sweep");
    assert_eq!(
        due.retried, 1,
        "only the re-route is due, not the nurtured lead"
    );
    let sent: Vec<String> = drain_queue(&routing)
        .await
        .iter()
        .map(|b| {
            RouteRequest::parse(b)
                .expect("route request")
                .lead_id
                .to_string()
        })
        .collect();
    assert_eq!(sent, ["RC3"]);
    assert_eq!(
        store.get("RC2").await.unwrap().unwrap().status,
        LeadStatus::Parked
    );
    let later = at + SignedDuration::from_mins(61);
    match router.route_lead("RC3", later).await.expect("route") {
        Routed::Decided {
            assignment: Some(again),
            ..
        } => {
            assert_ne!(again.rep, c.rep, "not back to the rep who recycled it");
            assert_eq!(again.attempt, 2);
        }
        other => panic!("RC3 not routed again: {other:?}"),
    }
    // The recycle outlives the assignment that replaced the recycled one.
    assert_eq!(store.get("RC3").await.unwrap().unwrap().recycles.len(), 1);

    // The health report counts each recycle against the rep who made it.
    let mut report = HealthAccumulator::new(
        Window::new(t0 - SignedDuration::from_hours(1), later).expect("window"),
        later,
    );
    for id in ["RC1", "RC2", "RC3"] {
        let routing = store.lead_routing(id).await.expect("read").expect("lead");
        assert!(report.add(&lead_facts(&routing).expect("facts")), "{id}");
    }
    let report = report.finish(&PoolWeights::new());
    assert_eq!(report.overall.assignments.assignments, 4);
    assert_eq!(report.overall.assignments.recycled, 3);
    assert_eq!(report.overall.leads.recycled_parked, 1, "RC2, nurtured");
    for rep in ["ana", "bo"] {
        let expected = [&a.rep, &b.rep, &c.rep]
            .into_iter()
            .filter(|r| r.as_str() == rep)
            .count() as u64;
        let got = report
            .reps
            .iter()
            .find(|f| f.rep == rep)
            .map_or(0, |f| f.assignments.recycled);
        assert_eq!(got, expected, "recycles of {rep}");
    }
    let [source] = report.sources.as_slice() else {
        panic!("one source: {:?}", report.sources);
    };
    assert_eq!((source.leads, source.recycled_leads), (3, 3));
    let reasons: Vec<_> = source
        .by_reason
        .iter()
        .map(|c| (c.reason, c.recycles))
        .collect();
    assert_eq!(
        reasons,
        [
            (RecycleReason::BadData, 1),
            (RecycleReason::NoBudget, 1),
            (RecycleReason::Student, 1)
        ]
    );

    let kinds: Vec<String> = h
        .recorded(&router.events)
        .await
        .into_iter()
        .filter(|e| e.kind == "lead.recycled")
        .map(|e| format!("{}:{}", e.detail["lead_id"], e.detail["then"]))
        .collect();
    assert_eq!(
        kinds,
        [
            "\"RC1\":\"close\"",
            "\"RC2\":\"nurture\"",
            "\"RC3\":\"reroute\""
        ]
    );
}
