//! Who calls the local admin API: the process's own admin and viewer tokens first, then,
//! when an issuer is configured, a person's JWT (`super::super::jwt`). A credential
//! neither recognizes leaves the request without a caller, which the admin router answers
//! with 401.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use switchboard_admin::TokenAuth;
use switchboard_http::presented_api_key;

use crate::serve::jwt::JwtAuth;

#[derive(Clone)]
pub struct Recognizers {
    pub tokens: TokenAuth,
    pub jwt: Option<Arc<JwtAuth>>,
}

/// Middleware (`from_fn_with_state`): puts the recognized `Caller` in the extensions.
pub async fn recognize(State(r): State<Recognizers>, mut request: Request, next: Next) -> Response {
    let caller = r.tokens.caller(request.headers()).or_else(|| {
        let jwt = r.jwt.as_ref()?;
        let token = presented_api_key(request.headers())?;
        match jwt.caller(token, jiff::Timestamp::now().as_second()) {
            Ok(caller) => Some(caller),
            Err(e) => {
                // The refusal itself says only 401; the log says why, for the operator.
                tracing::info!(reason = %e, "admin JWT refused");
                None
            }
        }
    });
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}
