//! Secret references in a configuration (the notifier's channels, intake's touch
//! webhooks), and resolving them once at start. The lookups that leave the process (SSM,
//! Secrets Manager) are the caller's [`RemoteSecrets`]: `switchboard_lambda::secrets` on
//! AWS, [`NoRemote`] in the local process.
//!
//! - `env:NAME`: the process environment;
//! - `ssm:/parameter/name`: an SSM parameter, SecureString decrypted (`GetParameter`
//!   with `WithDecryption`);
//! - `secretsmanager:NAME_OR_ARN`: a Secrets Manager secret's `SecretString`;
//! - anything else: the value itself (where the configuration allows inline secrets).

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    Env(String),
    Ssm(String),
    SecretsManager(String),
    Inline(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("`{0}` names nothing after the scheme")]
    Empty(&'static str),
    #[error("an SSM parameter name starts with `/` (got `ssm:{0}`)")]
    SsmPath(String),
    #[error("unknown secret reference scheme `{0}:` (use env:, ssm: or secretsmanager:)")]
    Scheme(String),
}

impl SecretRef {
    pub fn parse(value: &str) -> Result<SecretRef, RefError> {
        let v = value.trim();
        let named = |scheme: &'static str, rest: &str| {
            let rest = rest.trim();
            if rest.is_empty() {
                Err(RefError::Empty(scheme))
            } else {
                Ok(rest.to_owned())
            }
        };
        if let Some(rest) = v.strip_prefix("env:") {
            return named("env:", rest).map(SecretRef::Env);
        }
        if let Some(rest) = v.strip_prefix("ssm:") {
            let name = named("ssm:", rest)?;
            if !name.starts_with('/') {
                return Err(RefError::SsmPath(name));
            }
            return Ok(SecretRef::Ssm(name));
        }
        if let Some(rest) = v.strip_prefix("secretsmanager:") {
            return named("secretsmanager:", rest).map(SecretRef::SecretsManager);
        }
        // A word followed by `:` and no `//` looks like a mistyped scheme (`vault:x`,
        // `ENV:X`), which would otherwise be taken as an inline secret. URLs pass.
        if let Some((scheme, rest)) = v.split_once(':')
            && !rest.starts_with("//")
            && !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(RefError::Scheme(scheme.to_owned()));
        }
        Ok(SecretRef::Inline(v.to_owned()))
    }
}

impl std::fmt::Display for SecretRef {
    /// Never shows an inline value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretRef::Env(n) => write!(f, "env:{n}"),
            SecretRef::Ssm(n) => write!(f, "ssm:{n}"),
            SecretRef::SecretsManager(n) => write!(f, "secretsmanager:{n}"),
            SecretRef::Inline(_) => f.write_str("<inline value>"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{reference}: {why}")]
    Unresolved { reference: String, why: String },
}

impl SecretError {
    pub fn new(reference: &SecretRef, why: impl Into<String>) -> Self {
        SecretError::Unresolved {
            reference: reference.to_string(),
            why: why.into(),
        }
    }
}

/// Looks up references that leave the process (SSM, Secrets Manager).
pub trait RemoteSecrets: Send + Sync {
    fn fetch(
        &self,
        reference: &SecretRef,
    ) -> impl std::future::Future<Output = Result<String, SecretError>> + Send;
}

/// No remote store: SSM and Secrets Manager references fail with a clear message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRemote;

impl RemoteSecrets for NoRemote {
    async fn fetch(&self, reference: &SecretRef) -> Result<String, SecretError> {
        Err(SecretError::new(
            reference,
            "SSM and Secrets Manager references need the AWS build (the Lambda function)",
        ))
    }
}

/// Reads an environment variable (the process environment, or a map in tests).
type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Resolves references, each at most once: the configuration names a secret in several
/// places, and each remote lookup is a network call and billed.
pub struct Resolver<R> {
    remote: R,
    env: EnvLookup,
    cache: HashMap<SecretRef, String>,
}

impl<R: RemoteSecrets> Resolver<R> {
    pub fn new(remote: R) -> Self {
        Resolver {
            remote,
            env: Box::new(|name| std::env::var(name).ok()),
            cache: HashMap::new(),
        }
    }

    /// Reads `env:` references through `lookup` instead of the process environment.
    pub fn with_env(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Box::new(lookup);
        self
    }

    pub async fn resolve(&mut self, value: &str) -> Result<String, SecretError> {
        let reference = SecretRef::parse(value).map_err(|e| SecretError::Unresolved {
            reference: "<value>".into(),
            why: e.to_string(),
        })?;
        if let Some(v) = self.cache.get(&reference) {
            return Ok(v.clone());
        }
        let resolved = match &reference {
            SecretRef::Inline(v) => v.clone(),
            SecretRef::Env(name) => (self.env)(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| SecretError::new(&reference, "not set or empty"))?,
            SecretRef::Ssm(_) | SecretRef::SecretsManager(_) => {
                let v = self.remote.fetch(&reference).await?;
                if v.trim().is_empty() {
                    return Err(SecretError::new(&reference, "empty"));
                }
                v
            }
        };
        let resolved = resolved.trim().to_owned();
        self.cache.insert(reference, resolved.clone());
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references_and_inline_values() {
        assert_eq!(SecretRef::parse("env:X"), Ok(SecretRef::Env("X".into())));
        assert_eq!(
            SecretRef::parse("ssm:/a/b"),
            Ok(SecretRef::Ssm("/a/b".into()))
        );
        assert_eq!(
            SecretRef::parse("secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:x"),
            Ok(SecretRef::SecretsManager(
                "arn:aws:secretsmanager:eu-west-1:1:secret:x".into()
            ))
        );
        assert_eq!(
            SecretRef::parse("https://hooks.slack.com/x"),
            Ok(SecretRef::Inline("https://hooks.slack.com/x".into()))
        );
        assert_eq!(
            SecretRef::parse("xoxb-1-2"),
            Ok(SecretRef::Inline("xoxb-1-2".into()))
        );
        assert_eq!(SecretRef::parse("env: "), Err(RefError::Empty("env:")));
        assert_eq!(
            SecretRef::parse("ssm:name"),
            Err(RefError::SsmPath("name".into()))
        );
        assert_eq!(
            SecretRef::parse("vault:x"),
            Err(RefError::Scheme("vault".into()))
        );
        assert_eq!(
            SecretRef::Inline("s3cret".into()).to_string(),
            "<inline value>"
        );
    }

    #[tokio::test]
    async fn resolves_env_and_inline_once_and_refuses_remote_without_aws() {
        let mut r =
            Resolver::new(NoRemote).with_env(|n| (n == "HOOK").then(|| "https://h/x".into()));
        assert_eq!(r.resolve("env:HOOK").await.unwrap(), "https://h/x");
        assert_eq!(r.resolve("inline").await.unwrap(), "inline");
        let err = r.resolve("env:MISSING").await.unwrap_err().to_string();
        assert_eq!(err, "env:MISSING: not set or empty");
        let err = r.resolve("ssm:/x").await.unwrap_err().to_string();
        assert!(err.starts_with("ssm:/x: SSM and Secrets Manager"), "{err}");
    }
}
