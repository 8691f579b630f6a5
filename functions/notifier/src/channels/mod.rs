//! The channels a note goes out on, resolved (secrets read) from the configuration.
//!
//! Failures are classified so the log says whether a retry can help: a 2xx is success;
//! 408, 429, 5xx, timeouts and connection errors are transient; any other answer (4xx,
//! and 3xx, as redirects are not followed) is permanent. Both fail the message, so SQS
//! retries it and, after `maxReceiveCount` receives, moves it to the notify dead-letter
//! queue: a permanent failure then waits there for the configuration to be fixed and the
//! queue redriven, instead of being dropped. Channels that succeeded are not repeated.

pub mod crm;
#[cfg(feature = "aws")]
pub mod email;
pub mod slack;
pub mod teams;
pub mod webhook;

use std::sync::Arc;

use jiff::Timestamp;
use switchboard_store::NotifyKind;

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
    /// The rep becomes the HubSpot contact's owner.
    Hubspot(Arc<crm::hubspot::Hubspot>),
    /// The rep becomes the Salesforce Lead's or Contact's owner (shared: it holds the
    /// current access token).
    Salesforce(Arc<crm::salesforce::Salesforce>),
    Log,
}

/// The clients channels send with, built once per process.
#[derive(Debug, Clone)]
pub struct Senders {
    pub http: HttpClient,
    #[cfg(feature = "aws")]
    pub ses: Option<aws_sdk_sesv2::Client>,
    /// What the log channel writes; ids only unless someone debugging locally opted in.
    pub log: LogDetail,
}

impl Senders {
    /// HTTP channels and the log only (no SES client): the local process.
    pub fn http_only(http: HttpClient) -> Senders {
        Senders {
            http,
            #[cfg(feature = "aws")]
            ses: None,
            log: LogDetail::Ids,
        }
    }

    pub fn with_log_detail(mut self, log: LogDetail) -> Senders {
        self.log = log;
        self
    }
}

/// What the log channel writes about a lead. Logs are kept longer and read by more people
/// than the channels a rep reads, so by default they carry ids only: never a lead's name,
/// company, email, phone or a rep's free-text reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogDetail {
    /// Lead, assignment, rep, pool, attempt, kind and SLA deadline: ids and times.
    #[default]
    Ids,
    /// Also the note's text (the lead's name or email, company, the reason given): an
    /// explicit opt-in for debugging on one's own machine.
    PersonalData,
}

impl LogDetail {
    /// The environment variable that opts in to [`LogDetail::PersonalData`].
    pub const ENV: &'static str = "SWITCHBOARD_LOG_PERSONAL_DATA";

