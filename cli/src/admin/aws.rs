//! Admin operations on a deployment in AWS: the DynamoDB table and the routing queue the
//! stack created, with the credentials and region of the environment (the AWS CLI's
//! `AWS_PROFILE`, `AWS_REGION`, ... and `AWS_ENDPOINT_URL` for an emulator).

use jiff::Timestamp;
use switchboard_routing::Account;
use switchboard_store::aws::{DynamoStore, SqsQueue, sdk_config};
use switchboard_store::{ActivePolicy, ImportSummary, PolicyVersion};

use super::AdminError;
use super::ops;
use super::{DeadLetterView, LeadReport, PolicyApplied, PolicyHistory, Redriven};
use switchboard_admin::{Page, RerouteFilter, Rerouted, TriageItem};
use switchboard_routing::report::HealthReport;

/// Where a deployment keeps its data: the stack's outputs name them.
#[derive(Debug, Clone)]
pub struct AwsTarget {
    pub table: String,
    /// The routing queue and its dead-letter queue, for `dlq list|redrive`.
    pub routing_queue: Option<(String, String)>,
}

pub struct AwsAdmin {
    store: DynamoStore,
    routing: Option<SqsQueue>,
}

impl AwsAdmin {
    pub async fn connect(target: &AwsTarget) -> AwsAdmin {
        let sdk = sdk_config().await;
        AwsAdmin {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &target.table),
            routing: target
                .routing_queue
                .as_ref()
                .map(|(queue, dlq)| SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), queue, dlq)),
        }
    }

    pub async fn apply_policy(
        &self,
        text: &str,
        note: Option<&str>,
    ) -> Result<PolicyApplied, AdminError> {
        ops::apply_policy(&self.store, text, note, Timestamp::now()).await
    }

    pub async fn policy_version(&self, version: Option<u64>) -> Result<PolicyVersion, AdminError> {
        ops::policy_version(&self.store, version).await
    }

    pub async fn policy_history(&self) -> Result<PolicyHistory, AdminError> {
        ops::policy_history(&self.store).await
    }

    pub async fn rollback(&self, version: Option<u64>) -> Result<ActivePolicy, AdminError> {
        ops::rollback(&self.store, version, Timestamp::now()).await
    }

    pub async fn import_accounts(&self, accounts: &[Account]) -> Result<ImportSummary, AdminError> {
        ops::import_accounts(&self.store, accounts).await
    }

    pub async fn lead(&self, lead_id: &str) -> Result<LeadReport, AdminError> {
        ops::lead_report(&self.store, lead_id).await
    }

    pub async fn health(&self, window: (Timestamp, Timestamp)) -> Result<HealthReport, AdminError> {
        switchboard_admin::health(&self.store, window, Timestamp::now()).await
    }

    pub async fn triage(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<TriageItem>, AdminError> {
        let after = switchboard_admin::cursor(after)?;
        switchboard_admin::triage(&self.store, after.as_ref(), limit).await
    }

    pub async fn reroute(
        &self,
        lead_id: Option<&str>,
        filter: &RerouteFilter,
    ) -> Result<Rerouted, AdminError> {
        let (store, queue, now) = (&self.store, self.queue()?, Timestamp::now());
        match lead_id {
            Some(id) => switchboard_admin::reroute_one(store, queue, id, now).await,
            None => switchboard_admin::reroute_matching(store, queue, filter, now).await,
        }
    }

    pub async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetterView>, AdminError> {
        ops::dead_letters(self.queue()?, max).await
    }

    pub async fn redrive(&self, max: usize) -> Result<Redriven, AdminError> {
        ops::redrive(self.queue()?, max).await
    }

    fn queue(&self) -> Result<&SqsQueue, AdminError> {
        self.routing.as_ref().ok_or_else(|| {
            AdminError::Unavailable(
                "the dead letters are in SQS: give --routing-queue-url and \
                 --routing-dlq-url (the stack's RoutingQueueUrl and RoutingDeadLetterQueueUrl \
                 outputs)"
                    .into(),
            )
        })
    }
}
