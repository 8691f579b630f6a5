//! Slack interactivity: the Accept / Reject buttons and the Recycle menu of the notifier's
//! Block Kit message.
//!
//! Slack signs every request: `X-Slack-Signature: v0=` + hex(HMAC-SHA256(signing secret,
//! `"v0:" + X-Slack-Request-Timestamp + ":" + raw body`)). The signature is checked over
//! the raw bytes in constant time and the timestamp must be within five minutes of now
//! (either way), so a captured request cannot be replayed later. Only then is the
//! urlencoded `payload` parsed.
//!
//! A `block_actions` payload with `action_id` `switchboard.accept` / `switchboard.reject`
//! and `value` `"<lead_id>:<attempt>"` becomes an accept / reject of that assignment, and
//! `switchboard.recycle` with the chosen option's value `"<lead_id>:<attempt>:<reason>"` a
//! recycle for that reason (the menu offers every reason but `other`, which needs a note a
//! menu cannot carry), by the rep the Slack member is (the `slack_user` of the notification configuration). A
//! member id that no rep claims acts as the rep whose id equals it, so with no mapping
//! only an assignment to that very id can be acted on.
//!
//! Slack wants an answer within 3 seconds: the action is a few conditional store calls
//! done inline (a rejection also routes the lead again), and the answer carries the
//! outcome as an ephemeral text.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use switchboard_routing::recycle::RecycleAsk;
use switchboard_store::action_link::slack_ids;
use switchboard_store::actions::Target;

use super::config::SlackConfig;
use super::http_routes::{action_error, enabled};
use super::{Command, Reply};
use crate::auth::AuthError;
use crate::error::IntakeError;
use crate::signature::{self, Window};
use crate::state::IntakeState;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// How far a request's timestamp may be from now.
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// Checks Slack's request signature over the raw body.
pub fn verify(
    secret: &[u8],
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<(), AuthError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let timestamp = header(TIMESTAMP_HEADER).ok_or(AuthError::BadTimestamp(TIMESTAMP_HEADER))?;
    let signed_at =
        signature::parse_unix(timestamp, false).ok_or(AuthError::BadTimestamp(TIMESTAMP_HEADER))?;
    let presented =
        header(SIGNATURE_HEADER).ok_or(AuthError::MissingSignature(SIGNATURE_HEADER))?;
    let digest = presented
        .strip_prefix("v0=")
        .and_then(signature::decode_hex)
        .ok_or(AuthError::MalformedSignature(SIGNATURE_HEADER))?;
    // The signature first: an unsigned request learns nothing about the clock check.
    if !signature::verify_hmac_sha256(secret, &[b"v0:", timestamp.as_bytes(), b":", body], &digest)
    {
        return Err(AuthError::SignatureMismatch);
    }
    match signature::check_window(signed_at, now, TOLERANCE) {
        Window::Inside => Ok(()),
        Window::Stale => Err(AuthError::Stale),
        Window::Future => Err(AuthError::Future),
    }
}

/// The signature Slack would send for `body` at `timestamp` (for tests and tools).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let mac = signature::hmac_sha256(secret, &[b"v0:", ts.as_bytes(), b":", body]);
    format!("v0={}", hex::encode(mac))
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    user: SlackUser,
    #[serde(default)]
    actions: Vec<SlackAction>,
}

#[derive(Debug, Deserialize)]
struct SlackUser {
    id: String,
}

#[derive(Debug, Deserialize)]
struct SlackAction {
    action_id: String,
    /// A button's value.
    #[serde(default)]
    value: Option<String>,
    /// A menu's choice.
    #[serde(default)]
    selected_option: Option<SelectedOption>,
}

#[derive(Debug, Deserialize)]
struct SelectedOption {
    value: String,
}

/// What the member chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Accept,
    Reject,
    Recycle(RecycleAsk),
}

/// A click on one of our controls, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    pub slack_user: String,
    pub choice: Choice,
    pub lead_id: String,
    pub attempt: u32,
}

