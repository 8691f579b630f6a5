//! `GET /metrics`: the counters of `serve::metrics` in the Prometheus text format.
//!
//! It needs a credential: it tells how many leads arrive from which source and where they
//! go, and a scraper sends a bearer token as easily as none. The admin and viewer tokens
//! of `serve.json` are taken, and so is the fixed token of `--metrics-token-file`, which a
//! scrape configuration can name (the other two change at every start). The scrape token
//! is good for this route only.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::header;
use switchboard_admin::{Caller, Role};
use switchboard_http::{Secret, presented_api_key};

use super::ServeState;
use crate::serve::metrics::text::CONTENT_TYPE;

pub fn routes(state: ServeState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn(switchboard_admin::authorize))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            recognize,
        ))
        .with_state(state)
}

async fn metrics(State(state): State<ServeState>) -> Response {
    match super::stats_view(&state.pipeline).await {
        Ok(view) => (
            [(header::CONTENT_TYPE, CONTENT_TYPE)],
            state.pipeline.metrics.render(&view),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The caller: by the admin routes' tokens, else as a viewer by the scrape token.
async fn recognize(State(state): State<ServeState>, mut request: Request, next: Next) -> Response {
    let caller = state.admin_auth.caller(request.headers()).or_else(|| {
        scrape_token_matches(state.metrics_token.as_deref(), request.headers())
            .then(|| Caller::new("metrics-token", Role::Viewer))
    });
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

fn scrape_token_matches(token: Option<&Secret>, headers: &http::HeaderMap) -> bool {
    match (token, presented_api_key(headers)) {
        (Some(token), Some(key)) => token.matches(key.as_bytes()),
        _ => false,
    }
}

/// The scrape token of a file: its content without surrounding whitespace (a trailing
/// line feed is usual), as Prometheus reads its `credentials_file`.
pub fn read_token_file(path: &std::path::Path) -> anyhow::Result<Arc<Secret>> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the metrics token {}", path.display()))?;
    let token = text.trim();
    anyhow::ensure!(
        token.len() >= 16,
        "the metrics token in {} is shorter than 16 characters",
        path.display()
    );
    Ok(Arc::new(Secret::new(token.to_owned())))
}
