//! `GET /v1/leads/{id}/decision`: where routing is with a lead. Intake's
//! `GET /v1/leads/{id}` reads through intake's lead contract, which knows intake's part of
//! the pipeline only; this route reads the status, the assignment and every decision record
//! through the routing port, in one consistent read.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{HeaderMap, Uri};
use serde::{Deserialize, Serialize};
use switchboard_intake::auth::{self, AuthError};
use switchboard_intake::{GenericAuth, IntakeConfig, IntakeError, ProviderKind};
use switchboard_routing::DecisionRecord;
use switchboard_store::{Assignment, LeadRouting, RoutingState};

use switchboard_http::body::query_param;

use super::ServeState;

/// Longest wait a client may ask for.
const MAX_WAIT: Duration = Duration::from_secs(30);

pub fn routes() -> Router<ServeState> {
    Router::new().route("/v1/leads/{id}/decision", get(get_decision))
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionView {
    pub lead_id: String,
    /// `received`, `queued`, `scheduled`, `duplicate`, `assigned`, `parked` or `closed`.
    pub status: String,
    pub assignment: Option<Assignment>,
    /// Every decision made for the lead, oldest first.
    pub decisions: Vec<DecisionRecord>,
}

async fn get_decision(
    State(state): State<ServeState>,
    path: Option<Path<String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match decision(&state, path.map(|Path(id)| id), &uri, &headers).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn decision(
    state: &ServeState,
    lead_id: Option<String>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<DecisionView, IntakeError> {
    let access = access(&state.intake.config, headers)?;
    let lead_id = lead_id.ok_or(IntakeError::LeadNotFound)?;
    let wait = query_param(uri.query(), "wait_ms")
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Duration::ZERO, |ms| Duration::from_millis(ms).min(MAX_WAIT));
    let store = &state.pipeline.store;

    // Registered before the read, so a decision stored in between still wakes us.
    let mut waiter = (!wait.is_zero()).then(|| state.pipeline.completions.register(&lead_id));
    let mut routing = read_routing(store, &lead_id, &access).await?;
    if let Some(w) = waiter.as_mut()
        && routing.lead.status.awaits_routing()
    {
        w.wait(wait).await;
        routing = read_routing(store, &lead_id, &access).await?;
    }
    drop(waiter);
    Ok(DecisionView {
        lead_id,
        status: routing.lead.status.as_str().to_owned(),
        assignment: routing.assignment,
        decisions: routing.decisions,
    })
}

/// Which leads a key may read: the same rule as intake's `GET /v1/leads/{id}` (a read key
/// reads every lead; a generic source's API key reads that source's leads).
enum Access {
    All,
    Sources(Vec<String>),
}

fn access(config: &IntakeConfig, headers: &HeaderMap) -> Result<Access, IntakeError> {
    let key = auth::presented_api_key(headers).ok_or(AuthError::BadCredentials)?;
    // Every key is compared, so the time taken does not tell which one matched.
    let global = config
        .read_keys
        .iter()
        .fold(false, |any, k| any | k.matches(key.as_bytes()));
    let own: Vec<String> = config
        .sources
        .iter()
        .filter(|s| s.kind == ProviderKind::Generic && s.auth == GenericAuth::ApiKey)
        .filter(|s| s.secret.matches(key.as_bytes()))
        .map(|s| s.id.clone())
        .collect();
    match (global, own.is_empty()) {
        (true, _) => Ok(Access::All),
        (false, false) => Ok(Access::Sources(own)),
        (false, true) => Err(AuthError::BadCredentials.into()),
    }
}

/// The lead with its routing from one read, so the status, the assignment and the
/// decisions agree. A lead the key may not read answers 404, as an unknown id does.
async fn read_routing<S: RoutingState>(
    store: &S,
    lead_id: &str,
    access: &Access,
) -> Result<LeadRouting, IntakeError> {
    let routing = store
        .lead_routing(lead_id)
        .await?
        .ok_or(IntakeError::LeadNotFound)?;
    let visible = match access {
        Access::All => true,
        Access::Sources(own) => routing
            .lead
            .lead
            .source
            .as_deref()
            .is_some_and(|s| own.iter().any(|o| o == s)),
    };
    if visible {
        Ok(routing)
    } else {
        Err(IntakeError::LeadNotFound)
    }
}
