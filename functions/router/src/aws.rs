//! The handler on AWS: the DynamoDB store, the EventBridge bus and the SQS notify queue.

use switchboard_store::aws::{DynamoStore, EventBridgePublisher};
use switchboard_store::{Router, StoreError, StoreResult};

use crate::config::Config;
use crate::handler::Handler;
use crate::notify::NotifyQueue;

/// The SDK clients the router uses. Built once per process: each holds a connection pool
/// that warm invocations reuse.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
}

impl AwsClients {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            eventbridge: aws_sdk_eventbridge::Client::new(config),
        }
    }
}

pub type AwsHandler = Handler<DynamoStore, EventBridgePublisher, SqsNotifyQueue>;

/// The production handler over `clients` and the resources `config` names.
pub fn aws_handler(clients: AwsClients, config: &Config) -> AwsHandler {
    let router = Router::new(
        DynamoStore::new(clients.dynamodb, &config.table),
        EventBridgePublisher::new(clients.eventbridge, &config.event_bus),
    );
    Handler::new(
        router,
        SqsNotifyQueue::new(clients.sqs, &config.notify_queue_url),
    )
}

/// Sends notifications with one `SendMessage` each. Unlike the store's `SqsQueue` it needs
/// no dead-letter queue URL: the router only ever sends here.
#[derive(Debug, Clone)]
pub struct SqsNotifyQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsNotifyQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsNotifyQueue {
            client,
            queue_url: queue_url.into(),
        }
    }
}

impl NotifyQueue for SqsNotifyQueue {
    async fn send(&self, body: &str) -> StoreResult<()> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| {
                StoreError::backend_from(format!("SQS SendMessage: {}", describe(&e)), e)
            })?;
        Ok(())
    }
}

/// The SDK's `Display` shows only the top of the cause chain; the log needs all of it.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
