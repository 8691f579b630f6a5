//! Microsoft Teams: an Adaptive Card posted to a workflow (Power Automate "When a Teams
//! webhook request is received") URL, with accept / reject links when configured.

use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Value, json};

use super::ChannelError;
use crate::http::HttpClient;
use crate::note::Note;

pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";

/// The request body: a message with one Adaptive Card attachment (schema 1.4, the newest
/// every Teams client renders).
pub fn message(note: &Note) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "text": note.title(), "weight": "Bolder", "size": "Medium", "wrap": true}),
        json!({"type": "TextBlock", "text": note.headline(), "wrap": true}),
    ];
    let facts: Vec<Value> = note
        .lead
        .fields()
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": v}))
        .collect();
    if !facts.is_empty() {
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    if let Some(why) = &note.why {
        body.push(json!({"type": "TextBlock", "text": format!("Why {}: {why}", note.rep.name), "wrap": true, "isSubtle": true}));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(links) = note.links.as_ref().filter(|_| note.actionable()) {
        card["actions"] = json!([
            {"type": "Action.OpenUrl", "title": "Accept", "url": links.accept},
            {"type": "Action.OpenUrl", "title": "Reject", "url": links.reject},
            {"type": "Action.OpenUrl", "title": "Recycle…", "url": links.recycle},
        ]);
    }
    json!({
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": null, "content": card}],
    })
}

/// Workflows answer 202 Accepted once the flow has the request.
pub async fn send(http: &HttpClient, url: &str, note: &Note) -> Result<(), ChannelError> {
    let body = Bytes::from(message(note).to_string());
    let response = http.post_json(url, HeaderMap::new(), body).await?;
    super::check_status(&response)
}
