//! Lead storage: the narrow contract intake needs, and an in-memory implementation.
//!
//! Other implementations (DynamoDB, an embedded disk store) plug in behind [`LeadStore`].
//! The contract, which every implementation must keep:
//!
//! - **Atomic.** [`LeadStore::insert_if_absent`] either writes the lead, its idempotency
//!   record and (for a primary lead) its email index entry, or writes nothing. A reader
//!   never sees a lead without its key or a key without its lead. With DynamoDB this is one
//!   `TransactWriteItems` with `attribute_not_exists` conditions on the key and lead items
//!   and a condition on the email item's `received_at`.
//! - **Idempotent.** Two inserts with the same idempotency key (concurrent or not) create
//!   one lead; every caller gets that lead back.
//! - **Dedupe in the same step.** Whether a new lead is a duplicate of a recent lead with the
//!   same email is decided inside the atomic insert, so two concurrent submissions from one
//!   address cannot both be routed.
//! - **Durable before answer.** When `insert_if_absent` returns `Ok`, the lead is stored;
//!   intake answers 2xx only after that.

mod memory;
pub mod ports;

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::Lead;

use crate::error::FieldIssue;
pub use memory::MemoryStore;
pub use ports::{PortQueue, PortStore, RouteRequest};

/// A boxed, sendable future, so the traits stay object-safe (`Arc<dyn LeadStore>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a lead is in intake's part of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Stored, not yet handed on for routing (or the hand-off failed and a sweep re-drives it).
    Received,
    /// Handed on for routing.
    Queued,
    /// Linked to an earlier lead with the same email (`duplicate_of`); not routed again.
    Duplicate,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Received => "received",
            LeadStatus::Queued => "queued",
            LeadStatus::Duplicate => "duplicate",
        }
    }
}

/// How [`RawPayload::body`] is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawEncoding {
    Utf8,
    Base64,
}

/// The original request body, kept for audit, capped in size. Stored as data only: it is
/// never rendered, evaluated or re-parsed by intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawPayload {
    pub content_type: Option<String>,
    pub encoding: RawEncoding,
    pub body: String,
    /// True when only the first `cap` bytes were kept.
    pub truncated: bool,
    pub original_len: usize,
}

impl RawPayload {
    /// Keeps at most `cap` bytes: as text when they are UTF-8 (cut at a character
    /// boundary), else base64.
    pub fn capture(content_type: Option<&str>, bytes: &[u8], cap: usize) -> Self {
        let kept = &bytes[..bytes.len().min(cap)];
        let (encoding, body, kept_len) = match std::str::from_utf8(kept) {
            Ok(text) => (RawEncoding::Utf8, text.to_owned(), kept.len()),
            // Only the cut split a character: keep the valid prefix as text.
            Err(e) if e.error_len().is_none() => {
                let valid = &kept[..e.valid_up_to()];
                (
                    RawEncoding::Utf8,
                    String::from_utf8_lossy(valid).into_owned(),
                    valid.len(),
                )
            }
            Err(_) => (
                RawEncoding::Base64,
                crate::signature::encode_base64(kept),
                kept.len(),
            ),
        };
        RawPayload {
            content_type: content_type.map(|c| c.chars().take(200).collect()),
            encoding,
            body,
            truncated: kept_len < bytes.len(),
            original_len: bytes.len(),
        }
    }
}

/// A lead as intake stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLead {
    pub lead: Lead,
    pub status: LeadStatus,
    /// The earlier lead with the same email this one links to.
    pub duplicate_of: Option<String>,
    /// `{source_id}:{provider|header|hash}:{value}`.
    pub idempotency_key: String,
    /// Values that were kept but could not be normalized.
    pub warnings: Vec<FieldIssue>,
    pub raw: RawPayload,
}

/// An insert request.
#[derive(Debug, Clone)]
pub struct NewLead {
    /// The lead to store, with status `Received` and no `duplicate_of`; the store sets both
    /// when the email dedupe finds an earlier lead.
    pub record: StoredLead,
    /// When the idempotency key stops mapping to this lead (`None`: never). After that,
    /// the same key creates a new lead.
    pub key_expires_at: Option<Timestamp>,
    /// Leads with the same email received at or after this instant count as the same
    /// person (`None`: no email dedupe).
    pub dedupe_since: Option<Timestamp>,
}

/// What [`LeadStore::insert_if_absent`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Insert {
    /// Stored now, as returned (possibly as a duplicate).
    Created(StoredLead),
    /// The idempotency key already maps to this lead; nothing was written.
    Existing(StoredLead),
}

/// A storage failure. Intake answers 503 so the sender retries.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }
}

/// Storage for intake. See the module documentation for the contract.
pub trait LeadStore: Send + Sync + 'static {
    /// Atomically: return the lead a live idempotency key maps to, or else decide the email
    /// dedupe and write the new lead with its key (and email index entry when primary).
    fn insert_if_absent(&self, new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>>;

    /// The lead with this id.
    fn get<'a>(&'a self, lead_id: &'a str)
    -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>>;

    /// The most recent primary (not duplicate) lead with this normalized email.
    fn latest_by_email<'a>(
        &'a self,
        email: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>>;

    /// Records that the lead was handed on for routing (`Received` → `Queued`). A lead in
    /// another status is left as it is.
    fn mark_queued<'a>(&'a self, lead_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_payload_is_capped_at_a_character_boundary() {
        let whole = RawPayload::capture(Some("application/json"), "{\"a\":1}".as_bytes(), 1024);
        assert_eq!(
            (whole.body.as_str(), whole.truncated, whole.original_len),
            ("{\"a\":1}", false, 7)
        );

        // "é" is two bytes; a cap of 2 would split it, so only "a" is kept.
        let cut = RawPayload::capture(None, "aé".as_bytes(), 2);
        assert_eq!(
            (cut.encoding, cut.body.as_str(), cut.truncated),
            (RawEncoding::Utf8, "a", true)
        );

        let binary = RawPayload::capture(None, &[0xff, 0xfe, 0x00], 1024);
        assert_eq!(
            (binary.encoding, binary.body.as_str()),
            (RawEncoding::Base64, "//4A")
        );
    }
}
