//! Slack: a Block Kit message with the lead, why this rep, the deadline and Accept /
//! Reject buttons, through an incoming webhook or `chat.postMessage` with a bot token.
//!
//! The buttons carry `action_id` `switchboard.accept` / `switchboard.reject` and the value
//! `<lead id>:<attempt>`; a "Recycle…" menu (`switchboard.recycle`) offers the recycle
//! reasons, each option's value `<lead id>:<attempt>:<reason>`. `other` is left out: it
//! needs a note, which a menu cannot carry. Slack posts the click to the interactivity
//! endpoint, which checks Slack's signature and the current assignment.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};
use serde_json::{Value, json};
use switchboard_routing::recycle::RecycleReason;
use switchboard_store::action_link::slack_ids;

use super::ChannelError;
use crate::http::HttpClient;
use crate::note::Note;

/// Slack caps a header block's text at 150 characters and a section field at 2000.
const HEADER_MAX: usize = 150;
const FIELD_MAX: usize = 2000;

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters; lead data is escaped so
/// a form value cannot inject a mention or a link.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if text.chars().count() > max => format!("{}…", &text[..i]),
        _ => text.to_owned(),
    }
}

/// The message: `text` is the notification fallback, `blocks` what Slack shows.
pub fn message(note: &Note) -> Value {
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&note.title(), HEADER_MAX), "emoji": false}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": escape(&note.headline())}}),
    ];
    let fields: Vec<Value> = note
        .lead
        .fields()
        .into_iter()
        .map(|(k, v)| json!({"type": "mrkdwn", "text": cut(&format!("*{k}*\n{}", escape(v)), FIELD_MAX)}))
        .collect();
    if !fields.is_empty() {
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if let Some(why) = &note.why {
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": cut(&format!("*Why {}:* {}", escape(&note.rep.name), escape(why)), FIELD_MAX)}
        ]}));
    }
    if note.actionable() {
        let value = note.action_value();
        blocks.push(
            json!({"type": "actions", "block_id": "switchboard.actions", "elements": [
                {"type": "button", "action_id": slack_ids::ACCEPT, "style": "primary",
                 "text": {"type": "plain_text", "text": "Accept"}, "value": value},
                {"type": "button", "action_id": slack_ids::REJECT, "style": "danger",
                 "text": {"type": "plain_text", "text": "Reject"}, "value": value},
                {"type": "static_select", "action_id": slack_ids::RECYCLE,
                 "placeholder": {"type": "plain_text", "text": "Recycle…"},
                 "options": recycle_options(&value)},
            ]}),
        );
    }
    blocks.push(json!({"type": "context", "elements": [
        {"type": "mrkdwn", "text": format!("Lead `{}` · {}", escape(&note.lead.id), escape(&note.reference()))}
    ]}));
    json!({"text": note.title(), "blocks": blocks})
}

/// The recycle menu's options: every reason but `other`, labelled in words.
fn recycle_options(value: &str) -> Vec<Value> {
    RecycleReason::ALL
        .into_iter()
        .filter(|r| *r != RecycleReason::Other)
        .map(|r| json!({"text": {"type": "plain_text", "text": r.label()}, "value": format!("{value}:{}", r.as_str())}))
        .collect()
}

/// Posts to an incoming webhook, which answers `200 ok` or an error status with a text
/// such as `invalid_payload` or `no_service`.
pub async fn send_webhook(http: &HttpClient, url: &str, note: &Note) -> Result<(), ChannelError> {
    let body = Bytes::from(message(note).to_string());
    let response = http.post_json(url, HeaderMap::new(), body).await?;
    super::check_status(&response)
}

/// `chat.postMessage` to `channel`, or to the addressee's Slack member id (a DM). The Web
/// API answers 200 with `{"ok": false, "error": ...}` for most failures.
pub async fn send_bot(
    http: &HttpClient,
    api_url: &str,
    token: &str,
    channel: Option<&str>,
    note: &Note,
) -> Result<(), ChannelError> {
    let target = match channel {
        Some(c) => c.to_owned(),
        None => note
            .addressee
            .as_ref()
            .and_then(|p| p.slack_user.clone())
            .ok_or_else(|| {
                ChannelError::NoRecipient(format!(
                    "no Slack channel configured and {} has no slack_user",
                    note.addressee
                        .as_ref()
                        .map_or("the message's addressee", |p| p.id.as_str())
                ))
            })?,
    };
    let mut payload = message(note);
    payload["channel"] = json!(target);
    let mut headers = HeaderMap::new();
    let auth = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| ChannelError::Config("the bot token is not a valid header value".into()))?;
    headers.insert(header::AUTHORIZATION, auth);
    let url = format!("{}/chat.postMessage", api_url.trim_end_matches('/'));
    let response = http
        .post_json(&url, headers, Bytes::from(payload.to_string()))
        .await?;
    super::check_status(&response)?;
    let answer: Value =
        serde_json::from_slice(&response.body).map_err(|_| ChannelError::Rejected {
            status: response.status.as_u16(),
            body: response.text(),
            permanent: false,
        })?;
    if answer["ok"] == json!(true) {
        return Ok(());
    }
    let error = answer["error"]
        .as_str()
        .unwrap_or("unknown_error")
        .to_owned();
    // Throttling and Slack's own trouble pass; a bad token or channel does not.
    let transient = matches!(
        error.as_str(),
        "ratelimited"
            | "rate_limited"
            | "internal_error"
            | "fatal_error"
            | "service_unavailable"
            | "request_timeout"
    );
    Err(ChannelError::Rejected {
        status: response.status.as_u16(),
        body: format!("Slack error `{error}`"),
        permanent: !transient,
    })
}
