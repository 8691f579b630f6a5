//! Who is calling, and what they may do.
//!
//! The runtime recognizes the caller and puts a [`Caller`] in the request's extensions;
//! [`authorize`] then lets a viewer read and an admin read and change. A request without a
//! caller is 401, a viewer's change 403, both problem documents.

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::Method;
use switchboard_http::{Problem, ProblemType, Secret, presented_api_key};

/// What a caller may do. Ordered: an admin may do what a viewer may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    Admin,
}

/// A recognized caller: who (recorded with every change) and their role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Caller {
    pub id: String,
    pub role: Role,
}

impl Caller {
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Caller {
            id: id.into(),
            role,
        }
    }
}

/// The role a request needs: reads (and checking a draft, replaying leads through one or
/// forecasting its coverage, which store nothing) need a viewer; everything else an admin.
pub(crate) fn needed(method: &Method, path: &str) -> Role {
    let read = matches!(*method, Method::GET | Method::HEAD)
        || (*method == Method::POST
            && ["/policy/validate", "/policy/whatif", "/policy/coverage"]
                .iter()
                .any(|p| path.ends_with(p)));
    if read { Role::Viewer } else { Role::Admin }
}

/// Middleware: refuses a request whose caller is missing (401) or whose role is too low
/// for it (403).
pub async fn authorize(request: Request, next: Next) -> Response {
    let need = needed(request.method(), request.uri().path());
    match request.extensions().get::<Caller>() {
        None => Problem::new(
            ProblemType::Unauthorized,
            "this route needs an admin or viewer credential",
            Vec::new(),
        )
        .into_response(),
        Some(caller) if caller.role < need => Problem::new(
            ProblemType::Forbidden,
            "a viewer cannot change anything; this needs an admin",
            Vec::new(),
        )
        .into_response(),
        Some(_) => next.run(request).await,
    }
}

/// Callers recognized by bearer token (the local process): the admin token, and a
/// read-only viewer token when one is set.
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub admin: Arc<Secret>,
    pub viewer: Option<Arc<Secret>>,
}

impl TokenAuth {
    /// The caller a request's token names, if any.
    pub fn caller(&self, headers: &http::HeaderMap) -> Option<Caller> {
        let key = presented_api_key(headers)?.as_bytes();
        if self.admin.matches(key) {
            Some(Caller::new("admin-token", Role::Admin))
        } else if self.viewer.as_ref().is_some_and(|v| v.matches(key)) {
            Some(Caller::new("viewer-token", Role::Viewer))
        } else {
            None
        }
    }

    /// Middleware that recognizes the caller by token (`from_fn_with_state`).
    pub async fn recognize(
        axum::extract::State(auth): axum::extract::State<TokenAuth>,
        mut request: Request,
        next: Next,
    ) -> Response {
        if let Some(caller) = auth.caller(request.headers()) {
            request.extensions_mut().insert(caller);
        }
        next.run(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_read_and_check_drafts_admins_change() {
        let cases = [
            (Method::GET, "/v1/admin/policy/history", Role::Viewer),
            (Method::HEAD, "/v1/admin/reps", Role::Viewer),
            (Method::POST, "/v1/admin/policy/validate", Role::Viewer),
            (Method::POST, "/v1/admin/policy/whatif", Role::Viewer),
            (Method::POST, "/v1/admin/policy/coverage", Role::Viewer),
            (Method::POST, "/v1/admin/policy", Role::Admin),
            (Method::POST, "/v1/admin/policy/rollback", Role::Admin),
            (Method::POST, "/v1/admin/reps/r1/away", Role::Admin),
            (Method::DELETE, "/v1/admin/anything", Role::Admin),
        ];
        for (method, path, role) in cases {
            assert_eq!(needed(&method, path), role, "{method} {path}");
        }
    }
}
