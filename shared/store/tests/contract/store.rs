//! Contract of the store ports: leads, routing state, policies, accounts, events.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{
    Account, CompiledPolicy, DecideInput, DecisionRecord, Lead, MatchedBy, RepState, Snapshot,
    decide,
};
use switchboard_store::{
    AccountDirectory, Applied, Apply, Assignment, AssignmentStatus, Insert, LeadStatus, LeadStore,
    NewLead, PolicyStore, ReleaseOutcome, Routed, Router, RoutingState, StoreError, StoredLead,
};

use super::Harness;
use super::fixtures::{CAPPED, SIMPLE, activate, doc, insert, lead, monday};

async fn router<H: Harness>(h: &H) -> Router<H::Store, H::Events> {
    Router::new(h.store().await, h.events().await)
}

fn compiled(yaml: &str, version: u64) -> CompiledPolicy {
    CompiledPolicy::compile(doc(yaml), version).expect("policy compiles")
}

/// Routes a lead that must be decided now, returning its new assignment (if any).
async fn route<S, E>(r: &Router<S, E>, id: &str, now: Timestamp) -> Option<Assignment>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: switchboard_store::EventPublisher,
{
    match r.route_lead(id, now).await.expect("route") {
        Routed::Decided { assignment, .. } => assignment,
        other => panic!("lead {id} was not decided now: {other:?}"),
    }
}

/// The write a decision for `id` would make, from the current state (not applied).
async fn prepare<S: LeadStore + RoutingState>(
    store: &S,
    policy: &CompiledPolicy,
    id: &str,
    now: Timestamp,
) -> Apply {
    let view = store.load(policy, id).await.expect("load");
    let stored = view.lead.expect("lead exists");
    let d = decide(
        policy,
        &view.snapshot,
        &DecideInput {
            lead: &stored.lead,
            account: None,
            bounced: &stored.bounced,
            now,
        },
    );
    Apply::new(&stored, DecisionRecord::new(policy, &stored.lead, &d)).expect("valid apply")
}

/// Every item a decision can touch, for "nothing was half-written" checks.
#[derive(Debug, PartialEq)]
struct World {
    leads: Vec<Option<StoredLead>>,
    assignments: Vec<Option<Assignment>>,
    decisions: Vec<Vec<DecisionRecord>>,
    reps: Vec<RepState>,
    snapshot: switchboard_routing::Snapshot,
}

async fn world<S: LeadStore + RoutingState>(
    store: &S,
    policy: &CompiledPolicy,
    leads: &[&str],
) -> World {
    let mut w = World {
        leads: Vec::new(),
        assignments: Vec::new(),
        decisions: Vec::new(),
        reps: Vec::new(),
        snapshot: store.load(policy, leads[0]).await.expect("load").snapshot,
    };
    for id in leads {
        w.leads.push(store.get(id).await.expect("get"));
        w.assignments
            .push(store.assignment(id).await.expect("assignment"));
        w.decisions
            .push(store.decisions(id).await.expect("decisions"));
        // At rest, the one-read view of a lead is the three separate reads.
        let routing = store.lead_routing(id).await.expect("lead routing");
        let last = w.leads.len() - 1;
        match (&w.leads[last], routing) {
            (None, None) => {}
            (Some(lead), Some(r)) => {
                assert_eq!(&r.lead, lead, "{id}");
                assert_eq!(r.assignment, w.assignments[last], "{id}");
                assert_eq!(r.decisions, w.decisions[last], "{id}");
            }
            (lead, routing) => panic!("{id}: get {lead:?}, lead_routing {routing:?}"),
        }
    }
    for rep in policy.reps() {
        w.reps
            .push(store.rep_state(&rep.id).await.expect("rep state"));
    }
    w
}

/// Where the engine sends leads `L1..=Ln` routed one after another from an empty state at
/// `now`: what the store must reproduce (the store never decides; it only applies).
fn serial(yaml: &str, n: usize, now: Timestamp) -> Vec<Option<String>> {
    let policy = compiled(yaml, 1);
    let mut state = Snapshot::empty(&policy);
    (1..=n)
        .map(|i| {
            let l = lead(&format!("L{i}"));
            let input = DecideInput {
                lead: &l,
                account: None,
                bounced: &[],
                now,
            };
            let d = decide(&policy, &state, &input);
            state.apply(&d.change);
            d.assigned_rep().map(|r| policy.rep_id(r).to_string())
        })
        .collect()
}

