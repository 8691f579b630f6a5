//! The scenario suite on the AWS adapters (DynamoDB store, SQS routing and notify queues,
//! EventBridge bus) at `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`,
//! plus the count of AWS calls per lead. Without that variable every test here prints why
//! it skipped.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use common::Backend;
use switchboard_router::aws::{AwsClients, SqsNotifyQueue, aws_handler};
use switchboard_router::{Config, Notification, NotifyQueue, RouteRequest};
use switchboard_store::aws::{
    CallCounter, DynamoStore, EventBridgePublisher, SqsQueue, dynamo, sdk_config,
};
use switchboard_store::{DomainEvent, EventPublisher, ReleaseOutcome, RoutingState, StoreResult};

const SKIP_REASON: &str = "AWS_ENDPOINT_URL not set (run through infra/with-moto.sh)";

/// A name no other test (or earlier run against the same emulator) uses.
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

struct Aws {
    config: SdkConfig,
}

async fn backend() -> Option<Aws> {
    std::env::var_os("AWS_ENDPOINT_URL")?;
    Some(Aws {
        config: sdk_config().await,
    })
}

async fn create_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = unique("switchboard");
    dynamo::create_table(client, &name)
        .await
        .expect("create table");
    name
}

async fn create_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(unique(prefix))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

/// Drains a queue with short polls (moto makes sent messages visible at once).
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

/// The production publisher on a fresh bus, with a rule copying every Switchboard event to
/// a queue the test reads back.
struct BusProbe {
    publisher: EventBridgePublisher,
    bus: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    seen: Mutex<Vec<DomainEvent>>,
}

impl EventPublisher for BusProbe {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        self.publisher.publish(event).await
    }
}

