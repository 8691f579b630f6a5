//! Signed, expiring one-click action links for notifications (email, Teams, webhooks).
//!
//! A token is `<payload>.<mac>`, both base64url without padding:
//! - `payload` is compact JSON `{"v":1,"l":lead_id,"n":attempt,"r":rep,"a":"accept"|"reject"|"recycle","e":unix_seconds}`;
//! - `mac` is HMAC-SHA256(secret, `"switchboard.action.v1:" + payload`) over the payload
//!   exactly as encoded, so nothing is re-serialized before it is checked.
//!
//! The token only says who may do what to which assignment until when. Whether the action
//! still applies (the lead may have moved on) is decided by the rep-action operations
//! against the current assignment, never by the token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use switchboard_routing::{LeadId, RepId};

type HmacSha256 = Hmac<Sha256>;

/// Binds the MAC to this use, so a digest made with the same secret for another purpose
/// (a webhook signature, say) is never a valid action token.
const DOMAIN: &[u8] = b"switchboard.action.v1:";
const VERSION: u8 = 1;

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkAction {
    Accept,
    Reject,
    /// Hand the lead back as unworkable; the reason is chosen on the link's page, so one
    /// link serves every reason.
    Recycle,
}

impl LinkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Accept => "accept",
            LinkAction::Reject => "reject",
            LinkAction::Recycle => "recycle",
        }
    }
}

/// The `action_id`s of the Slack message's controls: the notifier puts them on the
/// message, intake's interactivity endpoint recognizes them in the click.
pub mod slack_ids {
    pub const ACCEPT: &str = "switchboard.accept";
    pub const REJECT: &str = "switchboard.reject";
    /// A menu of recycle reasons; each option's value is `<lead id>:<attempt>:<reason>`.
    pub const RECYCLE: &str = "switchboard.recycle";
}

/// The signed content of a link: one action by one rep on one assignment (lead and attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionClaim {
    pub lead_id: LeadId,
    pub attempt: u32,
    pub rep: RepId,
    pub action: LinkAction,
    pub expires_at: Timestamp,
}

/// Why a token was refused. Deliberately coarse: the holder learns nothing about which
/// part of a forged token was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a token of this format (bad base64, missing part, payload not understood).
    #[error("the action link is malformed")]
    Malformed,
    /// The MAC does not match: tampered, truncated, or signed with another secret.
    #[error("the action link's signature is not valid")]
    BadSignature,
    /// Genuine but past its expiry.
    #[error("the action link expired at {expired_at}")]
    Expired { expired_at: Timestamp },
}

#[derive(Serialize, Deserialize)]
struct Payload {
    v: u8,
    l: String,
    n: u32,
    r: String,
    a: LinkAction,
    e: i64,
}

fn mac(secret: &[u8], payload: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(DOMAIN);
    mac.update(payload);
    mac
}

/// Signs a claim into a URL-safe token (safe in a path segment and a query value).
pub fn sign(secret: &[u8], claim: &ActionClaim) -> String {
    let payload = Payload {
        v: VERSION,
        l: claim.lead_id.to_string(),
        n: claim.attempt,
        r: claim.rep.to_string(),
        a: claim.action,
        e: claim.expires_at.as_second(),
    };
    let json = serde_json::to_vec(&payload).expect("a payload of strings and numbers serializes");
    let encoded = URL_SAFE_NO_PAD.encode(&json);
    let digest = mac(secret, encoded.as_bytes()).finalize().into_bytes();
    format!("{encoded}.{}", URL_SAFE_NO_PAD.encode(digest))
}

