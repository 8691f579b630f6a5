//! Contract of the lead listings (`LeadIndex`): leads by the time they were received, and
//! the parked (triage) queue as leads enter and leave it.

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::Lead;
use switchboard_store::{
    Insert, LeadCursor, LeadIndex, LeadPage, LeadStatus, LeadStore, NewLead, ReleaseOutcome,
    Routed, Router, RoutingState, StoreError,
};
use switchboard_testkit::ts;

use super::Harness;
use super::fixtures::{CAPPED, activate, insert, monday};

fn ns(n: i64) -> SignedDuration {
    SignedDuration::from_nanos(n)
}

fn ids(page: &LeadPage) -> Vec<String> {
    page.leads.iter().map(|l| l.lead.id.to_string()).collect()
}

/// Reads a whole list page by page, passing each cursor through its string form as an
/// HTTP client would, and checks the shape of every page: full pages until the last, a
/// `next` exactly when a page follows.
async fn read_all<F, Fut>(limit: usize, mut page: F) -> Vec<String>
where
    F: FnMut(Option<LeadCursor>) -> Fut,
    Fut: std::future::Future<Output = Result<LeadPage, StoreError>>,
{
    let mut out = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let got = page(after.take()).await.expect("list");
        assert!(got.leads.len() <= limit, "page over the limit {limit}");
        out.extend(ids(&got));
        match got.next {
            Some(cursor) => {
                assert_eq!(got.leads.len(), limit, "a page before the last is full");
                assert_eq!(
                    cursor.lead_id(),
                    got.leads.last().expect("a lead").lead.id.as_str()
                );
                after = Some(cursor.to_string().parse().expect("cursor parses"));
            }
            None => return out,
        }
    }
    panic!("paging did not end");
}

/// Stores a lead received at `at` (duplicate of an earlier lead with `email`, under dedupe).
async fn receive<S: LeadStore>(store: &S, id: &str, at: &str, email: &str) -> LeadStatus {
    let lead = Lead::new(id, ts(at)).with_email(email);
    let new = NewLead::new(lead, format!("key:{id}")).dedupe_since(ts("2026-01-01T00:00:00Z"));
    match store.insert_if_absent(&new, ts(at)).await.expect("insert") {
        Insert::Created(l) => l.status,
        Insert::Existing(_) => panic!("lead {id} already existed"),
    }
}

pub async fn received_windows_list_every_lead_in_order<H: Harness>(h: &H) {
    let store = h.store().await;
    // (lead, received at, email): across four UTC days, one of them empty, with a tie at
    // one instant and leads on the very boundaries the windows below use.
    let leads = [
        ("A", "2026-06-01T21:00:00Z", "a@example.org"),
        ("B", "2026-06-01T22:00:00Z", "b@example.org"),
        ("C2", "2026-06-01T23:59:59.999999999Z", "c@example.org"),
        ("C1", "2026-06-01T23:59:59.999999999Z", "b@example.org"),
        ("D", "2026-06-02T00:00:00Z", "d@example.org"),
        ("E", "2026-06-03T12:00:00Z", "e@example.org"),
        ("F", "2026-06-05T00:00:00.5Z", "f@example.org"),
    ];
    for (id, at, email) in leads {
        receive(&store, id, at, email).await;
    }
    let b = ts("2026-06-01T22:00:00Z");
    let d = ts("2026-06-02T00:00:00Z");
    let f = ts("2026-06-05T00:00:00.5Z");
    // (from, to, the leads listed)
    let cases: [(Timestamp, Timestamp, &[&str]); 9] = [
        (b, d, &["B", "C1", "C2"]),
        (b + ns(1), d + ns(1), &["C1", "C2", "D"]),
        (
            ts("2026-06-01T00:00:00Z"),
            ts("2026-06-06T00:00:00Z"),
            &["A", "B", "C1", "C2", "D", "E", "F"],
        ),
        (d, ts("2026-06-04T00:00:00Z"), &["D", "E"]),
        (d, d, &[]),
        (ts("2026-06-03T00:00:00Z"), d, &[]),
        (ts("2026-06-04T00:00:00Z"), ts("2026-06-05T00:00:00Z"), &[]),
        (ts("2026-06-05T00:00:00Z"), f, &[]),
        (ts("2026-06-05T00:00:00Z"), f + ns(1), &["F"]),
    ];
    for (from, to, want) in cases {
        for limit in [1, 2, 3, 100] {
            let st = &store;
            let got = read_all(limit, move |after| async move {
                st.received_between(from, to, after.as_ref(), limit).await
            })
            .await;
            assert_eq!(got, want, "[{from}, {to}) by {limit}");
        }
    }
    // Every status is listed: C1 came from an address already seen, so it is a duplicate.
    let page = store.received_between(b, d, None, 10).await.expect("list");
    let statuses: Vec<LeadStatus> = page.leads.iter().map(|l| l.status).collect();
    assert_eq!(
        statuses,
        [
            LeadStatus::Received,
            LeadStatus::Duplicate,
            LeadStatus::Received
        ]
    );
    // A cursor past the window ends it; one before it starts at `from`.
    let before = LeadCursor::received(&page.leads[0]);
    let later = store
        .received_between(d, f + ns(1), Some(&before), 10)
        .await
        .expect("list");
    assert_eq!(ids(&later), ["D", "E", "F"]);
    let last = LeadCursor::received(page.leads.last().expect("a lead"));
    let none = store
        .received_between(b, d, Some(&last), 10)
        .await
        .expect("list");
    assert_eq!((none.leads.len(), none.next), (0, None));
}

