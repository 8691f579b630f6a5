//! The admin console: one HTML shell, one JavaScript module and one style sheet, built into
//! the binary ([`assets`]) and served under [`PATH`] by [`router`]. The page talks only to
//! the documented admin API (`/v1/admin/...`) of the host it was loaded from, with the
//! token the person signs in with; the console itself needs no credential, since it holds
//! no data.
//!
//! Both runtimes merge [`router`] beside their other routes: `switchboard serve` and the
//! intake Lambda (the deployment's HTTP API routes `/console` to it).

mod assets;
mod headers;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::HeaderMap;
use switchboard_http::{Problem, ProblemType, problem_edge};

pub use assets::{ASSETS, Asset};

/// Where the console is served.
pub const PATH: &str = "/console";

/// The console's routes: the page at [`PATH`] (and `PATH/`), its assets at `PATH/<name>`,
/// and a problem document for any other path under it.
pub fn router() -> Router {
    Router::new()
        .route(PATH, get(page))
        .route(&format!("{PATH}/"), get(page))
        .route(&format!("{PATH}/{{*name}}"), get(asset))
        .layer(axum::middleware::map_response(problem_edge))
        .layer(axum::middleware::map_response(headers::console_headers))
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
