//! The intake pipeline without HTTP: verify, decode, parse, normalize ([`prepare`]), then
//! store and hand on ([`accept`]). The router calls these; so do the benchmarks.

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use jiff::Timestamp;

use crate::auth::{self, RequestView};
use crate::body::{self, Accepts, MediaType};
use crate::config::{IntakeConfig, SourceConfig};
use crate::error::IntakeError;
use crate::idempotency::{self, IdempotencyKey, KeyKind};
use crate::normalize::{self, Normalized};
use crate::providers::{self, Parsed};
use crate::state::IntakeState;
use switchboard_store::{Insert, NewLead, RawPayload, StoredLead};

/// One delivery to one source, as received.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub source: &'a SourceConfig,
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
    pub path_token: Option<&'a str>,
}

/// A verified, parsed and normalized lead, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedLead {
    pub normalized: Normalized,
    pub key: IdempotencyKey,
    /// The original body, when the configuration keeps it (`raw_payload_cap` > 0).
    pub raw: Option<RawPayload>,
}

/// What a delivery turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared {
    Lead(Box<PreparedLead>),
    Ignored(String),
}

/// What happened to an accepted delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The stored lead; `created` is false for a redelivery of a known submission.
    Stored {
        record: Box<StoredLead>,
        created: bool,
    },
    /// A well-formed event without a lead.
    Ignored(String),
}

/// Authenticates the delivery over its raw bytes, then decodes, parses and normalizes it.
/// Nothing is written.
pub async fn prepare(
    config: &IntakeConfig,
    d: Delivery<'_>,
    now: Timestamp,
) -> Result<Prepared, IntakeError> {
    let view = RequestView {
        method: d.method,
        uri: d.uri,
        headers: d.headers,
        body: d.body,
        path_token: d.path_token,
    };
    auth::verify(d.source, &view, now)?;

    let media = MediaType::from_headers(d.headers);
    let decoded = body::decode(&media, Accepts::for_kind(d.source.kind), d.body).await?;
    let submission = match providers::parse(d.source.kind, &decoded)? {
        Parsed::Ignored(reason) => return Ok(Prepared::Ignored(reason)),
        Parsed::Lead(submission) => submission,
    };
    let key = idempotency::derive(
        config,
        &d.source.id,
        submission.submission_id.as_deref(),
        d.headers,
        d.body,
        now,
    )?;
    let normalized = normalize::normalize(&submission, d.source, new_lead_id(now), now)?;
    let content_type = d
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let raw = (config.raw_payload_cap > 0)
        .then(|| RawPayload::capture(content_type, d.body, config.raw_payload_cap));
    Ok(Prepared::Lead(Box::new(PreparedLead {
        normalized,
        key,
        raw,
    })))
}

/// Stores a prepared lead (or finds the one its key already maps to), then hands a new,
/// non-duplicate lead on for routing. A hand-off failure is logged and leaves the lead
/// stored as `received`.
pub async fn accept(state: &IntakeState, prepared: Prepared) -> Result<Outcome, IntakeError> {
    let PreparedLead {
        normalized,
        key,
        raw,
    } = match prepared {
        Prepared::Ignored(reason) => return Ok(Outcome::Ignored(reason)),
        Prepared::Lead(lead) => *lead,
    };
    let now = normalized.lead.received_at;
    let window = state.config.dedupe_window;
    let new = NewLead {
        lead: normalized.lead,
        key_from_content: key.kind == KeyKind::ContentHash,
        idempotency_key: key.value,
        key_expires_at: key.expires_at,
        dedupe_since: (!window.is_zero())
            .then(|| now.saturating_sub(window).unwrap_or(Timestamp::MIN)),
        warnings: normalized.warnings,
        raw,
        route_at: None,
        queued: false,
    };
    let (record, created) = match state.reception.receive(new).await? {
        Insert::Created(record) => (record, true),
        Insert::Existing(record) => (record, false),
    };
    Ok(Outcome::Stored {
        record: Box::new(record),
        created,
    })
}

/// A new lead id: a UUIDv7 (time-ordered, 74 random bits) from the injected clock.
pub fn new_lead_id(now: Timestamp) -> String {
    let secs = u64::try_from(now.as_second()).unwrap_or(0);
    let nanos = u32::try_from(now.subsec_nanosecond()).unwrap_or(0);
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos)).to_string()
}
