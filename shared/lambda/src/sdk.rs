//! The AWS SDK configuration from the variables Lambda sets for every function.
//!
//! In Lambda, `aws-config`'s default loader ends up at the same place: region from
//! `AWS_REGION`, credentials from the execution role's keys in the environment. Reading
//! them directly skips its credential chain (profile files, SSO, STS web identity,
//! container and instance metadata), which is code in the zip and work at start-up.
//! Everything else (retries, timeouts, the identity cache, sleep and time) is what the SDK
//! clients default to for the latest behaviour version, as with the loader.

use aws_config::retry::RetryConfig;
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
        .http_client(switchboard_store::aws::https_client());
    builder.set_endpoint_url(vars.optional(ENDPOINT_URL));
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::ProvideCredentials as _;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

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
