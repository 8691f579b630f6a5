//! The local process's HTTP surface: intake's router (`switchboard_intake::router`, the
//! same as the Lambda's), the admin API (`switchboard_admin::router`, the same as the
//! Lambda's), plus the routes only the local process has:
//!
//! | route | purpose |
//! | --- | --- |
//! | `GET /v1/leads/{id}/decision` | routing status, assignment and decisions (read key or the source's API key); `?wait_ms=N` waits up to N ms (at most 30 s) for the decision |
//! | `GET /v1/admin/stats` | the local pipeline's counters and queue depths (viewer) |
//! | `GET /metrics` | the same and the routing metrics in the Prometheus text format (viewer, or the scrape token; see `metrics`) |
//!
//! and the admin console at `/console` (`switchboard_console`), the page over the admin API.
//!
//! Admin callers are recognized by token: the admin token and the read-only viewer token
//! that `serve.json` in the data directory holds, and, when configured, people's JWTs
//! (`super::jwt`).

mod auth;
mod decision;
mod metrics;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use switchboard_admin::{AdminError, AdminState, TokenAuth};
use switchboard_http::headers::common_headers;
use switchboard_http::{Secret, problem_edge};
use switchboard_intake::IntakeState;
use switchboard_store::embedded::EmbeddedStore;

use super::events::LoggedEvents;
use super::jwt::JwtAuth;
use super::pipeline::Pipeline;
use super::queues::SharedQueue;
use super::stats::StatsView;

pub use decision::DecisionView;
pub use metrics::read_token_file;

#[derive(Clone)]
pub struct ServeState {
    pub pipeline: Arc<Pipeline>,
    pub intake: IntakeState,
    pub admin_auth: TokenAuth,
    /// People's JWTs the admin API also takes (`--admin-jwt-issuer`).
    pub admin_jwt: Option<Arc<JwtAuth>>,
    /// The user pool the console offers (`--console-sign-in-domain`).
    pub console_sign_in: Option<switchboard_console::SignIn>,
    /// The fixed token `/metrics` also takes (`--metrics-token-file`).
    pub metrics_token: Option<Arc<Secret>>,
}

pub fn app(state: ServeState) -> Router {
    let admin = Arc::new(AdminState::<EmbeddedStore, SharedQueue, LoggedEvents> {
        store: state.pipeline.store.clone(),
        routing_queue: Some(state.pipeline.routing.clone()),
        events: LoggedEvents,
        // Lead imports go through intake itself: its sources, store and routing queue.
        intake: Some(Arc::new(
            switchboard_intake::import::ImportIntake::from_state(&state.intake),
        )),
    });
    let stats = Router::new()
        .route(&format!("{}/stats", switchboard_admin::PREFIX), get(stats))
        .layer(axum::middleware::from_fn(switchboard_admin::authorize))
        .with_state(state.clone());
    let admin =
        switchboard_admin::router(admin)
            .merge(stats)
            .layer(axum::middleware::from_fn_with_state(
                auth::Recognizers {
                    tokens: state.admin_auth.clone(),
                    jwt: state.admin_jwt.clone(),
                },
                auth::recognize,
            ));
    let metrics = metrics::routes(state.clone());
    let local = Router::new()
        .merge(decision::routes())
        .with_state(state.clone());
    // Over the merged router, so the framework's refusals on every route (and on no
    // route) are problem documents too.
    switchboard_intake::router(state.intake)
        .merge(local)
        .merge(metrics)
        .merge(admin)
        .layer(axum::middleware::map_response(problem_edge))
        .layer(axum::middleware::map_response(common_headers))
        // After the API's edge layers: the console's files carry their own caching and
        // content security policy instead of the API's `no-store`.
        .merge(switchboard_console::router(state.console_sign_in.clone()))
}

async fn stats(State(state): State<ServeState>) -> Response {
    match stats_view(&state.pipeline).await {
        Ok(view) => axum::Json(view).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn stats_view(p: &Pipeline) -> Result<StatsView, AdminError> {
    let dead = switchboard_admin::ops::dead_letters(&p.routing, usize::MAX).await?;
    Ok(p.stats.view(p.routing.len(), dead.len()))
}