async fn bus_probe(eb: aws_sdk_eventbridge::Client, sqs: aws_sdk_sqs::Client) -> BusProbe {
    let bus = unique("bus");
    eb.create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("create bus");
    let queue_url = create_queue(&sqs, "events").await;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("queue arn");
    let rule = unique("rule");
    eb.put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(r#"{"source": ["switchboard"]}"#)
        .send()
        .await
        .expect("put rule");
    eb.put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("probe")
                .arn(arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("put targets");
    BusProbe {
        publisher: EventBridgePublisher::new(eb, &bus),
        bus,
        sqs,
        queue_url,
        seen: Mutex::new(Vec::new()),
    }
}

/// The production notify sender, and a reader of the queue it sends to.
struct NotifyProbe {
    sender: SqsNotifyQueue,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    seen: Mutex<Vec<Notification>>,
}

impl NotifyQueue for NotifyProbe {
    async fn send(&self, body: &str) -> StoreResult<()> {
        self.sender.send(body).await
    }
}

impl Backend for Aws {
    type Store = DynamoStore;
    type Events = BusProbe;
    type Notify = NotifyProbe;
    type Queue = SqsQueue;
    // Every call is an HTTP round trip to an emulator that serializes table requests and
    // copies the table for each item of a transaction, so its cost per lead grows with
    // the table: 1,000 leads would take many minutes.
    const CONCURRENT_LEADS: usize = 120;

    async fn store(&self) -> DynamoStore {
        let client = aws_sdk_dynamodb::Client::new(&self.config);
        let table = create_table(&client).await;
        DynamoStore::new(client, table)
    }

    async fn events(&self) -> BusProbe {
        bus_probe(
            aws_sdk_eventbridge::Client::new(&self.config),
            aws_sdk_sqs::Client::new(&self.config),
        )
        .await
    }

    async fn recorded(&self, probe: &BusProbe) -> Vec<DomainEvent> {
        for body in drain(&probe.sqs, &probe.queue_url).await {
            let envelope: serde_json::Value = serde_json::from_str(&body).expect("json");
            assert_eq!(envelope["source"], "switchboard");
            let event: DomainEvent =
                serde_json::from_value(envelope["detail"].clone()).expect("event detail");
            assert_eq!(envelope["detail-type"], event.kind.as_str());
            probe.seen.lock().expect("lock").push(event);
        }
        probe.seen.lock().expect("lock").clone()
    }

    async fn notify(&self) -> NotifyProbe {
        let sqs = aws_sdk_sqs::Client::new(&self.config);
        let queue_url = create_queue(&sqs, "notify").await;
        NotifyProbe {
            sender: SqsNotifyQueue::new(sqs.clone(), &queue_url),
            sqs,
            queue_url,
            seen: Mutex::new(Vec::new()),
        }
    }

    async fn notified(&self, probe: &NotifyProbe) -> Vec<Notification> {
        for body in drain(&probe.sqs, &probe.queue_url).await {
            let n = Notification::parse(&body).expect("notification body");
            probe.seen.lock().expect("lock").push(n);
        }
        probe.seen.lock().expect("lock").clone()
    }

    async fn queue(&self, max_receives: u32) -> SqsQueue {
        SqsQueue::create(
            aws_sdk_sqs::Client::new(&self.config),
            &unique("routing"),
            max_receives,
        )
        .await
        .expect("create routing queue")
    }
}

router_scenarios!(backend(), SKIP_REASON);

/// Counts every AWS call the production handler (`aws_handler`, as `main` builds it) makes
/// per lead, by operation, with a warm policy cache: the numbers docs/ROUTER.md quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_calls_per_lead() {
    use common::delivery::sqs_event;
    use common::fixtures::{POLICY, activate, ids, insert, monday};
    use switchboard_store::Received;

    let Some(aws) = backend().await else {
        common::skipped(SKIP_REASON);
        return;
    };
    let counter = CallCounter::new();
    let counted = AwsClients {
        dynamodb: aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&aws.config)
                .interceptor(counter.clone())
                .build(),
        ),
        sqs: aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&aws.config)
                .interceptor(counter.clone())
                .build(),
        ),
        eventbridge: aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&aws.config)
                .interceptor(counter.clone())
                .build(),
        ),
    };
    // Setup and checks go through uncounted clients.
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws.config);
    let sqs = aws_sdk_sqs::Client::new(&aws.config);
    let table = create_table(&dynamodb).await;
    let store = DynamoStore::new(dynamodb, &table);
    let notify_url = create_queue(&sqs, "notify").await;
    let probe = bus_probe(aws_sdk_eventbridge::Client::new(&aws.config), sqs.clone()).await;
    let config = Config {
        table,
        notify_queue_url: notify_url.clone(),
        event_bus: probe.bus.clone(),
    };
    let handler = aws_handler(counted, &config).with_clock(monday);
    activate(&store, POLICY).await;
    const LEADS: usize = 10;
    let german = ids("A", LEADS);
    let french = ids("F", LEADS);
    for id in german.iter().chain(&french) {
        insert(&store, id, if id.starts_with('A') { "DE" } else { "FR" }).await;
    }
    insert(&store, "WARM", "DE").await;
    let batch = |leads: &[String]| {
        let received: Vec<Received> = leads
            .iter()
            .enumerate()
            .map(|(i, id)| Received {
                id: format!("m-{id}-{i}"),
                receipt: format!("r-{id}-{i}"),
                body: RouteRequest::new(id).to_body(),
                receive_count: 1,
            })
            .collect();
        sqs_event(&received)
    };
    let run = async |leads: &[String]| {
        counter.reset();
        let response = handler.handle(batch(leads), None).await.expect("batch");
        assert!(response.batch_item_failures.is_empty());
        let calls = counter.snapshot();
        println!(
            "calls for {} leads {:?}: {calls:?}",
            leads.len(),
            &leads[..1]
        );
        calls
    };
    let per = |calls: &std::collections::BTreeMap<String, u64>, op: &str| {
        calls.get(op).copied().unwrap_or(0) as f64 / LEADS as f64
    };

    // The first lead of the process also loads the policy version (one more GetItem).
    let cold = run(&["WARM".to_owned()]).await;
    assert_eq!(cold.get("DynamoDB.GetItem"), Some(&3));
    assert_eq!(cold.values().sum::<u64>(), 7);
    store
        .release("WARM", ReleaseOutcome::Closed, monday())
        .await
        .expect("release");

    // Assigned: active pointer + account by domain (2 GetItem), snapshot (1 BatchGetItem),
    // decision (1 TransactWriteItems), lead.assigned (1 PutEvents), notification (1
    // SendMessage).
    let assigned = run(&german).await;
    assert_eq!(per(&assigned, "DynamoDB.GetItem"), 2.0);
    assert_eq!(per(&assigned, "DynamoDB.BatchGetItem"), 1.0);
    assert_eq!(per(&assigned, "DynamoDB.TransactWriteItems"), 1.0);
    assert_eq!(per(&assigned, "EventBridge.PutEvents"), 1.0);
    assert_eq!(per(&assigned, "SQS.SendMessage"), 1.0);
    assert_eq!(assigned.values().sum::<u64>() as usize, 6 * LEADS);

    // Parked: the same without the notification.
    let parked = run(&french).await;
    assert_eq!(per(&parked, "SQS.SendMessage"), 0.0);
    assert_eq!(parked.values().sum::<u64>() as usize, 5 * LEADS);

    // A redelivery of an assigned lead: active pointer, snapshot, event, notification.
    let again = run(&german).await;
    assert_eq!(per(&again, "DynamoDB.GetItem"), 1.0);
    assert_eq!(per(&again, "DynamoDB.BatchGetItem"), 1.0);
    assert_eq!(per(&again, "EventBridge.PutEvents"), 1.0);
    assert_eq!(per(&again, "SQS.SendMessage"), 1.0);
    assert_eq!(again.values().sum::<u64>() as usize, 4 * LEADS);

    // A redelivery of a parked lead also reads its decisions to rebuild the event.
    let parked_again = run(&french).await;
    assert_eq!(per(&parked_again, "DynamoDB.Query"), 1.0);
    assert_eq!(parked_again.values().sum::<u64>() as usize, 4 * LEADS);

    // Everything reached its queue through the counted clients.
    let notes: Vec<Notification> = drain(&sqs, &notify_url)
        .await
        .iter()
        .map(|b| Notification::parse(b).expect("notification"))
        .collect();
    assert_eq!(notes.len(), 1 + 2 * LEADS);
    let events = drain(&probe.sqs, &probe.queue_url).await;
    assert_eq!(events.len(), 1 + 4 * LEADS);
}
