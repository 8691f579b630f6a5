//! A generic outbound webhook (CRM sync, Zapier, Make): the whole notification as JSON,
//! signed so the receiver can tell it came from here and was not altered or replayed.
//!
//! `X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
//! over the exact body bytes. `X-Switchboard-Delivery` is stable per message and kind, for
//! receivers that drop the duplicates at-least-once delivery may produce.

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::Sha256;

use super::ChannelError;
use crate::http::HttpClient;
use crate::note::Note;
use switchboard_store::NotifyKind;

pub const SIGNATURE_HEADER: &str = "x-switchboard-signature";
pub const DELIVERY_HEADER: &str = "x-switchboard-delivery";

/// The body: one JSON object, `type` first so a receiver can dispatch on it.
pub fn payload(note: &Note) -> Value {
    json!({
        "type": "switchboard.notification",
        "id": delivery_id(note),
        "kind": note.kind(),
        "title": note.title(),
        "text": note.headline(),
        "lead": note.lead,
        "why": note.why,
        // A parking has no rep.
        "rep": (note.kind() != NotifyKind::Parked).then_some(&note.rep),
        "addressee": note.addressee,
        "next_rep": note.next_rep,
        "sla": note.sla,
        "links": note.links,
        "message": note.message,
    })
}

/// `<assignment id>:<kind>`.
pub fn delivery_id(note: &Note) -> String {
    format!("{}:{}", note.message.assignment_id, note.kind())
}

/// The header value for `body` signed at `t`.
pub fn signature(secret: &[u8], t: Timestamp, body: &[u8]) -> String {
    let t = t.as_second();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub async fn send(
    http: &HttpClient,
    url: &str,
    secret: &str,
    note: &Note,
    now: Timestamp,
) -> Result<(), ChannelError> {
    let body = Bytes::from(payload(note).to_string());
    let mut headers = HeaderMap::new();
    let header = |v: String| {
        HeaderValue::from_str(&v).map_err(|_| ChannelError::Config(format!("header value {v:?}")))
    };
    headers.insert(
        HeaderName::from_static(SIGNATURE_HEADER),
        header(signature(secret.as_bytes(), now, &body))?,
    );
    headers.insert(
        HeaderName::from_static(DELIVERY_HEADER),
        header(delivery_id(note))?,
    );
    let response = http.post_json(url, headers, body).await?;
    super::check_status(&response)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value the Python snippet of docs/NOTIFICATIONS.md computes for the same input
    /// (`hmac.new(secret, t + b"." + body, sha256).hexdigest()`).
    #[test]
    fn matches_the_documented_algorithm() {
        let body = br#"{"type":"switchboard.notification","id":"L-1:1:assigned"}"#;
        let t = Timestamp::from_second(1_780_308_000).unwrap();
        assert_eq!(
            signature(b"whsec_test", t, body),
            "t=1780308000,v1=d00e6ff72b483270e0ab0674a35904773a98a0aa8a6012e1eb7845a3d9ad64f6"
        );
    }
}
