//! The HTTP surface: one router for Lambda and for a local TCP listener alike.
//!
//! | route | purpose |
//! | --- | --- |
//! | `POST /v1/leads` | generic JSON API (API key or HMAC) |
//! | `POST /v1/hooks/{source_id}` | provider webhooks (signature or token header) |
//! | `POST /v1/hooks/{source_id}/{token}` | token providers that cannot set headers |
//! | `GET /v1/leads/{id}` | a stored lead and its status (read key or the source's API key) |
//! | `GET /healthz` | liveness |
//! | `GET /v1/openapi.json` | the OpenAPI document of these and the admin routes ([`crate::openapi`]) |
//! | `POST /v1/touches/{id}`, `POST /v1/touches/{id}/{token}` | CRM touch webhooks ([`crate::touches`]) |
//! | `POST /v1/leads/{id}/accept\|reject\|release\|close`, `POST /v1/reps/{rep}/away\|back`, `GET\|POST /v1/actions/{token}`, `POST /v1/slack/interactivity` | rep actions ([`crate::actions`]) |
//!
//! A source with a `booking` setting answers its leads through [`crate::booking`]: it waits
//! briefly for the decision and answers with the rep's booking link or its thank-you URL.
//!
//! URIs are never logged: the token route carries a secret in its path.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use serde::Serialize;
use switchboard_routing::LeadId;

use crate::auth::{self, AuthError};
use crate::body;
use crate::config::{GenericAuth, ProviderKind, SourceConfig};
use crate::error::{FieldIssue, IntakeError};
use crate::intake::{self, Delivery, Outcome};
use crate::state::IntakeState;
use switchboard_routing::Lead;
use switchboard_store::StoredLead;

/// Builds the intake router over the given state.
pub fn router(state: IntakeState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(crate::openapi::PATH, get(crate::openapi::serve))
        .route("/v1/leads", post(post_generic))
        .route("/v1/leads/{id}", get(get_lead))
        .route("/v1/hooks/{source_id}", post(post_hook))
        .route("/v1/hooks/{source_id}/{token}", post(post_hook_with_token))
        .merge(crate::actions::routes())
        .merge(crate::touches::routes())
        .fallback(|| async { IntakeError::RouteNotFound })
        .method_not_allowed_fallback(|| async { IntakeError::MethodNotAllowed })
        .layer(axum::middleware::map_response(crate::problem::problem_edge))
        .layer(axum::middleware::map_response(
            switchboard_http::headers::common_headers,
        ))
        .with_state(state)
}

/// The Lambda's whole HTTP surface: intake's routes, the admin API (`admin::aws_admin`) and
/// the admin console (`switchboard_console`), offering `sign_in` (`console::sign_in_from_lookup`)
/// when set. The console comes after the edge layers: its files carry their own caching and
/// content security policy instead of the API's `no-store`.
pub fn lambda_app(
    state: IntakeState,
    admin: Router,
    sign_in: Option<switchboard_console::SignIn>,
) -> Router {
    router(state)
        .merge(admin)
        .merge(switchboard_console::router(sign_in))
}

async fn healthz() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// The 202 answer.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Accepted {
    pub lead_id: LeadId,
    pub status: String,
    pub status_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<LeadId>,
    /// Booking sources: the assigned rep's booking page, with the lead's name and email
    /// prefilled where the page takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_url: Option<String>,
    /// Booking sources without a rep link to offer: where to send the person instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thank_you_url: Option<String>,
    /// Booking sources without a rep link to offer: why (`timeout`, `parked`, `no_link`,
    /// `duplicate`, `unavailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_fallback: Option<String>,
}

/// The `GET /v1/leads/{id}` answer.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LeadView {
    pub lead_id: LeadId,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<LeadId>,
    pub lead: Lead,
    pub warnings: Vec<FieldIssue>,
}