fn assigned_rep(a: &Option<Assignment>) -> Option<&str> {
    a.as_ref().map(|a| a.rep.as_str())
}

pub async fn lead_insert_is_idempotent<H: Harness>(h: &H) {
    let store = h.store().await;
    let now = monday();
    let first = store
        .insert_if_absent(&NewLead::new(lead("L1"), "form:1"), now)
        .await
        .expect("insert");
    let Insert::Created(created) = first else {
        panic!("first insert must create: {first:?}");
    };
    assert_eq!(created.status, LeadStatus::Received);
    assert_eq!(created.decisions, 0);

    // Same key, even with other content: the first lead comes back, nothing is written.
    let again = store
        .insert_if_absent(
            &NewLead::new(lead("L1").with_company("Other"), "form:1"),
            now,
        )
        .await
        .expect("insert again");
    assert_eq!(again, Insert::Existing(created.clone()));
    let other_id = store
        .insert_if_absent(&NewLead::new(lead("L9"), "form:1"), now)
        .await
        .expect("insert with the key of L1");
    assert_eq!(other_id, Insert::Existing(created.clone()));
    assert_eq!(store.get("L9").await.expect("get"), None);

    // The same lead id under another key is a conflict, not an overwrite.
    let clash = store
        .insert_if_absent(&NewLead::new(lead("L1"), "form:2"), now)
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(store.get("L1").await.expect("get"), Some(created.clone()));

    // Conditional status changes.
    let later = now + SignedDuration::from_secs(5);
    let queued = store
        .set_status("L1", LeadStatus::Received, LeadStatus::Queued, later)
        .await
        .expect("received -> queued");
    assert_eq!(queued.status, LeadStatus::Queued);
    assert_eq!(queued.updated_at, later);
    let stale = store
        .set_status("L1", LeadStatus::Received, LeadStatus::Queued, later)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let routing_owned = store
        .set_status("L1", LeadStatus::Queued, LeadStatus::Assigned, later)
        .await;
    assert!(
        matches!(routing_owned, Err(StoreError::Invalid(_))),
        "{routing_owned:?}"
    );
    let missing = store
        .set_status("nope", LeadStatus::Received, LeadStatus::Queued, later)
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    assert_eq!(store.get("L1").await.expect("get"), Some(queued));

    // A lead its caller hands on at once is stored `queued` by the insert itself, awaits
    // routing like any other, and goes back to `received` when the hand-off fails.
    let handed_on = NewLead {
        queued: true,
        ..NewLead::new(lead("L2"), "form:3")
    };
    let Insert::Created(stored) = store
        .insert_if_absent(&handed_on, now)
        .await
        .expect("insert")
    else {
        panic!("a new key creates");
    };
    assert_eq!(
        (stored.status, stored.updated_at),
        (LeadStatus::Queued, now)
    );
    let awaiting = store.awaiting_routing(later, 10).await.expect("awaiting");
    assert!(awaiting.iter().any(|l| l.lead.id == "L2"), "{awaiting:?}");
    let back = store
        .set_status("L2", LeadStatus::Queued, LeadStatus::Received, later)
        .await
        .expect("queued -> received");
    assert_eq!(back.status, LeadStatus::Received);
}