/// Splits `<lead_id>:<attempt>` (a lead id may itself hold colons).
fn assignment(value: &str) -> Option<(&str, u32)> {
    value
        .rsplit_once(':')
        .and_then(|(l, n)| Some((l, n.parse::<u32>().ok()?)))
        .filter(|(l, _)| !l.is_empty())
}

/// Parses the urlencoded body's `payload`. `Ok(None)`: a valid interaction that is not
/// one of our buttons (acknowledged and ignored).
pub fn parse(body: &[u8]) -> Result<Option<Click>, IntakeError> {
    let payload = form_urlencoded::parse(body)
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| IntakeError::invalid("payload", "missing"))?;
    let payload: Payload = serde_json::from_str(&payload)
        .map_err(|e| IntakeError::invalid("payload", e.to_string()))?;
    if payload.kind != "block_actions" {
        return Ok(None);
    }
    let Some(action) = payload.actions.iter().find(|a| {
        [slack_ids::ACCEPT, slack_ids::REJECT, slack_ids::RECYCLE].contains(&a.action_id.as_str())
    }) else {
        return Ok(None);
    };
    let (value, choice) = if action.action_id == slack_ids::RECYCLE {
        let chosen = action
            .selected_option
            .as_ref()
            .map(|o| o.value.as_str())
            .ok_or_else(|| IntakeError::invalid("actions.selected_option", "missing"))?;
        let (value, reason) = chosen.rsplit_once(':').ok_or_else(|| {
            IntakeError::invalid(
                "actions.selected_option.value",
                "expected `<lead_id>:<attempt>:<reason>`",
            )
        })?;
        let ask = RecycleAsk::parse(Some(reason), None)
            .map_err(|e| IntakeError::invalid("actions.selected_option.value", e.to_string()))?;
        (value, Choice::Recycle(ask))
    } else {
        let value = action.value.as_deref().unwrap_or_default();
        let choice = if action.action_id == slack_ids::ACCEPT {
            Choice::Accept
        } else {
            Choice::Reject
        };
        (value, choice)
    };
    let (lead_id, attempt) = assignment(value)
        .ok_or_else(|| IntakeError::invalid("actions.value", "expected `<lead_id>:<attempt>`"))?;
    Ok(Some(Click {
        slack_user: payload.user.id,
        choice,
        lead_id: lead_id.to_owned(),
        attempt,
    }))
}

/// The rep a Slack member acts as.
pub fn rep_of<'a>(slack: &'a SlackConfig, member: &'a str) -> &'a str {
    slack.users.get(member).map_or(member, String::as_str)
}

