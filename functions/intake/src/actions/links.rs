//! Signed action links (`/v1/actions/{token}`) from email, Teams and webhook
//! notifications. `GET` only shows what the link would do, because mail scanners and link
//! previews fetch links on their own; the rep's click on the page's button `POST`s it.
//! Both answer small HTML pages: a person reads them, not a program.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
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
    }
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
    let body = format!(
        "<p>{verb} lead <b>{lead}</b> for <b>{rep}</b>?</p>\
         <form method=\"post\"><button type=\"submit\">{verb}</button></form>",
        lead = escape(&claim.lead_id),
        rep = escape(&claim.rep),
    );
    html(StatusCode::OK, &format!("{verb} this lead?"), &body)
}

pub(super) async fn perform(
    State(state): State<IntakeState>,
    Path(token): Path<String>,
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