/// `insert_visible` is `insert_if_absent` whose outcome may be read before it is on disk:
/// the same outcomes (created, existing, conflict), readable at once, and its wait for the
/// disk ends (on the embedded store with the writer's own sync when nothing else commits).
pub async fn a_visible_insert_is_read_at_once_and_durable_after<H: Harness>(h: &H) {
    let store = h.store().await;
    let now = monday();
    let handed_on = NewLead {
        queued: true,
        ..NewLead::new(lead("V1"), "form:v1")
    };
    let pending = store.insert_visible(&handed_on, now).await.expect("insert");
    let Insert::Created(created) = pending.insert().clone() else {
        panic!("a new key creates: {pending:?}");
    };
    assert_eq!(created.status, LeadStatus::Queued);
    // Read before the wait for the disk: routing reads it so.
    assert_eq!(store.get("V1").await.expect("get"), Some(created.clone()));
    let durable = tokio::time::timeout(std::time::Duration::from_secs(10), pending.durable())
        .await
        .expect("on disk within seconds")
        .expect("synced");
    assert_eq!(durable, Insert::Created(created.clone()));

    // The same key again: the lead it maps to, nothing written.
    let again = store
        .insert_visible(&NewLead::new(lead("V2"), "form:v1"), now)
        .await
        .expect("insert again");
    assert_eq!(
        again.durable().await.expect("synced"),
        Insert::Existing(created.clone())
    );
    assert_eq!(store.get("V2").await.expect("get"), None);
    // The lead id under another key: a conflict, as for `insert_if_absent`.
    let clash = store
        .insert_visible(&NewLead::new(lead("V1"), "form:v2"), now)
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    let awaiting = store
        .awaiting_routing(now + SignedDuration::from_secs(1), 10)
        .await
        .expect("awaiting");
    assert!(awaiting.iter().any(|l| l.lead.id == "V1"), "{awaiting:?}");
}

pub async fn concurrent_inserts_create_one_lead<H: Harness>(h: &H) {
    let store = Arc::new(h.store().await);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            // Different lead ids, one key: exactly one may win.
            store
                .insert_if_absent(&NewLead::new(lead(&format!("C{i}")), "form:same"), monday())
                .await
        }));
    }
    let mut created = Vec::new();
    let mut existing = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(Insert::Created(l)) => created.push(l),
            Ok(Insert::Existing(l)) => existing.push(l),
            // A loser that collided inside the write may see a conflict; it must not
            // have written anything either (checked below).
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("insert failed: {e}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one insert creates the lead");
    let winner = &created[0];
    assert!(existing.iter().all(|l| l == winner));
    for i in 0..8 {
        let id = format!("C{i}");
        let got = store.get(&id).await.expect("get");
        assert_eq!(got.is_some(), id == winner.lead.id, "lead {id}");
    }
}

pub async fn apply_commits_once_and_redelivery_is_idempotent<H: Harness>(h: &H) {
    let r = router(h).await;
    let version = activate(&r.store, CAPPED).await;
    let policy = compiled(CAPPED, version);
    insert(&r.store, "L1").await;
    let now = monday();

    let apply = prepare(&r.store, &policy, "L1", now).await;
    assert_eq!(
        r.store.apply(&apply).await.expect("apply"),
        Applied::Committed
    );
    let a = r
        .store
        .assignment("L1")
        .await
        .expect("read")
        .expect("assigned");
    assert_eq!(Some(&a), apply.assignment.as_ref());
    let first = serial(CAPPED, 1, now)[0].clone().expect("assigned");
    assert_eq!(
        (a.rep.as_str(), a.attempt, a.status),
        (first.as_str(), 1, AssignmentStatus::Open)
    );
    assert_eq!(a.sla_due, Some(now + SignedDuration::from_mins(15)));
    let after_first = world(&r.store, &policy, &["L1"]).await;
    assert_eq!(
        after_first.leads[0]
            .as_ref()
            .map(|l| (l.status, l.decisions)),
        Some((LeadStatus::Assigned, 1))
    );
    assert_eq!(after_first.decisions[0], vec![apply.record.clone()]);
    let rep_idx = policy.rep_index(&first).expect("rep") as usize;
    assert_eq!(after_first.reps[rep_idx].open, 1);
    assert_eq!(after_first.snapshot.pools[0].version, 1);

    // The same write again (a redelivery that decided from the old read): idempotent.
    assert_eq!(
        r.store.apply(&apply).await.expect("apply again"),
        Applied::AlreadyAssigned(a.clone())
    );
    // Routing the lead again returns the existing assignment and changes nothing.
    let again = r.route_lead("L1", now + SignedDuration::from_secs(1)).await;
    assert_eq!(again.expect("route again"), Routed::Existing(a.clone()));
    assert_eq!(world(&r.store, &policy, &["L1"]).await, after_first);
}

