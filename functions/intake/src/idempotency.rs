//! The idempotency key for a delivery: the provider's submission id, else the sender's
//! `Idempotency-Key` header, else a hash of the raw body. Keys are namespaced by source, so
//! two providers that happen to use the same id never collide.

use http::HeaderMap;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::config::IntakeConfig;
use crate::error::IntakeError;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Longest value kept verbatim; longer ones are stored as their SHA-256.
const MAX_VERBATIM: usize = 200;

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Provider,
    Header,
    ContentHash,
}

/// A derived key and when it stops applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub value: String,
    pub kind: KeyKind,
    pub expires_at: Option<Timestamp>,
}

pub fn derive(
    config: &IntakeConfig,
    source_id: &str,
    submission_id: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<IdempotencyKey, IntakeError> {
    if let Some(id) = submission_id.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(IdempotencyKey {
            value: format!("{source_id}:provider:{}", compact(id)),
            kind: KeyKind::Provider,
            expires_at: None,
        });
    }
    if let Some(value) = headers.get(IDEMPOTENCY_HEADER) {
        let text = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 255)
            .ok_or_else(|| {
                IntakeError::invalid(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            })?;
        return Ok(IdempotencyKey {
            value: format!("{source_id}:header:{}", compact(text)),
            kind: KeyKind::Header,
            expires_at: None,
        });
    }
    let ttl = config.content_hash_ttl;
    Ok(IdempotencyKey {
        value: format!("{source_id}:hash:{}", hex::encode(Sha256::digest(body))),
        kind: KeyKind::ContentHash,
        // Saturates at the end of time rather than never expiring.
        expires_at: Some(now.saturating_add(ttl).unwrap_or(Timestamp::MAX)),
    })
}

fn compact(value: &str) -> String {
    if value.len() <= MAX_VERBATIM && value.bytes().all(|b| b.is_ascii_graphic()) {
        value.to_owned()
    } else {
        format!("sha256-{}", hex::encode(Sha256::digest(value.as_bytes())))
    }
}
