//! Contract of rep actions and the SLA sweep over the store ports: every action is
//! conditional on the current assignment, accept and expiry have one winner, the sweep
//! re-routes, escalates and re-drives.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use switchboard_store::actions::{Answer, Desk, Next, Target};
use switchboard_store::sweeper::{SweepConfig, sweep};
use switchboard_store::{
    Assignment, AssignmentStatus, CloseOutcome, LeadIndex, LeadStatus, LeadStore, NotifyKind,
    NotifyMessage, Routed, Router, RoutingState, WorkQueue,
};
use switchboard_testkit::drain_queue;

use super::Harness;
use super::fixtures::{activate, insert, monday};

/// Three reps in a round robin, a manager, an SLA of 5 minutes and escalation to triage
/// after two bounces.
const DESK: &str = "
name: desk
triage_pool: triage
default_sla: 5m
escalation: { after_bounces: 2, to_pool: triage, notify_manager: true }
reps:
  - { id: mia }
  - { id: ana, manager: mia }
  - { id: bo, manager: mia }
  - { id: cy, manager: mia }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo, cy] }
rules:
  - { id: all, pool: main }
";

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

struct World<H: Harness> {
    router: Arc<Router<H::Store, H::Events>>,
    notify: Arc<H::Queue>,
    routing: Arc<H::Queue>,
    events: Arc<H::Events>,
}

impl<H: Harness> World<H> {
    async fn new(h: &H) -> World<H> {
        let router = Router::new(h.store().await, h.events().await);
        activate(&router.store, DESK).await;
        let events = Arc::new(h.events().await);
        World {
            router: Arc::new(router),
            notify: Arc::new(h.queue(5).await),
            routing: Arc::new(h.queue(5).await),
            events,
        }
    }

    fn desk(&self) -> Desk<'_, H::Store, H::Events, H::Queue> {
        Desk::new(&self.router, &self.notify)
    }

    async fn route(&self, id: &str, now: Timestamp) -> Assignment {
        insert(&self.router.store, id).await;
        match self.router.route_lead(id, now).await.expect("route") {
            Routed::Decided {
                assignment: Some(a),
                ..
            } => a,
            other => panic!("{id} not assigned: {other:?}"),
        }
    }

    async fn open(&self, rep: &str) -> u32 {
        self.router.store.rep_state(rep).await.expect("rep").open
    }

    /// Every notify message queued so far (removed from the queue).
    async fn notified(&self) -> Vec<NotifyMessage> {
        drain_queue(&*self.notify)
            .await
            .iter()
            .map(|body| NotifyMessage::parse(body).expect("notify message"))
            .collect()
    }
}

fn config() -> SweepConfig {
    SweepConfig {
        lookback: mins(6),
        redrive_after: mins(2),
        ..SweepConfig::default()
    }
}