pub async fn stale_preconditions_conflict_and_write_nothing<H: Harness>(h: &H) {
    let r = router(h).await;
    let version = activate(&r.store, CAPPED).await;
    let policy = compiled(CAPPED, version);
    let now = monday();
    for id in ["L1", "L2", "L3"] {
        insert(&r.store, id).await;
    }
    let leads = ["L1", "L2", "L3"];

    // L1 decided from the empty state; L2 commits first, so L1's rep and pool are stale.
    let stale = prepare(&r.store, &policy, "L1", now).await;
    route(&r, "L2", now).await.expect("L2 assigned");
    let before = world(&r.store, &policy, &leads).await;
    let got = r.store.apply(&stale).await;
    assert!(matches!(got, Err(StoreError::Conflict(_))), "{got:?}");
    assert_eq!(
        world(&r.store, &policy, &leads).await,
        before,
        "stale apply wrote something"
    );

    // One stale precondition at a time, on an otherwise valid write for L3.
    let fresh = prepare(&r.store, &policy, "L3", now).await;
    let mut variants: Vec<(&str, Apply)> = Vec::new();

    let mut v = fresh.clone();
    let rc = v.record.change.rep.as_mut().expect("rep change");
    rc.open_before += 1;
    rc.open_after += 1;
    variants.push(("open count", v));

    let mut v = fresh.clone();
    let pc = v.record.change.pool.as_mut().expect("pool change");
    pc.version_before -= 1;
    pc.after.version -= 1;
    variants.push(("pool version", v));

    let mut v = fresh.clone();
    let rc = v.record.change.rep.as_mut().expect("rep change");
    rc.day.before += 1;
    rc.day.after += 1;
    variants.push(("day count", v));

    let mut v = fresh.clone();
    let rc = v.record.change.rep.as_mut().expect("rep change");
    rc.week.before += 1;
    rc.week.after += 1;
    variants.push(("week count", v));

    let mut v = fresh.clone();
    v.expected_decisions += 1;
    variants.push(("lead decision count", v));

    for (what, v) in &variants {
        let got = r.store.apply(v).await;
        assert!(
            matches!(got, Err(StoreError::Conflict(_))),
            "stale {what}: {got:?}"
        );
        assert_eq!(
            world(&r.store, &policy, &leads).await,
            before,
            "stale {what} wrote something"
        );
    }

    // The unmodified write still commits.
    assert_eq!(
        r.store.apply(&fresh).await.expect("apply"),
        Applied::Committed
    );
    let after = world(&r.store, &policy, &leads).await;
    assert_ne!(after, before);
    assert_eq!(
        after.leads[2].as_ref().map(|l| l.status),
        Some(LeadStatus::Assigned)
    );
    assert_eq!(after.leads[0], before.leads[0], "L1 untouched");
}

pub async fn day_window_rolls_over<H: Harness>(h: &H) {
    const DAILY: &str = "
triage_pool: triage
reps: [ { id: ana, caps: { max_per_day: 1, max_per_week: 5 } } ]
pools: [ { id: main, strategy: round_robin, members: [ana] } ]
rules: [ { id: all, pool: main } ]
";
    let r = router(h).await;
    activate(&r.store, DAILY).await;
    for id in ["L1", "L2", "L3"] {
        insert(&r.store, id).await;
    }
    let monday = monday();
    let tuesday = monday + SignedDuration::from_hours(24);
    assert_eq!(assigned_rep(&route(&r, "L1", monday).await), Some("ana"));
    r.release("L1", ReleaseOutcome::Closed, monday)
        .await
        .expect("close L1");
    // The day cap counts assignments made, not open ones.
    assert_eq!(route(&r, "L2", monday).await, None, "daily cap reached");
    // Tuesday's window starts at zero even though Monday's count is stored.
    assert_eq!(assigned_rep(&route(&r, "L3", tuesday).await), Some("ana"));
    let rep = r.store.rep_state("ana").await.expect("rep");
    assert_eq!(
        rep.day.start.map(|d| d.to_string()),
        Some("2026-06-02".into())
    );
    assert_eq!((rep.day.count, rep.week.count, rep.open), (1, 2, 1));
}