    /// `PersonalData` when `value` (of [`LogDetail::ENV`]) is `1`, `true` or `yes`.
    pub fn from_env_value(value: Option<&str>) -> LogDetail {
        let on = value.is_some_and(|v| {
            matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        });
        if on {
            LogDetail::PersonalData
        } else {
            LogDetail::Ids
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
    /// The receiver asked to slow down; the queue tries again after its visibility
    /// timeout, later than the `Retry-After` of the CRMs' short rate windows.
    #[error("rate limited{}: {detail}", .retry_after.map(|s| format!(" (retry after {s} s)")).unwrap_or_default())]
    RateLimited {
        retry_after: Option<u64>,
        detail: String,
    },
    /// Nothing can be sent for this message as things stand (a rep without a CRM id, a
    /// lead without an email): said, not passed over as a success.
    #[error("skipped: {0}")]
    Skipped(String),
}

impl ChannelError {
    /// True when retrying the same request cannot succeed (the configuration, the
    /// receiver or the rep's identity must change first).
    pub fn is_permanent(&self) -> bool {
        match self {
            ChannelError::Transport(_) | ChannelError::RateLimited { .. } => false,
            ChannelError::Rejected { permanent, .. } => *permanent,
            ChannelError::NoRecipient(_) | ChannelError::Config(_) | ChannelError::Skipped(_) => {
                true
            }
        }
    }
}

impl ChannelError {
    /// The same error with each of `values` (the lead's email, phone, names) replaced: a
    /// receiver's error text may quote what it was sent, and failures are logged.
    pub fn redacted(self, values: &[String]) -> ChannelError {
        let clean = |mut text: String| {
            for v in values.iter().filter(|v| v.chars().count() >= 2) {
                text = text.replace(v.as_str(), "[redacted]");
            }
            text
        };
        match self {
            ChannelError::Transport(t) => ChannelError::Transport(clean(t)),
            ChannelError::Rejected {
                status,
                body,
                permanent,
            } => ChannelError::Rejected {
                status,
                body: clean(body),
                permanent,
            },
            ChannelError::NoRecipient(t) => ChannelError::NoRecipient(clean(t)),
            ChannelError::Config(t) => ChannelError::Config(clean(t)),
            ChannelError::RateLimited {
                retry_after,
                detail,
            } => ChannelError::RateLimited {
                retry_after,
                detail: clean(detail),
            },
            ChannelError::Skipped(t) => ChannelError::Skipped(clean(t)),
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
            Channel::Hubspot(_) => "hubspot",
            Channel::Salesforce(_) => "salesforce",
            Channel::Log => "log",
        }
    }

    /// True for the CRM connectors: they write who owns the lead, so they take the
    /// assignments (not the warnings, escalations or parkings) and still write after the
    /// rep accepted or closed it.
    pub fn writes_owner(&self) -> bool {
        matches!(self, Channel::Hubspot(_) | Channel::Salesforce(_))
    }

    /// Whether messages of `kind` go to this channel.
    pub fn takes(&self, kind: NotifyKind) -> bool {
        !self.writes_owner() || kind == NotifyKind::Assigned
    }

    /// Sends the note. A CRM channel answers with the record it wrote the owner to, which
    /// the notifier links to the lead so the CRM's events about it find the lead.
    pub async fn send(
        &self,
        name: &str,
        senders: &Senders,
        note: &Note,
        now: Timestamp,
    ) -> Result<Option<CrmRecord>, ChannelError> {
        let record = |crm: &'static str| move |id: String| Some(CrmRecord { crm, id });
        let sent = match self {
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
            // A CRM write is several requests (token, lookup, create or update); bounded as
            // a whole to one request's time, so a message keeps within the budget the
            // handler reserves for it (`DEFAULT_DEADLINE_MARGIN`). Cut short, it is a
            // transient failure: the queue delivers it again and the write is idempotent.
            Channel::Hubspot(hubspot) => {
                return crm_write(hubspot.write(&senders.http, note, now), note)
                    .await
                    .map(record(switchboard_store::ports::crm_links::HUBSPOT));
            }
            Channel::Salesforce(salesforce) => {
                return crm_write(salesforce.write(&senders.http, note, now), note)
                    .await
                    .map(record(switchboard_store::ports::crm_links::SALESFORCE));
            }
            Channel::Log => {
                log(name, note, senders.log);
                Ok(())
            }
        };
        sent.map(|()| None)
    }
}

/// The CRM record a write-back found or created: `crm` is the name links are kept under
/// (`switchboard_store::ports::crm_links`), `id` the record's id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRecord {
    pub crm: &'static str,
    pub id: String,
}

/// A CRM write bounded to one request's time, its error text without the lead's personal
/// data (CRMs quote the values they refuse).
async fn crm_write<T>(
    write: impl std::future::Future<Output = Result<T, ChannelError>>,
    note: &Note,
) -> Result<T, ChannelError> {
    let limit = crate::http::DEFAULT_TIMEOUT;
    tokio::time::timeout(limit, write)
        .await
        .unwrap_or_else(|_| {
            Err(ChannelError::Transport(format!(
                "the CRM write took longer than {limit:?}; it is retried"
            )))
        })
        .map_err(|e| e.redacted(&crm::personal(note)))
}

fn log(channel: &str, note: &Note, detail: LogDetail) {
    let m = &note.message;
    let sla_due = m
        .sla_due
        .map_or_else(|| "-".to_owned(), |due| due.to_string());
    let to = note.addressee.as_ref().map_or("-", |p| p.id.as_str());
    let pool = m.pool.as_deref().unwrap_or("-");
    // Empty for a parking, which has no rep.
    let rep = if m.rep.is_empty() {
        "-"
    } else {
        m.rep.as_str()
    };
    // The note's text only on request: it names the lead and quotes the rep.
    let text = match detail {
        LogDetail::Ids => String::new(),
        LogDetail::PersonalData => format!(": {}", note.headline()),
    };
    tracing::info!(
        target: "switchboard::notify",
        channel,
        kind = %m.kind,
        lead_id = %m.lead_id,
        rep,
        pool,
        attempt = m.attempt,
        sla_due,
        assignment_id = %m.assignment_id,
        to,
        "notify{text}"
    );
}
