//! The notification configuration document: named channels, which reps and pools they
//! serve, per-rep identities and the action links. YAML or JSON (JSON is YAML). The
//! reference is `docs/NOTIFICATIONS.md`.
//!
//! Delivery details and secrets live here, not in the routing policy: the policy is
//! reviewed, versioned and shown in decision records, and must stay free of secrets.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::channels::crm::fields::Mapping;
use crate::secrets::SecretRef;

/// The document as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Base URL of the public API, e.g. `https://leads.example.com`; action links start
    /// with it.
    #[serde(default)]
    pub public_url: Option<String>,
    #[serde(default)]
    pub action_links: Option<ActionLinks>,
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelSpec>,
    /// Channels for messages whose addressee and pool have none. Empty: the log.
    #[serde(default)]
    pub default: Vec<String>,
    /// Channels that get every message as well (e.g. a CRM webhook).
    #[serde(default)]
    pub always: Vec<String>,
    /// Channels by pool id, for reps without channels of their own.
    #[serde(default)]
    pub pools: BTreeMap<String, Vec<String>>,
    /// Channels and identities by rep id (the ids of the routing policy).
    #[serde(default)]
    pub reps: BTreeMap<String, RepSpec>,
}

/// Signed accept / reject links for channels without buttons (Teams, email, webhooks).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionLinks {
    /// The HMAC key shared with the action endpoint that verifies the links. Default:
    /// `env:SWITCHBOARD_ACTION_SECRET` (the variable the stack sets from its generated
    /// action-link key).
    #[serde(default = "default_action_secret")]
    pub secret: String,
    /// Path after `public_url`; `{token}` is replaced by the signed token.
    #[serde(default = "default_action_path")]
    pub path: String,
    /// How long a link stays valid.
    #[serde(default = "default_ttl_hours")]
    pub ttl_hours: u32,
}

pub const DEFAULT_ACTION_PATH: &str = "/v1/actions/{token}";
pub const DEFAULT_ACTION_SECRET: &str = "env:SWITCHBOARD_ACTION_SECRET";

fn default_action_secret() -> String {
    DEFAULT_ACTION_SECRET.to_owned()
}

fn default_action_path() -> String {
    DEFAULT_ACTION_PATH.to_owned()
}