pub async fn caps_are_never_exceeded<H: Harness>(h: &H) {
    let r = router(h).await;
    let version = activate(&r.store, CAPPED).await;
    let policy = compiled(CAPPED, version);
    let now = monday();
    let ids = ["L1", "L2", "L3", "L4", "L5", "L6"];
    let mut got = Vec::new();
    for id in ids {
        insert(&r.store, id).await;
        got.push(route(&r, id, now).await.map(|a| a.rep.into_string()));
    }
    assert_eq!(got, serial(CAPPED, 6, now));
    // Whatever the order, the caps decide the split: two each in main, one in overflow,
    // and the sixth lead parks.
    let count = |rep: Option<&str>| got.iter().filter(|g| g.as_deref() == rep).count();
    let split = [Some("ana"), Some("bo"), Some("cy"), None].map(count);
    assert_eq!(split, [2, 2, 1, 1]);
    let l6 = r.store.get("L6").await.expect("get").expect("L6");
    assert_eq!(l6.status, LeadStatus::Parked);
    let parked = &r.store.decisions("L6").await.expect("decisions")[0];
    assert!(matches!(&parked.outcome, OutcomeRecord::Parked { pool, .. } if pool == "triage"));

    // A write that would take ana past her cap is refused by the store itself, whatever
    // the caller claims, and writes nothing.
    let mut over = r.store.decisions("L1").await.expect("decisions")[0].clone();
    let rc = over.change.rep.as_mut().expect("rep change");
    // Every other count matches the stored state, so only the cap can refuse it.
    rc.open_before = 2;
    rc.open_after = 3;
    rc.day.before = 2;
    rc.day.after = 3;
    rc.week.before = 2;
    rc.week.after = 3;
    over.change.pool = None;
    over.lead_id = "L7".into();
    insert(&r.store, "L7").await;
    let l7 = r.store.get("L7").await.expect("get").expect("L7");
    assert!(matches!(
        Apply::new(&l7, over.clone()),
        Err(StoreError::Invalid(_))
    ));
    let mut forced =
        Apply::new(&l7, r.store.decisions("L1").await.expect("d")[0].clone()).expect("apply");
    forced.record = over;
    if let Some(a) = forced.assignment.as_mut() {
        a.lead_id = "L7".into();
    }
    forced.lead_id = "L7".into();
    let before = world(&r.store, &policy, &["L7"]).await;
    let res = r.store.apply(&forced).await;
    assert!(
        matches!(res, Err(StoreError::Conflict(_))),
        "over-cap write: {res:?}"
    );
    assert_eq!(world(&r.store, &policy, &["L7"]).await, before);
    for (rep, cap) in [("ana", 2), ("bo", 2), ("cy", 1)] {
        let state = r.store.rep_state(rep).await.expect("rep");
        assert_eq!(state.open, cap, "{rep} open");
        assert_eq!(
            r.store.open_assignments(rep).await.expect("open").len(),
            cap as usize
        );
    }
}