pub(super) async fn interactivity(
    State(state): State<IntakeState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let actions = enabled(&state)?;
        let slack = actions
            .config
            .slack
            .as_ref()
            .ok_or(IntakeError::RouteNotFound)?;
        let bytes = crate::body::read_limited(&headers, body, crate::MAX_BODY_BYTES).await?;
        let now = state.clock.now();
        verify(slack.signing_secret.expose(), &headers, &bytes, now)?;
        let Some(click) = parse(&bytes)? else {
            return Ok(ephemeral("Nothing to do for this action."));
        };
        let target = Target::new(
            click.lead_id,
            rep_of(slack, &click.slack_user),
            Some(click.attempt),
        );
        let command = match click.choice {
            Choice::Accept => Command::Accept(target),
            Choice::Reject => Command::Reject(target, "rejected in Slack".into()),
            Choice::Recycle(ask) => Command::Recycle(target, ask),
        };
        let reply = actions.desk.run(command, now).await.map_err(action_error)?;
        let text = match &reply {
            Reply::Lead(answer) if answer.done() => {
                format!(":white_check_mark: {}", reply.message())
            }
            _ => format!(":warning: {}", reply.message()),
        };
        Ok::<_, IntakeError>(ephemeral(&text))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The acknowledgment with the outcome for the clicking member only.
fn ephemeral(text: &str) -> Response {
    Json(serde_json::json!({
        "response_type": "ephemeral",
        "replace_original": false,
        "text": text,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn signed(secret: &[u8], at: i64, body: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            TIMESTAMP_HEADER,
            HeaderValue::from_str(&at.to_string()).unwrap(),
        );
        h.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(&sign(secret, at, body)).unwrap(),
        );
        h
    }

    #[test]
    fn slacks_documented_example_verifies() {
        // The example of Slack's "Verifying requests from Slack" guide.
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let mut h = HeaderMap::new();
        h.insert(TIMESTAMP_HEADER, HeaderValue::from_static("1531420618"));
        h.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_static(
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            ),
        );
        assert_eq!(verify(SECRET, &h, body, ts(1_531_420_618)), Ok(()));
    }

    #[test]
    fn tampered_body_wrong_secret_stale_and_future_are_refused() {
        let body = b"payload=%7B%7D";
        let now = 1_800_000_000;
        let h = signed(SECRET, now, body);
        assert_eq!(verify(SECRET, &h, body, ts(now)), Ok(()));
        assert_eq!(
            verify(SECRET, &h, b"payload=%7B%20%7D", ts(now)),
            Err(AuthError::SignatureMismatch)
        );
        assert_eq!(
            verify(b"other secret", &h, body, ts(now)),
            Err(AuthError::SignatureMismatch)
        );
        // Exactly five minutes either way still passes; a second more does not.
        assert_eq!(verify(SECRET, &h, body, ts(now + 300)), Ok(()));
        assert_eq!(
            verify(SECRET, &h, body, ts(now + 301)),
            Err(AuthError::Stale)
        );
        assert_eq!(
            verify(SECRET, &h, body, ts(now - 301)),
            Err(AuthError::Future)
        );
        let mut no_prefix = h.clone();
        let bare = sign(SECRET, now, body).replace("v0=", "");
        no_prefix.insert(SIGNATURE_HEADER, HeaderValue::from_str(&bare).unwrap());
        assert_eq!(
            verify(SECRET, &no_prefix, body, ts(now)),
            Err(AuthError::MalformedSignature(SIGNATURE_HEADER))
        );
        assert_eq!(
            verify(SECRET, &HeaderMap::new(), body, ts(now)),
            Err(AuthError::BadTimestamp(TIMESTAMP_HEADER))
        );
    }

    fn form(payload: &str) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", payload)
            .finish()
            .into_bytes()
    }

    #[test]
    fn parses_our_buttons_only() {
        let click = parse(&form(
            r#"{"type":"block_actions","user":{"id":"U0ANA"},"actions":[{"action_id":"switchboard.reject","value":"lead:with:colons:3"}]}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            click,
            Click {
                slack_user: "U0ANA".into(),
                choice: Choice::Reject,
                lead_id: "lead:with:colons".into(),
                attempt: 3
            }
        );
        let recycle = parse(&form(
            r#"{"type":"block_actions","user":{"id":"U0ANA"},"actions":[{"action_id":"switchboard.recycle","type":"static_select","selected_option":{"text":{"type":"plain_text","text":"Student"},"value":"L:7:4:student"}}]}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (recycle.lead_id.as_str(), recycle.attempt, recycle.choice),
            (
                "L:7",
                4,
                Choice::Recycle(RecycleAsk::parse(Some("student"), None).unwrap())
            )
        );
        let other = parse(&form(
            r#"{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"something.else","value":"x"}]}"#,
        ))
        .unwrap();
        assert_eq!(other, None);
        let view = parse(&form(r#"{"type":"view_submission","user":{"id":"U1"}}"#)).unwrap();
        assert_eq!(view, None);
        assert!(parse(b"nothing=here").is_err());
        // Malformed values of our own controls are refused, not ignored.
        for bad in [
            r#"{"action_id":"switchboard.accept","value":"L1"}"#,
            r#"{"action_id":"switchboard.recycle","selected_option":{"value":"L1:1:homework"}}"#,
            r#"{"action_id":"switchboard.recycle","selected_option":{"value":"L1:1:other"}}"#,
            r#"{"action_id":"switchboard.recycle"}"#,
        ] {
            let payload =
                format!(r#"{{"type":"block_actions","user":{{"id":"U1"}},"actions":[{bad}]}}"#);
            assert!(parse(&form(&payload)).is_err(), "{bad}");
        }
    }
}