async fn post_generic(
    State(state): State<IntakeState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match body::read_limited(&headers, body, crate::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let source = match auth::generic_source(&state.config, &headers) {
        Ok(s) => s,
        Err(e) => return IntakeError::from(e).into_response(),
    };
    deliver(&state, source, &method, &uri, &headers, &bytes, None).await
}

async fn post_hook(
    State(state): State<IntakeState>,
    path: Option<Path<String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let source_id = path.map(|Path(id)| id);
    hook(state, source_id, None, method, uri, headers, body).await
}

async fn post_hook_with_token(
    State(state): State<IntakeState>,
    path: Option<Path<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (source_id, token) = match path {
        Some(Path((s, t))) => (Some(s), Some(t)),
        None => (None, None),
    };
    hook(state, source_id, token, method, uri, headers, body).await
}

async fn hook(
    state: IntakeState,
    source_id: Option<String>,
    token: Option<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match body::read_limited(&headers, body, crate::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    // An unknown source is a credentials problem (401), never a 404: providers disable
    // webhooks that answer 404.
    let Some(source) = source_id.as_deref().and_then(|id| state.config.source(id)) else {
        return IntakeError::from(AuthError::BadCredentials).into_response();
    };
    deliver(
        &state,
        source,
        &method,
        &uri,
        &headers,
        &bytes,
        token.as_deref(),
    )
    .await
}

async fn deliver(
    state: &IntakeState,
    source: &SourceConfig,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    bytes: &Bytes,
    path_token: Option<&str>,
) -> Response {
    let now = state.clock.now();
    let delivery = Delivery {
        source,
        method,
        uri,
        headers,
        body: bytes,
        path_token,
    };
    let result = async {
        let prepared = intake::prepare(&state.config, delivery, now).await?;
        intake::accept(state, prepared).await
    }
    .await;
    match result {
        Ok(Outcome::Stored { record, created }) => {
            tracing::info!(
                source = %source.id,
                lead_id = %record.lead.id,
                status = record.status.as_str(),
                created,
                "lead accepted"
            );
            match &source.booking {
                Some(booking) => {
                    crate::booking::answer::booked(state, source, booking, &record, created).await
                }
                None => accepted(state, source, &record),
            }
        }
        Ok(Outcome::Ignored(reason)) => {
            tracing::info!(source = %source.id, %reason, "event ignored");
            (
                StatusCode::OK,
                Json(serde_json::json!({ "status": "ignored", "reason": reason })),
            )
                .into_response()
        }
        Err(e) => {
            tracing::info!(source = %source.id, error = %e, "delivery refused");
            e.into_response()
        }
    }
}

fn status_url(state: &IntakeState, lead_id: &str) -> String {
    let base = state
        .config
        .public_base_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    format!("{base}/v1/leads/{lead_id}")
}

fn accepted(state: &IntakeState, source: &SourceConfig, record: &StoredLead) -> Response {
    if let Some(url) = &source.thank_you_url
        && let Ok(location) = HeaderValue::from_str(url)
    {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    accepted_json(state, Accepted::of(state, record))
}

impl Accepted {
    /// The plain answer for a stored lead.
    pub(crate) fn of(state: &IntakeState, record: &StoredLead) -> Accepted {
        Accepted {
            lead_id: record.lead.id.clone(),
            status: record.status.as_str().to_owned(),
            status_url: status_url(state, &record.lead.id),
            duplicate_of: record.duplicate_of.clone(),
            booking_url: None,
            thank_you_url: None,
            booking_fallback: None,
        }
    }
}

/// The 202 with `Location` naming the lead's status URL.
pub(crate) fn accepted_json(state: &IntakeState, answer: Accepted) -> Response {
    let url = status_url(state, &answer.lead_id);
    let mut response = (StatusCode::ACCEPTED, Json(answer)).into_response();
    if let Ok(location) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn get_lead(
    State(state): State<IntakeState>,
    path: Option<Path<String>>,
    headers: HeaderMap,
) -> Response {
    match read_lead(&state, path.map(|Path(id)| id), &headers).await {
        Ok(record) => Json(LeadView {
            lead_id: record.lead.id.clone(),
            status: record.status.as_str().to_owned(),
            duplicate_of: record.duplicate_of,
            lead: record.lead,
            warnings: record.warnings,
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// A read key sees every lead; a generic source's API key sees that source's leads. Other
/// leads answer 404, as unknown ids do, so a key learns nothing about leads it cannot read.
async fn read_lead(
    state: &IntakeState,
    lead_id: Option<String>,
    headers: &HeaderMap,
) -> Result<StoredLead, IntakeError> {
    let key = auth::presented_api_key(headers).ok_or(AuthError::BadCredentials)?;
    let global = state
        .config
        .read_keys
        .iter()
        .fold(false, |any, k| any | k.matches(key.as_bytes()));
    let own_sources: Vec<&str> = state
        .config
        .sources
        .iter()
        .filter(|s| s.kind == ProviderKind::Generic && s.auth == GenericAuth::ApiKey)
        .filter(|s| s.secret.matches(key.as_bytes()))
        .map(|s| s.id.as_str())
        .collect();
    if !global && own_sources.is_empty() {
        return Err(AuthError::BadCredentials.into());
    }
    let lead_id = lead_id.ok_or(IntakeError::LeadNotFound)?;
    let record = state
        .reception
        .lead(&lead_id)
        .await?
        .ok_or(IntakeError::LeadNotFound)?;
    let visible = global
        || record
            .lead
            .source
            .as_deref()
            .is_some_and(|s| own_sources.contains(&s));
    if visible {
        Ok(record)
    } else {
        Err(IntakeError::LeadNotFound)
    }
}
