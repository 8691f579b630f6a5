//! Signature primitives shared by the provider checks: HMAC-SHA256 over raw byte slices,
//! constant-time verification, digest decoding and the timestamp window.
//!
//! Everything here works on the bytes exactly as received. Nothing parses or re-serializes
//! the body before it is verified, because any change in whitespace or key order would
//! change the digest.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Standard alphabet; padding optional, since some senders strip it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn mac_over(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// HMAC-SHA256 of the concatenated parts.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    mac_over(key, parts).finalize().into_bytes().into()
}

/// True when `presented` is the HMAC-SHA256 of the concatenated parts. The comparison is
/// constant-time, and a digest of the wrong length is simply a mismatch.
pub fn verify_hmac_sha256(key: &[u8], parts: &[&[u8]], presented: &[u8]) -> bool {
    mac_over(key, parts).verify_slice(presented).is_ok()
}

/// Decodes a standard base64 digest; `None` when it is not base64.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text.trim()).ok()
}

/// Encodes with the standard alphabet and padding (what the providers send).
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes a hex digest (either case); `None` when it is not hex.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text.trim()).ok()
}

/// Where a signed timestamp falls relative to the accepted window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Inside,
    Stale,
    Future,
}

/// A timestamp is accepted when it is at most `tolerance` away from `now`, in either
/// direction: old ones are replays, ones from the future are forged or from a broken clock.
pub fn check_window(signed_at: Timestamp, now: Timestamp, tolerance: SignedDuration) -> Window {
    let age = now.duration_since(signed_at);
    if age > tolerance {
        Window::Stale
    } else if age < -tolerance {
        Window::Future
    } else {
        Window::Inside
    }
}

/// Parses a decimal Unix timestamp in seconds (`millis == false`) or milliseconds.
pub fn parse_unix(text: &str, millis: bool) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    if millis {
        Timestamp::from_millisecond(n).ok()
    } else {
        Timestamp::from_second(n).ok()
    }
}

/// Splits a `t=<ts>,v1=<sig>[,v1=<sig>...]` header (Calendly, and the generic HMAC scheme).
/// Several `v1` values may be present while a secret is being rotated.
pub fn parse_t_v1(header: &str) -> Option<(&str, Vec<&str>)> {
    let mut t = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        let (k, v) = item.trim().split_once('=')?;
        match k.trim() {
            "t" if t.is_none() => t = Some(v.trim()),
            "t" => return None,
            "v1" => v1.push(v.trim()),
            _ => {} // Unknown schemes are ignored, as the senders document.
        }
    }
    match t {
        Some(t) if !v1.is_empty() => Some((t, v1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_rejects_wrong_length_and_wrong_bytes() {
        let good = hmac_sha256(b"k", &[b"body"]);
        assert!(verify_hmac_sha256(b"k", &[b"bo", b"dy"], &good));
        assert!(!verify_hmac_sha256(b"k", &[b"body"], &good[..31]));
        let mut bad = good;
        bad[0] ^= 1;
        assert!(!verify_hmac_sha256(b"k", &[b"body"], &bad));
        assert!(!verify_hmac_sha256(b"other", &[b"body"], &good));
    }

    #[test]
    fn window_is_symmetric() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let tol = SignedDuration::from_mins(5);
        let at = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap();
        assert_eq!(check_window(at(0), now, tol), Window::Inside);
        assert_eq!(check_window(at(-300), now, tol), Window::Inside);
        assert_eq!(check_window(at(300), now, tol), Window::Inside);
        assert_eq!(check_window(at(-301), now, tol), Window::Stale);
        assert_eq!(check_window(at(301), now, tol), Window::Future);
    }

    #[test]
    fn parses_unix_and_t_v1() {
        assert_eq!(
            parse_unix("1700000000000", true).unwrap().as_second(),
            1_700_000_000
        );
        assert_eq!(
            parse_unix("1700000000", false).unwrap().as_second(),
            1_700_000_000
        );
        for bad in ["", "-1", "1e9", "12 34", "99999999999999999999999"] {
            assert!(parse_unix(bad, false).is_none(), "{bad}");
        }
        assert_eq!(parse_t_v1("t=1,v1=ab").unwrap(), ("1", vec!["ab"]));
        assert_eq!(
            parse_t_v1(" t=1 , v1=ab, v0=x ,v1=cd").unwrap().1,
            vec!["ab", "cd"]
        );
        assert!(parse_t_v1("v1=ab").is_none());
        assert!(parse_t_v1("t=1").is_none());
        assert!(parse_t_v1("t=1,t=2,v1=ab").is_none());
        assert!(parse_t_v1("garbage").is_none());
    }

    #[test]
    fn decoders_reject_the_other_encoding() {
        let mac = hmac_sha256(b"k", &[b"x"]);
        let hex_text = hex::encode(mac);
        let b64_text = encode_base64(&mac);
        assert_eq!(decode_hex(&hex_text).unwrap(), mac);
        assert_eq!(decode_base64(&b64_text).unwrap(), mac);
        assert!(decode_hex(&b64_text).is_none());
        // Hex text is valid base64 alphabet, but decodes to 48 bytes, never the digest.
        assert_ne!(decode_base64(&hex_text).map(|v| v.len()), Some(32));
    }
}