pub async fn actions_are_conditional_on_the_assignment<H: Harness>(h: &H) {
    let w = World::new(h).await;
    let desk = w.desk();
    let now = monday();
    let a1 = w.route("L1", now).await;
    let other = if a1.rep == "ana" { "bo" } else { "ana" };

    // Not yours: nothing changes.
    let answer = desk
        .accept(&Target::new("L1", other, Some(1)), now)
        .await
        .expect("accept");
    assert_eq!(
        answer,
        Answer::NotYours {
            lead_id: "L1".into(),
            owner: Some(a1.rep.clone())
        }
    );
    // A link for an attempt that never was is not the rep's either.
    let answer = desk
        .accept(&Target::new("L1", &a1.rep, Some(7)), now)
        .await
        .expect("accept");
    assert_eq!(answer.code(), "not_yours");

    // Accept, then the double click.
    let t1 = Target::new("L1", &a1.rep, Some(1));
    let answer = desk.accept(&t1, now + mins(1)).await.expect("accept");
    assert!(
        matches!(&answer, Answer::Accepted { assignment } if assignment.accepted_at == Some(now + mins(1)))
    );
    let again = desk.accept(&t1, now + mins(2)).await.expect("again");
    assert!(
        matches!(&again, Answer::AlreadyAccepted { assignment } if assignment.accepted_at == Some(now + mins(1)))
    );
    assert!(again.done());
    assert!(again.message().contains("Already accepted by you"));

    // Reject by the owner: re-routed to someone else at once.
    let a2 = w.route("L2", now).await;
    let open_before = w.open(&a2.rep).await;
    let t2 = Target::new("L2", &a2.rep, Some(1));
    let answer = desk
        .reject(&t2, "wrong territory", now)
        .await
        .expect("reject");
    let Answer::Rejected { assignment, next } = &answer else {
        panic!("{answer:?}");
    };
    assert_eq!(assignment.status, AssignmentStatus::Released);
    let Next::Rep {
        rep: next_rep,
        attempt,
        ..
    } = next
    else {
        panic!("{next:?}");
    };
    assert_ne!(
        next_rep, &a2.rep,
        "never straight back to the rep who rejected it"
    );
    assert_eq!(*attempt, 2);
    assert_eq!(
        w.open(&a2.rep).await,
        open_before - 1,
        "rejecting frees capacity"
    );

    // Late clicks of the rep who no longer owns it change nothing.
    let late_reject = desk.reject(&t2, "again", now).await.expect("reject");
    assert_eq!(
        late_reject,
        Answer::MovedOn {
            lead_id: "L2".into(),
            now_with: Some(next_rep.clone()),
            lead_status: LeadStatus::Assigned
        }
    );
    let late_accept = desk.accept(&t2, now).await.expect("accept");
    assert_eq!(
        late_accept, late_reject,
        "accept after reassignment is refused"
    );
    // Without an attempt (the API), the current owner decides: not theirs.
    let api = desk
        .accept(&Target::new("L2", &a2.rep, None), now)
        .await
        .expect("accept");
    assert_eq!(api.code(), "not_yours");
    let current = w
        .router
        .store
        .assignment("L2")
        .await
        .expect("read")
        .expect("a");
    assert_eq!(
        (current.rep.as_str(), current.attempt, current.accepted_at),
        (next_rep.as_str(), 2, None)
    );

    // Notifications: the new rep is told, the old one learns where it went.
    let notes = w.notified().await;
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotifyKind::Assigned && &n.rep == next_rep && n.attempt == 2)
    );
    assert!(notes.iter().any(|n| n.kind == NotifyKind::ReassignedAway
        && n.rep == a2.rep
        && n.next_rep.as_ref() == Some(next_rep)
        && n.reason.as_deref() == Some("rejected: wrong territory")));

    // Close frees capacity and records the outcome; closing twice is refused.
    let open_before = w.open(&a1.rep).await;
    let closed = desk
        .close(&Target::new("L1", &a1.rep, None), CloseOutcome::Won, now)
        .await
        .expect("close");
    let Answer::Closed { assignment } = &closed else {
        panic!("{closed:?}");
    };
    assert_eq!(assignment.outcome, Some(CloseOutcome::Won));
    assert_eq!(w.open(&a1.rep).await, open_before - 1);
    let stored = w
        .router
        .store
        .assignment("L1")
        .await
        .expect("read")
        .expect("a");
    assert_eq!(
        (stored.status, stored.outcome),
        (AssignmentStatus::Closed, Some(CloseOutcome::Won))
    );
    assert_eq!(
        w.router
            .store
            .get("L1")
            .await
            .expect("get")
            .expect("lead")
            .status,
        LeadStatus::Closed
    );
    let twice = desk
        .close(&Target::new("L1", &a1.rep, None), CloseOutcome::Lost, now)
        .await
        .expect("close");
    assert_eq!(twice.code(), "already_closed");
    assert_eq!(w.open(&a1.rep).await, open_before - 1, "freed exactly once");

    // Release: back to routing without this rep.
    let a3 = w.route("L3", now).await;
    let released = desk
        .release(&Target::new("L3", &a3.rep, None), None, now)
        .await
        .expect("release");
    let Answer::Released {
        next: Next::Rep { rep, .. },
        ..
    } = &released
    else {
        panic!("{released:?}");
    };
    assert_ne!(rep, &a3.rep);

    // A lead that was never routed has nobody to act.
    insert(&w.router.store, "L4").await;
    let none = desk
        .accept(&Target::new("L4", "ana", None), now)
        .await
        .expect("accept");
    assert_eq!(none.code(), "not_assigned");
    assert!(
        desk.accept(&Target::new("nope", "ana", None), now)
            .await
            .is_err()
    );

    let kinds: Vec<String> = h
        .recorded(&w.router.events)
        .await
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for kind in [
        "lead.accepted",
        "lead.rejected",
        "lead.reassigned",
        "lead.closed",
        "lead.released",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
}

