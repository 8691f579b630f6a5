//! The admin routes: the operations of `crate::admin::ops` over HTTP, for the admin
//! commands while this process holds the store. Every route requires the admin token
//! (`Authorization: Bearer <token>`), which `serve.json` in the data directory holds.

use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, Uri};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use switchboard_intake::auth::{self, AuthError};
use switchboard_intake::problem::{Problem, ProblemType};
use switchboard_intake::{FieldIssue, IntakeError};
use switchboard_routing::Account;

use super::{ServeState, query_param};
use crate::admin::{AdminError, ops};

/// Account imports can be large.
const MAX_ADMIN_BODY: usize = 64 * 1024 * 1024;

pub fn routes(state: ServeState) -> Router<ServeState> {
    Router::new()
        .route("/admin/policy", post(apply_policy))
        .route("/admin/policy/active", get(active_policy))
        .route("/admin/policy/versions/{version}", get(policy_version))
        .route("/admin/policy/history", get(policy_history))
        .route("/admin/policy/rollback", post(rollback))
        .route("/admin/accounts", post(import_accounts))
        .route("/admin/leads/{id}", get(lead))
        .route("/admin/dlq", get(dead_letters))
        .route("/admin/dlq/redrive", post(redrive))
        .route("/admin/stats", get(stats))
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY))
        .layer(axum::middleware::from_fn_with_state(state, require_admin))
}

async fn require_admin(
    State(state): State<ServeState>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let ok = auth::presented_api_key(&headers)
        .is_some_and(|key| state.admin_token.matches(key.as_bytes()));
    if ok {
        next.run(request).await
    } else {
        IntakeError::from(AuthError::BadCredentials).into_response()
    }
}

/// The body as `T`, or the 422 problem to answer. The problem names the field at fault
/// when serde does (an unknown or a missing field), else `body`.
fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        let field = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('`'))
            .map_or("body", |(field, _)| field)
            .to_owned();
        Problem::new(
            ProblemType::InvalidBody,
            format!("request body: {message}"),
            vec![FieldIssue::new(field, message)],
        )
    })
}

fn answer<T: serde::Serialize>(result: Result<T, AdminError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => e.into_response(),
    }
}

// Every body refuses fields it does not know: a misspelt field must not be read as absent
// (`{"verison": 1}` rolling back to whatever came before).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyRequest {
    document: String,
    #[serde(default)]
    note: Option<String>,
}

async fn apply_policy(State(state): State<ServeState>, body: Bytes) -> Response {
    let req: ApplyRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let store = &state.pipeline.store;
    answer(ops::apply_policy(store, &req.document, req.note.as_deref(), Timestamp::now()).await)
}

async fn active_policy(State(state): State<ServeState>) -> Response {
    answer(ops::policy_version(&state.pipeline.store, None).await)
}

async fn policy_version(State(state): State<ServeState>, path: Option<Path<String>>) -> Response {
    let version = path.and_then(|Path(v)| v.parse::<u64>().ok());
    answer(match version {
        Some(v) => ops::policy_version(&state.pipeline.store, Some(v)).await,
        None => Err(AdminError::NotFound("no such policy version".into())),
    })
}

async fn policy_history(State(state): State<ServeState>) -> Response {
    answer(ops::policy_history(&state.pipeline.store).await)
}

/// The version to activate is required: the client resolves "the previous one" from the
/// history it was shown, so a request never rolls back further than its sender saw.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackRequest {
    version: u64,
}

async fn rollback(State(state): State<ServeState>, body: Bytes) -> Response {
    let req: RollbackRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    answer(ops::rollback(&state.pipeline.store, Some(req.version), Timestamp::now()).await)
}

async fn import_accounts(State(state): State<ServeState>, body: Bytes) -> Response {
    let accounts: Vec<Account> = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    answer(ops::import_accounts(&state.pipeline.store, &accounts).await)
}

async fn lead(State(state): State<ServeState>, path: Option<Path<String>>) -> Response {
    answer(match path {
        Some(Path(id)) => ops::lead_report(&state.pipeline.store, &id).await,
        None => Err(AdminError::NotFound("no such lead".into())),
    })
}

async fn dead_letters(State(state): State<ServeState>, uri: Uri) -> Response {
    let max = query_param(uri.query(), "max")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    answer(ops::dead_letters(&state.pipeline.routing, max).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedriveRequest {
    max: usize,
}

async fn redrive(State(state): State<ServeState>, body: Bytes) -> Response {
    let req: RedriveRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    answer(ops::redrive(&state.pipeline.routing, req.max).await)
}

async fn stats(State(state): State<ServeState>) -> Response {
    let p = &state.pipeline;
    answer(
        async {
            let dead = ops::dead_letters(&p.routing, usize::MAX).await?.len();
            Ok(p.stats.view(p.routing.len(), dead))
        }
        .await,
    )
}
