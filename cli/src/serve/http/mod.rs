//! The local process's HTTP surface: intake's router (`switchboard_intake::router`, the
//! same as the Lambda's), plus the routes only the local process has:
//!
//! | route | purpose |
//! | --- | --- |
//! | `GET /v1/leads/{id}/decision` | routing status, assignment and decisions (read key or the source's API key); `?wait_ms=N` waits up to N ms (at most 30 s) for the decision |
//! | `/admin/...` | policy, accounts, leads, dead letters, stats (admin token from `serve.json`) |

mod admin;
mod decision;
pub mod problem;

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use http::{HeaderValue, header};
use switchboard_intake::problem::problem_edge;
use switchboard_intake::{IntakeState, Secret};

use super::pipeline::Pipeline;

pub use decision::DecisionView;

#[derive(Clone)]
pub struct ServeState {
    pub pipeline: Arc<Pipeline>,
    pub intake: IntakeState,
    pub admin_token: Arc<Secret>,
}

pub fn app(state: ServeState) -> Router {
    let local = Router::new()
        .merge(decision::routes())
        .merge(admin::routes(state.clone()))
        .with_state(state.clone());
    // Over the merged router, so the framework's refusals on every route (and on no
    // route) are problem documents too.
    switchboard_intake::router(state.intake)
        .merge(local)
        .layer(axum::middleware::map_response(problem_edge))
        .layer(axum::middleware::map_response(common_headers))
}

/// As on intake's routes: answers are data for machines, never cached or sniffed.
async fn common_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The value of `name` in a query string (`a=1&b=2`); values here are plain numbers.
fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