pub async fn away_status_is_persisted_and_routing_skips_it<H: Harness>(h: &H) {
    let w = World::new(h).await;
    let desk = w.desk();
    let now = monday();
    let answer = desk
        .set_away("ana", Some(now + mins(60)), now)
        .await
        .expect("away");
    assert!(answer.away);
    let state = w.router.store.rep_state("ana").await.expect("rep");
    assert_eq!(state.away.and_then(|a| a.until), Some(now + mins(60)));
    for i in 0..4 {
        let a = w.route(&format!("A{i}"), now).await;
        assert_ne!(a.rep, "ana", "an away rep gets no leads");
    }
    assert_eq!(w.open("ana").await, 0, "away keeps the counters");
    desk.set_back("ana", now).await.expect("back");
    assert_eq!(
        w.router.store.rep_state("ana").await.expect("rep").away,
        None
    );
    let mut reps = Vec::new();
    for i in 0..3 {
        reps.push(w.route(&format!("B{i}"), now).await.rep);
    }
    assert!(
        reps.iter().any(|r| r == "ana"),
        "back in rotation: {reps:?}"
    );
    let kinds: Vec<String> = h
        .recorded(&w.router.events)
        .await
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "rep.away") && kinds.iter().any(|k| k == "rep.back"));
}

pub async fn sweep_reassigns_then_escalates<H: Harness>(h: &H) {
    let w = World::new(h).await;
    let desk = w.desk();
    let t0 = monday();
    let first = w.route("L1", t0).await;
    assert_eq!(first.sla_due, Some(t0 + mins(5)));
    w.notified().await;

    let early = sweep(&desk, &*w.routing, &config(), t0 + mins(4))
        .await
        .expect("sweep");
    assert_eq!(early.expired, 0);

    // The SLA passes: the first rep loses it, the next one has it.
    let open_before = w.open(&first.rep).await;
    let report = sweep(&desk, &*w.routing, &config(), t0 + mins(5))
        .await
        .expect("sweep");
    assert_eq!((report.expired, report.reassigned), (1, 1), "{report:?}");
    assert_eq!(w.open(&first.rep).await, open_before - 1);
    let second = w
        .router
        .store
        .assignment("L1")
        .await
        .expect("read")
        .expect("a");
    assert_eq!(second.attempt, 2);
    assert_ne!(second.rep, first.rep);
    assert_eq!(second.sla_due, Some(t0 + mins(10)));
    let notes = w.notified().await;
    assert!(notes.iter().any(|n| n.kind == NotifyKind::ReassignedAway
        && n.rep == first.rep
        && n.reason.as_deref() == Some("sla_expired")
        && n.next_rep.as_deref() == Some(second.rep.as_str())));
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotifyKind::Assigned && n.rep == second.rep)
    );
    // The first rep's late click changes nothing.
    let late = desk
        .accept(&Target::new("L1", &first.rep, Some(1)), t0 + mins(6))
        .await
        .expect("accept");
    assert_eq!(late.code(), "moved_on");

    // A second bounce reaches the escalation limit: parked in triage, the manager told.
    let report = sweep(&desk, &*w.routing, &config(), t0 + mins(10))
        .await
        .expect("sweep");
    assert_eq!((report.expired, report.escalated), (1, 1), "{report:?}");
    let lead = w.router.store.get("L1").await.expect("get").expect("lead");
    assert_eq!(lead.status, LeadStatus::Parked);
    assert_eq!(lead.bounced, vec![first.rep.clone(), second.rep.clone()]);
    let parked = w.router.store.parked(None, 10).await.expect("parked");
    assert_eq!(
        parked.leads,
        vec![lead.clone()],
        "the escalated lead is in triage"
    );
    let notes = w.notified().await;
    let escalated = notes
        .iter()
        .find(|n| n.kind == NotifyKind::Escalated)
        .expect("escalation notice");
    assert_eq!(escalated.recipient.as_deref(), Some("mia"));
    assert_eq!(escalated.pool.as_deref(), Some("triage"));
    let kinds: Vec<String> = h
        .recorded(&w.router.events)
        .await
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for kind in ["lead.sla_breached", "lead.reassigned", "lead.escalated"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    // Nothing is due any more.
    let quiet = sweep(&desk, &*w.routing, &config(), t0 + mins(30))
        .await
        .expect("sweep");
    assert_eq!(quiet.expired, 0);
}

