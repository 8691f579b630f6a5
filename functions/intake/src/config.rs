//! Intake configuration: the sources leads may come from, and the dedupe settings.
//!
//! The format is YAML (JSON is valid YAML, so either works); docs/PROVIDERS.md shows a full
//! example. Secrets are given inline or as `{ env: NAME }`, resolved once at load time so a
//! missing variable fails the start, not the first webhook.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use jiff::SignedDuration;
use serde::Deserialize;

use crate::normalize::country;
use crate::normalize::fields::Target;

/// Environment variable holding the configuration text (YAML or JSON).
pub const CONFIG_ENV: &str = "SWITCHBOARD_INTAKE_CONFIG";
/// Environment variable holding a path to the configuration file.
pub const CONFIG_FILE_ENV: &str = "SWITCHBOARD_INTAKE_CONFIG_FILE";

/// Which provider a source is, and so which parser and which signature check apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Typeform,
    Hubspot,
    Webflow,
    Tally,
    Calendly,
    Jotform,
    GravityForms,
    Zapier,
    Make,
    HtmlForm,
    WebToLead,
    Generic,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Typeform => "typeform",
            ProviderKind::Hubspot => "hubspot",
            ProviderKind::Webflow => "webflow",
            ProviderKind::Tally => "tally",
            ProviderKind::Calendly => "calendly",
            ProviderKind::Jotform => "jotform",
            ProviderKind::GravityForms => "gravity_forms",
            ProviderKind::Zapier => "zapier",
            ProviderKind::Make => "make",
            ProviderKind::HtmlForm => "html_form",
            ProviderKind::WebToLead => "web_to_lead",
            ProviderKind::Generic => "generic",
        }
    }

    /// Providers that cannot sign requests and authenticate with a per-source token
    /// (in the `X-Switchboard-Token` header or the last path segment).
    pub fn uses_token(self) -> bool {
        matches!(
            self,
            ProviderKind::Jotform
                | ProviderKind::GravityForms
                | ProviderKind::Zapier
                | ProviderKind::Make
                | ProviderKind::HtmlForm
                | ProviderKind::WebToLead
        )
    }

    /// Browser-facing kinds, the only ones a `thank_you_url` redirect makes sense for.
    pub fn is_browser_form(self) -> bool {
        matches!(self, ProviderKind::HtmlForm | ProviderKind::WebToLead)
    }

    /// The signature window the provider documents (or a conservative one).
    pub fn default_tolerance(self) -> SignedDuration {
        match self {
            // Calendly's own verification example uses three minutes.
            ProviderKind::Calendly => SignedDuration::from_mins(3),
            _ => SignedDuration::from_mins(5),
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a `generic` source authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GenericAuth {
    /// `Authorization: Bearer <secret>` or `X-Api-Key: <secret>`.
    #[default]
    ApiKey,
    /// `X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`
    /// plus `X-Switchboard-Source: <source id>`; the secret itself never travels.
    Hmac,
}

pub use switchboard_http::Secret;
use switchboard_http::secrets::{RemoteSecrets, Resolver};

use crate::touches::secrets::{RemoteValues, remote_references, touch_secret};

/// One configured source of leads.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Stable id, used in the hook URL (`/v1/hooks/{id}`) and stored on each lead.
    pub id: String,
    pub kind: ProviderKind,
    /// Signing secret (signed providers), token (token providers) or API key (generic).
    pub secret: Secret,
    /// Provider field name (or id, ref, label) to lead field: `email`, `phone`, `country`,
    /// `company`, `first_name`, `last_name`, `name` (full name, split), `ignore`, or any other
    /// name, which becomes an attribute of that name.
    pub fields: BTreeMap<String, Target>,
    /// HubSpot only: the exact URL configured in HubSpot (scheme, custom domain, path, query),
    /// which is what HubSpot signs. Without it the URL is rebuilt from the request.
    pub public_url: Option<String>,
    /// Browser forms only: answer a successful post with `303 See Other` to this URL.
    pub thank_you_url: Option<String>,
    /// Region for phone numbers written without a country code when the lead has no country.
    pub default_country: Option<String>,
    /// Accepted distance between a signed timestamp and now, in both directions.
    pub tolerance: SignedDuration,
    /// Generic sources only.
    pub auth: GenericAuth,
    /// Answer new leads with the assigned rep's booking link (browser forms and generic
    /// sources), see [`crate::booking`].
    pub booking: Option<crate::booking::SourceBooking>,
}

/// The whole intake configuration.
#[derive(Debug, Clone)]
pub struct IntakeConfig {
    pub sources: Vec<SourceConfig>,
    /// A lead whose email matches a lead routed within this window links to it
    /// (`duplicate_of`) instead of being routed again.
    pub dedupe_window: SignedDuration,
    /// How long a content-hash idempotency key keeps mapping to its lead. Provider ids and
    /// `Idempotency-Key` headers never expire; a content hash does, so the same form filled
    /// in again next month is a new submission.
    pub content_hash_ttl: SignedDuration,
    /// At most this many bytes of the original payload are kept on the lead for audit; 0
    /// (the default) keeps none. Off by default: the body repeats the lead's personal data,
    /// and every KB on the lead item costs write units on each of its writes.
    pub raw_payload_cap: usize,
    /// Keys that may read any lead through `GET /v1/leads/{id}`.
    pub read_keys: Vec<Secret>,
    /// Absolute base for `status_url` (e.g. `https://leads.example.com`); relative without it.
    pub public_base_url: Option<String>,
    /// The CRM touch webhooks (`/v1/touches/{id}`), see [`crate::touches`].
    pub touches: Vec<crate::touches::TouchConfig>,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            sources: Vec::new(),
            dedupe_window: SignedDuration::from_hours(24),
            content_hash_ttl: SignedDuration::from_hours(72),
            raw_payload_cap: 0,
            read_keys: Vec::new(),
            public_base_url: None,
            touches: Vec::new(),
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid YAML/JSON: {0}")]
    Syntax(String),
    #[error("source `{source_id}`: {message}")]
    Source { source_id: String, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("environment variable `{0}` named as a secret is not set")]
    MissingEnv(String),
    #[error("set {CONFIG_ENV} (configuration text) or {CONFIG_FILE_ENV} (path)")]
    NotConfigured,
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    /// A secret reference that could not be read (SSM, Secrets Manager, the environment).
    #[error("{0}")]
    Secret(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum SecretSpec {
    Inline(String),
    Env { env: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    kind: ProviderKind,
    secret: SecretSpec,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    public_url: Option<String>,
    #[serde(default)]
    thank_you_url: Option<String>,
    #[serde(default)]
    default_country: Option<String>,
    #[serde(default)]
    tolerance: Option<SignedDuration>,
    #[serde(default)]
    auth: Option<GenericAuth>,
    #[serde(default)]
    booking: Option<crate::booking::config::RawBooking>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    dedupe_window: Option<SignedDuration>,
    #[serde(default)]
    content_hash_ttl: Option<SignedDuration>,
    #[serde(default)]
    raw_payload_cap: Option<usize>,
    #[serde(default)]
    read_keys: Vec<SecretSpec>,
    #[serde(default)]
    public_base_url: Option<String>,
    #[serde(default)]
    touches: Vec<crate::touches::config::RawTouch<SecretSpec>>,
}

impl IntakeConfig {
    /// Parses YAML or JSON text, resolving `{ env: NAME }` secrets from the process
    /// environment.
    pub fn from_yaml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_yaml_str_with_env(text, |name| std::env::var(name).ok())
    }

    /// Like [`IntakeConfig::from_yaml_str`] with an explicit environment lookup.
    pub fn from_yaml_str_with_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::from_yaml_str_with(text, env, &RemoteValues::new())
    }

    /// Parses the text after reading the `ssm:` and `secretsmanager:` references of its
    /// touch webhooks' secrets through `resolver` (`env:` ones through `env`): the intake
    /// function's start.
    pub async fn from_yaml_str_resolving<R: RemoteSecrets>(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
        resolver: &mut Resolver<R>,
    ) -> Result<Self, ConfigError> {
        let mut remote = RemoteValues::new();
        for reference in remote_references(text)? {
            let value = resolver
                .resolve(&reference.to_string())
                .await
                .map_err(|e| ConfigError::Secret(format!("touch webhook secret {e}")))?;
            remote.insert(reference, value);
        }
        Self::from_yaml_str_with(text, env, &remote)
    }

    /// [`IntakeConfig::from_env`]'s text, its remote secret references read through
    /// `resolver`.
    pub async fn from_env_resolving<R: RemoteSecrets>(
        resolver: &mut Resolver<R>,
    ) -> Result<Self, ConfigError> {
        let text = Self::text_from_env()?;
        Self::from_yaml_str_resolving(&text, |name| std::env::var(name).ok(), resolver).await
    }

    /// The parse, with remote secret references already read into `remote`.
    fn from_yaml_str_with(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
        remote: &RemoteValues,
    ) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            serde_yaml_ng::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
        let resolve = |spec: SecretSpec| -> Result<Secret, ConfigError> {
            match spec {
                SecretSpec::Inline(s) => Ok(Secret::new(s)),
                SecretSpec::Env { env: name } => env(&name)
                    .map(Secret::new)
                    .ok_or(ConfigError::MissingEnv(name)),
            }
        };
        let defaults = IntakeConfig::default();
        let mut sources = Vec::with_capacity(raw.sources.len());
        for s in raw.sources {
            let bad = |message: String| ConfigError::Source {
                source_id: s.id.clone(),
                message,
            };
            let mut fields = BTreeMap::new();
            for (from, to) in &s.fields {
                let target = Target::parse(to)
                    .ok_or_else(|| bad(format!("field `{from}` maps to an empty name")))?;
                fields.insert(from.clone(), target);
            }
            let tolerance = s.tolerance.unwrap_or_else(|| s.kind.default_tolerance());
            let secret = resolve(s.secret)?;
            let booking = s
                .booking
                .map(|b| b.check(is_absolute_http_url))
                .transpose()
                .map_err(|m| bad(m.to_owned()))?;
            sources.push(SourceConfig {
                id: s.id,
                kind: s.kind,
                secret,
                fields,
                public_url: s.public_url,
                thank_you_url: s.thank_you_url,
                default_country: s.default_country,
                tolerance,
                auth: s.auth.unwrap_or_default(),
                booking,
            });
        }
        let config = IntakeConfig {
            sources,
            dedupe_window: raw.dedupe_window.unwrap_or(defaults.dedupe_window),
            content_hash_ttl: raw.content_hash_ttl.unwrap_or(defaults.content_hash_ttl),
            raw_payload_cap: raw.raw_payload_cap.unwrap_or(defaults.raw_payload_cap),
            read_keys: raw
                .read_keys
                .into_iter()
                .map(resolve)
                .collect::<Result<_, _>>()?,
            public_base_url: raw.public_base_url,
            touches: raw
                .touches
                .into_iter()
                .map(|t| t.resolve(|spec| touch_secret(spec, &env, remote)))
                .collect::<Result<_, _>>()?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Loads from `SWITCHBOARD_INTAKE_CONFIG` (text) or `SWITCHBOARD_INTAKE_CONFIG_FILE`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_yaml_str(&Self::text_from_env()?)
    }

    fn text_from_env() -> Result<String, ConfigError> {
        if let Ok(text) = std::env::var(CONFIG_ENV) {
            return Ok(text);
        }
        let path = std::env::var(CONFIG_FILE_ENV).map_err(|_| ConfigError::NotConfigured)?;
        std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
            path: path.clone(),
            message: e.to_string(),
        })
    }

    /// Checks the rules the parser cannot express. Called by the constructors; call it
    /// yourself after building a config in code.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut touch_ids = HashSet::new();
        for t in &self.touches {
            if !touch_ids.insert(t.id.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "touch webhook `{}`: id is used by more than one touch webhook",
                    t.id
                )));
            }
        }
        let mut seen = HashSet::new();
        for s in &self.sources {
            let bad = |message: &str| ConfigError::Source {
                source_id: s.id.clone(),
                message: message.to_owned(),
            };
            let id_ok = !s.id.is_empty()
                && s.id.len() <= 64
                && s.id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !id_ok {
                return Err(bad("id must be 1-64 characters of A-Z, a-z, 0-9, - and _"));
            }
            if !seen.insert(s.id.as_str()) {
                return Err(bad("id is used by more than one source"));
            }
            if s.secret.expose().is_empty() {
                return Err(bad("secret is empty"));
            }
            if s.thank_you_url.is_some() && !s.kind.is_browser_form() {
                return Err(bad(
                    "thank_you_url only applies to html_form and web_to_lead",
                ));
            }
            if let Some(url) = &s.thank_you_url
                && !is_absolute_http_url(url)
            {
                return Err(bad("thank_you_url must be an absolute http(s) URL"));
            }
            if s.public_url.is_some() && s.kind != ProviderKind::Hubspot {
                return Err(bad("public_url only applies to hubspot"));
            }
            if let Some(url) = &s.public_url
                && !is_absolute_http_url(url)
            {
                return Err(bad("public_url must be an absolute http(s) URL"));
            }
            if let Some(c) = &s.default_country
                && country::from_alpha2(c).is_none()
            {
                return Err(bad("default_country must be an ISO 3166-1 alpha-2 code"));
            }
            if s.tolerance.is_negative() {
                return Err(bad("tolerance must not be negative"));
            }
            if s.auth != GenericAuth::ApiKey && s.kind != ProviderKind::Generic {
                return Err(bad("auth only applies to generic sources"));
            }
            // Webhook providers call from their servers: nobody there could book.
            if s.booking.is_some() && !(s.kind.is_browser_form() || s.kind == ProviderKind::Generic)
            {
                return Err(bad(
                    "booking only applies to html_form, web_to_lead and generic sources",
                ));
            }
        }
        if self.dedupe_window.is_negative() || self.content_hash_ttl.is_negative() {
            return Err(ConfigError::Invalid(
                "dedupe_window and content_hash_ttl must not be negative".into(),
            ));
        }
        if let Some(url) = &self.public_base_url
            && !is_absolute_http_url(url)
        {
            return Err(ConfigError::Invalid(
                "public_base_url must be an absolute http(s) URL".into(),
            ));
        }
        Ok(())
    }

    /// The source with this id, if any.
    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id == id)
    }
}

