//! The sweeper's production handler (`aws_handler`: DynamoDB, SQS, EventBridge) against the
//! emulator in `AWS_ENDPOINT_URL` (moto, started by `infra/with-moto.sh`): a lead nobody
//! accepts is expired and re-routed, the notify queue gets both reps' messages and the
//! routing queue the re-drive of a lead whose hand-off was lost. Without the variable the
//! test prints why it skipped.

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_sla_sweeper::aws::aws_handler;
use switchboard_sla_sweeper::{Check, Config, Invocation, ScheduleEvent};
use switchboard_store::sweeper::SweepConfig;
use switchboard_store::{
    LeadStore, NewLead, NotifyKind, NotifyMessage, PolicyStore, Routed, RoutingState,
};
use switchboard_testkit::moto::moto;

const POLICY: &str = "
triage_pool: triage
default_sla: 5m
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeps_on_dynamodb_sqs_and_eventbridge() {
    let Some(aws) = moto().await else {
        return;
    };
    let probe = aws.bus_probe().await;
    let config = Config {
        table: aws.table("switchboard").await,
        event_bus: probe.bus.clone(),
        routing_queue_url: aws.queue("sweeper").await,
        notify_queue_url: aws.queue("sweeper").await,
        sweep: SweepConfig {
            lookback: SignedDuration::from_mins(10),
            ..SweepConfig::default()
        },
    };
    let handler = aws_handler(&aws.config, &config);
    let store = &handler.router.store;
    let t0: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    let v = store
        .put_version(&PolicyDocument::from_yaml(POLICY).unwrap(), None, t0)
        .await
        .unwrap();
    store.set_active(v.version, None, t0).await.unwrap();
    for id in ["L1", "L2"] {
        store
            .insert_if_absent(
                &NewLead::new(Lead::new(id, t0).with_email("a@example.org"), id),
                t0,
            )
            .await
            .unwrap();
    }
    let Routed::Decided {
        assignment: Some(first),
        ..
    } = handler.router.route_lead("L1", t0).await.unwrap()
    else {
        panic!("L1 not assigned");
    };

    let at = ScheduleEvent {
        time: Some(t0 + SignedDuration::from_mins(5)),
        check: None,
    };
    let report = handler.handle(&at, Timestamp::now()).await.expect("sweep");
    assert_eq!(
        (report.expired, report.reassigned, report.redriven),
        (1, 1, 1),
        "{report:?}"
    );
    let second = store.assignment("L1").await.unwrap().unwrap();
    assert_eq!(second.attempt, 2);
    assert_ne!(second.rep, first.rep);
    assert_eq!(store.rep_state(&first.rep).await.unwrap().open, 0);

    let notes: Vec<NotifyMessage> = aws
        .drain(&config.notify_queue_url)
        .await
        .iter()
        .map(|b| NotifyMessage::parse(b).unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotifyKind::ReassignedAway && n.rep == first.rep)
    );
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotifyKind::Assigned && n.rep == second.rep)
    );
    // L2 was stored and never handed on: re-driven through the awaiting-routing index.
    assert_eq!(
        aws.drain(&config.routing_queue_url).await,
        vec![r#"{"lead_id":"L2"}"#.to_owned()]
    );

    // The daily check a week later, under a policy whose reps work Sundays only: the hour
    // L1 and L2 came in last Monday is a gap, published on the bus.
    let sundays = POLICY.replace(
        "reps: [ { id: ana }, { id: bo } ]",
        "reps:\n  - { id: ana, working_hours: { sun: ['10:00-11:00'] } }\n  - { id: bo, working_hours: { sun: ['10:00-11:00'] } }",
    );
    let v2 = store
        .put_version(&PolicyDocument::from_yaml(&sundays).unwrap(), None, t0)
        .await
        .unwrap();
    store
        .set_active(v2.version, Some(v.version), t0)
        .await
        .unwrap();
    let daily = ScheduleEvent {
        time: Some(t0 + SignedDuration::from_hours(24 * 7) - SignedDuration::from_mins(30)),
        check: Some(Check::Coverage),
    };
    let Invocation::Coverage(checked) = handler.invoke(&daily, Timestamp::now()).await.unwrap()
    else {
        panic!("not a coverage check");
    };
    assert_eq!((checked.gaps, checked.gap_hours), (1, 1), "{checked:?}");
    let gaps: Vec<_> = probe
        .events()
        .await
        .into_iter()
        .filter(|e| e.kind == "policy.coverage_gap")
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].detail["pool"], "main");
    assert_eq!(gaps[0].detail["from"], "2026-06-08T10:00:00Z");
}
