//! The admin console: one HTML shell, one JavaScript module and one style sheet, built into
//! the binary ([`assets`]) and served under [`PATH`] by [`router`]. The page talks only to
//! the documented admin API (`/v1/admin/...`) of the host it was loaded from, with the
//! token the person signs in with; the console itself needs no credential, since it holds
//! no data.
//!
//! Both runtimes merge [`router`] beside their other routes: `switchboard serve` and the
//! intake Lambda (the deployment's HTTP API routes `/console` to it). With a [`SignIn`],
//! the page also offers signing in to that user pool ([`sign_in`]).

mod assets;
mod headers;
pub mod sign_in;

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, header};
use switchboard_http::{Problem, ProblemType, problem_edge};

pub use assets::{ASSETS, Asset};
pub use sign_in::{SignIn, SignInError};

/// Where the console is served.
pub const PATH: &str = "/console";

/// The console's routes: the page at [`PATH`] (and `PATH/`), its assets at `PATH/<name>`,
/// how to sign in at `PATH/config.json` ([`sign_in::CONFIG_NAME`]), and a problem document
/// for any other path under it. `sign_in`: the user pool the page may send people to;
/// `None`, a pasted token only.
pub fn router(sign_in: Option<SignIn>) -> Router {
    let config = sign_in::config_json(sign_in.as_ref());
    let policy = Arc::new(headers::content_security_policy(
        sign_in.as_ref().map(SignIn::origin),
    ));
    Router::new()
        .route(PATH, get(page))
        .route(&format!("{PATH}/"), get(page))
        .route(
            &format!("{PATH}/{}", sign_in::CONFIG_NAME),
            get(move || async move { config_answer(config) }),
        )
        .route(&format!("{PATH}/{{*name}}"), get(asset))
        .layer(axum::middleware::map_response(problem_edge))
        .layer(axum::middleware::map_response_with_state(
            policy,
            headers::console_headers,
        ))
}

/// The sign-in settings: small, and they change with the runtime's configuration rather
/// than with the binary, so never kept.
fn config_answer(body: Vec<u8>) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn page(request: HeaderMap) -> Response {
    assets::INDEX.answer(&request)
}

async fn asset(Path(name): Path<String>, request: HeaderMap) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => a.answer(&request),
        None => Problem::new(
            ProblemType::RouteNotFound,
            "the console has no such page or file",
            Vec::new(),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests;
