//! Who may deliver to a source: each provider's documented signature, the per-source token
//! for providers that cannot sign, and API keys or HMAC for the generic API.
//!
//! Every check reads the raw body bytes and the headers as received.

use http::{HeaderMap, Method, Uri};
use jiff::Timestamp;

use crate::config::{GenericAuth, IntakeConfig, ProviderKind, SourceConfig};
use crate::signature::{self, Window};

/// Why a request was not authenticated. Every variant answers 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Unknown source, or a missing or wrong token or API key. One message for all of them,
    /// so the answer does not tell which source ids exist.
    #[error("missing or invalid credentials")]
    BadCredentials,
    #[error("missing signature header `{0}`")]
    MissingSignature(&'static str),
    #[error("malformed signature header `{0}`")]
    MalformedSignature(&'static str),
    #[error("missing or malformed timestamp header `{0}`")]
    BadTimestamp(&'static str),
    #[error("the signed timestamp is too old")]
    Stale,
    #[error("the signed timestamp is in the future")]
    Future,
    #[error("the signature does not match the body")]
    SignatureMismatch,
}

/// The parts of a request that authentication looks at.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The token path segment of `/v1/hooks/{source_id}/{token}`, when that route was used.
    pub path_token: Option<&'a str>,
}

impl RequestView<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub const TYPEFORM_SIGNATURE: &str = "typeform-signature";
pub const HUBSPOT_SIGNATURE: &str = "x-hubspot-signature-v3";
pub const HUBSPOT_TIMESTAMP: &str = "x-hubspot-request-timestamp";
pub const WEBFLOW_SIGNATURE: &str = "x-webflow-signature";
pub const WEBFLOW_TIMESTAMP: &str = "x-webflow-timestamp";
pub const TALLY_SIGNATURE: &str = "tally-signature";
pub const CALENDLY_SIGNATURE: &str = "calendly-webhook-signature";
pub const TOKEN_HEADER: &str = "x-switchboard-token";
pub use switchboard_http::credentials::{API_KEY_HEADER, presented_api_key};
pub const GENERIC_SIGNATURE: &str = "x-switchboard-signature";
pub const GENERIC_SOURCE: &str = "x-switchboard-source";

/// Checks a request against its source. `now` comes from the injected clock.
pub fn verify(
    source: &SourceConfig,
    req: &RequestView<'_>,
    now: Timestamp,
) -> Result<(), AuthError> {
    // A token in the path is only meaningful for token sources; anywhere else it is a
    // misconfigured URL and must not be silently ignored.
    if req.path_token.is_some() && !source.kind.uses_token() {
        return Err(AuthError::BadCredentials);
    }
    let key = source.secret.expose();
    match source.kind {
        ProviderKind::Typeform => {
            let header = req
                .header(TYPEFORM_SIGNATURE)
                .ok_or(AuthError::MissingSignature(TYPEFORM_SIGNATURE))?;
            let sig = header
                .trim()
                .strip_prefix("sha256=")
                .and_then(signature::decode_base64)
                .ok_or(AuthError::MalformedSignature(TYPEFORM_SIGNATURE))?;
            matches(signature::verify_hmac_sha256(key, &[req.body], &sig))
        }
        ProviderKind::Tally => {
            let sig = req
                .header(TALLY_SIGNATURE)
                .ok_or(AuthError::MissingSignature(TALLY_SIGNATURE))
                .and_then(|h| {
                    signature::decode_base64(h)
                        .ok_or(AuthError::MalformedSignature(TALLY_SIGNATURE))
                })?;
            matches(signature::verify_hmac_sha256(key, &[req.body], &sig))
        }
        ProviderKind::Webflow => {
            let sig = req
                .header(WEBFLOW_SIGNATURE)
                .ok_or(AuthError::MissingSignature(WEBFLOW_SIGNATURE))
                .and_then(|h| {
                    signature::decode_hex(h).ok_or(AuthError::MalformedSignature(WEBFLOW_SIGNATURE))
                })?;
            let ts = req
                .header(WEBFLOW_TIMESTAMP)
                .ok_or(AuthError::BadTimestamp(WEBFLOW_TIMESTAMP))?;
            let signed_at = signature::parse_unix(ts, true)
                .ok_or(AuthError::BadTimestamp(WEBFLOW_TIMESTAMP))?;
            // Verify first so a forged request learns nothing about the clock.
            matches(signature::verify_hmac_sha256(
                key,
                &[ts.as_bytes(), b":", req.body],
                &sig,
            ))?;
            in_window(signed_at, now, source)
        }
        ProviderKind::Hubspot => {
            let sig = req
                .header(HUBSPOT_SIGNATURE)
                .ok_or(AuthError::MissingSignature(HUBSPOT_SIGNATURE))
                .and_then(|h| {
                    signature::decode_base64(h)
                        .ok_or(AuthError::MalformedSignature(HUBSPOT_SIGNATURE))
                })?;
            let ts = req
                .header(HUBSPOT_TIMESTAMP)
                .ok_or(AuthError::BadTimestamp(HUBSPOT_TIMESTAMP))?;
            let signed_at = signature::parse_unix(ts, true)
                .ok_or(AuthError::BadTimestamp(HUBSPOT_TIMESTAMP))?;
            let uri = hubspot_uri(source, req);
            matches(signature::verify_hmac_sha256(
                key,
                &[
                    req.method.as_str().as_bytes(),
                    uri.as_bytes(),
                    req.body,
                    ts.as_bytes(),
                ],
                &sig,
            ))?;
            in_window(signed_at, now, source)
        }
        ProviderKind::Calendly => verify_t_v1(source, req, now, CALENDLY_SIGNATURE),
        ProviderKind::Generic => match source.auth {
            GenericAuth::ApiKey => match presented_api_key(req.headers) {
                Some(k) if source.secret.matches(k.as_bytes()) => Ok(()),
                _ => Err(AuthError::BadCredentials),
            },
            GenericAuth::Hmac => verify_t_v1(source, req, now, GENERIC_SIGNATURE),
        },
        ProviderKind::Jotform
        | ProviderKind::GravityForms
        | ProviderKind::Zapier
        | ProviderKind::Make
        | ProviderKind::HtmlForm
        | ProviderKind::WebToLead => {
            let presented = req.path_token.or_else(|| req.header(TOKEN_HEADER));
            match presented {
                Some(t) if source.secret.matches(t.as_bytes()) => Ok(()),
                _ => Err(AuthError::BadCredentials),
            }
        }
    }
}

/// Picks the generic source for `POST /v1/leads`: named by `X-Switchboard-Source` (HMAC
/// clients), or found by its API key. Every API-key source is compared, so the time taken
/// does not depend on which one matched.
pub fn generic_source<'c>(
    config: &'c IntakeConfig,
    headers: &HeaderMap,
) -> Result<&'c SourceConfig, AuthError> {
    if let Some(id) = headers.get(GENERIC_SOURCE).and_then(|v| v.to_str().ok()) {
        return config
            .source(id.trim())
            .filter(|s| s.kind == ProviderKind::Generic)
            .ok_or(AuthError::BadCredentials);
    }
    let key = presented_api_key(headers).ok_or(AuthError::BadCredentials)?;
    let mut found = None;
    for s in &config.sources {
        if s.kind == ProviderKind::Generic
            && s.auth == GenericAuth::ApiKey
            && s.secret.matches(key.as_bytes())
            && found.is_none()
        {
            found = Some(s);
        }
    }
    found.ok_or(AuthError::BadCredentials)
}