pub async fn accept_racing_the_sweep_has_one_winner<H: Harness>(h: &H) {
    let w = Arc::new(World::new(h).await);
    let t0 = monday();
    let rounds = H::CONCURRENT_LEADS.clamp(10, 40);
    let (mut accepted, mut expired) = (0, 0);
    for i in 0..rounds {
        let id = format!("R{i}");
        let a = w.route(&id, t0).await;
        let due = a.sla_due.expect("sla");
        let (wa, ws) = (w.clone(), w.clone());
        let target = Target::new(&id, &a.rep, Some(a.attempt));
        let accept =
            tokio::spawn(async move { wa.desk().accept(&target, due).await.expect("accept") });
        let sweep = tokio::spawn(async move {
            let desk = ws.desk();
            sweep(&desk, &*ws.routing, &config(), due)
                .await
                .expect("sweep")
        });
        let (answer, report) = (accept.await.expect("task"), sweep.await.expect("task"));
        let won_accept = matches!(answer, Answer::Accepted { .. });
        let won_sweep = report.expired == 1;
        assert!(won_accept ^ won_sweep, "round {i}: {answer:?} / {report:?}");
        let now = w
            .router
            .store
            .assignment(&id)
            .await
            .expect("read")
            .expect("a");
        if won_accept {
            accepted += 1;
            assert_eq!(
                report.accepted_first + report.expired,
                report.accepted_first
            );
            assert_eq!((now.attempt, now.rep.as_str()), (a.attempt, a.rep.as_str()));
            assert!(now.accepted_at.is_some());
        } else {
            expired += 1;
            assert_eq!(answer.code(), "moved_on", "the loser is told: {answer:?}");
            assert!(now.attempt > a.attempt || now.status != AssignmentStatus::Open);
        }
        // Close whatever is open so capacity does not run out.
        if now.status == AssignmentStatus::Open {
            w.desk()
                .close(&Target::new(&id, &now.rep, None), CloseOutcome::Lost, due)
                .await
                .expect("close");
        }
    }
    assert_eq!(accepted + expired, rounds);
    for rep in ["ana", "bo", "cy"] {
        let open = w
            .router
            .store
            .open_assignments(rep)
            .await
            .expect("open")
            .len() as u32;
        assert_eq!(
            w.open(rep).await,
            open,
            "counter of {rep} matches its open leads"
        );
    }
}