pub async fn received_windows_page_through_many_leads<H: Harness>(h: &H) {
    let store = h.store().await;
    // Three leads every five hours over three days: several per UTC day, pages that end
    // inside a day and pages that span a day's end.
    let start = ts("2026-06-01T00:00:00Z");
    let mut want = Vec::new();
    for i in 0..15 {
        let at = start + SignedDuration::from_hours(5 * i);
        for n in 0..3 {
            let id = format!("M{i:02}-{n}");
            let lead = Lead::new(&id, at);
            store
                .insert_if_absent(&NewLead::new(lead, format!("key:{id}")), at)
                .await
                .expect("insert");
            want.push(id);
        }
    }
    let end = start + SignedDuration::from_hours(75);
    for limit in [1, 4, 7, 45, 46] {
        let st = &store;
        let got = read_all(limit, move |after| async move {
            st.received_between(start, end, after.as_ref(), limit).await
        })
        .await;
        assert_eq!(got, want, "by {limit}");
    }
}

pub async fn listings_refuse_bad_requests<H: Harness>(h: &H) {
    let store = h.store().await;
    receive(&store, "A", "2026-06-01T10:00:00Z", "a@example.org").await;
    let a = store.get("A").await.expect("get").expect("lead");
    let t = monday();
    let year = SignedDuration::from_hours(367 * 24);
    let received = LeadCursor::received(&a);
    let parked = LeadCursor::parked(&a);
    let cases = [
        (
            "zero limit",
            store.received_between(t, t + ns(1), None, 0).await,
        ),
        (
            "window over a year",
            store.received_between(t, t + year, None, 10).await,
        ),
        (
            "parked cursor",
            store
                .received_between(t, t + ns(1), Some(&parked), 10)
                .await,
        ),
        ("received cursor", store.parked(Some(&received), 10).await),
        ("zero parked limit", store.parked(None, 0).await),
    ];
    for (what, result) in cases {
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{what}: {result:?}"
        );
    }
}

async fn route<S, E>(r: &Router<S, E>, id: &str, now: Timestamp) -> LeadStatus
where
    S: LeadStore
        + RoutingState
        + switchboard_store::PolicyStore
        + switchboard_store::AccountDirectory,
    E: switchboard_store::EventPublisher,
{
    match r.route_lead(id, now).await.expect("route") {
        Routed::Decided { assignment, .. } => {
            if assignment.is_some() {
                LeadStatus::Assigned
            } else {
                LeadStatus::Parked
            }
        }
        other => panic!("lead {id} was not decided now: {other:?}"),
    }
}

async fn parked_ids<S: LeadIndex>(store: &S) -> Vec<String> {
    read_all(2, move |after| async move {
        store.parked(after.as_ref(), 2).await
    })
    .await
}

