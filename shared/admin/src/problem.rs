//! [`AdminError`] as a problem document. Which problem type each error is lives here; the
//! statuses, the document and its headers are `switchboard_http::problem`'s, the one
//! table every HTTP surface answers from.

use axum::response::{IntoResponse, Response};
use switchboard_http::{Problem, ProblemType};
use switchboard_store::FieldIssue;

use crate::error::AdminError;

fn problem_type(e: &AdminError) -> ProblemType {
    match e {
        AdminError::Invalid { .. } => ProblemType::InvalidDocument,
        AdminError::InvalidParameter { .. } => ProblemType::InvalidParameter,
        AdminError::InvalidBody { .. } => ProblemType::InvalidBody,
        AdminError::NotFound(_) => ProblemType::NotFound,
        AdminError::Conflict(_) => ProblemType::Conflict,
        AdminError::Unavailable(_) | AdminError::Store(_) | AdminError::Remote(_) => {
            ProblemType::Unavailable
        }
    }
}

pub fn problem(e: &AdminError) -> Problem {
    let errors = match e {
        AdminError::Invalid { issues, .. } => issues
            .iter()
            .map(|i| FieldIssue::new(i.path.clone(), i.message.clone()))
            .collect(),
        AdminError::InvalidParameter { field, message }
        | AdminError::InvalidBody { field, message } => {
            vec![FieldIssue::new(field.clone(), message.clone())]
        }
        _ => Vec::new(),
    };
    Problem::new(problem_type(e), e.to_string(), errors)
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        if problem_type(&self).status().is_server_error() {
            tracing::error!(error = %self, "admin operation failed");
        }
        problem(&self).into_response()
    }
}
