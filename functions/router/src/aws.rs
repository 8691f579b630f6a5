//! The handler on AWS: the DynamoDB store, the EventBridge bus and the SQS notify queue.

use switchboard_store::Router;
use switchboard_store::aws::{DynamoStore, EventBridgePublisher, SqsOutbox};

use crate::config::Config;
use crate::handler::Handler;

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

/// The notify queue is send-only: the router needs (and is granted) nothing but
/// `SendMessage` on it.
pub type AwsHandler = Handler<DynamoStore, EventBridgePublisher, SqsOutbox>;

/// The production handler over `clients` and the resources `config` names.
pub fn aws_handler(clients: AwsClients, config: &Config) -> AwsHandler {
    let router = Router::new(
        DynamoStore::new(clients.dynamodb, &config.table),
        EventBridgePublisher::new(clients.eventbridge, &config.event_bus),
    );
    Handler::new(
        router,
        SqsOutbox::new(clients.sqs, &config.notify_queue_url),
    )
}