fn default_ttl_hours() -> u32 {
    72
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepSpec {
    /// Empty: the channels of the message's pool, else the default.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Slack member id (`U…`) for direct messages through a `slack_bot` channel.
    #[serde(default)]
    pub slack_user: Option<String>,
    /// Overrides the rep's email of the policy.
    #[serde(default)]
    pub email: Option<String>,
}

/// One channel. Fields holding secrets accept references (see [`SecretRef`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChannelSpec {
    /// A Slack incoming webhook (posts to the channel it was created for).
    SlackWebhook { url: String },
    /// `chat.postMessage` with a bot token: to `channel`, or as a direct message to the
    /// addressee's `slack_user`.
    SlackBot {
        token: String,
        #[serde(default)]
        channel: Option<String>,
        /// The Web API base; only tests change it.
        #[serde(default = "default_slack_api")]
        api_url: String,
    },
    /// A Microsoft Teams workflow (Power Automate) webhook taking an Adaptive Card.
    TeamsWorkflow { url: String },
    /// Amazon SES v2 `SendEmail` to the addressee's email (or `to`).
    Email {
        from: String,
        #[serde(default)]
        configuration_set: Option<String>,
        /// A fixed recipient (a shared inbox) instead of the addressee.
        #[serde(default)]
        to: Option<String>,
    },
    /// A JSON POST signed with `X-Switchboard-Signature`.
    Webhook { url: String, secret: String },
    /// HubSpot CRM: the assigned rep becomes the contact's owner (docs/CRM.md).
    Hubspot {
        /// A private app's access token.
        token: String,
        /// The API host; a test server or a proxy may stand in for it.
        #[serde(default = "default_hubspot_api")]
        api_url: String,
        /// Contact property → lead field, for contacts created. Default: email,
        /// firstname, lastname, company, country, phone.
        #[serde(default)]
        properties: Option<Mapping>,
        /// Written as `hs_lead_status` with the owner, e.g. `NEW`.
        #[serde(default)]
        lead_status: Option<String>,
        /// Written as `lifecyclestage` with the owner, e.g. `lead`.
        #[serde(default)]
        lifecycle_stage: Option<String>,
        /// Companies are synced into the account store by the scheduled sync (and by
        /// `switchboard serve`); docs/CRM.md, "Accounts".
        #[serde(default)]
        sync_accounts: bool,
    },
    /// Salesforce: the assigned rep becomes the Lead's or Contact's owner (docs/CRM.md).
    Salesforce {
        /// The org's My Domain URL (`https://acme.my.salesforce.com`): the client
        /// credentials flow is only served there, so there is no default host.
        my_domain: String,
        /// The connected app's consumer key (inline, or a reference).
        client_id: String,
        /// The connected app's consumer secret.
        client_secret: String,
        #[serde(default = "default_salesforce_api_version")]
        api_version: String,
        /// Lead field (API name) → lead field, for Leads created. Default: Email,
        /// FirstName, LastName, Company, Country, Phone.
        #[serde(default)]
        fields: Option<Mapping>,
        /// The connected app's session timeout: how long a token lives.
        #[serde(default = "default_session_minutes")]
        session_minutes: u32,
        /// Accounts are synced into the account store by the scheduled sync (and by
        /// `switchboard serve`); docs/CRM.md, "Accounts".
        #[serde(default)]
        sync_accounts: bool,
        /// An Account whose owner is not a rep takes the owner of its most recently
        /// changed open Opportunity who is one.
        #[serde(default)]
        opportunity_owners: bool,
    },
    /// One log line per message.
    Log {},
}

fn default_hubspot_api() -> String {
    crate::channels::crm::hubspot::API_URL.to_owned()
}

fn default_salesforce_api_version() -> String {
    crate::channels::crm::salesforce::API_VERSION.to_owned()
}

fn default_session_minutes() -> u32 {
    crate::channels::crm::salesforce::SESSION_MINUTES
}

pub const SLACK_API: &str = "https://slack.com/api";

fn default_slack_api() -> String {
    SLACK_API.to_owned()
}

impl ChannelSpec {
    pub fn type_name(&self) -> &'static str {
        match self {
            ChannelSpec::SlackWebhook { .. } => "slack_webhook",
            ChannelSpec::SlackBot { .. } => "slack_bot",
            ChannelSpec::TeamsWorkflow { .. } => "teams_workflow",
            ChannelSpec::Email { .. } => "email",
            ChannelSpec::Webhook { .. } => "webhook",
            ChannelSpec::Hubspot { .. } => "hubspot",
            ChannelSpec::Salesforce { .. } => "salesforce",
            ChannelSpec::Log {} => "log",
        }
    }
}

/// Where the document comes from, which decides whether inline secrets are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The Lambda function: secrets must be references.
    Aws,
    /// The local process: inline values are fine (the file is the operator's own).
    Local,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the notification config is not valid YAML/JSON at {path}: {message}")]
    Syntax { path: String, message: String },
    #[error("the notification config is invalid:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

/// Channel names: short, and safe inside delivery record keys.
fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

impl NotifyConfig {
    /// Parses and validates a document; every problem is reported, each with its path.
    pub fn parse(text: &str, origin: Origin) -> Result<NotifyConfig, ConfigError> {
        let de = serde_yaml_ng::Deserializer::from_str(text);
        let config: NotifyConfig = match serde_path_to_error::deserialize(de) {
            Ok(c) => c,
            Err(e) => {
                let path = e.path().to_string();
                return Err(ConfigError::Syntax {
                    path: if path.is_empty() { ".".into() } else { path },
                    message: e.into_inner().to_string(),
                });
            }
        };
        config.validate(origin)?;
        Ok(config)
    }

