//! The touch webhooks' secrets as references: `secret: "secretsmanager:NAME"`,
//! `"ssm:/NAME"` or `"env:NAME"` (the notifier's forms, `switchboard_http::secrets`)
//! beside the inline value and `{ env: NAME }`. SSM and Secrets Manager are read over the
//! network, so they are read before the configuration is parsed
//! (`IntakeConfig::from_yaml_str_resolving`, at the function's start), and the parse takes
//! them from the values read.

use std::collections::HashMap;

use serde::Deserialize;
use switchboard_http::secrets::SecretRef;

use crate::config::{ConfigError, Secret, SecretSpec};

/// What the remote references named, read.
pub type RemoteValues = HashMap<SecretRef, String>;

/// The `ssm:` and `secretsmanager:` references of the touch webhooks' secrets in `text`.
pub fn remote_references(text: &str) -> Result<Vec<SecretRef>, ConfigError> {
    // Only the secrets: the whole document is checked by the parse that follows.
    #[derive(Deserialize)]
    struct Document {
        #[serde(default)]
        touches: Vec<Touch>,
    }
    #[derive(Deserialize)]
    struct Touch {
        secret: SecretSpec,
    }
    let doc: Document =
        serde_yaml_ng::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
    let mut refs = Vec::new();
    for t in doc.touches {
        if let SecretSpec::Inline(value) = t.secret
            && let Ok(r @ (SecretRef::Ssm(_) | SecretRef::SecretsManager(_))) =
                SecretRef::parse(&value)
            && !refs.contains(&r)
        {
            refs.push(r);
        }
    }
    Ok(refs)
}

/// A touch webhook's secret: `{ env: NAME }`, a reference, or the value itself.
pub fn touch_secret(
    spec: SecretSpec,
    env: &impl Fn(&str) -> Option<String>,
    remote: &RemoteValues,
) -> Result<Secret, ConfigError> {
    let from_env = |name: String| {
        env(&name)
            .map(Secret::new)
            .ok_or(ConfigError::MissingEnv(name))
    };
    let value = match spec {
        SecretSpec::Env { env: name } => return from_env(name),
        SecretSpec::Inline(value) => value,
    };
    let reference = SecretRef::parse(&value)
        .map_err(|e| ConfigError::Invalid(format!("touch webhook secret: {e}")))?;
    match reference {
        SecretRef::Inline(v) => Ok(Secret::new(v)),
        SecretRef::Env(name) => from_env(name),
        r @ (SecretRef::Ssm(_) | SecretRef::SecretsManager(_)) => match remote.get(&r) {
            Some(v) => Ok(Secret::new(v.clone())),
            None => Err(ConfigError::Secret(format!(
                "touch webhook secret {r}: SSM and Secrets Manager references are read by the intake function on AWS; here, give the value inline or as env:NAME"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IntakeConfig;

    const TEXT: &str = "touches:
  - { id: hs, crm: hubspot, secret: 'secretsmanager:switchboard/prod/hubspot-app' }
  - { id: sf, crm: salesforce, secret: 'ssm:/switchboard/prod/sf-touch' }
  - { id: sf2, crm: salesforce, secret: 'env:SF_TOKEN' }
  - { id: sf3, crm: salesforce, secret: plain-token }
";

    #[test]
    fn references_are_read_from_the_values_given_and_said_when_missing() {
        let refs = remote_references(TEXT).unwrap();
        assert_eq!(
            refs,
            [
                SecretRef::SecretsManager("switchboard/prod/hubspot-app".into()),
                SecretRef::Ssm("/switchboard/prod/sf-touch".into()),
            ]
        );
        let env = |n: &str| (n == "SF_TOKEN").then(|| "from-env".to_owned());
        // Without the remote values (the local process), the reference is named.
        let err = IntakeConfig::from_yaml_str_with_env(TEXT, env).unwrap_err();
        assert!(
            err.to_string()
                .contains("secretsmanager:switchboard/prod/hubspot-app"),
            "{err}"
        );
        let mut remote = RemoteValues::new();
        remote.insert(refs[0].clone(), "hs-secret".into());
        remote.insert(refs[1].clone(), "sf-secret".into());
        let secret = |spec: &str| touch_secret(SecretSpec::Inline(spec.into()), &env, &remote);
        assert_eq!(
            secret("secretsmanager:switchboard/prod/hubspot-app")
                .unwrap()
                .expose(),
            b"hs-secret"
        );
        assert_eq!(secret("env:SF_TOKEN").unwrap().expose(), b"from-env");
        assert_eq!(secret("plain-token").unwrap().expose(), b"plain-token");
        assert!(secret("vault:x").unwrap_err().to_string().contains("vault"));
        assert!(matches!(
            secret("env:NOPE").unwrap_err(),
            ConfigError::MissingEnv(n) if n == "NOPE"
        ));
    }
}
