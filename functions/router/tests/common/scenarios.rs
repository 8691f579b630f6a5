//! Batches through the handler: good, mixed, redelivered, poison, near the deadline.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use switchboard_router::{BatchError, Handler, RouteRequest, SqsEvent, SqsMessage};
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::{AssignmentStatus, LeadStatus, NotifyKind, Router, WorkQueue};

use super::delivery::{failed_ids, is_drained, receive_n, settle, sqs_event};
use super::faults::{Fault, Faulty};
use super::fixtures::{POLICY, REPS, activate, ids, insert, monday};
use super::state::{assert_counters_match, counts, events_by_id, notifications_by_id, read_state};
use super::{Backend, handler};

async fn send_all<Q: WorkQueue>(queue: &Q, leads: &[String]) {
    for id in leads {
        queue
            .send(&RouteRequest::new(id).to_body())
            .await
            .expect("send");
    }
}

pub async fn good_batch_routes_every_lead<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    let german = ids("G", 8);
    let french = ids("F", 2);
    for id in &german {
        insert(&store, id, "DE").await;
    }
    for id in &french {
        insert(&store, id, "FR").await;
    }
    let all: Vec<String> = german.iter().chain(&french).cloned().collect();
    let handler = handler(h, store.clone()).await;
    let queue = h.queue(5).await;
    send_all(&queue, &all).await;

    let received = receive_n(&queue, all.len()).await;
    let response = handler
        .handle(sqs_event(&received), None)
        .await
        .expect("batch");
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
    assert_eq!(settle(&queue, &received, &response).await, all.len());
    assert!(is_drained(&queue).await);

    let state = read_state(&store, &all, &REPS).await;
    assert_counters_match(&store, &state).await;
    let events = events_by_id(&h.recorded(&handler.router().events).await);
    let notifications = h.notified(handler.notify_queue()).await;
    assert_eq!(events.len(), all.len(), "one event per lead");
    assert_eq!(
        notifications.len(),
        all.len(),
        "one notification per assignment or parking"
    );
    let notifications = notifications_by_id(&notifications);
    // A parked lead is not left unnoticed: its pool is told, once per parking decision.
    for id in &french {
        let n = &notifications[&format!("{id}:parked:1")];
        assert_eq!(n.kind, NotifyKind::Parked, "{id}");
        assert_eq!(
            (n.lead_id.as_str(), n.pool.as_deref(), n.reason.as_deref()),
            (id.as_str(), Some("triage"), Some("no_rule"))
        );
        assert_eq!(n.addressee(), None, "{id}: the pool's channels");
    }
    let mut per_rep = BTreeMap::new();
    for id in &german {
        let lead = state.leads[id].as_ref().expect("lead");
        assert_eq!(lead.status, LeadStatus::Assigned, "{id}");
        let a = state.assignments[id].as_ref().expect("assignment");
        assert_eq!((a.status, a.attempt), (AssignmentStatus::Open, 1));
        assert_eq!(state.decisions[id].len(), 1, "{id}: one decision");
        let event = &events[&format!("lead.assigned:{id}:1")];
        assert_eq!(event.detail["rep"], a.rep.as_str());
        let n = &notifications[&format!("{id}:1")];
        assert_eq!(
            (n.lead_id.as_str(), &n.rep, n.attempt),
            (id.as_str(), &a.rep, 1)
        );
        assert_eq!(n.sla_due, a.sla_due);
        *per_rep.entry(a.rep.clone()).or_insert(0) += 1;
    }
    // Weights 2:1:1 over eight leads.
    assert_eq!(
        per_rep,
        BTreeMap::from([("ana".into(), 4), ("bo".into(), 2), ("cy".into(), 2)])
    );
    for id in &french {
        assert_eq!(
            state.leads[id].as_ref().expect("lead").status,
            LeadStatus::Parked
        );
        assert_eq!(state.assignments[id], None);
        let [record] = state.decisions[id].as_slice() else {
            panic!("{id}: expected one decision");
        };
        assert!(matches!(&record.outcome, OutcomeRecord::Parked { pool, .. } if pool == "triage"));
        let event = &events[&format!("lead.parked:{id}:1")];
        assert_eq!(event.detail["pool"], "triage");
    }
}