    pub fn validate(&self, origin: Origin) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        for (name, spec) in &self.channels {
            let at = format!("channels.{name}");
            if !valid_name(name) {
                problems.push(format!(
                    "{at}: a channel name is 1 to 64 of a-z, 0-9, `-` and `_`, starting with a letter or digit"
                ));
            }
            check_channel(&at, spec, origin, &mut problems);
        }
        let mut check_refs = |at: String, names: &[String]| {
            let mut seen = BTreeSet::new();
            for n in names {
                if !self.channels.contains_key(n) {
                    problems.push(format!("{at}: unknown channel `{n}`"));
                }
                if !seen.insert(n) {
                    problems.push(format!("{at}: channel `{n}` is listed twice"));
                }
            }
        };
        check_refs("default".into(), &self.default);
        check_refs("always".into(), &self.always);
        for (pool, names) in &self.pools {
            check_refs(format!("pools.{pool}"), names);
        }
        for (rep, spec) in &self.reps {
            check_refs(format!("reps.{rep}.channels"), &spec.channels);
        }
        for (rep, spec) in &self.reps {
            if let Some(email) = &spec.email
                && !looks_like_email(email)
            {
                problems.push(format!(
                    "reps.{rep}.email: `{email}` is not an email address"
                ));
            }
            if spec
                .slack_user
                .as_deref()
                .is_some_and(|u| u.trim().is_empty())
            {
                problems.push(format!("reps.{rep}.slack_user: empty"));
            }
        }
        if let Some(links) = &self.action_links {
            check_secret("action_links.secret", &links.secret, origin, &mut problems);
            if !links.path.contains("{token}") {
                problems.push("action_links.path: must contain `{token}`".into());
            }
            if !links.path.starts_with('/') {
                problems.push("action_links.path: must start with `/`".into());
            }
            if links.ttl_hours == 0 {
                problems.push("action_links.ttl_hours: must be at least 1".into());
            }
            match &self.public_url {
                None => problems.push("public_url: required with action_links".into()),
                Some(u) if !is_http_url(u) => {
                    problems.push(format!("public_url: `{u}` is not an http(s) URL"))
                }
                Some(_) => {}
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// The channel names for a message to `addressee` (a rep id, if any) about a lead of
    /// `pool`: the rep's, else the pool's, else the default; plus `always`. Empty means
    /// the built-in log.
    pub fn route(&self, addressee: Option<&str>, pool: Option<&str>) -> Vec<&str> {
        let rep = addressee
            .and_then(|r| self.reps.get(r))
            .map(|r| &r.channels)
            .filter(|c| !c.is_empty());
        let pool = pool
            .and_then(|p| self.pools.get(p))
            .filter(|c| !c.is_empty());
        let mut names: Vec<&str> = rep
            .or(pool)
            .unwrap_or(&self.default)
            .iter()
            .map(String::as_str)
            .collect();
        for n in &self.always {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        names
    }
}

fn check_channel(at: &str, spec: &ChannelSpec, origin: Origin, problems: &mut Vec<String>) {
    match spec {
        ChannelSpec::SlackWebhook { url } | ChannelSpec::TeamsWorkflow { url } => {
            check_secret(&format!("{at}.url"), url, origin, problems);
            check_inline_url(&format!("{at}.url"), url, problems);
        }
        ChannelSpec::SlackBot {
            token,
            channel,
            api_url,
        } => {
            check_secret(&format!("{at}.token"), token, origin, problems);
            if channel.as_deref().is_some_and(|c| c.trim().is_empty()) {
                problems.push(format!("{at}.channel: empty"));
            }
            if !is_http_url(api_url) {
                problems.push(format!("{at}.api_url: `{api_url}` is not an http(s) URL"));
            }
        }
        ChannelSpec::Email {
            from,
            configuration_set,
            to,
        } => {
            if !cfg!(feature = "aws") {
                problems.push(format!(
                    "{at}: email channels send through Amazon SES and are not available in this build"
                ));
            }
            if !looks_like_email(from) {
                problems.push(format!("{at}.from: `{from}` is not an email address"));
            }
            if configuration_set
                .as_deref()
                .is_some_and(|c| c.trim().is_empty())
            {
                problems.push(format!("{at}.configuration_set: empty"));
            }
            if let Some(to) = to
                && !looks_like_email(to)
            {
                problems.push(format!("{at}.to: `{to}` is not an email address"));
            }
        }
        ChannelSpec::Webhook { url, secret } => {
            // The URL may be inline even on AWS (it is often not secret); the key may not.
            check_ref_syntax(&format!("{at}.url"), url, problems);
            check_inline_url(&format!("{at}.url"), url, problems);
            check_secret(&format!("{at}.secret"), secret, origin, problems);
        }
        ChannelSpec::Hubspot {
            token,
            api_url,
            properties,
            lead_status,
            lifecycle_stage,
            sync_accounts: _,
        } => {
            check_secret(&format!("{at}.token"), token, origin, problems);
            if !is_http_url(api_url) {
                problems.push(format!("{at}.api_url: `{api_url}` is not an http(s) URL"));
            }
            check_mapping(&format!("{at}.properties"), properties.as_ref(), problems);
            for (field, value) in [
                ("lead_status", lead_status),
                ("lifecycle_stage", lifecycle_stage),
            ] {
                if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                    problems.push(format!("{at}.{field}: empty"));
                }
            }
        }
        ChannelSpec::Salesforce {
            my_domain,
            client_id,
            client_secret,
            api_version,
            fields,
            session_minutes,
            sync_accounts: _,
            opportunity_owners: _,
        } => {
            if !is_http_url(my_domain) {
                problems.push(format!(
                    "{at}.my_domain: `{my_domain}` is not an http(s) URL (the org's My Domain, e.g. https://acme.my.salesforce.com)"
                ));
            }
            check_ref_syntax(&format!("{at}.client_id"), client_id, problems);
            check_secret(
                &format!("{at}.client_secret"),
                client_secret,
                origin,
                problems,
            );
            if !valid_api_version(api_version) {
                problems.push(format!(
                    "{at}.api_version: `{api_version}` is not a REST API version like `v62.0`"
                ));
            }
            check_mapping(&format!("{at}.fields"), fields.as_ref(), problems);
            if *session_minutes < 15 {
                problems.push(format!(
                    "{at}.session_minutes: at least 15 (Salesforce's shortest session timeout)"
                ));
            }
        }
        ChannelSpec::Log {} => {}
    }
}

/// Property names go into JSON bodies only, but an empty one is always a typo.
fn check_mapping(at: &str, mapping: Option<&Mapping>, problems: &mut Vec<String>) {
    let Some(mapping) = mapping else { return };
    if mapping.is_empty() {
        problems.push(format!(
            "{at}: empty (leave it out for the default mapping)"
        ));
    }
    for property in mapping.keys() {
        if property.trim().is_empty() || property.contains(char::is_whitespace) {
            problems.push(format!("{at}: `{property}` is not a property name"));
        }
    }
}

/// `v62.0`: the path segment of the REST API's version.
fn valid_api_version(v: &str) -> bool {
    v.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        })
}

