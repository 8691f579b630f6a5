//! RFC 9457 problem details: the one place where an [`IntakeError`] becomes an HTTP status
//! and body.
//!
//! Status choices that matter to providers: an unknown source is 401, never 404, 410 or a
//! redirect, because Typeform disables a webhook that answers 404/410 and Webflow and
//! Calendly count redirects as failures; a payload problem is 400/413/415/422 so it is not
//! retried forever; a storage failure is 503 so it is.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::error::{FieldIssue, IntakeError};

/// The problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<FieldIssue>,
}

const PROBLEM_JSON: &str = "application/problem+json";

impl IntakeError {
    /// The status and the problem type's slug and title.
    fn classify(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            IntakeError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing or invalid credentials",
            ),
            IntakeError::PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            IntakeError::UnsupportedMediaType { .. } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            IntakeError::Invalid(_) => (
                StatusCode::BAD_REQUEST,
                "invalid-payload",
                "Invalid payload",
            ),
            IntakeError::MissingContact(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing-contact",
                "No way to contact the lead",
            ),
            IntakeError::LeadNotFound => {
                (StatusCode::NOT_FOUND, "lead-not-found", "Lead not found")
            }
            IntakeError::RouteNotFound => {
                (StatusCode::NOT_FOUND, "route-not-found", "Route not found")
            }
            IntakeError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            IntakeError::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "store-unavailable",
                "Temporarily unavailable",
            ),
            IntakeError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
            IntakeError::ActionRefused { .. } => (
                StatusCode::CONFLICT,
                "action-refused",
                "The lead is not in the state this action needs",
            ),
            IntakeError::ActionUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "action-unavailable",
                "Temporarily unavailable",
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.classify();
        let errors = match self {
            IntakeError::Invalid(issues) | IntakeError::MissingContact(issues) => issues.clone(),
            // The machine-readable result of a refused action.
            IntakeError::ActionRefused { code, .. } => vec![FieldIssue::new("result", *code)],
            _ => Vec::new(),
        };
        Problem {
            kind: format!("urn:switchboard:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            // Storage internals stay in the logs.
            detail: match self {
                IntakeError::Store(_) => "the lead could not be stored; retry later".to_owned(),
                IntakeError::ActionUnavailable(_) => {
                    "the action could not be completed; retry shortly".to_owned()
                }
                other => other.to_string(),
            },
            errors,
        }
    }
}

impl IntoResponse for IntakeError {
    fn into_response(self) -> Response {
        let (status, _, _) = self.classify();
        match &self {
            IntakeError::Store(e) => tracing::error!(error = %e, "lead store failed"),
            IntakeError::ActionUnavailable(e) => tracing::error!(error = %e, "rep action failed"),
            _ => {}
        }
        let mut response = (status, Json(self.problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            IntakeError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"switchboard-intake\""),
                );
            }
            IntakeError::UnsupportedMediaType { expected, .. } => {
                headers.insert("accept-post", HeaderValue::from_static(expected));
            }
            IntakeError::Store(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            IntakeError::ActionUnavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}