pub async fn the_parked_queue_follows_each_lead<H: Harness>(h: &H) {
    let r = Router::new(h.store().await, h.events().await);
    let s = &r.store;
    activate(s, CAPPED).await;
    let at = |m: i64| monday() + SignedDuration::from_mins(m);
    for i in 1..=9 {
        insert(s, &format!("L{i}")).await;
    }
    // The caps take five leads; the next ones park, L7 before L6.
    for i in 1..=5 {
        assert_eq!(
            route(&r, &format!("L{i}"), at(i)).await,
            LeadStatus::Assigned
        );
    }
    assert_eq!(parked_ids(s).await, Vec::<String>::new());
    assert_eq!(route(&r, "L7", at(6)).await, LeadStatus::Parked);
    assert_eq!(route(&r, "L6", at(7)).await, LeadStatus::Parked);
    assert_eq!(parked_ids(s).await, ["L7", "L6"], "oldest parked first");
    let first = s.parked(None, 1).await.expect("parked");
    assert_eq!(
        (
            ids(&first),
            first.leads[0].status,
            first.leads[0].updated_at
        ),
        (vec!["L7".to_owned()], LeadStatus::Parked, at(6))
    );

    // A rep frees a slot; L7 is taken out of triage and routed again: it leaves the queue.
    r.release("L1", ReleaseOutcome::Closed, at(8))
        .await
        .expect("release")
        .expect("an open assignment");
    s.set_status("L7", LeadStatus::Parked, LeadStatus::Received, at(9))
        .await
        .expect("unpark");
    assert_eq!(parked_ids(s).await, ["L6"]);
    assert_eq!(route(&r, "L7", at(10)).await, LeadStatus::Assigned);
    assert_eq!(parked_ids(s).await, ["L6"]);

    // L8 parks; L6 is sent round again, parks again, and now queues behind L8.
    assert_eq!(route(&r, "L8", at(11)).await, LeadStatus::Parked);
    s.set_status("L6", LeadStatus::Parked, LeadStatus::Queued, at(12))
        .await
        .expect("unpark");
    assert_eq!(parked_ids(s).await, ["L8"]);
    assert_eq!(route(&r, "L6", at(13)).await, LeadStatus::Parked);
    assert_eq!(parked_ids(s).await, ["L8", "L6"]);

    // Leaving triage by being marked a duplicate also leaves the queue.
    s.set_status("L8", LeadStatus::Parked, LeadStatus::Duplicate, at(14))
        .await
        .expect("mark duplicate");
    assert_eq!(parked_ids(s).await, ["L6"]);
    // Nothing assigned or closed was ever listed, and every lead is still listed by
    // the time it was received, whatever its status now.
    let all = s
        .received_between(monday(), at(60), None, 100)
        .await
        .expect("list");
    assert_eq!(all.leads.len(), 9);
}

/// After two rejections, a policy with escalation parks the lead: through the same
/// decision path, so it enters the queue with the others.
pub async fn an_escalated_lead_enters_the_parked_queue<H: Harness>(h: &H) {
    const ESCALATES: &str = "
name: escalates
triage_pool: triage
escalation: { after_bounces: 2, to_pool: triage }
reps: [ { id: ana }, { id: bo }, { id: cy } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo, cy] } ]
rules: [ { id: all, pool: main } ]
";
    let r = Router::new(h.store().await, h.events().await);
    let s = &r.store;
    activate(s, ESCALATES).await;
    let at = |m: i64| monday() + SignedDuration::from_mins(m);
    insert(s, "E1").await;
    for round in 0..2 {
        assert_eq!(route(&r, "E1", at(2 * round)).await, LeadStatus::Assigned);
        assert_eq!(parked_ids(s).await, Vec::<String>::new(), "round {round}");
        r.release("E1", ReleaseOutcome::Rejected, at(2 * round + 1))
            .await
            .expect("reject")
            .expect("an open assignment");
    }
    assert_eq!(route(&r, "E1", at(4)).await, LeadStatus::Parked);
    assert_eq!(parked_ids(s).await, ["E1"]);
}
