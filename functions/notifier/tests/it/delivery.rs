//! Once per assignment, kind and channel; failures retried through the queue.

use switchboard_notifier::handler::Handler;
use switchboard_notifier::{Notified, NotifyError, SqsEvent, SqsMessage};
use switchboard_store::{DeliveryLog, NotifyKind, NotifyMessage, ReleaseOutcome, RoutingState};

use crate::common::*;

fn sqs_event(bodies: &[(&str, String)]) -> SqsEvent {
    let mut event = SqsEvent::default();
    for (id, body) in bodies {
        let mut m = SqsMessage::default();
        m.message_id = Some((*id).to_owned());
        m.body = Some(body.clone());
        event.records.push(m);
    }
    event
}

fn failed_ids(response: &switchboard_notifier::SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test]
async fn a_redelivered_message_does_not_resend() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-redeliver").await;
    let n = notifier(store, &config_yaml(&r, "default: [slack, crm]")).await;
    let m = message(&a);
    let first = n.notify(&m).await.unwrap();
    assert_eq!(
        first,
        Notified::Delivered {
            sent: vec!["slack".into(), "crm".into()],
            already: vec![]
        }
    );
    let second = n.notify(&m).await.unwrap();
    let Notified::Delivered { sent, mut already } = second else {
        panic!("{second:?}")
    };
    assert!(sent.is_empty());
    already.sort();
    assert_eq!(already, ["crm", "slack"]);
    assert_eq!(r.got("/slack").len(), 1);
    assert_eq!(r.got("/crm").len(), 1);

    // Another kind about the same assignment is a message of its own.
    let warning = NotifyMessage::sla_warning(&a);
    n.notify(&warning).await.unwrap();
    assert_eq!(r.got("/slack").len(), 2);
    let kinds: Vec<String> = r
        .got("/crm")
        .iter()
        .map(|g| g.json()["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["assigned", "sla_warning"]);
}

#[tokio::test]
async fn a_failing_channel_fails_the_message_and_only_it_is_retried() {
    let r = Receiver::start().await;
    r.answer("/teams", 503, "busy");
    let store = store();
    let a = routed(&store, "L-fail").await;
    let other = routed(&store, "L-fine").await;
    let routes = format!(
        "default: [slack]\nreps: {{ {}: {{ channels: [slack, teams] }} }}",
        a.rep
    );
    let handler = Handler::new(notifier(store.clone(), &config_yaml(&r, &routes)).await);
    let batch = sqs_event(&[
        ("m-1", message(&a).to_body().unwrap()),
        ("m-2", message(&other).to_body().unwrap()),
        ("m-3", "{\"lead\": 1}".to_owned()),
    ]);
    let response = handler.handle(batch, None).await.unwrap();
    // The lead with the failing channel, and the poison message; not the other lead
    // (unless it went to the same rep, in which case it fails too).
    let mut expected = vec!["m-1".to_owned(), "m-3".to_owned()];
    if other.rep == a.rep {
        expected.insert(1, "m-2".into());
    }
    assert_eq!(failed_ids(&response), expected);
    let slack_before = r.got("/slack").len();
    let recorded = store
        .delivered_channels("L-fail", &format!("L-fail:{}", a.attempt), "assigned")
        .await
        .unwrap();
    assert_eq!(recorded, ["slack"], "the channel that worked is recorded");

    // The transient error is classified so; the retry reaches only the failed channel.
    let err = handler.notifier().notify(&message(&a)).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(
        err.to_string()
            .contains("channel teams failed (transient): answered 503: busy"),
        "{err}"
    );
    r.answer("/teams", 202, "");
    let retry = handler
        .handle(sqs_event(&[("m-1", message(&a).to_body().unwrap())]), None)
        .await
        .unwrap();
    assert!(retry.batch_item_failures.is_empty());
    assert_eq!(r.got("/slack").len(), slack_before, "slack is not repeated");
    assert_eq!(r.got("/teams").len(), 3);
}

#[tokio::test]
async fn a_4xx_is_permanent_and_still_reported() {
    let r = Receiver::start().await;
    r.answer("/slack", 404, "no_service");
    let store = store();
    let a = routed(&store, "L-gone").await;
    let n = notifier(store, &config_yaml(&r, "default: [slack]")).await;
    let err = n.notify(&message(&a)).await.unwrap_err();
    assert!(matches!(err, NotifyError::Channels { .. }));
    assert!(err.is_permanent());
    assert!(
        err.to_string().contains("answered 404: no_service"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_receiver_is_a_transient_failure() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-down").await;
    // A port nothing listens on: bind one, then let it go.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let yaml = config_yaml(&r, "default: [down]").replace(
        "  audit: { type: log }",
        &format!("  audit: {{ type: log }}\n  down: {{ type: slack_webhook, url: \"http://127.0.0.1:{port}/x\" }}"),
    );
    let n = notifier(store, &yaml).await;
    let err = n.notify(&message(&a)).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
}

#[tokio::test]
async fn a_message_about_an_ended_assignment_is_not_sent() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-stale").await;
    store
        .release("L-stale", ReleaseOutcome::Rejected, monday())
        .await
        .unwrap();
    let n = notifier(store.clone(), &config_yaml(&r, "default: [slack]")).await;
    let done = n.notify(&message(&a)).await.unwrap();
    assert!(
        matches!(done, Notified::Stale(ref why) if why.contains("released")),
        "{done:?}"
    );
    assert!(r.got("/slack").is_empty());
    // The rep who lost it is still told.
    let away = NotifyMessage::reassigned_away(&a, "rejected", None);
    assert_eq!(away.kind, NotifyKind::ReassignedAway);
    n.notify(&away).await.unwrap();
    assert_eq!(r.got("/slack").len(), 1);
    assert!(store.assignment("L-stale").await.unwrap().is_some());
}

#[tokio::test]
async fn without_a_route_the_log_takes_it_once() {
    let store = store();
    let a = routed(&store, "L-log").await;
    let n = notifier(store, "").await;
    let done = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["_log".into()],
            already: vec![]
        }
    );
    // A second route request for the lead (two re-drives, a redelivery) enqueues the same
    // notification again; the log writes it once, as every other channel does.
    let again = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        again,
        Notified::Delivered {
            sent: vec![],
            already: vec!["_log".into()]
        }
    );
}
