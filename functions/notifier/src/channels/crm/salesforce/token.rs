//! Salesforce access tokens by the OAuth 2.0 client credentials flow against the org's My
//! Domain (`POST {my_domain}/services/oauth2/token`), kept until shortly before they
//! expire.
//!
//! The token answer (`access_token`, `instance_url`, `issued_at` in epoch milliseconds,
//! `token_type`, `id`, `signature`, `scope`) carries no lifetime: the session lasts the
//! connected app's (or the org's) session timeout, which the channel is told
//! (`session_minutes`). A token is used until [`MARGIN`] before that, then replaced.

use bytes::Bytes;
use http::{HeaderValue, Method, Request, header};
use http_body_util::Full;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::channels::ChannelError;
use crate::channels::crm::{json, retry_after};
use crate::http::HttpClient;

/// How long before the session's end a token is replaced, so a request never starts with
/// one about to lapse.
pub const MARGIN: SignedDuration = SignedDuration::from_mins(5);

/// A token and the instance its API calls go to.
#[derive(Clone)]
pub struct Token {
    pub access_token: String,
    pub instance_url: String,
    /// When it is replaced (the session's end less [`MARGIN`]).
    pub refresh_at: Timestamp,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    instance_url: String,
    #[serde(default)]
    issued_at: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenError {
    error: String,
    error_description: String,
}

/// What the token request needs.
pub struct Credentials<'a> {
    pub my_domain: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub session: SignedDuration,
}

pub async fn fetch(
    http: &HttpClient,
    creds: &Credentials<'_>,
    now: Timestamp,
) -> Result<Token, ChannelError> {
    let url = format!(
        "{}/services/oauth2/token",
        creds.my_domain.trim_end_matches('/')
    );
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", creds.client_id)
        .append_pair("client_secret", creds.client_secret)
        .finish();
    let request = Request::builder()
        .method(Method::POST)
        .uri(&url)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .header(header::ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            header::USER_AGENT,
            HeaderValue::from_static("switchboard-notifier"),
        )
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ChannelError::Config(format!("bad token request to {url}: {e}")))?;
    let response = http.send(request).await?;
    let status = response.status.as_u16();
    if !response.status.is_success() {
        let e: TokenError = serde_json::from_slice(&response.body).unwrap_or_default();
        let detail = if e.error.is_empty() {
            response.text()
        } else {
            format!("{}: {}", e.error, e.error_description)
        };
        return Err(match status {
            429 => ChannelError::RateLimited {
                retry_after: retry_after(&response, now),
                detail: format!("Salesforce token endpoint: {detail}"),
            },
            408 | 500..=599 => ChannelError::Rejected {
                status,
                body: format!("Salesforce token endpoint: {detail}"),
                permanent: false,
            },
            // 400 invalid_client / invalid_grant / unsupported_grant_type, 401, 404 (not
            // a My Domain): nothing a retry changes.
            _ => ChannelError::Config(format!(
                "Salesforce refused the client credentials ({status} {detail}); check my_domain, client_id, client_secret, and that the connected app enables the client credentials flow with a run-as user"
            )),
        });
    }
    let answer: TokenAnswer = json("Salesforce", "the token request", &response)?;
    if answer.access_token.trim().is_empty() || !crate::config::is_http_url(&answer.instance_url) {
        return Err(ChannelError::Transport(
            "Salesforce's token answer has no access_token or no http(s) instance_url".into(),
        ));
    }
    let issued = answer
        .issued_at
        .as_deref()
        .and_then(|ms| ms.trim().parse::<i64>().ok())
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        // Never later than now: a clock ahead of ours must not stretch the session.
        .map_or(now, |t| t.min(now));
    let refresh_at = issued
        .checked_add(creds.session)
        .and_then(|t| t.checked_sub(MARGIN))
        .unwrap_or(now);
    Ok(Token {
        access_token: answer.access_token,
        instance_url: answer.instance_url.trim_end_matches('/').to_owned(),
        refresh_at,
    })
}