pub async fn sweep_redrives_leads_never_enqueued<H: Harness>(h: &H) {
    let w = World::new(h).await;
    let desk = w.desk();
    let t0 = monday();
    insert(&w.router.store, "N1").await;
    let young = sweep(&desk, &*w.routing, &config(), t0 + mins(1))
        .await
        .expect("sweep");
    assert_eq!(young.redriven, 0, "younger than redrive_after");
    let report = sweep(&desk, &*w.routing, &config(), t0 + mins(3))
        .await
        .expect("sweep");
    assert_eq!(report.redriven, 1);
    let got = w
        .routing
        .receive(10, Duration::from_secs(30), Duration::ZERO)
        .await
        .expect("receive");
    assert_eq!(got.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&got[0].body).expect("json");
    assert_eq!(body["lead_id"], "N1");
    assert_eq!(
        w.router
            .store
            .get("N1")
            .await
            .expect("get")
            .expect("lead")
            .status,
        LeadStatus::Queued
    );
    // Touched by the re-drive: not sent again until redrive_after passes once more.
    let soon = sweep(&desk, &*w.routing, &config(), t0 + mins(4))
        .await
        .expect("sweep");
    assert_eq!(soon.redriven, 0);
    let later = sweep(&desk, &*w.routing, &config(), t0 + mins(6))
        .await
        .expect("sweep");
    assert_eq!(later.redriven, 1);
    // Once routed it leaves the index.
    w.router
        .route_lead("N1", t0 + mins(6))
        .await
        .expect("route");
    let routed = sweep(&desk, &*w.routing, &config(), t0 + mins(9))
        .await
        .expect("sweep");
    assert_eq!(routed.redriven, 0, "{routed:?}");
    assert_eq!(
        w.router
            .store
            .awaiting_routing(t0 + mins(60), 10)
            .await
            .expect("awaiting")
            .len(),
        0
    );
}

/// The reminder at 75 % of the SLA (the policy's default): one pass sends it, to the rep
/// who has the lead, when its time fell since the pass before; never for an accepted lead.
pub async fn sweep_reminds_the_rep_before_the_sla<H: Harness>(h: &H) {
    let w = World::new(h).await;
    let desk = w.desk();
    let t0 = monday();
    // SLA 5 minutes: W1's reminder falls at 3m45s, W2's at 4m45s.
    let w1 = w.route("W1", t0).await;
    let w2 = w.route("W2", t0 + mins(1)).await;
    // W3 is accepted before its reminder (4m45s) and is never reminded.
    let w3 = w.route("W3", t0 + mins(1)).await;
    w.router
        .store
        .accept("W3", &w3.rep, t0 + mins(2))
        .await
        .expect("accept");
    let mut reminded = Vec::new();
    // One pass a minute, as the schedule runs them.
    for m in 1..=5 {
        let report = sweep(&desk, &*w.routing, &config(), t0 + mins(m))
            .await
            .expect("sweep");
        let sent: Vec<(i64, String, String)> = w
            .notified()
            .await
            .into_iter()
            .filter(|n| n.kind == NotifyKind::SlaWarning)
            .map(|n| (m, n.lead_id.to_string(), n.rep.to_string()))
            .collect();
        assert_eq!(report.warned, sent.len(), "minute {m}: {report:?}");
        reminded.extend(sent);
    }
    assert_eq!(
        reminded,
        [
            (4, "W1".to_owned(), w1.rep.to_string()),
            (5, "W2".to_owned(), w2.rep.to_string()),
        ]
    );
}

/// One rep with room for one lead.
const PARKS: &str = "
name: parks
triage_pool: triage
reps: [ { id: ana, caps: { max_open: 1 } } ]
pools: [ { id: main, strategy: round_robin, members: [ana] } ]
rules: [ { id: all, pool: main } ]
";

