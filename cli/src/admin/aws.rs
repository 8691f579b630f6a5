//! Admin operations on a deployment in AWS: the DynamoDB table and the routing queue the
//! stack created, with the credentials and region of the environment (the AWS CLI's
//! `AWS_PROFILE`, `AWS_REGION`, ... and `AWS_ENDPOINT_URL` for an emulator).

use std::sync::Arc;

use switchboard_admin::RowIntake;
use switchboard_intake::import::ImportIntake;
use switchboard_intake::{IntakeConfig, PortReception, SystemClock};
use switchboard_store::aws::{DynamoStore, SqsQueue, sdk_config};

use super::direct::DirectAdmin;

/// Where a deployment keeps its data: the stack's outputs name them.
#[derive(Debug, Clone)]
pub struct AwsTarget {
    pub table: String,
    /// The routing queue and its dead-letter queue, for `dlq list|redrive`,
    /// `triage reroute` and `lead import`.
    pub routing_queue: Option<(String, String)>,
}

pub type AwsAdmin = DirectAdmin<DynamoStore, SqsQueue>;

const NO_QUEUE: &str = "this needs the routing queue in SQS: give --routing-queue-url and \
     --routing-dlq-url (the stack's RoutingQueueUrl and RoutingDeadLetterQueueUrl outputs)";

pub async fn connect(target: &AwsTarget) -> AwsAdmin {
    let sdk = sdk_config().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &target.table);
    let routing = target
        .routing_queue
        .as_ref()
        .map(|(queue, dlq)| SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), queue, dlq));
    // Imports go through intake's reception over the same table and routing queue. The
    // deployment's sources are the Lambda's settings, not readable here: the import's
    // source is a free label (the generic API's field names, no default country).
    let intake = routing.clone().map(|queue| {
        let reception = PortReception::new(store.clone(), queue, Arc::new(SystemClock));
        let intake = ImportIntake::new(Arc::new(IntakeConfig::default()), Arc::new(reception));
        Arc::new(intake) as Arc<dyn RowIntake>
    });
    DirectAdmin::new(store, routing, NO_QUEUE, intake)
}
