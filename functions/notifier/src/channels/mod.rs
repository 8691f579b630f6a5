//! The channels a note goes out on, resolved (secrets read) from the configuration.
//!
//! Failures are classified so the log says whether a retry can help: a 2xx is success;
//! 408, 429, 5xx, timeouts and connection errors are transient; any other answer (4xx,
//! and 3xx, as redirects are not followed) is permanent. Both fail the message, so SQS
//! retries it and, after `maxReceiveCount` receives, moves it to the notify dead-letter
//! queue: a permanent failure then waits there for the configuration to be fixed and the
//! queue redriven, instead of being dropped. Channels that succeeded are not repeated.

#[cfg(feature = "aws")]
pub mod email;
pub mod slack;
pub mod teams;
pub mod webhook;

use jiff::Timestamp;

use crate::http::{HttpClient, HttpError, Response};
use crate::note::Note;

/// A channel ready to send: every secret resolved.
#[derive(Debug, Clone)]
pub enum Channel {
    SlackWebhook {
        url: String,
    },
    SlackBot {
        token: String,
        channel: Option<String>,
        api_url: String,
    },
    TeamsWorkflow {
        url: String,
    },
    #[cfg(feature = "aws")]
    Email(email::EmailChannel),
    Webhook {
        url: String,
        secret: String,
    },
    Log,
}

/// The clients channels send with, built once per process.
#[derive(Debug, Clone)]
pub struct Senders {
    pub http: HttpClient,
    #[cfg(feature = "aws")]
    pub ses: Option<aws_sdk_sesv2::Client>,
}

impl Senders {
    /// HTTP channels and the log only (no SES client): the local process.
    pub fn http_only(http: HttpClient) -> Senders {
        Senders {
            http,
            #[cfg(feature = "aws")]
            ses: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("{0}")]
    Transport(String),
    #[error("answered {status}: {body}")]
    Rejected {
        status: u16,
        body: String,
        permanent: bool,
    },
    #[error("no recipient: {0}")]
    NoRecipient(String),
    #[error("misconfigured: {0}")]
    Config(String),
}

impl ChannelError {
    /// True when retrying the same request cannot succeed (the configuration, the
    /// receiver or the rep's identity must change first).
    pub fn is_permanent(&self) -> bool {
        match self {
            ChannelError::Transport(_) => false,
            ChannelError::Rejected { permanent, .. } => *permanent,
            ChannelError::NoRecipient(_) | ChannelError::Config(_) => true,
        }
    }
}

impl From<HttpError> for ChannelError {
    fn from(e: HttpError) -> Self {
        ChannelError::Transport(e.to_string())
    }
}

/// Success for 2xx; otherwise the classification of the module docs.
pub fn check_status(response: &Response) -> Result<(), ChannelError> {
    let status = response.status;
    if status.is_success() {
        return Ok(());
    }
    let transient = status.is_server_error() || matches!(status.as_u16(), 408 | 429);
    Err(ChannelError::Rejected {
        status: status.as_u16(),
        body: response.text(),
        permanent: !transient,
    })
}

impl Channel {
    pub fn type_name(&self) -> &'static str {
        match self {
            Channel::SlackWebhook { .. } => "slack_webhook",
            Channel::SlackBot { .. } => "slack_bot",
            Channel::TeamsWorkflow { .. } => "teams_workflow",
            #[cfg(feature = "aws")]
            Channel::Email(_) => "email",
            Channel::Webhook { .. } => "webhook",
            Channel::Log => "log",
        }
    }

    /// Whether a delivery is recorded: not for the log, where a second line on a
    /// redelivery costs nothing and a record would cost a write per message.
    pub fn records_delivery(&self) -> bool {
        !matches!(self, Channel::Log)
    }

    pub async fn send(
        &self,
        name: &str,
        senders: &Senders,
        note: &Note,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        match self {
            Channel::SlackWebhook { url } => slack::send_webhook(&senders.http, url, note).await,
            Channel::SlackBot {
                token,
                channel,
                api_url,
            } => slack::send_bot(&senders.http, api_url, token, channel.as_deref(), note).await,
            Channel::TeamsWorkflow { url } => teams::send(&senders.http, url, note).await,
            #[cfg(feature = "aws")]
            Channel::Email(email) => match &senders.ses {
                Some(ses) => email.send(ses, note).await,
                None => Err(ChannelError::Config("no SES client in this process".into())),
            },
            Channel::Webhook { url, secret } => {
                webhook::send(&senders.http, url, secret, note, now).await
            }
            Channel::Log => {
                log(name, note);
                Ok(())
            }
        }
    }
}

fn log(channel: &str, note: &Note) {
    let m = &note.message;
    tracing::info!(
        target: "switchboard::notify",
        channel,
        kind = %m.kind,
        assignment_id = %m.assignment_id,
        lead_id = %m.lead_id,
        rep = %m.rep,
        to = note.addressee.as_ref().map_or("-", |p| p.id.as_str()),
        pool = m.pool.as_deref().unwrap_or("-"),
        sla_due = %note.sla.as_ref().map_or_else(|| "-".to_owned(), |s| s.describe()),
        "notify: {}",
        note.headline()
    );
}
