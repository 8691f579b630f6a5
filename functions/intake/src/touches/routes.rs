//! `POST /v1/touches/{id}` and `POST /v1/touches/{id}/{token}`: authenticate, read the
//! CRM's events, apply each through the [`super::TouchDesk`], answer with the counts (or
//! Salesforce's SOAP acknowledgement). Refusals are problem documents like every other
//! intake error.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, HeaderValue, Method, Uri, header};
use switchboard_store::actions::ActionError;

use super::config::{TouchConfig, TouchCrm};
use super::{TouchCounts, hubspot, salesforce};
use crate::auth::{self, AuthError, RequestView, TOKEN_HEADER};
use crate::error::IntakeError;
use crate::state::IntakeState;

pub(crate) fn routes() -> Router<IntakeState> {
    Router::new()
        .route("/v1/touches/{id}", post(touch))
        .route("/v1/touches/{id}/{token}", post(touch_with_token))
}

async fn touch(
    State(state): State<IntakeState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(state, id, None, method, uri, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn touch_with_token(
    State(state): State<IntakeState>,
    Path((id, token)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(state, id, Some(token), method, uri, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// How the records came: the answer follows the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Json,
    Soap,
}

async fn handle(
    state: IntakeState,
    id: String,
    path_token: Option<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, IntakeError> {
    let desk = state.touches.clone().ok_or(IntakeError::RouteNotFound)?;
    let bytes = crate::body::read_limited(&headers, body, crate::MAX_BODY_BYTES).await?;
    // An unknown id is a credentials problem (401), never a 404, as for the hooks.
    let config = state
        .config
        .touches
        .iter()
        .find(|t| t.id == id)
        .ok_or(AuthError::BadCredentials)?;
    let now = state.clock.now();
    let request = RequestView {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: &bytes,
        path_token: path_token.as_deref(),
    };
    authenticate(config, &request, now)?;
    let (form, items) = match config.crm {
        TouchCrm::Hubspot => (Form::Json, hubspot::parse(&bytes, config)?),
        TouchCrm::Salesforce => {
            let (form, records, default_touch) = if is_xml(&headers, &bytes) {
                (
                    Form::Soap,
                    salesforce::parse_soap(&bytes)?,
                    salesforce::OUTBOUND_MESSAGE,
                )
            } else {
                (Form::Json, salesforce::parse_json(&bytes)?, "flow callout")
            };
            let items = records
                .into_iter()
                .map(|r| salesforce::touch(r, config, default_touch))
                .collect();
            (form, items)
        }
    };
    let mut counts = TouchCounts::default();
    for item in items {
        counts.events += 1;
        let effect = match item {
            Ok(touch) => match desk.touch(config.crm, touch, now).await {
                Ok(effect) => effect,
                // A link to a lead that is gone: nothing to touch, and nothing a retry fixes.
                Err(ActionError::LeadNotFound(_)) => super::Effect::Ignored("unknown_lead"),
                // The store failed or kept changing: 503, which the CRM retries.
                Err(e) => return Err(crate::actions::http_routes::action_error(e)),
            },
            Err(why) => super::Effect::Ignored(why),
        };
        counts.add(effect);
    }
    tracing::info!(
        touch = %config.id,
        crm = config.crm.key(),
        events = counts.events,
        accepted = counts.accepted,
        already_accepted = counts.already_accepted,
        handed_over = counts.handed_over,
        closed = counts.closed,
        ignored = counts.ignored,
        "touch webhook"
    );
    Ok(match form {
        Form::Json => Json(counts).into_response(),
        Form::Soap => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            )],
            salesforce::ACK,
        )
            .into_response(),
    })
}

fn authenticate(
    config: &TouchConfig,
    request: &RequestView<'_>,
    now: jiff::Timestamp,
) -> Result<(), AuthError> {
    match config.crm {
        // HubSpot's v3 signature, as for a HubSpot source (a path token is refused there).
        TouchCrm::Hubspot => auth::verify(&config.as_signed_source(), request, now),
        TouchCrm::Salesforce => {
            let presented = request.path_token.or_else(|| {
                request
                    .headers
                    .get(TOKEN_HEADER)
                    .and_then(|v| v.to_str().ok())
            });
            match presented {
                Some(t) if config.secret.matches(t.trim().as_bytes()) => Ok(()),
                _ => Err(AuthError::BadCredentials),
            }
        }
    }
}

/// An Outbound Message is `text/xml`; a body that starts with `<` is read as one too.
fn is_xml(headers: &HeaderMap, body: &[u8]) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    content_type.contains("xml")
        || (!content_type.contains("json")
            && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'))
}
