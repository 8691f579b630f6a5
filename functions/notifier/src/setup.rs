//! The configuration made ready to send: every secret resolved once, at start.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_routing::PolicyDocument;
use switchboard_store::NotifyKind;

use crate::channels::Channel;
use crate::channels::crm::hubspot::Hubspot;
use crate::channels::crm::salesforce::Salesforce;
use crate::channels::crm::{self, Crm, fields};
use crate::config::{ChannelSpec, NotifyConfig, is_http_url};
use crate::secrets::{RemoteSecrets, Resolver, SecretError};

/// The channel that takes messages no route covers (the name cannot clash with a
/// configured one: those start with a letter or digit).
pub const BUILTIN_LOG: &str = "_log";
static LOG: Channel = Channel::Log;

#[derive(Debug, Clone)]
pub struct Setup {
    pub config: NotifyConfig,
    pub channels: BTreeMap<String, Channel>,
    /// The key of the accept / reject links, when configured.
    pub action_secret: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("channel {channel}: {source}")]
    Secret {
        channel: String,
        #[source]
        source: SecretError,
    },
    #[error("channel {channel}: {why}")]
    Invalid { channel: String, why: String },
    #[error("action_links.secret: {0}")]
    ActionSecret(#[source] SecretError),
}

impl Setup {
    /// Only the log (no configuration).
    pub fn log_only() -> Setup {
        Setup {
            config: NotifyConfig::default(),
            channels: BTreeMap::new(),
            action_secret: None,
        }
    }

    pub async fn resolve<R: RemoteSecrets>(
        config: NotifyConfig,
        resolver: &mut Resolver<R>,
    ) -> Result<Setup, SetupError> {
        let mut channels = BTreeMap::new();
        for (name, spec) in &config.channels {
            let secret_err = |source| SetupError::Secret {
                channel: name.clone(),
                source,
            };
            let url = |u: String| {
                if is_http_url(&u) {
                    Ok(u)
                } else {
                    Err(SetupError::Invalid {
                        channel: name.clone(),
                        why: "the resolved URL is not an http(s) URL".into(),
                    })
                }
            };
            let channel = match spec {
                ChannelSpec::SlackWebhook { url: u } => Channel::SlackWebhook {
                    url: url(resolver.resolve(u).await.map_err(secret_err)?)?,
                },
                ChannelSpec::SlackBot {
                    token,
                    channel,
                    api_url,
                } => Channel::SlackBot {
                    token: resolver.resolve(token).await.map_err(secret_err)?,
                    channel: channel.clone(),
                    api_url: api_url.clone(),
                },
                ChannelSpec::TeamsWorkflow { url: u } => Channel::TeamsWorkflow {
                    url: url(resolver.resolve(u).await.map_err(secret_err)?)?,
                },
                #[cfg(feature = "aws")]
                ChannelSpec::Email {
                    from,
                    configuration_set,
                    to,
                } => Channel::Email(crate::channels::email::EmailChannel {
                    from: from.trim().to_owned(),
                    configuration_set: configuration_set.clone(),
                    to: to.clone(),
                }),
                #[cfg(not(feature = "aws"))]
                ChannelSpec::Email { .. } => {
                    return Err(SetupError::Invalid {
                        channel: name.clone(),
                        why: "email needs the AWS build".into(),
                    });
                }
                ChannelSpec::Webhook { url: u, secret } => Channel::Webhook {
                    url: url(resolver.resolve(u).await.map_err(secret_err)?)?,
                    secret: resolver.resolve(secret).await.map_err(secret_err)?,
                },
                ChannelSpec::Hubspot {
                    token,
                    api_url,
                    properties,
                    lead_status,
                    lifecycle_stage,
                    sync_accounts,
                } => Channel::Hubspot(Arc::new(Hubspot {
                    token: resolver.resolve(token).await.map_err(secret_err)?,
                    api_url: api_url.clone(),
                    properties: properties.clone().unwrap_or_else(fields::hubspot_default),
                    lead_status: lead_status.clone(),
                    lifecycle_stage: lifecycle_stage.clone(),
                    sync_accounts: *sync_accounts,
                })),
                ChannelSpec::Salesforce {
                    my_domain,
                    client_id,
                    client_secret,
                    api_version,
                    fields: mapping,
                    session_minutes,
                    sync_accounts,
                    opportunity_owners,
                } => Channel::Salesforce(Arc::new(
                    Salesforce::new(
                        my_domain.trim_end_matches('/').to_owned(),
                        resolver.resolve(client_id).await.map_err(secret_err)?,
                        resolver.resolve(client_secret).await.map_err(secret_err)?,
                        api_version.clone(),
                        mapping.clone().unwrap_or_else(fields::salesforce_default),
                        *session_minutes,
                    )
                    .with_account_sync(*sync_accounts, *opportunity_owners),
                )),
                ChannelSpec::Log {} => Channel::Log,
            };
            channels.insert(name.clone(), channel);
        }
        let action_secret = match &config.action_links {
            Some(links) => Some(
                resolver
                    .resolve(&links.secret)
                    .await
                    .map_err(SetupError::ActionSecret)?
                    .into_bytes(),
            ),
            None => None,
        };
        Ok(Setup {
            config,
            channels,
            action_secret,
        })
    }

    /// The channels of a message of `kind`, by name: its route (less the channels that do
    /// not take the kind), or the built-in log.
    pub fn route(
        &self,
        addressee: Option<&str>,
        pool: Option<&str>,
        kind: NotifyKind,
    ) -> Vec<(&str, &Channel)> {
        let names = self.config.route(addressee, pool);
        let routed: Vec<(&str, &Channel)> = names
            .into_iter()
            .filter_map(|n| self.channels.get_key_value(n).map(|(k, c)| (k.as_str(), c)))
            .filter(|(_, c)| c.takes(kind))
            .collect();
        if routed.is_empty() {
            vec![(BUILTIN_LOG, &LOG)]
        } else {
            routed
        }
    }
}

impl Setup {
    /// The policy's reps each CRM channel cannot write an owner for (no id in
    /// `reps[].crm`), one line each: the start-up check reports them, so a missing id is
    /// found before the first assignment to that rep is skipped.
    pub fn crm_gaps(&self, policy: &PolicyDocument) -> Vec<String> {
        self.channels
            .iter()
            .flat_map(|(name, channel)| match channel {
                Channel::Hubspot(_) => crm::gaps(name, Crm::Hubspot, policy),
                Channel::Salesforce(_) => crm::gaps(name, Crm::Salesforce, policy),
                _ => Vec::new(),
            })
            .collect()
    }
}
