//! The one place where an [`AdminError`] becomes an HTTP status and a problem document, in
//! the same RFC 9457 format as intake's errors (intake's own errors keep their mapping in
//! `switchboard_intake::problem`).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use switchboard_intake::FieldIssue;
use switchboard_intake::problem::Problem;

use crate::admin::AdminError;

const PROBLEM_JSON: &str = "application/problem+json";

fn classify(e: &AdminError) -> (StatusCode, &'static str, &'static str) {
    match e {
        AdminError::Invalid { .. } => (
            StatusCode::BAD_REQUEST,
            "invalid-document",
            "Invalid document",
        ),
        AdminError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        AdminError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
        AdminError::Unavailable(_) | AdminError::Store(_) | AdminError::Remote(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
        ),
    }
}

pub fn problem(e: &AdminError) -> Problem {
    let (status, slug, title) = classify(e);
    let errors = match e {
        AdminError::Invalid { issues, .. } => issues
            .iter()
            .map(|i| FieldIssue::new(i.path.clone(), i.message.clone()))
            .collect(),
        _ => Vec::new(),
    };
    Problem {
        kind: format!("urn:switchboard:problem:{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: e.to_string(),
        errors,
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, _, _) = classify(&self);
        if status.is_server_error() {
            tracing::error!(error = %self, "admin operation failed");
        }
        let mut response = (status, Json(problem(&self))).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}