/// A secret: a reference anywhere, an inline value only in the local process.
fn check_secret(at: &str, value: &str, origin: Origin, problems: &mut Vec<String>) {
    match SecretRef::parse(value) {
        Err(e) => problems.push(format!("{at}: {e}")),
        Ok(SecretRef::Inline(v)) if origin == Origin::Aws => {
            let _ = v;
            problems.push(format!(
                "{at}: inline secrets are only allowed in the local process; use `env:NAME`, `ssm:/parameter/name` or `secretsmanager:NAME_OR_ARN`"
            ));
        }
        Ok(SecretRef::Inline(v)) if v.trim().is_empty() => {
            problems.push(format!("{at}: empty"));
        }
        Ok(_) => {}
    }
}

fn check_ref_syntax(at: &str, value: &str, problems: &mut Vec<String>) {
    if let Err(e) = SecretRef::parse(value) {
        problems.push(format!("{at}: {e}"));
    }
}

/// An inline URL must be http(s); a reference is checked once resolved.
fn check_inline_url(at: &str, value: &str, problems: &mut Vec<String>) {
    if let Ok(SecretRef::Inline(url)) = SecretRef::parse(value)
        && !url.trim().is_empty()
        && !is_http_url(&url)
    {
        problems.push(format!("{at}: not an http(s) URL"));
    }
}

