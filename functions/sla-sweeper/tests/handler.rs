//! The sweeper's handler on the embedded store, driven by scheduled events whose time is
//! the clock: SLAs counted in the reps' working hours across time zones and a
//! daylight-saving change, re-routing, and the re-drive of lost hand-offs.

use jiff::Timestamp;
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_sla_sweeper::{Handler, ScheduleEvent};
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::sweeper::SweepConfig;
use switchboard_store::{
    LeadStatus, LeadStore, NewLead, NotifyKind, NotifyMessage, PolicyStore, Routed, Router,
    RoutingState,
};
use switchboard_testkit::{drain_queue, embedded_store, ts};

/// Berlin works office hours and its SLA counts only those; New York covers around the
/// clock as the fallback.
const POLICY: &str = "
name: follow-the-sun
triage_pool: triage
default_sla: 30m
sla_clock: working_hours
reps:
  - { id: ber, time_zone: Europe/Berlin, working_hours: { mon-fri: ['09:00-17:00'] } }
  - { id: nyc, time_zone: America/New_York }
pools:
  - { id: main, strategy: round_robin, members: [ber] }
  - { id: us, strategy: round_robin, members: [nyc] }
rules:
  - { id: all, pool: main, fallbacks: [us] }
";

type TestHandler = Handler<EmbeddedStore, MemoryEvents, MemoryQueue, MemoryQueue>;

async fn handler(at: Timestamp) -> TestHandler {
    let store = embedded_store();
    let doc = PolicyDocument::from_yaml(POLICY).unwrap();
    let v = store.put_version(&doc, None, at).await.unwrap();
    store.set_active(v.version, None, at).await.unwrap();
    let queue = || MemoryQueue::new(QueueConfig { max_receives: 5 });
    Handler::new(
        Router::new(store, MemoryEvents::new()),
        queue(),
        queue(),
        SweepConfig::default(),
    )
}

