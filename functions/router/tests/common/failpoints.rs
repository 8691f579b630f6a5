//! A crash or error before or after each write step of the handler (the store's atomic
//! apply, the event, the notification), then redelivery: the end state must be the one a
//! clean run leaves, and every event and notification must eventually be sent.
//!
//! Each case routes three leads in one batch with the fault on the third lead's step (the
//! last one, so the order of decisions, and with it every pick, matches the clean run).

use std::collections::HashSet;

use switchboard_router::{Handler, RouteRequest};
use switchboard_store::{LeadStatus, Router, WorkQueue};

use super::delivery::{abandon, failed_ids, is_drained, receive_n, settle, sqs_event};
use super::faults::{Fault, Faulty, How, When};
use super::fixtures::{POLICY, REPS, activate, ids, insert, monday};
use super::state::{events_by_id, notifications_by_id, read_state};
use super::{Backend, handler};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Apply,
    Publish,
    Notify,
}

const CASES: [(When, How); 4] = [
    (When::Before, How::Error),
    (When::After, How::Error),
    (When::Before, How::Crash),
    (When::After, How::Crash),
];

pub async fn crash_around_apply<H: Backend>(h: &H) {
    for (when, how) in CASES {
        case(h, Step::Apply, when, how, "DE").await;
    }
}

pub async fn crash_around_publish<H: Backend>(h: &H) {
    for (when, how) in CASES {
        case(h, Step::Publish, when, how, "DE").await;
    }
}

pub async fn crash_around_notify<H: Backend>(h: &H) {
    for (when, how) in CASES {
        case(h, Step::Notify, when, how, "DE").await;
    }
}

/// A parked lead's event, a step after the commit.
pub async fn crash_around_parked_publish<H: Backend>(h: &H) {
    for (when, how) in CASES {
        case(h, Step::Publish, when, how, "FR").await;
    }
}

/// A parked lead's notification to its pool, the step after its event: a redelivery
/// finds the lead parked and must still send it.
pub async fn crash_around_parked_notify<H: Backend>(h: &H) {
    for (when, how) in CASES {
        case(h, Step::Notify, when, how, "FR").await;
    }
}

async fn seed<H: Backend>(h: &H, leads: &[String], country: &str) -> H::Store {
    let store = h.store().await;
    activate(&store, POLICY).await;
    for id in leads {
        insert(&store, id, country).await;
    }
    store
}

async fn case<H: Backend>(h: &H, step: Step, when: When, how: How, country: &str) {
    let label = format!("{step:?} {when:?} {how:?} ({country})");
    let leads = ids("L", 3);
    let last = &leads[2];

    // The clean run.
    let clean_store = seed(h, &leads, country).await;
    let clean = handler(h, clean_store.clone()).await;
    let queue = h.queue(5).await;
    for id in &leads {
        queue
            .send(&RouteRequest::new(id).to_body())
            .await
            .expect("send");
    }
    let received = receive_n(&queue, 3).await;
    let response = clean
        .handle(sqs_event(&received), None)
        .await
        .expect("batch");
    assert!(
        response.batch_item_failures.is_empty(),
        "{label}: clean run failed"
    );
    let clean_state = read_state(&clean_store, &leads, &REPS).await;
    let clean_events = events_by_id(&h.recorded(&clean.router().events).await);
    let clean_notes = notifications_by_id(&h.notified(clean.notify_queue()).await);

    // The faulted run.
    let fault = Fault::nth(3, when, how);
    let armed = |s: Step| {
        if s == step {
            fault.clone()
        } else {
            Fault::never()
        }
    };
    let store = seed(h, &leads, country).await;
    let faulted = Handler::new(
        Router::new(
            Faulty::new(store.clone(), armed(Step::Apply)),
            Faulty::new(h.events().await, armed(Step::Publish)),
        ),
        Faulty::new(h.notify().await, armed(Step::Notify)),
    )
    .with_clock(monday);
    let queue = h.queue(5).await;
    for id in &leads {
        queue
            .send(&RouteRequest::new(id).to_body())
            .await
            .expect("send");
    }
    let received = receive_n(&queue, 3).await;
    let last_id = received
        .iter()
        .find(|r| r.body == RouteRequest::new(last).to_body())
        .map(|r| r.id.clone())
        .expect("last lead's message");
    let answered = tokio::select! {
        r = faulted.handle(sqs_event(&received), None) => Some(r.expect("batch")),
        () = fault.crashed() => None,
    };
    assert_eq!(fault.fired(), 1, "{label}: the fault did not fire");

    // What the first delivery left: the commit happened iff the fault was not before it.
    let committed = step != Step::Apply || when == When::After;
    let after_first = read_state(&store, std::slice::from_ref(last), &REPS).await;
    let status = after_first.leads[last].as_ref().expect("lead").status;
    assert_eq!(
        status != LeadStatus::Received,
        committed,
        "{label}: lead status {status:?} after the first delivery"
    );
    let events_now = events_by_id(&h.recorded(&faulted.router().events.inner).await);
    let published = events_now
        .keys()
        .any(|id| id.contains(&format!(":{last}:")));
    assert_eq!(
        published,
        step == Step::Notify || (step == Step::Publish && when == When::After),
        "{label}: event of the last lead after the first delivery"
    );

    match answered {
        // The invocation answered: only the last lead's message failed.
        Some(response) => {
            assert_eq!(failed_ids(&response), HashSet::from([last_id]), "{label}");
            settle(&queue, &received, &response).await;
            let again = receive_n(&queue, 1).await;
            let response = faulted
                .handle(sqs_event(&again), None)
                .await
                .expect("batch");
            assert!(
                response.batch_item_failures.is_empty(),
                "{label}: redelivery failed"
            );
            settle(&queue, &again, &response).await;
        }
        // The invocation died: SQS delivers the whole batch again.
        None => {
            abandon(&queue, &received).await;
            let again = receive_n(&queue, 3).await;
            let response = faulted
                .handle(sqs_event(&again), None)
                .await
                .expect("batch");
            assert!(
                response.batch_item_failures.is_empty(),
                "{label}: redelivery failed"
            );
            settle(&queue, &again, &response).await;
        }
    }
    assert!(is_drained(&queue).await, "{label}");
    assert_eq!(fault.fired(), 1, "{label}: the fault fired again");

    assert_eq!(
        read_state(&store, &leads, &REPS).await,
        clean_state,
        "{label}: end state differs from the clean run"
    );
    let events = events_by_id(&h.recorded(&faulted.router().events.inner).await);
    assert_eq!(events, clean_events, "{label}: events");
    let notes = notifications_by_id(&h.notified(&faulted.notify_queue().inner).await);
    assert_eq!(notes, clean_notes, "{label}: notifications");
}