pub fn is_http_url(u: &str) -> bool {
    u.parse::<http::Uri>()
        .is_ok_and(|uri| matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some())
}

fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    s.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !s.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
public_url: https://leads.example.com
action_links:
  secret: env:ACTION_SECRET
channels:
  sales-slack: { type: slack_webhook, url: "ssm:/switchboard/slack-webhook" }
  slack-dm: { type: slack_bot, token: "secretsmanager:switchboard/slack-bot" }
  teams: { type: teams_workflow, url: "env:TEAMS_URL" }
  mail: { type: email, from: leads@example.com }
  crm: { type: webhook, url: "https://crm.example.com/hook", secret: "ssm:/switchboard/crm" }
  audit: { type: log }
default: [sales-slack]
always: [crm]
pools:
  enterprise: [teams]
reps:
  ana: { channels: [slack-dm, mail], slack_user: U0ANA }
  bo: { email: bo@example.com }
"#;

    #[test]
    fn parses_every_channel_type() {
        let c = NotifyConfig::parse(EXAMPLE, Origin::Aws).unwrap();
        assert_eq!(c.channels.len(), 6);
        assert_eq!(
            c.channels["slack-dm"],
            ChannelSpec::SlackBot {
                token: "secretsmanager:switchboard/slack-bot".into(),
                channel: None,
                api_url: SLACK_API.into()
            }
        );
        assert_eq!(c.action_links.unwrap().path, DEFAULT_ACTION_PATH);
        let doc = "public_url: https://x.example\naction_links: {}\n";
        let links = NotifyConfig::parse(doc, Origin::Aws)
            .unwrap()
            .action_links
            .unwrap();
        assert_eq!(links.secret, DEFAULT_ACTION_SECRET);
        assert_eq!(links.ttl_hours, 72);
    }

    #[test]
    fn routes_rep_then_pool_then_default_plus_always() {
        let c = NotifyConfig::parse(EXAMPLE, Origin::Aws).unwrap();
        assert_eq!(
            c.route(Some("ana"), Some("enterprise")),
            ["slack-dm", "mail", "crm"]
        );
        // bo has an identity but no channels of his own.
        assert_eq!(c.route(Some("bo"), Some("enterprise")), ["teams", "crm"]);
        assert_eq!(c.route(Some("bo"), Some("smb")), ["sales-slack", "crm"]);
        assert_eq!(c.route(None, None), ["sales-slack", "crm"]);
    }

    #[test]
    fn inline_secrets_only_locally() {
        let doc = "channels:\n  s: { type: slack_webhook, url: 'https://hooks.slack.com/services/T/B/X' }\n";
        assert!(NotifyConfig::parse(doc, Origin::Local).is_ok());
        let err = NotifyConfig::parse(doc, Origin::Aws)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("channels.s.url: inline secrets are only allowed"),
            "{err}"
        );
        // A webhook's URL may be inline anywhere, its key may not.
        let doc = "channels:\n  w: { type: webhook, url: 'https://x.example/h', secret: 'k' }\n";
        let err = NotifyConfig::parse(doc, Origin::Aws)
            .unwrap_err()
            .to_string();
        assert!(err.contains("channels.w.secret"), "{err}");
        assert!(!err.contains("channels.w.url"), "{err}");
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let doc = r#"
action_links: { secret: "env:X", path: "/a" }
channels:
  Bad Name: { type: log }
  m: { type: email, from: nobody }
  w: { type: webhook, url: "ftp://x", secret: "vault:x" }
