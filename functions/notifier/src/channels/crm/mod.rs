//! CRM write-back: on every assignment (a re-assignment is an assignment of its own) the
//! rep becomes the owner of the lead's record in the customer's CRM. Each connector is a
//! notify channel, so it shares the notifier's delivery records (once per assignment and
//! channel), retries and dead letters: a CRM outage never holds up routing, and a write
//! that fails waits on the queue instead of being lost.
//!
//! Connectors take `assigned` messages only, and still write when the rep accepted or
//! closed the lead before the write got through (the record must show who has it).
//!
//! Failures: rate limits, 5xx and answers that cannot be read are transient (the queue
//! retries later); a refused credential is a configuration error; a record the CRM
//! refuses (validation rules, required fields) is permanent with the CRM's own error text,
//! so it ends in the dead letters after the queue's few receives, never retried forever.
//!
//! The same clients read the other way: the CRM's people for `crm sync reps` (`people`)
//! and its accounts for the account store (`accounts`).

pub mod accounts;
pub mod closes;
pub mod fields;
pub mod hubspot;
pub mod people;
pub mod salesforce;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, header};
use http_body_util::Full;
use switchboard_routing::PolicyDocument;
use switchboard_routing::policy::RepDoc;

use super::ChannelError;
use crate::http::{HttpClient, Response};
use crate::note::Note;

/// Sends a JSON request (or one without a body) with a bearer token.
pub(crate) async fn send_json(
    http: &HttpClient,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&serde_json::Value>,
    extra: &[(&'static str, &'static str)],
) -> Result<Response, ChannelError> {
    let mut builder = Request::builder()
        .method(method)
        .uri(url)
        .header(header::ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            header::USER_AGENT,
            HeaderValue::from_static("switchboard-notifier"),
        );
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| ChannelError::Config("the token is not a valid header value".into()))?;
    builder = builder.header(header::AUTHORIZATION, bearer);
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let body = match body {
        Some(b) => {
            builder = builder.header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    let request = builder
        .body(Full::new(body))
        .map_err(|e| ChannelError::Config(format!("bad request to {url}: {e}")))?;
    Ok(http.send(request).await?)
}

/// `Retry-After` in seconds: delta-seconds, or an HTTP date as seconds from `now`.
pub(crate) fn retry_after(response: &Response, now: jiff::Timestamp) -> Option<u64> {
    let value = response
        .headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let seconds = at.duration_since(now).as_secs();
    Some(u64::try_from(seconds).unwrap_or(0))
}

/// A 2xx answer's JSON, or a transient failure: a body that cannot be read is more often
/// a proxy or an outage page than a changed API, and the retries it costs are few.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    crm: &str,
    what: &str,
    response: &Response,
) -> Result<T, ChannelError> {
    serde_json::from_slice(&response.body).map_err(|e| {
        ChannelError::Transport(format!(
            "{crm} answered {} to {what} with a body that is not the documented shape: {e}",
            response.status.as_u16()
        ))
    })
}

/// The lead's email: both CRMs' records are found by it.
pub(crate) fn lead_email<'n>(note: &'n Note, crm: &str) -> Result<&'n str, ChannelError> {
    note.record.email.as_deref().ok_or_else(|| {
        ChannelError::Skipped(format!(
            "lead {} has no email, which the {crm} record is found and created by",
            note.lead.id
        ))
    })
}

/// What of the lead an error text must not carry into the log.
pub(crate) fn personal(note: &Note) -> Vec<String> {
    let l = &note.record;
    [
        l.email.as_deref(),
        l.phone.as_deref(),
        l.first_name.as_deref(),
        l.last_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(|v| v.trim().to_owned())
    .filter(|v| !v.is_empty())
    .collect()
}

/// Which of the policy's reps lack the id a configured connector needs: one line each,
/// for the start-up check (`Setup::crm_gaps`).
pub fn gaps(channel: &str, crm: Crm, policy: &PolicyDocument) -> Vec<String> {
    policy
        .reps
        .iter()
        .filter(|r| crm.rep_id(r).is_none())
        .map(|r| {
            let (id, field, name) = (&r.id, crm.id_field(), crm.name());
            format!(
                "channel {channel}: rep `{id}` has no crm.{field} in the policy; \
                 assignments to them are not written to {name}"
            )
        })
        .collect()
}

/// The CRMs there are connectors for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crm {
    Hubspot,
    Salesforce,
}

impl Crm {
    pub fn name(self) -> &'static str {
        match self {
            Crm::Hubspot => "HubSpot",
            Crm::Salesforce => "Salesforce",
        }
    }

    /// The field of the policy's `reps[].crm`.
    pub fn id_field(self) -> &'static str {
        match self {
            Crm::Hubspot => "hubspot_owner_id",
            Crm::Salesforce => "salesforce_user_id",
        }
    }

    /// Sets the rep's id in this CRM.
    pub fn set_id(self, crm: &mut switchboard_routing::policy::RepCrmDoc, id: &str) {
        let field = match self {
            Crm::Hubspot => &mut crm.hubspot_owner_id,
            Crm::Salesforce => &mut crm.salesforce_user_id,
        };
        *field = Some(id.to_owned());
    }

    /// The rep's id in this CRM as the policy gives it.
    pub(crate) fn rep_id(self, rep: &RepDoc) -> Option<&str> {
        let crm = rep.crm.as_ref()?;
        let id = match self {
            Crm::Hubspot => &crm.hubspot_owner_id,
            Crm::Salesforce => &crm.salesforce_user_id,
        };
        id.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// The rep's id in this CRM, or the skip that says which id is missing where.
    pub(crate) fn owner(self, note: &Note) -> Result<&str, ChannelError> {
        let id = match self {
            Crm::Hubspot => note.rep.hubspot_owner_id.as_deref(),
            Crm::Salesforce => note.rep.salesforce_user_id.as_deref(),
        };
        id.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
            ChannelError::Skipped(format!(
                "rep `{}` has no crm.{} in policy version {}, so the {} owner is not written",
                note.rep.id,
                self.id_field(),
                note.message.policy_version,
                self.name()
            ))
        })
    }
}
