//! Rep actions on AWS: the DynamoDB store, the EventBridge bus for their events and the
//! notify queue on SQS, with keys and secrets from the function's environment.

use std::sync::Arc;

use switchboard_store::Router;
use switchboard_store::aws::{DynamoStore, EventBridgePublisher, SqsOutbox};

use super::config::{ActionsConfig, ActionsConfigError};
use super::{ActionsState, StoreDesk};

/// The bus rep-action events go to.
pub const EVENT_BUS: &str = "SWITCHBOARD_EVENT_BUS";
/// The notifier's queue (reassignment and escalation messages).
pub const NOTIFY_QUEUE_URL: &str = "SWITCHBOARD_NOTIFY_QUEUE_URL";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AwsActionsError {
    #[error(transparent)]
    Config(#[from] ActionsConfigError),
    #[error("environment variable {0} is not set or empty (rep actions need it)")]
    Missing(&'static str),
}

/// The actions state over `table`, or `None` when no action credential is configured
/// (no admin or rep key, link secret or Slack secret): the routes then answer 404.
pub fn aws_actions(
    sdk: &aws_config::SdkConfig,
    table: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<ActionsState>, AwsActionsError> {
    let config = ActionsConfig::from_lookup(&lookup)?;
    if config.admin_keys.is_empty()
        && config.rep_keys.is_empty()
        && config.link_secret.is_none()
        && config.slack.is_none()
    {
        return Ok(None);
    }
    let desk = aws_desk(sdk, table, lookup)?;
    Ok(Some(ActionsState::new(config, Arc::new(desk))))
}

/// The desk rep actions and CRM touches run on: the store over `table`, the bus of their
/// events and the notify queue, from the function's environment.
pub fn aws_desk(
    sdk: &aws_config::SdkConfig,
    table: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<AwsDesk, AwsActionsError> {
    let required = |name: &'static str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or(AwsActionsError::Missing(name))
    };
    let router = Router::new(
        DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table),
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(sdk), required(EVENT_BUS)?),
    );
    let notify = SqsOutbox::new(aws_sdk_sqs::Client::new(sdk), required(NOTIFY_QUEUE_URL)?);
    Ok(StoreDesk::new(Arc::new(router), Arc::new(notify)))
}

/// [`StoreDesk`] on DynamoDB, EventBridge and SQS.
pub type AwsDesk = StoreDesk<DynamoStore, EventBridgePublisher, SqsOutbox>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::config::ADMIN_KEYS;

    fn sdk() -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build()
    }

    #[test]
    fn off_without_credentials_and_explicit_about_what_is_missing() {
        assert!(aws_actions(&sdk(), "t", |_| None).unwrap().is_none());
        let only_key = |n: &str| (n == ADMIN_KEYS).then(|| "k".to_owned());
        assert_eq!(
            aws_actions(&sdk(), "t", only_key).err(),
            Some(AwsActionsError::Missing(EVENT_BUS))
        );
        let all = |n: &str| match n {
            ADMIN_KEYS => Some("k".to_owned()),
            EVENT_BUS => Some("bus".to_owned()),
            NOTIFY_QUEUE_URL => Some("https://sqs/notify".to_owned()),
            _ => None,
        };
        assert!(aws_actions(&sdk(), "t", all).unwrap().is_some());
    }
}