pub async fn mixed_batch_reports_exactly_the_bad_messages<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    let good = ids("M", 3);
    for id in &good {
        insert(&store, id, "DE").await;
    }
    let handler = handler(h, store.clone()).await;
    let queue = h.queue(5).await;
    let bad_bodies = [
        "not json at all",
        r#"{"lead":"M1"}"#,
        r#"{"lead_id":""}"#,
        r#"{"lead_id":42}"#,
        r#"{"lead_id":"no-such-lead"}"#,
    ];
    // Good and bad interleaved, so a failure cannot stop or shift the ones after it.
    let mut bodies = Vec::new();
    for (i, bad) in bad_bodies.iter().enumerate() {
        if let Some(id) = good.get(i) {
            bodies.push(RouteRequest::new(id).to_body());
        }
        bodies.push((*bad).to_owned());
    }
    for body in &bodies {
        queue.send(body).await.expect("send");
    }
    let received = receive_n(&queue, bodies.len()).await;
    let response = handler
        .handle(sqs_event(&received), None)
        .await
        .expect("batch");
    let expected: HashSet<String> = received
        .iter()
        .filter(|r| bad_bodies.contains(&r.body.as_str()))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(expected.len(), bad_bodies.len());
    assert_eq!(failed_ids(&response), expected);
    assert_eq!(response.batch_item_failures.len(), bad_bodies.len());

    let state = read_state(&store, &good, &REPS).await;
    assert_counters_match(&store, &state).await;
    for id in &good {
        assert_eq!(
            state.leads[id].as_ref().expect("lead").status,
            LeadStatus::Assigned
        );
    }
    let notifications = h.notified(handler.notify_queue()).await;
    assert_eq!(notifications.len(), good.len());
    let events = h.recorded(&handler.router().events).await;
    assert_eq!(events.len(), good.len());
    assert!(events.iter().all(|e| e.detail["lead_id"] != "no-such-lead"));
}

pub async fn redelivered_messages_change_nothing<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    let german = ids("R", 10);
    let french = ids("P", 2);
    for id in &german {
        insert(&store, id, "DE").await;
    }
    for id in &french {
        insert(&store, id, "FR").await;
    }
    let all: Vec<String> = german.iter().chain(&french).cloned().collect();
    let handler = handler(h, store.clone()).await;
    let queue = h.queue(5).await;
    // Every message twice, as SQS may deliver it.
    send_all(&queue, &all).await;
    send_all(&queue, &all).await;
    let mut delivered = Vec::new();
    while delivered.len() < 2 * all.len() {
        let received = receive_n(&queue, 10.min(2 * all.len() - delivered.len())).await;
        let response = handler
            .handle(sqs_event(&received), None)
            .await
            .expect("batch");
        assert!(response.batch_item_failures.is_empty());
        settle(&queue, &received, &response).await;
        delivered.extend(received);
    }
    assert!(is_drained(&queue).await);

    let state = read_state(&store, &all, &REPS).await;
    assert_counters_match(&store, &state).await;
    for id in &german {
        assert_eq!(state.decisions[id].len(), 1, "{id}: exactly one decision");
        let a = state.assignments[id].as_ref().expect("assignment");
        assert_eq!((a.status, a.attempt), (AssignmentStatus::Open, 1));
    }
    for id in &french {
        assert_eq!(state.decisions[id].len(), 1, "{id}: exactly one decision");
        assert_eq!(state.assignments[id], None);
    }
    let open: u32 = state.reps.values().map(|r| r.open).sum();
    assert_eq!(open as usize, german.len());

    // Each delivery re-enqueues the notification (of the assignment or the parking) and
    // re-publishes the event: two copies of each, identical, for consumers to drop by id.
    let notifications = h.notified(handler.notify_queue()).await;
    let per_assignment = counts(notifications.iter().map(|n| n.assignment_id.as_str()));
    assert_eq!(per_assignment.len(), all.len());
    for id in &french {
        assert_eq!(per_assignment[&format!("{id}:parked:1")], 2, "{id}");
    }
    assert!(
        per_assignment.values().all(|&c| c == 2),
        "{per_assignment:?}"
    );
    notifications_by_id(&notifications);
    let events = h.recorded(&handler.router().events).await;
    let per_event = counts(events.iter().map(|e| e.id.as_str()));
    assert_eq!(per_event.len(), all.len());
    assert!(per_event.values().all(|&c| c == 2), "{per_event:?}");
    events_by_id(&events);

    // Replaying a whole batch again (same message ids) still changes no state.
    let replay = handler
        .handle(sqs_event(&delivered[..10]), None)
        .await
        .expect("replay");
    assert!(replay.batch_item_failures.is_empty());
    assert_eq!(read_state(&store, &all, &REPS).await, state);
}

