//! Secrets and the credentials a request presents.

use std::fmt;

use http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header an API key may come in instead of `Authorization: Bearer`.
pub const API_KEY_HEADER: &str = "x-api-key";

/// A secret value. Its `Debug` never shows the value, so it cannot end up in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Constant-time equality with a presented credential. Both sides are hashed first so
    /// neither the content nor the length of the secret leaks through timing.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(presented);
        a.as_slice().ct_eq(b.as_slice()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The API key from `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
pub fn presented_api_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
    bearer
        .or_else(|| headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok()))
        .filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    type Headers<'a> = &'a [(&'a str, &'a str)];

    #[test]
    fn a_key_comes_as_a_bearer_token_or_in_its_own_header() {
        let cases: [(Headers, Option<&str>); 5] = [
            (&[("authorization", "Bearer k1")], Some("k1")),
            (&[("authorization", "bearer  k2 ")], Some("k2")),
            (&[("x-api-key", "k3")], Some("k3")),
            (&[("authorization", "Basic k4")], None),
            (&[("x-api-key", "")], None),
        ];
        for (pairs, want) in cases {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            assert_eq!(presented_api_key(&headers), want, "{pairs:?}");
        }
    }

    #[test]
    fn a_secret_matches_only_itself_and_never_shows() {
        let s = Secret::new("s3cret");
        assert!(s.matches(b"s3cret"));
        assert!(!s.matches(b"s3cre"));
        assert!(!s.matches(b""));
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }
}
