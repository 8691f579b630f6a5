//! The moto harness: tests against the AWS adapters run on the endpoint in
//! `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`, and skip (saying so)
//! without it, so a plain `cargo test` passes on a machine with no emulator.

use std::sync::Mutex;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use switchboard_store::aws::{CallCounter, DynamoStore, EventBridgePublisher, dynamo};
use switchboard_store::{DomainEvent, EventPublisher, StoreResult};

use crate::fault_proxy::FaultProxy;
use crate::unique;

/// Why a moto test did not run.
pub const SKIP_REASON: &str = "AWS_ENDPOINT_URL not set (run through infra/with-moto.sh)";

/// The emulator: the SDK configuration the adapters use in production, built from the
/// environment `infra/with-moto.sh` sets.
pub struct Moto {
    pub config: SdkConfig,
}

/// The emulator, or `None` after saying the test is skipped when no endpoint is set.
pub async fn moto() -> Option<Moto> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        crate::skipped(SKIP_REASON);
        return None;
    }
    Some(Moto {
        config: switchboard_store::aws::sdk_config().await,
    })
}

/// [`moto`] for synchronous tests (those that run a binary against the emulator).
pub fn moto_blocking() -> Option<Moto> {
    block_on(moto())
}

/// Runs `f` to completion, for synchronous tests. Every call shares one runtime: the SDK
/// clients keep pooled connections on the runtime that opened them, so a client used
/// across runtimes would find its connections gone.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a tokio runtime")
        })
        .block_on(f)
}

/// Creates a single table (the production schema) named after `prefix`.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, prefix: &str) -> String {
    let name = unique(prefix);
    dynamo::create_table(client, &name)
        .await
        .expect("create table");
    name
}

/// Creates a queue named after `prefix`; returns its URL.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(unique(prefix))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

/// Receives and deletes every message on a queue; returns the bodies in order. Short
/// polls are enough: moto makes a sent message (or an event a rule forwards) visible at
/// once.
pub async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
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

impl Moto {
    /// The emulator reached through `proxy`, with clients that retry as the functions' do
    /// (the SDK's standard mode: 3 attempts), with shorter back-off so a test is quick,
    /// and an attempt timeout below the proxy's slow replies. A call whose attempts all
    /// fail reaches the adapter as an error, as in production.
    pub fn through(&self, proxy: &FaultProxy) -> Moto {
        // A fresh configuration rather than a copy: the loader's per-service settings
        // would read `AWS_ENDPOINT_URL` again for each client and win over the proxy.
        let c = &self.config;
        let mut builder = SdkConfig::builder();
        builder.set_behavior_version(c.behavior_version());
        builder.set_region(c.region().cloned());
        builder.set_credentials_provider(c.credentials_provider());
        builder.set_http_client(c.http_client());
        builder.set_sleep_impl(c.sleep_impl());
        builder.set_time_source(c.time_source());
        let config = builder
            .endpoint_url(&proxy.url)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_backoff(Duration::from_millis(100)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_millis(1500))
                    .build(),
            )
            .build();
        Moto { config }
    }

    /// The endpoint the harness talks to (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> String {
        std::env::var("AWS_ENDPOINT_URL").expect("the harness runs with AWS_ENDPOINT_URL")
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }

    pub fn eventbridge(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.config)
    }

    /// Clients whose every call `counter` sees, for tests that count AWS calls.
    pub fn counted_dynamodb(&self, counter: &CallCounter) -> aws_sdk_dynamodb::Client {
        let conf =
            aws_sdk_dynamodb::config::Builder::from(&self.config).interceptor(counter.clone());
        aws_sdk_dynamodb::Client::from_conf(conf.build())
    }

    pub fn counted_sqs(&self, counter: &CallCounter) -> aws_sdk_sqs::Client {
        let conf = aws_sdk_sqs::config::Builder::from(&self.config).interceptor(counter.clone());
        aws_sdk_sqs::Client::from_conf(conf.build())
    }

    pub fn counted_eventbridge(&self, counter: &CallCounter) -> aws_sdk_eventbridge::Client {
        let conf =
            aws_sdk_eventbridge::config::Builder::from(&self.config).interceptor(counter.clone());
        aws_sdk_eventbridge::Client::from_conf(conf.build())
    }

    /// A fresh table named after `prefix`.
    pub async fn table(&self, prefix: &str) -> String {
        create_table(&self.dynamodb(), prefix).await
    }

    /// The production store on a fresh table.
    pub async fn store(&self) -> DynamoStore {
        let client = self.dynamodb();
        let table = create_table(&client, "switchboard").await;
        DynamoStore::new(client, table)
    }

    /// A fresh queue named after `prefix`; returns its URL.
    pub async fn queue(&self, prefix: &str) -> String {
        create_queue(&self.sqs(), prefix).await
    }

    /// Every message on a queue, deleted as read (see [`drain`]).
    pub async fn drain(&self, url: &str) -> Vec<String> {
        drain(&self.sqs(), url).await
    }

    /// A fresh event bus; returns its name.
    pub async fn bus(&self) -> String {
        let bus = unique("bus");
        self.eventbridge()
            .create_event_bus()
            .name(&bus)
            .send()
            .await
            .expect("create bus");
        bus
    }

    /// The production publisher on a fresh bus, with a rule copying every Switchboard
    /// event to a queue [`BusProbe::events`] reads back.
    pub async fn bus_probe(&self) -> BusProbe {
        let eb = self.eventbridge();
        let sqs = self.sqs();
        let bus = self.bus().await;
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
}

/// The production EventBridge publisher on a fresh bus, and a reader of what reached the
/// bus's consumers.
pub struct BusProbe {
    publisher: EventBridgePublisher,
    pub bus: String,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    seen: Mutex<Vec<DomainEvent>>,
}

impl EventPublisher for BusProbe {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        self.publisher.publish(event).await
    }
}

impl BusProbe {
    /// Every event that reached the bus's consumers so far, in order, each checked to
    /// carry the envelope the consumers filter on.
    pub async fn events(&self) -> Vec<DomainEvent> {
        for body in drain(&self.sqs, &self.queue_url).await {
            let envelope: serde_json::Value = serde_json::from_str(&body).expect("json");
            assert_eq!(envelope["source"], "switchboard");
            let event: DomainEvent =
                serde_json::from_value(envelope["detail"].clone()).expect("event detail");
            assert_eq!(envelope["detail-type"], event.kind.as_str());
            self.seen.lock().expect("lock").push(event);
        }
        self.seen.lock().expect("lock").clone()
    }
}