pub async fn release_frees_capacity_exactly_once<H: Harness>(h: &H) {
    let r = Arc::new(router(h).await);
    activate(&r.store, CAPPED).await;
    let now = monday();
    for id in ["L1", "L2"] {
        insert(&r.store, id).await;
    }
    let a1 = route(&r, "L1", now).await.expect("L1 assigned");
    let a2 = route(&r, "L2", now).await.expect("L2 assigned");
    let open = |rep: String| {
        let r = r.clone();
        async move { r.store.rep_state(&rep).await.expect("rep").open }
    };
    let before = open(a1.rep.to_string()).await;

    let later = now + SignedDuration::from_mins(3);
    let closed = r
        .release("L1", ReleaseOutcome::Closed, later)
        .await
        .expect("release")
        .expect("L1 was open");
    assert_eq!(
        (closed.status, closed.ended_at),
        (AssignmentStatus::Closed, Some(later))
    );
    assert_eq!(open(a1.rep.to_string()).await, before - 1);
    assert_eq!(
        r.store.get("L1").await.expect("get").map(|l| l.status),
        Some(LeadStatus::Closed)
    );
    let still_open = r.store.open_assignments(&a1.rep).await.expect("open");
    assert!(still_open.iter().all(|a| a.lead_id != "L1"));
    // Again: nothing open, nothing changes.
    assert_eq!(
        r.release("L1", ReleaseOutcome::Closed, later)
            .await
            .expect("again"),
        None
    );
    assert_eq!(open(a1.rep.to_string()).await, before - 1);
    // A closed lead is not routed again.
    assert_eq!(
        r.route_lead("L1", later).await.expect("route closed"),
        Routed::Existing(closed)
    );
    assert_eq!(
        r.release("nope", ReleaseOutcome::Closed, later)
            .await
            .expect("missing"),
        None
    );

    // Eight concurrent releases of one assignment free one unit of capacity.
    let before = open(a2.rep.to_string()).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match r.release("L2", ReleaseOutcome::Closed, later).await {
                    Err(switchboard_store::RouteError::Store(StoreError::Conflict(_))) => continue,
                    other => return other.expect("release").is_some(),
                }
            }
        }));
    }
    let mut freed = 0;
    for t in tasks {
        freed += usize::from(t.await.expect("task"));
    }
    assert_eq!(freed, 1);
    assert_eq!(open(a2.rep.to_string()).await, before - 1);
}

pub async fn rejected_lead_is_routed_to_someone_else<H: Harness>(h: &H) {
    let r = router(h).await;
    activate(&r.store, CAPPED).await;
    let now = monday();
    insert(&r.store, "L1").await;
    let first = route(&r, "L1", now).await.expect("assigned");
    let released = r
        .release("L1", ReleaseOutcome::Rejected, now)
        .await
        .expect("reject")
        .expect("was open");
    assert_eq!(
        (released.status, released.ended_as),
        (AssignmentStatus::Released, Some(ReleaseOutcome::Rejected))
    );
    // How it ended is stored with it, for `lead show` and the reports.
    let stored = r.store.assignment("L1").await.expect("read").expect("kept");
    assert_eq!(stored.ended_as, Some(ReleaseOutcome::Rejected));
    let lead = r.store.get("L1").await.expect("get").expect("L1");
    assert_eq!(
        (lead.status, lead.bounced.clone()),
        (LeadStatus::Received, vec![first.rep.clone()])
    );
    assert_eq!(r.store.rep_state(&first.rep).await.expect("rep").open, 0);

    let second = route(&r, "L1", now).await.expect("re-assigned");
    assert_ne!(
        second.rep, first.rep,
        "a bounced rep does not get the lead back"
    );
    assert_eq!(second.attempt, 2);
    let decisions = r.store.decisions("L1").await.expect("decisions");
    assert_eq!(decisions.len(), 2);
    assert_eq!(
        r.store.get("L1").await.expect("get").map(|l| l.decisions),
        Some(2)
    );
}