fn verify_t_v1(
    source: &SourceConfig,
    req: &RequestView<'_>,
    now: Timestamp,
    header: &'static str,
) -> Result<(), AuthError> {
    let value = req
        .header(header)
        .ok_or(AuthError::MissingSignature(header))?;
    let (t, v1s) = signature::parse_t_v1(value).ok_or(AuthError::MalformedSignature(header))?;
    let signed_at = signature::parse_unix(t, false).ok_or(AuthError::BadTimestamp(header))?;
    let mut any = false;
    for v1 in v1s {
        let sig = signature::decode_hex(v1).ok_or(AuthError::MalformedSignature(header))?;
        any |= signature::verify_hmac_sha256(
            source.secret.expose(),
            &[t.as_bytes(), b".", req.body],
            &sig,
        );
    }
    matches(any)?;
    in_window(signed_at, now, source)
}

fn matches(ok: bool) -> Result<(), AuthError> {
    if ok {
        Ok(())
    } else {
        Err(AuthError::SignatureMismatch)
    }
}

fn in_window(signed_at: Timestamp, now: Timestamp, source: &SourceConfig) -> Result<(), AuthError> {
    match signature::check_window(signed_at, now, source.tolerance) {
        Window::Inside => Ok(()),
        Window::Stale => Err(AuthError::Stale),
        Window::Future => Err(AuthError::Future),
    }
}

/// The URI HubSpot signed: the configured public URL when set (a custom domain in front of
/// API Gateway, no stage prefix), otherwise the request's own absolute URI. HubSpot signs it
/// with these percent-escapes decoded, so they are decoded here too.
fn hubspot_uri(source: &SourceConfig, req: &RequestView<'_>) -> String {
    let uri = match &source.public_url {
        Some(url) => url.clone(),
        None if req.uri.scheme().is_some() => req.uri.to_string(),
        None => {
            let host = req.header("host").unwrap_or("localhost");
            let pq = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            format!("https://{host}{pq}")
        }
    };
    decode_hubspot_escapes(&uri)
}

/// Decodes the escapes HubSpot's v3 documentation lists (`%3A` `%2F` `%3F` `%40` `%21`
/// `%24` `%27` `%28` `%29` `%2A` `%2C` `%3B`), leaving every other escape as it is.
pub fn decode_hubspot_escapes(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = String::with_capacity(uri.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(c) = decoded_escape(&bytes[i + 1..i + 3])
        {
            out.push(c);
            i += 3;
            continue;
        }
        // Push whole characters so multi-byte UTF-8 survives.
        let ch = uri[i..].chars().next().unwrap_or('\u{FFFD}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn decoded_escape(hex2: &[u8]) -> Option<char> {
    let upper = [hex2[0].to_ascii_uppercase(), hex2[1].to_ascii_uppercase()];
    Some(match &upper {
        b"3A" => ':',
        b"2F" => '/',
        b"3F" => '?',
        b"40" => '@',
        b"21" => '!',
        b"24" => '$',
        b"27" => '\'',
        b"28" => '(',
        b"29" => ')',
        b"2A" => '*',
        b"2C" => ',',
        b"3B" => ';',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_only_the_listed_escapes() {
        assert_eq!(
            decode_hubspot_escapes("https://x.io/a%3Ab%2fc?q=%40me%20you%2A&é=%zz%4"),
            "https://x.io/a:b/c?q=@me%20you*&é=%zz%4"
        );
    }
}
