//! The SSM and Secrets Manager lookups behind `ssm:` and `secretsmanager:` references
//! (`switchboard_http::secrets`), for every function whose configuration names secrets:
//! the notifier's channels, intake's touch webhooks.

use switchboard_http::secrets::{RemoteSecrets, SecretError, SecretRef};
use switchboard_store::describe;

/// SSM and Secrets Manager lookups.
#[derive(Debug, Clone)]
pub struct AwsSecrets {
    ssm: aws_sdk_ssm::Client,
    secretsmanager: aws_sdk_secretsmanager::Client,
}

impl AwsSecrets {
    pub fn new(
        ssm: aws_sdk_ssm::Client,
        secretsmanager: aws_sdk_secretsmanager::Client,
    ) -> AwsSecrets {
        AwsSecrets {
            ssm,
            secretsmanager,
        }
    }

    /// Both clients from one SDK configuration.
    pub fn from_config(sdk: &aws_config::SdkConfig) -> AwsSecrets {
        AwsSecrets::new(
            aws_sdk_ssm::Client::new(sdk),
            aws_sdk_secretsmanager::Client::new(sdk),
        )
    }
}

impl RemoteSecrets for AwsSecrets {
    async fn fetch(&self, reference: &SecretRef) -> Result<String, SecretError> {
        match reference {
            SecretRef::Ssm(name) => ssm_parameter(&self.ssm, name)
                .await
                .map_err(|why| SecretError::new(reference, why)),
            SecretRef::SecretsManager(id) => {
                let out = self
                    .secretsmanager
                    .get_secret_value()
                    .secret_id(id)
                    .send()
                    .await
                    .map_err(|e| SecretError::new(reference, describe(&e)))?;
                out.secret_string
                    .ok_or_else(|| SecretError::new(reference, "the secret has no SecretString"))
            }
            SecretRef::Env(_) | SecretRef::Inline(_) => {
                Err(SecretError::new(reference, "not a remote reference"))
            }
        }
    }
}

/// `GetParameter` with decryption (a SecureString is decrypted, a String returned as is).
pub async fn ssm_parameter(ssm: &aws_sdk_ssm::Client, name: &str) -> Result<String, String> {
    let out = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    out.parameter
        .and_then(|p| p.value)
        .ok_or_else(|| "the parameter has no value".to_owned())
}