pub async fn poison_message_ends_in_the_dead_letter_queue<H: Backend>(h: &H) {
    const MAX_RECEIVES: u32 = 2;
    let store = h.store().await;
    activate(&store, POLICY).await;
    insert(&store, "OK1", "DE").await;
    let handler = handler(h, store.clone()).await;
    let queue = h.queue(MAX_RECEIVES).await;
    let poison = "{\"lead_id\": ";
    queue.send(poison).await.expect("send poison");
    queue
        .send(&RouteRequest::new("OK1").to_body())
        .await
        .expect("send good");

    let first = receive_n(&queue, 2).await;
    let response = handler
        .handle(sqs_event(&first), None)
        .await
        .expect("batch");
    let poison_id = first
        .iter()
        .find(|r| r.body == poison)
        .map(|r| r.id.clone())
        .expect("poison received");
    assert_eq!(failed_ids(&response), HashSet::from([poison_id.clone()]));
    settle(&queue, &first, &response).await;
    for receive in 2..=MAX_RECEIVES {
        let again = receive_n(&queue, 1).await;
        assert_eq!(
            (again[0].body.as_str(), again[0].receive_count),
            (poison, receive)
        );
        let response = handler
            .handle(sqs_event(&again), None)
            .await
            .expect("batch");
        assert_eq!(response.batch_item_failures.len(), 1);
        settle(&queue, &again, &response).await;
    }
    // The receive after the last allowed one moves it to the dead-letter queue.
    for _ in 0..3 {
        assert!(is_drained(&queue).await, "poison delivered a third time");
    }
    let dead = queue.dead_letters(10).await.expect("dead letters");
    assert_eq!(
        dead.iter().map(|d| d.body.as_str()).collect::<Vec<_>>(),
        [poison]
    );
    let lead = read_state(&store, &["OK1".to_owned()], &REPS).await;
    assert_eq!(
        lead.leads["OK1"].as_ref().expect("lead").status,
        LeadStatus::Assigned
    );
}

pub async fn near_deadline_leaves_messages_for_redelivery<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    let leads = ids("D", 3);
    for id in &leads {
        insert(&store, id, "DE").await;
    }
    let handler = handler(h, store.clone()).await;
    let queue = h.queue(5).await;
    send_all(&queue, &leads).await;
    let received = receive_n(&queue, 3).await;
    let before = read_state(&store, &leads, &REPS).await;

    // One second left is less than the default margin: nothing is started.
    let soon = Instant::now() + Duration::from_secs(1);
    let response = handler
        .handle(sqs_event(&received), Some(soon))
        .await
        .expect("batch");
    let all_ids: HashSet<String> = received.iter().map(|r| r.id.clone()).collect();
    assert_eq!(failed_ids(&response), all_ids);
    assert_eq!(read_state(&store, &leads, &REPS).await, before);
    assert!(h.notified(handler.notify_queue()).await.is_empty());
    assert!(h.recorded(&handler.router().events).await.is_empty());
    settle(&queue, &received, &response).await;

    let again = receive_n(&queue, 3).await;
    let later = Instant::now() + Duration::from_secs(60);
    let response = handler
        .handle(sqs_event(&again), Some(later))
        .await
        .expect("batch");
    assert!(response.batch_item_failures.is_empty());
    let state = read_state(&store, &leads, &REPS).await;
    assert!(state.assignments.values().all(Option::is_some));
}

pub async fn failure_without_message_id_fails_the_batch<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    insert(&store, "N1", "DE").await;
    insert(&store, "N2", "DE").await;
    let handler = handler(h, store.clone()).await;
    let message = |body: &str| {
        let mut m = SqsMessage::default();
        m.body = Some(body.to_owned());
        m
    };
    let mut ok = SqsEvent::default();
    ok.records = vec![message(&RouteRequest::new("N1").to_body())];
    let response = handler.handle(ok, None).await.expect("finished batch");
    assert!(response.batch_item_failures.is_empty());

    let mut mixed = SqsEvent::default();
    mixed.records = vec![
        message(&RouteRequest::new("N2").to_body()),
        message("garbage"),
    ];
    let err = handler.handle(mixed, None).await.expect_err("must fail");
    assert!(matches!(err, BatchError::Unidentified(1)), "{err}");
    // The message that did finish is still routed: redelivering it is harmless.
    let state = read_state(&store, &ids("N", 2), &REPS).await;
    assert!(state.assignments.values().all(Option::is_some));
}

pub async fn policy_is_compiled_once_across_invocations<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    let leads = ids("C", 9);
    for id in &leads {
        insert(&store, id, "DE").await;
    }
    let handler = Handler::new(
        Router::new(Faulty::new(store.clone(), Fault::never()), h.events().await),
        h.notify().await,
    )
    .with_clock(monday);
    let queue = h.queue(5).await;
    let invoke = async |batch: &[String]| {
        send_all(&queue, batch).await;
        let received = receive_n(&queue, batch.len()).await;
        let response = handler
            .handle(sqs_event(&received), None)
            .await
            .expect("batch");
        assert!(response.batch_item_failures.is_empty());
        settle(&queue, &received, &response).await;
    };
    invoke(&leads[0..3]).await;
    invoke(&leads[3..6]).await;
    assert_eq!(handler.router().store.version_reads(), 1);
    // A new active version is read (once) by the next invocation, without a restart.
    activate(&store, POLICY).await;
    invoke(&leads[6..9]).await;
    assert_eq!(handler.router().store.version_reads(), 2);
    let state = read_state(&store, &leads, &REPS).await;
    let versions: Vec<u64> = leads
        .iter()
        .map(|id| {
            state.assignments[id]
                .as_ref()
                .expect("assigned")
                .policy_version
        })
        .collect();
    assert_eq!(versions, [1, 1, 1, 1, 1, 1, 2, 2, 2]);
}