pub async fn accept_and_expiry_have_one_winner<H: Harness>(h: &H) {
    let r = Arc::new(router(h).await);
    activate(&r.store, CAPPED).await;
    let now = monday();
    let due = now + SignedDuration::from_mins(15);
    for id in ["L1", "L2", "L3"] {
        insert(&r.store, id).await;
    }
    let l1 = route(&r, "L1", now).await.expect("L1");
    let other = if l1.rep == "ana" { "bo" } else { "ana" };
    let l2 = route(&r, "L2", now + SignedDuration::from_secs(30))
        .await
        .expect("L2");
    let upto = move |m: i64| now + SignedDuration::from_mins(m);
    let listed = r.store.due(now, upto(16), 100).await.expect("due");
    assert_eq!(
        listed
            .iter()
            .map(|a| a.lead_id.as_str())
            .collect::<Vec<_>>(),
        ["L1", "L2"],
        "due earliest first"
    );
    assert_eq!(listed[0].sla_due, Some(due));
    assert!(
        r.store
            .due(upto(16), upto(30), 100)
            .await
            .expect("due")
            .is_empty()
    );
    assert_eq!(r.store.due(now, upto(16), 1).await.expect("due").len(), 1);

    let wrong = r.store.accept("L1", other, now).await;
    assert!(matches!(wrong, Err(StoreError::Conflict(_))), "{wrong:?}");
    let accepted = r
        .store
        .accept("L1", &l1.rep, upto(1))
        .await
        .expect("accept");
    assert_eq!(accepted.accepted_at, Some(upto(1)));
    assert_eq!(
        r.store.accept("L1", &l1.rep, upto(2)).await.expect("again"),
        accepted
    );
    let listed = r.store.due(now, upto(16), 100).await.expect("due");
    assert_eq!(
        listed
            .iter()
            .map(|a| a.lead_id.as_str())
            .collect::<Vec<_>>(),
        ["L2"]
    );
    let open_before = r.store.rep_state(&l1.rep).await.expect("rep").open;
    let late = r.release("L1", ReleaseOutcome::Expired, upto(16)).await;
    assert!(late.is_err(), "an accepted lead cannot expire: {late:?}");
    assert_eq!(
        r.store.rep_state(&l1.rep).await.expect("rep").open,
        open_before
    );

    let expired = r
        .release("L2", ReleaseOutcome::Expired, upto(16))
        .await
        .expect("expire");
    assert_eq!(
        expired.map(|a| (a.rep, a.ended_as)),
        Some((l2.rep.clone(), Some(ReleaseOutcome::Expired)))
    );
    let too_late = r.store.accept("L2", &l2.rep, upto(17)).await;
    assert!(too_late.is_err(), "{too_late:?}");

    // Accept and expire at the same moment: exactly one wins.
    let l3 = route(&r, "L3", now).await.expect("L3");
    let (ra, rr) = (r.clone(), r.clone());
    let rep = l3.rep.clone();
    let accept = tokio::spawn(async move { ra.store.accept("L3", &rep, upto(15)).await.is_ok() });
    let expire = tokio::spawn(async move {
        matches!(
            rr.release("L3", ReleaseOutcome::Expired, upto(15)).await,
            Ok(Some(_))
        )
    });
    let (accepted, expired) = (accept.await.expect("task"), expire.await.expect("task"));
    assert!(accepted ^ expired, "accepted {accepted}, expired {expired}");
}

pub async fn policy_versions_and_rollback<H: Harness>(h: &H) {
    let r = Arc::new(router(h).await);
    let now = monday();
    assert_eq!(r.store.get_active().await.expect("active"), None);
    let v1 = r
        .store
        .put_version(&doc(SIMPLE), Some("first"), now)
        .await
        .expect("v1");
    let v2 = r
        .store
        .put_version(&doc(CAPPED), None, now)
        .await
        .expect("v2");
    assert_eq!((v1.version, v2.version), (1, 2));
    assert_eq!(r.store.get_version(2).await.expect("get"), Some(v2.clone()));
    assert_eq!(r.store.get_version(3).await.expect("get"), None);

    let a1 = r.store.set_active(1, None, now).await.expect("activate 1");
    assert_eq!((a1.version, a1.previous), (1, None));
    let raced = r.store.set_active(2, None, now).await;
    assert!(matches!(raced, Err(StoreError::Conflict(_))), "{raced:?}");
    let a2 = r
        .store
        .set_active(2, Some(1), now)
        .await
        .expect("activate 2");
    assert_eq!((a2.version, a2.previous), (2, Some(1)));
    let missing = r.store.set_active(9, Some(2), now).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    assert_eq!(r.store.get_active().await.expect("active"), Some(a2));

    // Decisions use the active version; one call rolls back.
    insert(&r.store, "L1").await;
    route(&r, "L1", now).await;
    assert_eq!(
        r.store.decisions("L1").await.expect("d")[0].policy_version,
        2
    );
    let back = r.store.rollback(now).await.expect("rollback");
    assert_eq!((back.version, back.previous), (1, Some(2)));
    insert(&r.store, "L2").await;
    route(&r, "L2", now).await;
    assert_eq!(
        r.store.decisions("L2").await.expect("d")[0].policy_version,
        1
    );

    // Concurrent puts get distinct numbers; history lists all, oldest first.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            let note = format!("concurrent {i}");
            r.store
                .put_version(&doc(SIMPLE), Some(&note), now)
                .await
                .expect("put")
                .version
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.expect("task"));
    }
    numbers.sort();
    assert_eq!(numbers, [3, 4, 5, 6]);
    let history = r.store.history().await.expect("history");
    assert_eq!(
        history.iter().map(|s| s.version).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(history[0].note.as_deref(), Some("first"));
    assert_eq!(history[1].note, None);
}