fn is_absolute_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/'))
        && url.parse::<http::Uri>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yaml_with_env_secret_and_defaults() {
        let text = r#"
dedupe_window: 12h
sources:
  - id: tf-demo
    kind: typeform
    secret: { env: TF_SECRET }
    fields: { work_email: email, size: employees }
  - id: web
    kind: html_form
    secret: tok-123
    thank_you_url: https://example.com/thanks
"#;
        let c = IntakeConfig::from_yaml_str_with_env(text, |n| {
            (n == "TF_SECRET").then(|| "s3cret".to_owned())
        })
        .unwrap();
        assert_eq!(c.dedupe_window, SignedDuration::from_hours(12));
        assert_eq!(c.content_hash_ttl, SignedDuration::from_hours(72));
        let tf = c.source("tf-demo").unwrap();
        assert!(tf.secret.matches(b"s3cret"));
        assert!(!tf.secret.matches(b"s3cre"));
        assert_eq!(tf.fields["work_email"], Target::Email);
        assert_eq!(tf.tolerance, SignedDuration::from_mins(5));
        assert!(!format!("{tf:?}").contains("s3cret"));
    }

    #[test]
    fn json_is_accepted_too() {
        let c = IntakeConfig::from_yaml_str(
            r#"{"sources":[{"id":"api","kind":"generic","secret":"k","auth":"hmac"}]}"#,
        )
        .unwrap();
        assert_eq!(c.sources[0].auth, GenericAuth::Hmac);
    }

    #[test]
    fn refuses_bad_configs() {
        let cases = [
            "sources: [{id: a, kind: typeform, secret: ''}]",
            "sources: [{id: 'a b', kind: typeform, secret: x}]",
            "sources: [{id: a, kind: typeform, secret: x}, {id: a, kind: tally, secret: y}]",
            "sources: [{id: a, kind: typeform, secret: x, thank_you_url: 'https://x.y/'}]",
            "sources: [{id: a, kind: html_form, secret: x, thank_you_url: '/thanks'}]",
            "sources: [{id: a, kind: hubspot, secret: x, public_url: 'ftp://x'}]",
            "sources: [{id: a, kind: tally, secret: x, default_country: Germany}]",
            "sources: [{id: a, kind: tally, secret: {env: NOPE}}]",
            "sources: [{id: a, kind: tally, secret: x, surprise: 1}]",
            "sources: [{id: a, kind: tally, secret: x, auth: hmac}]",
            "sources: [{id: a, kind: tally, secret: x, booking: {}}]",
            "sources: [{id: a, kind: html_form, secret: x, booking: {wait: 0s}}]",
            "sources: [{id: a, kind: html_form, secret: x, booking: {wait: 6s}}]",
            "sources: [{id: a, kind: generic, secret: x, booking: {thank_you_url: '/t'}}]",
            "sources: [{id: a, kind: generic, secret: x, booking: {surprise: 1}}]",
        ];
        for text in cases {
            assert!(
                IntakeConfig::from_yaml_str_with_env(text, |_| None).is_err(),
                "accepted: {text}"
            );
        }
    }
}
