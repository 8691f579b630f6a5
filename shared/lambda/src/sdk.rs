//! The AWS SDK configuration from the variables Lambda sets for every function.
//!
//! In Lambda, `aws-config`'s default loader ends up at the same place: region from
//! `AWS_REGION`, credentials from the execution role's keys in the environment. Reading
//! them directly skips its credential chain (profile files, SSO, STS web identity,
//! container and instance metadata), which is code in the zip and work at start-up.
//! Retries are the SDK's standard mode (3 attempts); the identity cache, sleep and time are
//! what the clients default to for the latest behaviour version, as with the loader.
//!
//! Timeouts are set here, because the SDK sets none beyond connecting: a call that never
//! answers would hold the invocation until Lambda kills it, and with it every message of
//! the batch. An attempt gets [`ATTEMPT_TIMEOUT`], the call with its retries
//! [`OPERATION_TIMEOUT`], below the shortest function timeout in template.yaml (intake's
//! 10 s), so a slow dependency ends as an error the handler reports (a 503 problem, a
//! batch item failure) instead of a killed invocation.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::env::{EnvError, Vars};

pub const REGION: &str = "AWS_REGION";
pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Lambda's role credentials are temporary, so it is always set there; long-term keys
/// (a local emulator's dummy ones) have none.
pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// Every service's endpoint, for a local emulator (moto). Unset in Lambda.
pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

/// Connecting to a regional endpoint takes milliseconds; seconds mean it is not answering.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// One attempt of a DynamoDB, SQS or EventBridge call (single-digit milliseconds normally).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// A call with all its attempts and back-off.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(8);

/// Names the credentials' origin in the SDK's logs.
const PROVIDER_NAME: &str = "LambdaEnvironment";

/// The configuration from the process environment.
pub fn sdk_config() -> Result<SdkConfig, EnvError> {
    sdk_config_from(crate::env::var)
}

/// The configuration from variables read through `lookup`, with the store's rustls HTTP
/// client.
pub fn sdk_config_from(lookup: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, EnvError> {
    let vars = Vars::new(lookup);
    let credentials = Credentials::new(
        vars.required(ACCESS_KEY_ID)?,
        vars.required(SECRET_ACCESS_KEY)?,
        vars.optional(SESSION_TOKEN),
        // Lambda's keys last as long as the execution environment; nothing to refresh.
        None,
        PROVIDER_NAME,
    );
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(vars.required(REGION)?))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .http_client(switchboard_store::aws::https_client());
    builder.set_endpoint_url(vars.optional(ENDPOINT_URL));
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::ProvideCredentials as _;

    use crate::env::lookup_in as lookup;

    const LAMBDA: &[(&str, &str)] = &[
        (REGION, "eu-central-1"),
        (ACCESS_KEY_ID, "ASIAEXAMPLE"),
        (SECRET_ACCESS_KEY, "secret"),
        (SESSION_TOKEN, "token"),
    ];

    #[tokio::test]
    async fn reads_what_lambda_sets() {
        let config = sdk_config_from(lookup(LAMBDA)).unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-central-1"));
        assert_eq!(config.endpoint_url(), None);
        assert!(config.http_client().is_some());
        let timeouts = config.timeout_config().expect("timeouts");
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(timeouts.operation_timeout(), Some(OPERATION_TIMEOUT));
        let credentials = config
            .credentials_provider()
            .expect("credentials")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(credentials.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
        assert_eq!(credentials.expiry(), None);
    }

    #[test]
    fn an_emulator_needs_no_session_token() {
        let config = sdk_config_from(lookup(&[
            (REGION, "us-east-1"),
            (ACCESS_KEY_ID, "testing"),
            (SECRET_ACCESS_KEY, "testing"),
            (ENDPOINT_URL, " http://127.0.0.1:5000 "),
        ]))
        .unwrap();
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5000"));
    }

    #[test]
    fn names_what_is_missing() {
        let err = sdk_config_from(lookup(&LAMBDA[1..])).unwrap_err();
        assert_eq!(err, EnvError::Missing(REGION));
        let err = sdk_config_from(lookup(&[(REGION, "eu-west-1")])).unwrap_err();
        assert_eq!(err, EnvError::Missing(ACCESS_KEY_ID));
    }
}