pub async fn accounts_import_and_match<H: Harness>(h: &H) {
    let store = h.store().await;
    let acme = Account {
        id: "a1".into(),
        name: "ACME, Inc.".into(),
        domains: vec!["Acme.com".into(), "acme.io".into()],
        owner: Some("ana".into()),
        ..Default::default()
    };
    let rival = Account {
        id: "a2".into(),
        name: "Acme Corp".into(),
        domains: vec!["acme.com".into(), "rival.com".into()],
        ..Default::default()
    };
    let summary = store
        .import(&[acme.clone(), rival.clone()])
        .await
        .expect("import");
    assert_eq!(
        (summary.accounts, summary.domains, summary.names),
        (2, 3, 1)
    );
    // Within one import the first claim wins.
    assert_eq!(
        store.by_domain("acme.com").await.expect("get"),
        Some(acme.clone())
    );
    assert_eq!(
        store.by_domain(" ACME.COM ").await.expect("get"),
        Some(acme.clone())
    );
    assert_eq!(
        store.by_domain("rival.com").await.expect("get"),
        Some(rival.clone())
    );
    assert_eq!(
        store.by_normalized_name("acme").await.expect("get"),
        Some(acme.clone())
    );
    assert_eq!(store.by_domain("nobody.com").await.expect("get"), None);

    let by_domain = Lead::new("x", monday()).with_email("jo@acme.io");
    assert_eq!(
        store.match_lead(&by_domain).await.expect("match"),
        Some((acme.clone(), MatchedBy::Domain))
    );
    let mut free_mail = Lead::new("y", monday())
        .with_email("jo@gmail.com")
        .with_company("Acme GmbH");
    free_mail.free_mail = true;
    assert_eq!(
        store.match_lead(&free_mail).await.expect("match"),
        Some((acme.clone(), MatchedBy::CompanyName))
    );

    // Re-importing acme without acme.io and under a new name drops those index entries.
    let renamed = Account {
        name: "Acme Holdings Global".into(),
        domains: vec!["acme.com".into()],
        ..acme.clone()
    };
    store
        .import(std::slice::from_ref(&renamed))
        .await
        .expect("re-import");
    assert_eq!(store.by_domain("acme.io").await.expect("get"), None);
    assert_eq!(store.by_normalized_name("acme").await.expect("get"), None);
    assert_eq!(
        store
            .by_normalized_name("acme holdings global")
            .await
            .expect("get"),
        Some(renamed.clone())
    );
    assert_eq!(
        store.by_domain("acme.com").await.expect("get"),
        Some(renamed)
    );
}

pub async fn events_are_published<H: Harness>(h: &H) {
    let r = router(h).await;
    activate(&r.store, CAPPED).await;
    let now = monday();
    insert(&r.store, "L1").await;
    let a = route(&r, "L1", now).await.expect("assigned");
    r.release("L1", ReleaseOutcome::Closed, now)
        .await
        .expect("close");
    let mut events = h.recorded(&r.events).await;
    // A bus does not promise order; the ids do.
    events.sort_by(|a, b| a.id.cmp(&b.id));
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("lead.assigned", "lead.assigned:L1:1"),
            ("lead.closed", "lead.closed:L1:1")
        ]
    );
    assert_eq!(events[0].detail["rep"], a.rep.as_str());
    assert_eq!(events[0].detail["lead_id"], "L1");
}
