//! The sweeper's production handler (`aws_handler`: DynamoDB, SQS, EventBridge) against the
//! emulator in `AWS_ENDPOINT_URL` (moto, started by `infra/with-moto.sh`): a lead nobody
//! accepts is expired and re-routed, the notify queue gets both reps' messages and the
//! routing queue the re-drive of a lead whose hand-off was lost. Without the variable the
//! test prints why it skipped.

use std::sync::atomic::{AtomicU32, Ordering};

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_sla_sweeper::aws::aws_handler;
use switchboard_sla_sweeper::{Config, ScheduleEvent};
use switchboard_store::aws::{dynamo, sdk_config};
use switchboard_store::sweeper::SweepConfig;
use switchboard_store::{LeadStore, NotifyKind, NotifyMessage, PolicyStore, Routed, RoutingState};

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn queue(sqs: &aws_sdk_sqs::Client) -> String {
    sqs.create_queue()
        .queue_name(unique("sweeper"))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        for m in messages {
            bodies.push(m.body.unwrap_or_default());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle.unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
}

const POLICY: &str = "
triage_pool: triage
default_sla: 5m
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeps_on_dynamodb_sqs_and_eventbridge() {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        eprintln!("SKIPPED: AWS_ENDPOINT_URL not set (run through infra/with-moto.sh)");
        return;
    }
    let sdk = sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let table = unique("switchboard");
    dynamo::create_table(&dynamodb, &table)
        .await
        .expect("table");
    let bus = unique("bus");
    aws_sdk_eventbridge::Client::new(&sdk)
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("bus");
    let config = Config {
        table,
        event_bus: bus,
        routing_queue_url: queue(&sqs).await,
        notify_queue_url: queue(&sqs).await,
        sweep: SweepConfig {
            lookback: SignedDuration::from_mins(10),
            ..SweepConfig::default()
        },
    };
    let handler = aws_handler(&sdk, &config);
    let store = &handler.router.store;
    let t0: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    let v = store
        .put_version(&PolicyDocument::from_yaml(POLICY).unwrap(), None, t0)
        .await
        .unwrap();
    store.set_active(v.version, None, t0).await.unwrap();
    for id in ["L1", "L2"] {
        store
            .insert_if_absent(&Lead::new(id, t0).with_email("a@example.org"), id, t0)
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

    let notes: Vec<NotifyMessage> = drain(&sqs, &config.notify_queue_url)
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
        drain(&sqs, &config.routing_queue_url).await,
        vec![r#"{"lead_id":"L2"}"#.to_owned()]
    );
}
