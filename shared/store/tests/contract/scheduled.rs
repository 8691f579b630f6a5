//! Contract of scheduled leads (an import spread over a period): stored `scheduled` with
//! their `route_at`, out of the awaiting-routing index, found by the scheduled index only
//! once due and in time order, released to routing by the sweep exactly once, and never
//! rescheduled by a second insert under the same key.

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::LeadId;
use switchboard_store::actions::Desk;
use switchboard_store::sweeper::{SweepConfig, sweep};
use switchboard_store::{
    Insert, LeadStatus, LeadStore, NewLead, RouteRequest, Routed, Router, ScheduledLeads,
    StoreError,
};
use switchboard_testkit::drain_queue;

use super::Harness;
use super::fixtures::{SIMPLE, activate, lead, monday};

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

/// Only the release step has anything to do: nothing is assigned, and the lead that is
/// routed at once is not old enough to re-drive.
fn config() -> SweepConfig {
    SweepConfig {
        redrive_after: SignedDuration::from_hours(24),
        ..SweepConfig::default()
    }
}

fn ids(leads: &[switchboard_store::StoredLead]) -> Vec<&str> {
    leads.iter().map(|l| l.lead.id.as_str()).collect()
}

/// The lead ids of the route requests on `queue`.
async fn requested<Q: switchboard_store::WorkQueue>(queue: &Q) -> Vec<String> {
    let mut got: Vec<String> = drain_queue(queue)
        .await
        .iter()
        .map(|b| {
            RouteRequest::parse(b)
                .expect("a route request")
                .lead_id
                .into_string()
        })
        .collect();
    got.sort();
    got
}

pub async fn scheduled_leads_wait_for_their_time_then_route_once<H: Harness>(h: &H) {
    let router = Router::new(h.store().await, h.events().await);
    activate(&router.store, SIMPLE).await;
    let (notify, routing) = (h.queue(5).await, h.queue(5).await);
    let desk = Desk::new(&router, &notify);
    let store = &router.store;
    let t0 = monday();

    // Three scheduled (two at one instant: id order breaks the tie), one for at once.
    let plan: [(&str, Option<i64>); 4] = [
        ("SC3", Some(20)),
        ("SC1", Some(10)),
        ("SC2", Some(20)),
        ("NOW", None),
    ];
    for (id, at) in plan {
        let mut new = NewLead::new(lead(id), format!("key:{id}"));
        if let Some(m) = at {
            new = new.route_at(t0 + mins(m));
        }
        let Insert::Created(stored) = store.insert_if_absent(&new, t0).await.expect("insert")
        else {
            panic!("{id} existed");
        };
        let want = if at.is_some() {
            LeadStatus::Scheduled
        } else {
            LeadStatus::Received
        };
        assert_eq!(stored.status, want, "{id}");
        let read = store.get(id).await.expect("get").expect("stored");
        assert_eq!(read.route_at, at.map(|m| t0 + mins(m)), "{id}");
        assert_eq!(read.status, want, "{id}");
    }
    // Scheduled leads are not waiting for a lost hand-off.
    let awaiting = store.awaiting_routing(Timestamp::MAX, 10).await.unwrap();
    assert_eq!(ids(&awaiting), ["NOW"]);

    // Found only once due, earliest first, at most `limit`.
    let cases: [(i64, usize, &[&str]); 5] = [
        (9, 10, &[]),
        (10, 10, &["SC1"]),
        (19, 10, &["SC1"]),
        (20, 10, &["SC1", "SC2", "SC3"]),
        (60, 2, &["SC1", "SC2"]),
    ];
    for (at, limit, want) in cases {
        let due = store.scheduled_due(t0 + mins(at), limit).await.unwrap();
        assert_eq!(ids(&due), want, "due by +{at}m, limit {limit}");
    }

    // A stray route request before the time routes nothing.
    let stray = router.route_lead("SC2", t0 + mins(1)).await.expect("route");
    assert!(
        matches!(stray, Routed::NotAwaitingRouting(LeadStatus::Scheduled)),
        "{stray:?}"
    );

    // The sweep releases each lead once its time has come, and only then.
    let passes: [(i64, usize, &[&str]); 4] = [
        (5, 0, &[]),
        (10, 1, &["SC1"]),
        (30, 2, &["SC2", "SC3"]),
        (40, 0, &[]),
    ];
    for (at, released, sent) in passes {
        let report = sweep(&desk, &routing, &config(), t0 + mins(at))
            .await
            .expect("sweep");
        assert_eq!(report.released, released, "+{at}m: {report:?}");
        assert_eq!(report.failures, 0, "+{at}m: {report:?}");
        assert_eq!(requested(&routing).await, sent, "+{at}m");
        for id in sent {
            let l = store.get(id).await.unwrap().unwrap();
            assert_eq!(l.status, LeadStatus::Queued, "{id}");
            assert!(l.route_at.is_some(), "{id} keeps its plan");
        }
    }
    assert!(
        store
            .scheduled_due(Timestamp::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Released leads route as any lead does.
    let routed = router
        .route_lead("SC1", t0 + mins(41))
        .await
        .expect("route");
    assert!(matches!(routed, Routed::Decided { .. }), "{routed:?}");

    // Inserting again under the same key reschedules nothing.
    let again = NewLead::new(lead("SC9"), "key:SC2").route_at(t0 + mins(90));
    let Insert::Existing(existing) = store.insert_if_absent(&again, t0 + mins(42)).await.unwrap()
    else {
        panic!("key:SC2 stored a new lead");
    };
    assert_eq!(existing.lead.id, LeadId::from("SC2"));
    assert_eq!(existing.status, LeadStatus::Queued);
    assert_eq!(existing.route_at, Some(t0 + mins(20)));
    assert!(
        store
            .scheduled_due(Timestamp::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // One release wins.
    let late = store
        .set_status(
            "SC2",
            LeadStatus::Scheduled,
            LeadStatus::Queued,
            t0 + mins(43),
        )
        .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
}

pub async fn a_duplicate_is_never_scheduled<H: Harness>(h: &H) {
    let store = h.store().await;
    let t0 = monday();
    let first = NewLead::new(lead("DP1"), "key:DP1").dedupe_since(t0 - mins(60));
    store.insert_if_absent(&first, t0).await.expect("insert");
    // The same address again, planned for later: a duplicate, never routed.
    let mut same = lead("DP2");
    same.email = lead("DP1").email;
    let second = NewLead::new(same, "key:DP2")
        .dedupe_since(t0 - mins(60))
        .route_at(t0 + mins(30));
    let Insert::Created(dup) = store.insert_if_absent(&second, t0).await.unwrap() else {
        panic!("DP2 existed");
    };
    assert_eq!(dup.status, LeadStatus::Duplicate);
    assert_eq!(dup.route_at, None);
    let read = store.get("DP2").await.unwrap().unwrap();
    assert_eq!((read.status, read.route_at), (LeadStatus::Duplicate, None));
    assert!(
        store
            .scheduled_due(Timestamp::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
