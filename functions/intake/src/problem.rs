//! Intake's errors as problem documents: which [`ProblemType`] each [`IntakeError`] is and
//! the headers that go with it. The problem document, the status table and the edge
//! middleware are `switchboard_http::problem`'s, shared by every HTTP surface.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};

pub use switchboard_http::problem::{PROBLEM_JSON, Problem, ProblemType, problem_edge};

use crate::error::{FieldIssue, IntakeError};

impl IntakeError {
    /// The problem type of this error.
    pub fn problem_type(&self) -> ProblemType {
        match self {
            IntakeError::Unauthorized(_) => ProblemType::Unauthorized,
            IntakeError::PayloadTooLarge { .. } => ProblemType::PayloadTooLarge,
            IntakeError::UnsupportedMediaType { .. } => ProblemType::UnsupportedMediaType,
            IntakeError::Invalid(_) => ProblemType::InvalidPayload,
            IntakeError::MissingContact(_) => ProblemType::MissingContact,
            IntakeError::LeadNotFound => ProblemType::LeadNotFound,
            IntakeError::RepNotFound => ProblemType::RepNotFound,
            IntakeError::RouteNotFound => ProblemType::RouteNotFound,
            IntakeError::MethodNotAllowed => ProblemType::MethodNotAllowed,
            IntakeError::Store(_) => ProblemType::StoreUnavailable,
            IntakeError::Forbidden(_) => ProblemType::Forbidden,
            IntakeError::ActionRefused { .. } => ProblemType::ActionRefused,
            IntakeError::ActionUnavailable(_) => ProblemType::ActionUnavailable,
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let errors = match self {
            IntakeError::Invalid(issues) | IntakeError::MissingContact(issues) => issues.clone(),
            // The machine-readable result of a refused action.
            IntakeError::ActionRefused { code, .. } => vec![FieldIssue::new("result", *code)],
            _ => Vec::new(),
        };
        // Storage internals stay in the logs.
        let detail = match self {
            IntakeError::Store(_) => "the lead could not be stored; retry later".to_owned(),
            IntakeError::ActionUnavailable(_) => {
                "the action could not be completed; retry shortly".to_owned()
            }
            other => other.to_string(),
        };
        Problem::new(self.problem_type(), detail, errors)
    }
}

impl IntoResponse for IntakeError {
    fn into_response(self) -> Response {
        match &self {
            IntakeError::Store(e) => tracing::error!(error = %e, "lead store failed"),
            IntakeError::ActionUnavailable(e) => tracing::error!(error = %e, "rep action failed"),
            _ => {}
        }
        let mut response = self.problem().into_response();
        let headers = response.headers_mut();
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

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;
    use http::StatusCode;
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn intake_errors_pass_the_problem_edge_untouched() {
        let refused = IntakeError::LeadNotFound.into_response();
        let (parts, body) = problem_edge(refused).await.into_parts();
        let problem: Problem =
            serde_json::from_slice(&body.collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(parts.status, StatusCode::NOT_FOUND);
        assert_eq!(problem, IntakeError::LeadNotFound.problem());
    }
}
