//! Signed action links (`/v1/actions/{token}`) from email, Teams and webhook
//! notifications. `GET` only shows what the link would do, because mail scanners and link
//! previews fetch links on their own; the rep's click on the page's button `POST`s it.
//! Both answer small HTML pages: a person reads them, not a program.
//!
//! A recycle link's page is a form: the reason (from the closed list) and a note, posted
//! as `application/x-www-form-urlencoded`; a refused form is shown again with the problem
//! (with status 200: it is a page asking again, not an error answer).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use switchboard_routing::recycle::{MAX_NOTE_CHARS, RecycleAsk, RecycleReason};
use switchboard_store::action_link::{self, ActionClaim, LinkAction, LinkError};
use switchboard_store::actions::Target;

use super::http_routes::enabled;
use super::{ActionsState, Command, Reply};
use crate::state::IntakeState;

/// The link's claim, or the page that says why it is refused (boxed: a response is large).
fn verify(
    actions: &ActionsState,
    token: &str,
    now: jiff::Timestamp,
) -> Result<ActionClaim, Box<Response>> {
    let Some(secret) = &actions.config.link_secret else {
        return Err(Box::new(page(
            StatusCode::NOT_FOUND,
            "Action links are off",
            "This server does not accept action links.",
        )));
    };
    action_link::verify(secret.expose(), token, now).map_err(|e| {
        Box::new(match e {
            LinkError::Expired { expired_at } => page(
                StatusCode::GONE,
                "This link has expired",
                &format!("It was valid until {expired_at}. Open the lead in your inbox instead."),
            ),
            LinkError::Malformed | LinkError::BadSignature => page(
                StatusCode::FORBIDDEN,
                "This link is not valid",
                "It was changed or is incomplete. Use the link exactly as it was sent.",
            ),
        })
    })
}

fn verb(action: LinkAction) -> &'static str {
    match action {
        LinkAction::Accept => "Accept",
        LinkAction::Reject => "Reject",
        LinkAction::Recycle => "Recycle",
    }
}

/// The recycle form: every listed reason, and the note `other` requires.
fn recycle_form(problem: Option<&str>) -> String {
    let options: String = RecycleReason::ALL
        .iter()
        .map(|r| format!("<option value=\"{}\">{}</option>", r.as_str(), r.label()))
        .collect();
    let problem = problem
        .map(|p| format!("<p role=\"alert\"><b>{}</b></p>", escape(p)))
        .unwrap_or_default();
    format!(
        "{problem}<form method=\"post\">\
         <p><label>Reason <select name=\"reason\" required>\
         <option value=\"\">choose…</option>{options}</select></label></p>\
         <p><label>Note (required for other) <input name=\"note\" maxlength=\"{MAX_NOTE_CHARS}\">\
         </label></p><button type=\"submit\">Recycle</button></form>"
    )
}

/// The reason and note of a posted recycle form.
fn recycle_ask(form: &[u8]) -> Result<RecycleAsk, String> {
    let field = |name: &str| {
        form_urlencoded::parse(form)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    RecycleAsk::parse(field("reason").as_deref(), field("note").as_deref())
        .map_err(|e| e.to_string())
}

pub(super) async fn show(State(state): State<IntakeState>, Path(token): Path<String>) -> Response {
    let actions = match enabled(&state) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let claim = match verify(actions, &token, state.clock.now()) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let verb = verb(claim.action);
    let form = match claim.action {
        LinkAction::Recycle => recycle_form(None),
        _ => format!("<form method=\"post\"><button type=\"submit\">{verb}</button></form>"),
    };
    let body = format!(
        "<p>{verb} lead <b>{lead}</b> for <b>{rep}</b>?</p>{form}",
        lead = escape(&claim.lead_id),
        rep = escape(&claim.rep),
    );
    html(StatusCode::OK, &format!("{verb} this lead?"), &body)
}

pub(super) async fn perform(
    State(state): State<IntakeState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let actions = match enabled(&state) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let now = state.clock.now();
    let claim = match verify(actions, &token, now) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let target = Target::new(claim.lead_id, claim.rep, Some(claim.attempt));
    let command = match claim.action {
        LinkAction::Accept => Command::Accept(target),
        LinkAction::Reject => Command::Reject(target, "rejected from a notification link".into()),
        LinkAction::Recycle => {
            let form = match crate::body::read_limited(&headers, body, crate::MAX_BODY_BYTES).await
            {
                Ok(form) => form,
                Err(e) => return e.into_response(),
            };
            match recycle_ask(&form) {
                Ok(ask) => Command::Recycle(target, ask),
                // The form again with the problem, as a page (200): error statuses leave
                // this server as problem documents, which a browser would show raw.
                Err(problem) => {
                    return html(
                        StatusCode::OK,
                        "Recycle this lead?",
                        &recycle_form(Some(&problem)),
                    );
                }
            }
        }
    };
    match actions.desk.run(command, now).await {
        Ok(Reply::Lead(answer)) => {
            let (status, title) = if answer.done() {
                (StatusCode::OK, "Done")
            } else {
                (StatusCode::CONFLICT, "Nothing changed")
            };
            page(status, title, &answer.message())
        }
        Ok(Reply::Rep(_)) => unreachable!("links carry lead actions only"),
        Err(e) => {
            tracing::error!(error = %e, "action link failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "The action could not be completed just now; reload this page to try again.",
            )
        }
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    html(status, title, &format!("<p>{}</p>", escape(text)))
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let doc = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">\
         <title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    (status, Html(doc)).into_response()
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
    }
}