impl<H: Harness> World<H> {
    /// Stores and routes `id`, which must park.
    async fn park(&self, id: &str, at: Timestamp) {
        insert(&self.router.store, id).await;
        let routed = self.router.route_lead(id, at).await.expect("route");
        assert!(
            matches!(
                &routed,
                Routed::Decided {
                    assignment: None,
                    ..
                }
            ),
            "{id} parked: {routed:?}"
        );
    }

    async fn status(&self, id: &str) -> LeadStatus {
        self.router
            .store
            .get(id)
            .await
            .expect("get")
            .expect("lead")
            .status
    }
}

/// The sweep hands a parked lead back to routing once routing would assign it (a rep got
/// room), and one parked by the kill switch once the switch is off; never while the reason
/// holds, never under `parked: hold` or its pool's `parked_retry: hold`, and each lead once.
pub async fn sweep_retries_parked_leads_once_they_can_be_routed<H: Harness>(h: &H) {
    let w = World::new(h).await;
    let desk = w.desk();
    let store = &w.router.store;
    let t0 = monday();
    let cfg = config();
    activate(store, PARKS).await;
    w.route("P0", t0).await; // ana is full
    w.park("P1", t0).await;

    let full = sweep(&desk, &*w.routing, &cfg, t0 + mins(1))
        .await
        .expect("sweep");
    assert_eq!(full.retried, 0, "ana is still at her cap: {full:?}");
    assert!(drain_queue(&*w.routing).await.is_empty());

    // Under `hold` nothing is taken up, whatever the reps.
    w.router
        .release(
            "P0",
            switchboard_store::ReleaseOutcome::Closed,
            t0 + mins(2),
        )
        .await
        .expect("close");
    // Policy-wide, or by the pool the lead's waterfall started at.
    let pool_holds = PARKS.replace(
        "strategy: round_robin,",
        "strategy: round_robin, parked_retry: hold,",
    );
    for held_by in [format!("{PARKS}parked: {{ retry: hold }}\n"), pool_holds] {
        activate(store, &held_by).await;
        let held = sweep(&desk, &*w.routing, &cfg, t0 + mins(3))
            .await
            .expect("sweep");
        assert_eq!(held.retried, 0, "{held_by}: {held:?}");
    }

    // `when_available` (the default): ana has room, P1 goes back to routing, once.
    activate(store, PARKS).await;
    let room = sweep(&desk, &*w.routing, &cfg, t0 + mins(4))
        .await
        .expect("sweep");
    assert_eq!(room.retried, 1, "{room:?}");
    assert_eq!(w.status("P1").await, LeadStatus::Queued);
    let sent = drain_queue(&*w.routing).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("\"P1\""), "{sent:?}");
    let again = sweep(&desk, &*w.routing, &cfg, t0 + mins(5))
        .await
        .expect("sweep");
    assert_eq!(again.retried, 0, "queued, no longer parked: {again:?}");
    let routed = w
        .router
        .route_lead("P1", t0 + mins(5))
        .await
        .expect("route");
    assert!(
        matches!(
            routed,
            Routed::Decided {
                assignment: Some(_),
                ..
            }
        ),
        "{routed:?}"
    );

    // The kill switch parks everything; off again, its leads go back to routing.
    let frozen = PARKS.replace("name: parks", "name: parks\nkill_switch: true");
    activate(store, &frozen).await;
    w.park("K1", t0 + mins(6)).await;
    let on = sweep(&desk, &*w.routing, &cfg, t0 + mins(7))
        .await
        .expect("sweep");
    assert_eq!(on.retried, 0, "the switch is still on: {on:?}");
    activate(store, PARKS).await;
    let off = sweep(&desk, &*w.routing, &cfg, t0 + mins(8))
        .await
        .expect("sweep");
    assert_eq!(off.retried, 1, "{off:?}");
    assert_eq!(w.status("K1").await, LeadStatus::Queued);
}
