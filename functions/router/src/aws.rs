//! The handler on AWS: the DynamoDB store, the EventBridge bus and the SQS notify queue.

use std::sync::Arc;

use switchboard_http::enricher::HttpEnricher;
use switchboard_lambda::secrets::AwsSecrets;
use switchboard_store::Router;
use switchboard_store::aws::{DynamoStore, EventBridgePublisher, SqsOutbox};
use switchboard_store::enrichment::CachedProvider;

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

/// The enrichment provider a policy may configure, behind the table's cache and budget;
/// its secret references resolved from SSM or Secrets Manager on first use. Unused (no
/// call at all) while the active policy has no `enrichment.provider`.
pub fn enrichment(
    dynamodb: aws_sdk_dynamodb::Client,
    config: &Config,
    sdk: &aws_config::SdkConfig,
) -> Result<CachedProvider<DynamoStore>, switchboard_http::client::HttpError> {
    let enricher = HttpEnricher::new(AwsSecrets::from_config(sdk))?;
    Ok(CachedProvider::new(
        DynamoStore::new(dynamodb, &config.table),
        Arc::new(enricher),
    ))
}
