//! The contract suite against the AWS adapters (DynamoDB store, SQS queue, EventBridge
//! publisher) on the endpoint in `AWS_ENDPOINT_URL`, normally moto started by
//! `infra/with-moto.sh`. Without that variable every test here prints why it skipped.
#![cfg(feature = "aws")]

mod contract;

use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::SdkConfig;
use contract::Harness;
use switchboard_store::aws::{
    CallCounter, DynamoStore, EventBridgePublisher, SqsQueue, dynamo, sdk_config,
};
use switchboard_store::{DomainEvent, EventPublisher, StoreResult};

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

async fn harness() -> Option<Aws> {
    std::env::var_os("AWS_ENDPOINT_URL")?;
    Some(Aws {
        config: sdk_config().await,
    })
}

async fn new_table(config: &SdkConfig, counter: Option<&CallCounter>) -> DynamoStore {
    let mut conf = aws_sdk_dynamodb::config::Builder::from(config);
    if let Some(c) = counter {
        conf = conf.interceptor(c.clone());
    }
    let client = aws_sdk_dynamodb::Client::from_conf(conf.build());
    let name = unique("switchboard");
    dynamo::create_table(&client, &name)
        .await
        .expect("create table");
    DynamoStore::new(client, name)
}

/// A bus whose events a rule copies to a queue the test reads back.
struct BusProbe {
    publisher: EventBridgePublisher,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl EventPublisher for BusProbe {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        self.publisher.publish(event).await
    }
}

impl Harness for Aws {
    type Store = DynamoStore;
    type Events = BusProbe;
    type Queue = SqsQueue;
    // Every call is an HTTP round trip to an emulator that serializes table requests.
    const CONCURRENT_LEADS: usize = 200;
    const SHARE_LEADS: usize = 100;

    async fn store(&self) -> DynamoStore {
        new_table(&self.config, None).await
    }

    async fn events(&self) -> BusProbe {
        let eb = aws_sdk_eventbridge::Client::new(&self.config);
        let sqs = aws_sdk_sqs::Client::new(&self.config);
        let bus = unique("bus");
        eb.create_event_bus()
            .name(&bus)
            .send()
            .await
            .expect("create bus");
        let queue_url = sqs
            .create_queue()
            .queue_name(unique("events"))
            .send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url");
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
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
            publisher: EventBridgePublisher::new(eb, bus),
            sqs,
            queue_url,
        }
    }

    async fn recorded(&self, probe: &BusProbe) -> Vec<DomainEvent> {
        let mut events = Vec::new();
        loop {
            let out = probe
                .sqs
                .receive_message()
                .queue_url(&probe.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive events");
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return events;
            }
            for m in messages {
                let envelope: serde_json::Value =
                    serde_json::from_str(m.body.as_deref().unwrap_or_default()).expect("json");
                assert_eq!(envelope["source"], "switchboard");
                let event: DomainEvent =
                    serde_json::from_value(envelope["detail"].clone()).expect("event detail");
                assert_eq!(envelope["detail-type"], event.kind.as_str());
                events.push(event);
            }
        }
    }

    async fn queue(&self, max_receives: u32) -> SqsQueue {
        let client = aws_sdk_sqs::Client::new(&self.config);
        SqsQueue::create(client, &unique("work"), max_receives)
            .await
            .expect("create queue")
    }
}

contract_tests!(harness(), SKIP_REASON);

/// Counts the AWS calls of routing leads with a warm policy cache, the number
/// docs/DATA-MODEL.md quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_calls_per_routed_lead() {
    use contract::fixtures::{CAPPED, activate, insert, monday};
    use switchboard_store::{ReleaseOutcome, Routed, Router, RoutingState};
    let Some(aws) = harness().await else {
        contract::skipped(SKIP_REASON);
        return;
    };
    let counter = CallCounter::new();
    let store = new_table(&aws.config, Some(&counter)).await;
    let eb_conf = aws_sdk_eventbridge::config::Builder::from(&aws.config)
        .interceptor(counter.clone())
        .build();
    let eb = aws_sdk_eventbridge::Client::from_conf(eb_conf);
    let bus = unique("bus");
    eb.create_event_bus().name(&bus).send().await.expect("bus");
    let uncounted = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws.config),
        store.table().to_owned(),
    );
    let router = Router::new(store, EventBridgePublisher::new(eb, bus));
    activate(&router.store, CAPPED).await;
    const LEADS: usize = 20;
    for i in 0..=LEADS {
        insert(&router.store, &format!("L{i}")).await;
    }
    // The first lead warms the compiled-policy cache.
    router.route_lead("L0", monday()).await.expect("route");
    router
        .release("L0", ReleaseOutcome::Closed, monday())
        .await
        .expect("release");
    counter.reset();
    let mut assigned = 0;
    for i in 1..=LEADS {
        let id = format!("L{i}");
        if let Routed::Decided {
            assignment: Some(_),
            ..
        } = router.route_lead(&id, monday()).await.expect("route")
        {
            assigned += 1;
            // Keep capacity free so every lead is assigned, as in steady state, through
            // a client the counter does not see.
            uncounted
                .release(&id, ReleaseOutcome::Closed, monday())
                .await
                .expect("release");
        }
    }
    assert_eq!(assigned, LEADS);
    let calls = counter.snapshot();
    println!("calls for {LEADS} routed leads: {calls:?}");
    let per = |op: &str| calls.get(op).copied().unwrap_or(0) as f64 / LEADS as f64;
    // Per lead: active pointer (GetItem), account by domain (GetItem), lead + assignment +
    // reps + pools (one BatchGetItem), the decision (TransactWriteItems), the event.
    assert_eq!(per("DynamoDB.GetItem"), 2.0);
    assert_eq!(per("DynamoDB.BatchGetItem"), 1.0);
    assert_eq!(per("DynamoDB.TransactWriteItems"), 1.0);
    assert_eq!(per("EventBridge.PutEvents"), 1.0);
    assert_eq!(counter.total() as usize, 5 * LEADS);
}
