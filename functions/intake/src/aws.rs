//! Intake on AWS: leads stored in DynamoDB and handed to the routing queue on SQS, through
//! the same store ports the local process uses over the embedded store, so both run one
//! implementation of idempotency and dedupe.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use switchboard_lambda::{MetricLine, Vars};
use switchboard_store::aws::{DynamoStore, EventBridgePublisher, SqsOutbox};
use switchboard_store::{Insert, LeadStatus, NewLead, StoreError, StoredLead};

use crate::booking::{Backoff, Bookings, StoreBookings};
use crate::clock::{Clock, SystemClock};
use crate::config::IntakeConfig;
use crate::reception::{PortReception, Reception};
use crate::state::IntakeState;

/// The DynamoDB table of the store.
pub const TABLE: &str = "SWITCHBOARD_TABLE";
/// The routing queue the router function consumes.
pub const ROUTING_QUEUE_URL: &str = "SWITCHBOARD_ROUTING_QUEUE_URL";
/// The event bus `lead.received` goes to (optional: without it nothing is announced).
pub use crate::actions::aws::EVENT_BUS;
/// The routing queue's dead-letter queue. Optional: intake only sends, it never lists or
/// re-drives dead letters.
pub const ROUTING_DLQ_URL: &str = "SWITCHBOARD_ROUTING_DLQ_URL";

/// Where intake's AWS resources are, from the function's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    pub table: String,
    pub routing_queue_url: String,
    pub routing_dlq_url: Option<String>,
    pub event_bus: Option<String>,
}

/// A setting is missing.
pub use switchboard_lambda::EnvError as AwsSettingsError;

impl AwsSettings {
    pub fn from_env() -> Result<AwsSettings, AwsSettingsError> {
        AwsSettings::from_lookup(switchboard_lambda::env::var)
    }

    /// Reads the settings through `lookup` (the environment in production).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<AwsSettings, AwsSettingsError> {
        let vars = Vars::new(lookup);
        Ok(AwsSettings {
            table: vars.required(TABLE)?,
            routing_queue_url: vars.required(ROUTING_QUEUE_URL)?,
            routing_dlq_url: vars.optional(ROUTING_DLQ_URL),
            event_bus: vars.optional(EVENT_BUS),
        })
    }
}

/// Intake's state over DynamoDB and SQS, with clients built from `sdk` (once per process:
/// their connection pools outlive each invocation).
pub fn aws_state(
    config: IntakeConfig,
    sdk: &aws_config::SdkConfig,
    settings: &AwsSettings,
) -> IntakeState {
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table);
    // Intake only sends: it needs (and is granted) nothing but SendMessage.
    let routing = SqsOutbox::new(aws_sdk_sqs::Client::new(sdk), &settings.routing_queue_url);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let events = settings
        .event_bus
        .as_ref()
        .map(|bus| EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(sdk), bus));
    let reception = PortReception::new(store, routing, clock.clone()).with_events(events);
    IntakeState::from_reception(config, Arc::new(Metered(reception)), clock)
}

/// Routing's answers for booking sources, read from the table the router writes: the
/// lead's routing and the policy version of its assignment (docs/ROUTER.md, "Booking
/// answers").
pub fn aws_bookings(sdk: &aws_config::SdkConfig, settings: &AwsSettings) -> Arc<dyn Bookings> {
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table);
    Arc::new(StoreBookings::new(store, Backoff::DYNAMO))
}

/// Intake's CloudWatch metrics around the reception: each lead stored now, by source, and
/// whether it was a duplicate of an earlier lead from the same address. A redelivered
/// submission (same idempotency key) stored nothing and counts nothing.
struct Metered<R>(R);

impl<R: Reception> Reception for Metered<R> {
    fn receive(&self, new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>> {
        Box::pin(async move {
            let inserted = self.0.receive(new).await?;
            if let Insert::Created(stored) = &inserted {
                let source = stored.lead.source.as_deref().unwrap_or("unknown");
                let duplicate = u64::from(stored.status == LeadStatus::Duplicate);
                MetricLine::at(stored.lead.received_at)
                    .dimension("Source", source)
                    .count("LeadsReceived", 1)
                    .count("LeadsDuplicate", duplicate)
                    .emit();
            }
            Ok(inserted)
        })
    }

    fn lead<'a>(
        &'a self,
        lead_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        self.0.lead(lead_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_lambda::lookup_in as lookup;

    #[test]
    fn reads_every_setting_and_trims() {
        let settings = AwsSettings::from_lookup(lookup(&[
            (TABLE, "switchboard"),
            (ROUTING_QUEUE_URL, " https://sqs.example/routing "),
            (ROUTING_DLQ_URL, "https://sqs.example/routing-dlq"),
            (EVENT_BUS, "switchboard-dev"),
        ]))
        .unwrap();
        assert_eq!(settings.event_bus.as_deref(), Some("switchboard-dev"));
        assert_eq!(settings.table, "switchboard");
        assert_eq!(settings.routing_queue_url, "https://sqs.example/routing");
        assert_eq!(
            settings.routing_dlq_url.as_deref(),
            Some("https://sqs.example/routing-dlq")
        );
    }

    #[test]
    fn table_and_queue_are_required_and_the_dead_letter_queue_is_not() {
        assert_eq!(
            AwsSettings::from_lookup(lookup(&[(ROUTING_QUEUE_URL, "q")])),
            Err(AwsSettingsError::Missing(TABLE))
        );
        assert_eq!(
            AwsSettings::from_lookup(lookup(&[(TABLE, "t"), (ROUTING_QUEUE_URL, " ")])),
            Err(AwsSettingsError::Missing(ROUTING_QUEUE_URL))
        );
        let settings =
            AwsSettings::from_lookup(lookup(&[(TABLE, "t"), (ROUTING_QUEUE_URL, "q")])).unwrap();
        assert_eq!(settings.routing_dlq_url, None);
    }
}
