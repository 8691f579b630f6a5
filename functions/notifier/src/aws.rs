//! The notifier on AWS: configuration from the environment (the document from SSM or
//! inline), secrets from SSM and Secrets Manager, the DynamoDB store and SES.

use switchboard_lambda::{EnvError, Vars};
use switchboard_store::aws::DynamoStore;

use crate::channels::{LogDetail, Senders};
use crate::config::{NotifyConfig, Origin};
use crate::handler::Handler;
use crate::http::HttpClient;
use crate::notifier::Notifier;
use crate::secrets::Resolver;
use crate::setup::Setup;
use switchboard_lambda::secrets::{AwsSecrets, ssm_parameter};

pub const TABLE: &str = "SWITCHBOARD_TABLE";
/// Name of the SSM parameter holding the configuration document (String or SecureString).
pub const CONFIG_PARAM: &str = "SWITCHBOARD_NOTIFY_CONFIG_PARAM";
/// The configuration document itself (small setups without secrets in it).
pub const CONFIG_INLINE: &str = "SWITCHBOARD_NOTIFY_CONFIG";

/// The SDK clients, built once per process.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sesv2: aws_sdk_sesv2::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
}

impl AwsClients {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sesv2: aws_sdk_sesv2::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
            secretsmanager: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Env(#[from] EnvError),
    #[error("reading the notification config from SSM parameter {name}: {why}")]
    ConfigParam { name: String, why: String },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Setup(#[from] crate::setup::SetupError),
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
}

/// The configuration document: from the SSM parameter named by
/// `SWITCHBOARD_NOTIFY_CONFIG_PARAM`, else `SWITCHBOARD_NOTIFY_CONFIG`, else none (the log
/// only).
pub async fn load_config(
    clients: &AwsClients,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<NotifyConfig>, StartError> {
    // The document is taken as written (trimming could cut an indented document's first
    // line); a blank one counts as unset.
    let inline = || lookup(CONFIG_INLINE).filter(|v| !v.trim().is_empty());
    let text = if let Some(name) = Vars::new(&lookup).optional(CONFIG_PARAM) {
        ssm_parameter(&clients.ssm, &name)
            .await
            .map_err(|why| StartError::ConfigParam { name, why })?
    } else if let Some(inline) = inline() {
        inline
    } else {
        return Ok(None);
    };
    Ok(Some(NotifyConfig::parse(&text, Origin::Aws)?))
}

/// Reads the configuration and resolves its secrets: the whole start-up work, once per
/// process.
pub async fn setup(
    clients: &AwsClients,
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Setup, StartError> {
    let Some(config) = load_config(clients, &lookup).await? else {
        tracing::warn!(
            "neither {CONFIG_PARAM} nor {CONFIG_INLINE} is set: notifications go to the log only"
        );
        return Ok(Setup::log_only());
    };
    let secrets = AwsSecrets::new(clients.ssm.clone(), clients.secretsmanager.clone());
    let mut resolver = Resolver::new(secrets).with_env(lookup);
    Ok(Setup::resolve(config, &mut resolver).await?)
}

pub type AwsHandler = Handler<DynamoStore>;

/// The production handler: the store on `SWITCHBOARD_TABLE`, SES, and the resolved setup.
pub async fn aws_handler(
    clients: AwsClients,
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<AwsHandler, StartError> {
    let table = Vars::new(&lookup).required(TABLE)?;
    let setup = setup(&clients, lookup).await?;
    let senders = Senders {
        http: HttpClient::new()?,
        ses: Some(clients.sesv2.clone()),
        // CloudWatch keeps what a function logs; personal data is only ever opted in to
        // on one's own machine (`switchboard serve`).
        log: LogDetail::Ids,
    };
    let store = DynamoStore::new(clients.dynamodb, table);
    let notifier = Notifier::new(store, std::sync::Arc::new(setup), senders);
    notifier.warn_crm_gaps().await;
    Ok(Handler::new(notifier))
}