fn at(time: &str) -> ScheduleEvent {
    ScheduleEvent {
        time: Some(ts(time)),
        check: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn working_hours_sla_across_zones_and_a_dst_change() {
    // Friday 2026-03-27, 16:50 in Berlin (CET, 15:50 UTC): ten minutes of Friday left.
    let friday = ts("2026-03-27T15:50:00Z");
    let h = handler(friday).await;
    let store = &h.router.store;
    store
        .insert_if_absent(
            &NewLead::new(Lead::new("L1", friday).with_email("a@example.org"), "k1"),
            friday,
        )
        .await
        .unwrap();
    let Routed::Decided {
        assignment: Some(first),
        ..
    } = h.router.route_lead("L1", friday).await.unwrap()
    else {
        panic!("not assigned");
    };
    assert_eq!(first.rep, "ber");
    // Clocks go forward in Berlin on Sunday the 29th: the remaining 20 minutes start
    // Monday 09:00 CEST, which is 07:00 UTC (not 08:00 as in winter).
    assert_eq!(first.sla_due, Some(ts("2026-03-30T07:20:00Z")));

    // The weekend and Monday morning before the deadline: nothing is due.
    for time in [
        "2026-03-28T12:00:00Z",
        "2026-03-30T07:00:00Z",
        "2026-03-30T07:19:59Z",
    ] {
        let report = h
            .handle(&at(time), ts("2026-03-30T07:30:00Z"))
            .await
            .unwrap();
        assert_eq!(report.expired, 0, "at {time}");
    }
    assert!(drain_queue(&h.notify).await.is_empty());

    // At the deadline the lead moves to New York, whose SLA runs on the wall clock.
    let report = h
        .handle(&at("2026-03-30T07:20:00Z"), ts("2026-03-30T07:20:03Z"))
        .await
        .unwrap();
    assert_eq!((report.expired, report.reassigned), (1, 1), "{report:?}");
    let second = store.assignment("L1").await.unwrap().unwrap();
    assert_eq!((second.rep.as_str(), second.attempt), ("nyc", 2));
    assert_eq!(second.sla_due, Some(ts("2026-03-30T07:50:00Z")));
    assert_eq!(store.rep_state("ber").await.unwrap().open, 0, "ber lost it");
    let notes: Vec<NotifyMessage> = drain_queue(&h.notify)
        .await
        .iter()
        .map(|b| NotifyMessage::parse(b).unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotifyKind::ReassignedAway && n.rep == "ber")
    );
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotifyKind::Assigned && n.rep == "nyc")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrives_only_routable_leads_whose_hand_off_was_lost() {
    let t0 = ts("2026-06-01T10:00:00Z");
    let h = handler(t0).await;
    let store = &h.router.store;
    // L2 repeats L1's address inside the dedupe window: stored as a duplicate, never routed.
    for id in ["L1", "L2"] {
        let new = NewLead::new(Lead::new(id, t0).with_email("a@example.org"), id)
            .dedupe_since(t0 - jiff::SignedDuration::from_hours(24));
        store.insert_if_absent(&new, t0).await.unwrap();
    }
    assert_eq!(
        store.get("L2").await.unwrap().unwrap().status,
        LeadStatus::Duplicate
    );
    let report = h
        .handle(&at("2026-06-01T10:05:00Z"), ts("2026-06-01T10:05:00Z"))
        .await
        .unwrap();
    assert_eq!(report.redriven, 1);
    assert_eq!(
        drain_queue(&h.routing).await,
        vec![r#"{"lead_id":"L1"}"#.to_owned()]
    );
    assert_eq!(
        store.get("L1").await.unwrap().unwrap().status,
        LeadStatus::Queued
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_without_time_sweeps_now() {
    let t0 = ts("2026-06-01T10:00:00Z");
    let h = handler(t0).await;
    h.router
        .store
        .insert_if_absent(
            &NewLead::new(Lead::new("L1", t0).with_email("a@example.org"), "k"),
            t0,
        )
        .await
        .unwrap();
    let event: ScheduleEvent = serde_json::from_str("{}").unwrap();
    let early = h.handle(&event, ts("2026-06-01T10:01:00Z")).await.unwrap();
    assert_eq!(early.redriven, 0);
    let late = h.handle(&event, ts("2026-06-01T10:03:00Z")).await.unwrap();
    assert_eq!(late.redriven, 1);
}

/// The daily check: Berlin works weekdays 09:00–17:00 local and New York is in no pool the
/// rule starts at, so the leads that came in on Saturday mornings of the last weeks make
/// next Saturday morning a gap, published once per gap with its pool, hours and reasons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_check_publishes_each_coverage_gap() {
    let saturday = ts("2026-05-30T10:30:00Z");
    let h = handler(saturday).await;
    let store = &h.router.store;
    for week in 1..=2 {
        let at = saturday - jiff::SignedDuration::from_hours(24 * 7 * week);
        let id = format!("sat-{week}");
        store
            .insert_if_absent(&NewLead::new(Lead::new(id.as_str(), at), id.as_str()), at)
            .await
            .unwrap();
    }
    let daily = ScheduleEvent {
        time: Some(ts("2026-05-30T06:00:00Z")),
        check: Some(switchboard_sla_sweeper::Check::Coverage),
    };
    let switchboard_sla_sweeper::Invocation::Coverage(checked) =
        h.invoke(&daily, ts("2026-05-30T06:00:05Z")).await.unwrap()
    else {
        panic!("not a coverage check");
    };
    assert_eq!(checked.policy_version, Some(1));
    assert_eq!((checked.gaps, checked.gap_hours), (1, 1), "{checked:?}");
    let events = h.router.events.events();
    let gaps: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "policy.coverage_gap")
        .collect();
    assert_eq!(gaps.len(), 1, "{events:?}");
    let gap = &gaps[0].detail;
    assert_eq!(gap["pool"], "main");
    assert_eq!(gap["from"], "2026-05-30T10:00:00Z");
    assert_eq!(gap["to"], "2026-05-30T11:00:00Z");
    // Two leads over the four weeks the check averages.
    assert_eq!(gap["expected"], 0.5);
    assert_eq!(gap["reasons"]["outside_hours"], 1);
    // A sweep is still a sweep.
    let sweep = h
        .invoke(&at("2026-05-30T06:01:00Z"), ts("2026-05-30T06:01:00Z"))
        .await;
    assert!(matches!(
        sweep,
        Ok(switchboard_sla_sweeper::Invocation::Sweep(_))
    ));
}