/// Checks the MAC (constant time), then the expiry, and returns the claim.
///
/// The signature is checked before the payload is decoded, so nothing from an unsigned
/// payload is ever parsed. A token is expired from its `expires_at` second on.
pub fn verify(secret: &[u8], token: &str, now: Timestamp) -> Result<ActionClaim, LinkError> {
    let (encoded, digest) = token.trim().split_once('.').ok_or(LinkError::Malformed)?;
    let digest = URL_SAFE_NO_PAD
        .decode(digest)
        .map_err(|_| LinkError::Malformed)?;
    mac(secret, encoded.as_bytes())
        .verify_slice(&digest)
        .map_err(|_| LinkError::BadSignature)?;
    let json = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| LinkError::Malformed)?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| LinkError::Malformed)?;
    if payload.v != VERSION {
        return Err(LinkError::Malformed);
    }
    let expires_at = Timestamp::from_second(payload.e).map_err(|_| LinkError::Malformed)?;
    if now >= expires_at {
        return Err(LinkError::Expired {
            expired_at: expires_at,
        });
    }
    Ok(ActionClaim {
        lead_id: payload.l.into(),
        attempt: payload.n,
        rep: payload.r.into(),
        action: payload.a,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"action-link-secret";

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn claim() -> ActionClaim {
        ActionClaim {
            lead_id: "L-1/ü?&x".into(),
            attempt: 3,
            rep: "ana@example.com".into(),
            action: LinkAction::Accept,
            expires_at: at(1_800_000_000),
        }
    }

    #[test]
    fn round_trips_before_expiry() {
        let token = sign(SECRET, &claim());
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "token is URL-safe: {token}"
        );
        assert_eq!(verify(SECRET, &token, at(1_799_999_999)), Ok(claim()));
        let reject = ActionClaim {
            action: LinkAction::Reject,
            ..claim()
        };
        let token = sign(SECRET, &reject);
        assert_eq!(verify(SECRET, &token, at(0)), Ok(reject));
    }

    #[test]
    fn expires_at_its_second() {
        let token = sign(SECRET, &claim());
        assert_eq!(
            verify(SECRET, &token, at(1_800_000_000)),
            Err(LinkError::Expired {
                expired_at: at(1_800_000_000)
            })
        );
        assert!(matches!(
            verify(SECRET, &token, at(1_900_000_000)),
            Err(LinkError::Expired { .. })
        ));
    }

    #[test]
    fn wrong_secret_is_refused() {
        let token = sign(SECRET, &claim());
        assert_eq!(
            verify(b"another-secret", &token, at(0)),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn tampered_payload_is_refused() {
        let token = sign(SECRET, &claim());
        let (payload, digest) = token.split_once('.').unwrap();
        // Re-encode a payload granting a different rep the lead, keeping the old MAC.
        let mut json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        json["r"] = "mallory@example.com".into();
        let forged = format!(
            "{}.{digest}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
        );
        assert_eq!(verify(SECRET, &forged, at(0)), Err(LinkError::BadSignature));

        // Extending the expiry is tampering too.
        json["r"] = "ana@example.com".into();
        json["e"] = 4_000_000_000i64.into();
        let forged = format!(
            "{}.{digest}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
        );
        assert_eq!(verify(SECRET, &forged, at(0)), Err(LinkError::BadSignature));
    }

    #[test]
    fn tampered_or_truncated_mac_is_refused() {
        let token = sign(SECRET, &claim());
        let (payload, digest) = token.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(digest).unwrap();
        bytes[0] ^= 1;
        let flipped = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&bytes));
        assert_eq!(
            verify(SECRET, &flipped, at(0)),
            Err(LinkError::BadSignature)
        );
        let short = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&bytes[..16]));
        assert_eq!(verify(SECRET, &short, at(0)), Err(LinkError::BadSignature));
        assert_eq!(
            verify(SECRET, &format!("{payload}."), at(0)),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn garbage_is_malformed() {
        for token in ["", "abc", "a.b.c!", "abc.###"] {
            assert_eq!(
                verify(SECRET, token, at(0)),
                Err(LinkError::Malformed),
                "{token}"
            );
        }
    }

    #[test]
    fn unsigned_garbage_is_refused_before_decoding() {
        // The payload is never decoded unless the MAC matches.
        assert_eq!(
            verify(SECRET, "!!!.AAAA", at(0)),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn signed_garbage_payload_is_malformed() {
        // A correctly signed payload that is not a claim (e.g. from a future version).
        let encoded = URL_SAFE_NO_PAD.encode(br#"{"v":2}"#);
        let digest = mac(SECRET, encoded.as_bytes()).finalize().into_bytes();
        let token = format!("{encoded}.{}", URL_SAFE_NO_PAD.encode(digest));
        assert_eq!(verify(SECRET, &token, at(0)), Err(LinkError::Malformed));
    }
}
