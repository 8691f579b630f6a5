//! Messages for leads later in their life: re-routed after a rejection, closed, or marked
//! duplicate by intake.

use switchboard_router::{RouteRequest, SqsEvent};
use switchboard_store::{
    AssignmentStatus, LeadStatus, LeadStore, Received, ReleaseOutcome, RoutingState,
};

use super::delivery::sqs_event;
use super::fixtures::{POLICY, activate, insert, monday};
use super::state::counts;
use super::{Backend, handler};

/// A delivery of the routing message for `lead_id` (the nth time, for a distinct id).
fn delivery(lead_id: &str, nth: usize) -> SqsEvent {
    sqs_event(&[Received {
        id: format!("msg-{lead_id}-{nth}"),
        receipt: format!("receipt-{lead_id}-{nth}"),
        body: RouteRequest::new(lead_id).to_body(),
        receive_count: 1,
    }])
}

pub async fn released_lead_is_routed_again_as_a_new_assignment<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    insert(&store, "B1", "DE").await;
    let handler = handler(h, store.clone()).await;
    let response = handler
        .handle(delivery("B1", 1), None)
        .await
        .expect("batch");
    assert!(response.batch_item_failures.is_empty());
    let first = store
        .assignment("B1")
        .await
        .expect("read")
        .expect("assigned");

    // The rep turns it down; the sweeper (or the reject action) enqueues it again.
    store
        .release("B1", ReleaseOutcome::Rejected, monday())
        .await
        .expect("release")
        .expect("was open");
    let response = handler
        .handle(delivery("B1", 2), None)
        .await
        .expect("batch");
    assert!(response.batch_item_failures.is_empty());
    let second = store
        .assignment("B1")
        .await
        .expect("read")
        .expect("assigned");
    assert_eq!(second.attempt, 2);
    assert_ne!(
        second.rep, first.rep,
        "routed back to the rep who rejected it"
    );
    assert_eq!(store.rep_state(&first.rep).await.expect("rep").open, 0);
    assert_eq!(store.rep_state(&second.rep).await.expect("rep").open, 1);

    let notes = h.notified(handler.notify_queue()).await;
    let ids = counts(notes.iter().map(|n| n.assignment_id.as_str()));
    assert_eq!(ids.keys().collect::<Vec<_>>(), ["B1:1", "B1:2"]);
    let last = notes.last().expect("notification");
    assert_eq!((last.rep.as_str(), last.attempt), (second.rep.as_str(), 2));
}

pub async fn finished_leads_need_no_routing<H: Backend>(h: &H) {
    let store = h.store().await;
    activate(&store, POLICY).await;
    insert(&store, "Z1", "DE").await;
    insert(&store, "Z2", "DE").await;
    let handler = handler(h, store.clone()).await;
    let response = handler
        .handle(delivery("Z1", 1), None)
        .await
        .expect("batch");
    assert!(response.batch_item_failures.is_empty());
    store
        .release("Z1", ReleaseOutcome::Closed, monday())
        .await
        .expect("close")
        .expect("was open");
    store
        .set_status("Z2", LeadStatus::Received, LeadStatus::Duplicate, monday())
        .await
        .expect("mark duplicate");
    let notes_before = h.notified(handler.notify_queue()).await.len();

    // A late redelivery for the closed lead and a message for the duplicate: both finish
    // (nothing to do), neither changes state nor notifies anyone.
    for (id, nth) in [("Z1", 2), ("Z2", 1)] {
        let response = handler
            .handle(delivery(id, nth), None)
            .await
            .expect("batch");
        assert!(response.batch_item_failures.is_empty(), "{id}");
    }
    let closed = store.assignment("Z1").await.expect("read").expect("kept");
    assert_eq!(closed.status, AssignmentStatus::Closed);
    assert_eq!(store.rep_state(&closed.rep).await.expect("rep").open, 0);
    let duplicate = store.get("Z2").await.expect("read").expect("lead");
    assert_eq!(duplicate.status, LeadStatus::Duplicate);
    assert_eq!(store.assignment("Z2").await.expect("read"), None);
    assert!(store.decisions("Z2").await.expect("read").is_empty());
    assert_eq!(h.notified(handler.notify_queue()).await.len(), notes_before);
    let events = h.recorded(&handler.router().events).await;
    assert!(events.iter().all(|e| e.detail["lead_id"] != "Z2"));
}