default: [missing]
pools: { p: [m, m] }
reps: { ana: { channels: [nope], email: "not-an-email" } }
"#;
        let err = NotifyConfig::parse(doc, Origin::Local)
            .unwrap_err()
            .to_string();
        for expected in [
            "channels.Bad Name: a channel name",
            "channels.m.from: `nobody` is not an email address",
            "channels.w.url: not an http(s) URL",
            "channels.w.secret: unknown secret reference scheme `vault:`",
            "default: unknown channel `missing`",
            "pools.p: channel `m` is listed twice",
            "reps.ana.channels: unknown channel `nope`",
            "reps.ana.email: `not-an-email` is not an email address",
            "action_links.path: must contain `{token}`",
            "public_url: required with action_links",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
    }

    #[test]
    fn syntax_errors_name_the_place() {
        let err = NotifyConfig::parse("channels:\n  s: { type: pigeon }\n", Origin::Local)
            .unwrap_err()
            .to_string();
        assert!(err.contains("channels.s"), "{err}");
        assert!(err.contains("pigeon"), "{err}");
        let err = NotifyConfig::parse(
            "channels:\n  s: { type: log, colour: red }\n",
            Origin::Local,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("colour"), "{err}");
        let err = NotifyConfig::parse("chanels: {}\n", Origin::Local)
            .unwrap_err()
            .to_string();
        assert!(err.contains("chanels"), "{err}");
    }

    #[test]
    fn crm_channels_default_to_the_vendors_and_check_their_settings() {
        let doc = r#"
channels:
  hs: { type: hubspot, token: "secretsmanager:switchboard/hubspot" }
  sf:
    type: salesforce
    my_domain: https://acme.my.salesforce.com
    client_id: ssm:/switchboard/sf-client-id
    client_secret: secretsmanager:switchboard/sf-secret
always: [hs, sf]
"#;
        let c = NotifyConfig::parse(doc, Origin::Aws).unwrap();
        let ChannelSpec::Hubspot {
            api_url,
            properties,
            ..
        } = &c.channels["hs"]
        else {
            panic!("{:?}", c.channels["hs"])
        };
        assert_eq!(api_url, "https://api.hubapi.com");
        assert!(properties.is_none());
        let ChannelSpec::Salesforce {
            api_version,
            session_minutes,
            ..
        } = &c.channels["sf"]
        else {
            panic!("{:?}", c.channels["sf"])
        };
        assert_eq!(api_version, "v62.0");
        assert_eq!(*session_minutes, 120);

        let bad = r#"
channels:
  hs: { type: hubspot, token: "pat-inline", properties: {}, lead_status: "" }
  sf:
    type: salesforce
    my_domain: acme.my.salesforce.com
    client_id: abc
    client_secret: inline-secret
    api_version: "62"
    session_minutes: 5
    fields: { "Last Name": last_name }
"#;
        let err = NotifyConfig::parse(bad, Origin::Aws)
            .unwrap_err()
            .to_string();
        for expected in [
            "channels.hs.token: inline secrets are only allowed",
            "channels.hs.properties: empty",
            "channels.hs.lead_status: empty",
            "channels.sf.my_domain: `acme.my.salesforce.com` is not an http(s) URL",
            "channels.sf.client_secret: inline secrets are only allowed",
            "channels.sf.api_version: `62` is not a REST API version",
            "channels.sf.session_minutes: at least 15",
            "channels.sf.fields: `Last Name` is not a property name",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        // The client id is no secret: inline is fine anywhere.
        assert!(!err.contains("channels.sf.client_id"), "{err}");
        let err = NotifyConfig::parse(
            "channels:\n  hs: { type: hubspot, token: t, properties: { email: e_mail } }\n",
            Origin::Local,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown lead field `e_mail`"), "{err}");
    }

    #[test]
    fn json_is_accepted() {
        let doc = r#"{"channels": {"l": {"type": "log"}}, "default": ["l"]}"#;
        let c = NotifyConfig::parse(doc, Origin::Aws).unwrap();
        assert_eq!(c.route(Some("x"), None), ["l"]);
    }
}
