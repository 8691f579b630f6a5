//! The handler on AWS: the DynamoDB store, the EventBridge bus and two SQS queues it sends to.

use switchboard_store::Router;
use switchboard_store::aws::{DynamoStore, EventBridgePublisher, SqsOutbox};

use crate::config::Config;
use crate::handler::Handler;

pub type AwsHandler = Handler<DynamoStore, EventBridgePublisher, SqsOutbox, SqsOutbox>;

/// The production handler. Built once per process: the SDK clients hold connection pools
/// that warm invocations reuse.
pub fn aws_handler(sdk: &aws_config::SdkConfig, config: &Config) -> AwsHandler {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let router = Router::new(
        DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table),
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(sdk), &config.event_bus),
    );
    Handler::new(
        router,
        SqsOutbox::new(sqs.clone(), &config.notify_queue_url),
        SqsOutbox::new(sqs, &config.routing_queue_url),
        config.sweep.clone(),
    )
}
