//! The admin routes, under [`PREFIX`]:
//!
//! | route | role | purpose |
//! | --- | --- | --- |
//! | `POST /policy` | admin | validate, store and activate a policy (`{document, note?}`) |
//! | `POST /policy/validate` | viewer | check a draft; nothing is stored |
//! | `POST /policy/coverage` | viewer | who can take each pool's expected leads, hour by hour (`coverage.rs`) |
//! | `GET /policy/active`, `GET /policy/versions/{n}` | viewer | a stored version |
//! | `GET /policy/history` | viewer | every version and the active one |
//! | `GET /policy/diff?from=N&to=M` | viewer | what changed between two versions (`to` defaults to the active one) |
//! | `POST /policy/rollback` | admin | activate the named version (`{version}`) |
//! | `GET /policy/shadow` | viewer | the version shadowing the active one (`shadow.rs`) |
//! | `POST /policy/shadow`, `POST /policy/shadow/stop` | admin | start a shadow (`{version, note?}`), or stop it |
//! | `GET /policy/shadow/report?since=7d` | viewer | agreement of the shadow with the active policy over a window |
//! | `POST /policy/whatif` | viewer | a window's leads replayed through the active policy and a draft (`whatif.rs`); nothing is stored |
//! | `POST /accounts` | admin | import accounts (a JSON array) |
//! | `POST /leads/import` | admin | import a batch of leads, each row normalized, stored once and routed (`import.rs`) |
//! | `GET /leads?since=7d&status=&pool=&rep=&reason=&overdue=&email=&domain=&company=&after=&limit=` | viewer | leads received in a window, oldest first, paged, filtered (`lead_filter.rs`) |
//! | `GET /leads/{id}` | viewer | a lead with its assignment and decisions |
//! | `GET /triage?after=&limit=` | viewer | the parked leads, oldest parked first, with their reasons |
//! | `POST /triage/{id}/reroute` | admin | route a parked lead again through the active policy |
//! | `POST /triage/{id}/assign` | admin | give a parked lead to a rep: `{rep, reason, override_caps?}` |
//! | `POST /triage/reroute` | admin | the same for every parked lead matching `{reason?, pool?, max?}` |
//! | `GET /reports/health?since=7d` | viewer | the health and fairness report over a window |
//! | `GET /reps`, `GET /reps/{id}` | viewer | live state of each rep of the active policy |
//! | `POST /reps/{id}/away`, `POST /reps/{id}/back` | admin | take a rep out of routing, or back |
//! | `GET /audit?since=7d&after=&limit=` | viewer | who changed what through this API, newest first |
//! | `GET /dlq?max=N` | viewer | dead letters of the routing queue |
//! | `POST /dlq/redrive` | admin | move dead letters back (`{max}`) |
//! | `GET /outcomes?rep=` | viewer | each rep's closes and win rate, overall and by segment (`outcomes.rs`) |
//! | `POST /outcomes/rebuild` | admin | recount the reps' recorded outcomes from the stored closes |
//! | `POST /outcomes/import` | admin | replace the reps' imported outcome history (`{rows}`) |
//! | `GET /me` | viewer | the caller and its role (`me.rs`) |
//!
//! Every body refuses fields it does not know: a misspelt field must not be read as absent
//! (`{"verison": 1}` rolling back to whatever came before).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use bytes::Bytes;
use http::Uri;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use switchboard_http::json_body;
use switchboard_routing::Account;
use switchboard_store::{
    AccountDirectory, AuditLog, DeliveryLog, EventPublisher, LeadIndex, LeadStore, NoEvents,
    OutcomeStore, PolicyStore, RoutingState, WorkQueue,
};

use crate::audit::{self, Change};
use crate::caller::Caller;
use crate::caller::authorize;
use crate::error::AdminError;
use crate::lead_filter::LeadFilter;
use crate::route_table::{ADMIN_ROUTES, RouteId};
use crate::{health, leads, ops, reps, triage, window};

/// Where the admin routes live, on every runtime.
pub const PREFIX: &str = "/v1/admin";

/// Account imports can be large (the Lambda front door caps a request at 6 MB anyway).
const MAX_ADMIN_BODY: usize = 64 * 1024 * 1024;

/// What the routes work on: the store, and the routing queue whose dead letters the DLQ
/// routes show (`None` where the runtime has none to offer).
pub struct AdminState<S, Q, E = NoEvents> {
    pub store: S,
    pub routing_queue: Option<Q>,
    /// Where `rep.away` and `rep.back` are announced, as a rep's own away and back are.
    pub events: E,
    /// Intake's normalization and reception, for lead imports (`None`: the route answers
    /// 503).
    pub intake: Option<Arc<dyn crate::import::RowIntake>>,
}

/// The storage a runtime gives the admin routes.
pub trait AdminStore:
    PolicyStore
    + AccountDirectory
    + LeadStore
    + LeadIndex
    + RoutingState
    + AuditLog
    + OutcomeStore
    + DeliveryLog
    + 'static
{
}
impl<T> AdminStore for T where
    T: PolicyStore
        + AccountDirectory
        + LeadStore
        + LeadIndex
        + RoutingState
        + AuditLog
        + OutcomeStore
        + DeliveryLog
        + 'static
{
}

type Shared<S, Q, E> = State<Arc<AdminState<S, Q, E>>>;

/// The admin router, nested at [`PREFIX`]. The runtime puts a [`crate::Caller`] in each
/// request's extensions (or none, which is a 401); the role check is here.
pub fn router<S: AdminStore, Q: WorkQueue + 'static, E: EventPublisher + 'static>(
    state: Arc<AdminState<S, Q, E>>,
) -> Router {
    router_at(state, PREFIX)
}

/// The admin router nested at `prefix` (on AWS, the IAM route's `/v1/iam/admin` too).
pub fn router_at<S: AdminStore, Q: WorkQueue + 'static, E: EventPublisher + 'static>(
    state: Arc<AdminState<S, Q, E>>,
    prefix: &str,
) -> Router {
    // Built from the route table, so the OpenAPI document written from it names every
    // route there is.
    let routes = ADMIN_ROUTES
        .iter()
        .fold(Router::new(), |router, r| {
            router.route(r.path, handler::<S, Q, E>(r.id))
        })
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY))
        .layer(axum::middleware::from_fn(authorize))
        .with_state(state);
    // The edge layers here too, so the admin routes answer alike wherever they are merged.
    Router::new()
        .nest(prefix, routes)
        .layer(axum::middleware::map_response(
            switchboard_http::problem_edge,
        ))
        .layer(axum::middleware::map_response(
            switchboard_http::headers::common_headers,
        ))
}

/// The handler of a route of the table; `verb` is the table's, checked by a test.
fn handler<S: AdminStore, Q: WorkQueue + 'static, E: EventPublisher + 'static>(
    id: RouteId,
) -> MethodRouter<Arc<AdminState<S, Q, E>>> {
    match id {
        RouteId::ApplyPolicy => post(apply_policy::<S, Q, E>),
        RouteId::ValidatePolicy => post(validate_policy),
        RouteId::ActivePolicy => get(active_policy::<S, Q, E>),
        RouteId::PolicyVersion => get(policy_version::<S, Q, E>),
        RouteId::PolicyHistory => get(policy_history::<S, Q, E>),
        RouteId::PolicyDiff => get(policy_diff::<S, Q, E>),
        RouteId::Rollback => post(rollback::<S, Q, E>),
        RouteId::ImportAccounts => post(import_accounts::<S, Q, E>),
        RouteId::ImportLeads => post(import_leads::<S, Q, E>),
        RouteId::Leads => get(leads_list::<S, Q, E>),
        RouteId::Lead => get(lead::<S, Q, E>),
        RouteId::Triage => get(triage_list::<S, Q, E>),
        RouteId::RerouteMatching => post(reroute_matching::<S, Q, E>),
        RouteId::RerouteOne => post(reroute_one::<S, Q, E>),
        RouteId::Assign => post(assign::<S, Q, E>),
        RouteId::Health => get(health_report::<S, Q, E>),
        RouteId::Reps => get(reps_list::<S, Q, E>),
        RouteId::Rep => get(rep_one::<S, Q, E>),
        RouteId::RepAway => post(rep_away::<S, Q, E>),
        RouteId::RepBack => post(rep_back::<S, Q, E>),
        RouteId::Audit => get(audit_list::<S, Q, E>),
        RouteId::DeadLetters => get(dead_letters::<S, Q, E>),
        RouteId::Redrive => post(redrive::<S, Q, E>),
        RouteId::Me => get(crate::me::me),
        RouteId::WhatIf => post(crate::whatif::route::<S, Q, E>),
        RouteId::Coverage => post(coverage::<S, Q, E>),
        RouteId::Shadow => get(shadow_show::<S, Q, E>),
        RouteId::StartShadow => post(shadow_start::<S, Q, E>),
        RouteId::StopShadow => post(shadow_stop::<S, Q, E>),
        RouteId::ShadowReport => get(shadow_report::<S, Q, E>),
        RouteId::Outcomes => get(outcomes_show::<S, Q, E>),
        RouteId::RebuildOutcomes => post(outcomes_rebuild::<S, Q, E>),
        RouteId::ImportOutcomes => post(outcomes_import::<S, Q, E>),
    }
}

/// Answers `result`; a success is first recorded in the audit log as `change` says.
async fn answer_recorded<S: AuditLog, T: serde::Serialize>(
    store: &S,
    caller: &Caller,
    result: Result<T, AdminError>,
    change: impl FnOnce(&T) -> Change,
) -> Response {
    if let Ok(done) = &result {
        audit::record(store, caller, change(done), Timestamp::now()).await;
    }
    answer(result)
}

fn answer<T: serde::Serialize>(result: Result<T, AdminError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ApplyRequest {
    document: String,
    #[serde(default)]
    note: Option<String>,
}

async fn apply_policy<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let req: ApplyRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let now = Timestamp::now();
    let result = ops::apply_policy(&state.store, &req.document, req.note.as_deref(), now).await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("policy.applied", format!("policy:{}", done.version))
            .note(req.note.clone())
            .detail(json!({ "version": done.version, "previous": done.previous }))
    })
    .await
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidateRequest {
    document: String,
}

async fn validate_policy(body: Bytes) -> Response {
    let req: ValidateRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    answer(ops::validate_policy(&req.document))
}

async fn coverage<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    body: Bytes,
) -> Response {
    let req: crate::coverage::CoverageRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    answer(crate::coverage::coverage(&state.store, &req, Timestamp::now()).await)
}

async fn shadow_show<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
) -> Response {
    answer(crate::shadow::view(&state.store).await)
}

async fn shadow_start<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let req: crate::shadow::ShadowRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = crate::shadow::start(&state.store, &req, Timestamp::now()).await;
    answer_recorded(&state.store, &caller, result, |_| {
        Change::new("policy.shadow_started", format!("policy:{}", req.version))
            .note(req.note.clone())
            .detail(json!({ "version": req.version }))
    })
    .await
}

async fn shadow_stop<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let before = state.store.get_shadow().await.ok().flatten();
    let result = crate::shadow::stop(&state.store).await;
    answer_recorded(&state.store, &caller, result, |_| {
        Change::new(
            "policy.shadow_stopped",
            before.as_ref().map_or_else(
                || "policy:none".to_owned(),
                |s| format!("policy:{}", s.version),
            ),
        )
    })
    .await
}

async fn shadow_report<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    answer(
        async {
            let range = window_of(&q, Timestamp::now())?;
            crate::shadow::report(&state.store, range).await
        }
        .await,
    )
}

async fn active_policy<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
) -> Response {
    answer(ops::policy_version(&state.store, None).await)
}

async fn policy_version<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    path: Option<Path<String>>,
) -> Response {
    let version = path.and_then(|Path(v)| v.parse::<u64>().ok());
    answer(match version {
        Some(v) => ops::policy_version(&state.store, Some(v)).await,
        None => Err(AdminError::NotFound("no such policy version".into())),
    })
}

async fn policy_history<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
) -> Response {
    answer(ops::policy_history(&state.store).await)
}

async fn policy_diff<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    answer(
        async {
            let from = parsed(&q, "from", "a version")?
                .ok_or_else(|| AdminError::invalid_param("from", "the version to compare from"))?;
            let before = ops::policy_version(&state.store, Some(from)).await?;
            let after = ops::policy_version(&state.store, parsed(&q, "to", "a version")?).await?;
            Ok(crate::diff::diff(
                before.version,
                &before.document,
                after.version,
                &after.document,
            ))
        }
        .await,
    )
}

/// The version to activate is required: the client resolves "the previous one" from the
/// history it was shown, so a request never rolls back further than its sender saw.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RollbackRequest {
    version: u64,
}

async fn rollback<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let req: RollbackRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = ops::rollback(&state.store, Some(req.version), Timestamp::now()).await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("policy.activated", format!("policy:{}", done.version))
            .detail(json!({ "version": done.version, "previous": done.previous }))
    })
    .await
}

async fn import_accounts<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let accounts: Vec<Account> = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = ops::import_accounts(&state.store, &accounts).await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("accounts.imported", "accounts").detail(json!({ "accounts": done.accounts }))
    })
    .await
}

async fn import_leads<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let req: crate::import::ImportRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = match &state.intake {
        Some(intake) => {
            crate::import::import(intake.as_ref(), &state.store, &req, Timestamp::now()).await
        }
        None => Err(AdminError::Unavailable(
            "this runtime does not import leads".into(),
        )),
    };
    // Counts only: the rows are personal data and stay out of the log.
    answer_recorded(&state.store, &caller, result, |done| {
        let mut detail = json!({
            "first_row": req.first_row, "rows": done.rows, "created": done.created,
            "duplicates": done.duplicates, "refused": done.refused,
        });
        if let Some(spread) = &done.spread {
            detail["spread"] = json!({ "from": spread.from, "to": spread.to });
        }
        Change::new("leads.imported", format!("source:{}", req.source.trim())).detail(detail)
    })
    .await
}

async fn lead<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    path: Option<Path<String>>,
) -> Response {
    answer(match path {
        Some(Path(id)) => ops::lead_report(&state.store, &id).await,
        None => Err(AdminError::NotFound("no such lead".into())),
    })
}

/// The query's parameters, percent-decoded; a name given twice keeps its last value.
fn params(uri: &Uri) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn window_of(
    q: &std::collections::HashMap<String, String>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), AdminError> {
    let get = |k: &str| q.get(k).map(String::as_str);
    window::window(get("since"), get("from"), get("to"), now)
}

/// The query parameter `field` parsed as a `T`, absent as `None`; a value that does not
/// parse is a 422 naming the field and what it should be (`what`: "a number").
fn parsed<T: std::str::FromStr>(
    q: &std::collections::HashMap<String, String>,
    field: &'static str,
    what: &str,
) -> Result<Option<T>, AdminError> {
    q.get(field)
        .map(|v| {
            v.parse()
                .map_err(|_| AdminError::invalid_param(field, format!("`{v}` is not {what}")))
        })
        .transpose()
}

fn limit_of(q: &std::collections::HashMap<String, String>) -> Result<usize, AdminError> {
    leads::page_limit(parsed(q, "limit", "a number")?)
}

async fn leads_list<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    answer(
        async {
            let now = Timestamp::now();
            let range = window_of(&q, now)?;
            let filter = LeadFilter::from_query(|k| q.get(k).map(String::as_str))?;
            let after = leads::cursor(q.get("after").map(String::as_str))?;
            let limit = limit_of(&q)?;
            leads::received(&state.store, range, &filter, after.as_ref(), limit, now).await
        }
        .await,
    )
}

async fn triage_list<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    answer(
        async {
            let after = leads::cursor(q.get("after").map(String::as_str))?;
            leads::triage(&state.store, after.as_ref(), limit_of(&q)?).await
        }
        .await,
    )
}

async fn reroute_one<S: AdminStore, Q: WorkQueue, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    path: Option<Path<String>>,
) -> Response {
    let Some(Path(id)) = path else {
        return AdminError::NotFound("no such lead".into()).into_response();
    };
    let result =
        async { triage::reroute_one(&state.store, queue(&state)?, &id, Timestamp::now()).await }
            .await;
    answer_recorded(&state.store, &caller, result, |_| {
        Change::new("lead.rerouted", format!("lead:{id}"))
    })
    .await
}

async fn assign<S: AdminStore, Q: WorkQueue, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    path: Option<Path<String>>,
    body: Bytes,
) -> Response {
    let Some(Path(id)) = path else {
        return AdminError::NotFound("no such lead".into()).into_response();
    };
    let order: triage::AssignOrder = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = async {
        let q = queue(&state)?;
        triage::assign(&state.store, q, &id, &order, &caller.id, Timestamp::now()).await
    }
    .await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("lead.assigned_by_hand", format!("lead:{id}"))
            .note(Some(order.reason.clone()))
            .detail(json!({ "rep": done.rep, "override_caps": order.override_caps }))
    })
    .await
}

async fn reroute_matching<S: AdminStore, Q: WorkQueue, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let filter: triage::RerouteFilter = if body.is_empty() {
        triage::RerouteFilter::default()
    } else {
        match json_body(&body) {
            Ok(v) => v,
            Err(refused) => return refused.into_response(),
        }
    };
    let result = async {
        triage::reroute_matching(&state.store, queue(&state)?, &filter, Timestamp::now()).await
    }
    .await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("leads.rerouted", "triage").detail(json!({
            "reason": filter.reason, "pool": filter.pool, "lead_ids": done.lead_ids,
        }))
    })
    .await
}

async fn health_report<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    let now = Timestamp::now();
    answer(
        async {
            let range = window_of(&q, now)?;
            health::health(&state.store, range, now).await
        }
        .await,
    )
}

async fn reps_list<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
) -> Response {
    answer(reps::list(&state.store, Timestamp::now()).await)
}

async fn rep_one<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    path: Option<Path<String>>,
) -> Response {
    answer(match path {
        Some(Path(id)) => reps::one(&state.store, &id, Timestamp::now()).await,
        None => Err(AdminError::NotFound("no such rep".into())),
    })
}

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct AwayRequest {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    until: Option<Timestamp>,
}

async fn rep_away<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    path: Option<Path<String>>,
    body: Bytes,
) -> Response {
    // An empty body is "away until someone says back".
    let req: AwayRequest = if body.is_empty() {
        AwayRequest::default()
    } else {
        match json_body(&body) {
            Ok(v) => v,
            Err(refused) => return refused.into_response(),
        }
    };
    let Some(Path(id)) = path else {
        return AdminError::NotFound("no such rep".into()).into_response();
    };
    let away = reps::Away::Until(req.until);
    let now = Timestamp::now();
    let result = reps::set_away(&state.store, &id, away, now).await;
    if result.is_ok() {
        announce(
            &state.events,
            "rep.away",
            &id,
            now,
            json!({ "rep": id, "until": req.until }),
        )
        .await;
    }
    answer_recorded(&state.store, &caller, result, |_| {
        Change::new("rep.away", format!("rep:{id}")).detail(json!({ "until": req.until }))
    })
    .await
}

async fn rep_back<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    path: Option<Path<String>>,
) -> Response {
    let Some(Path(id)) = path else {
        return AdminError::NotFound("no such rep".into()).into_response();
    };
    let now = Timestamp::now();
    let result = reps::set_away(&state.store, &id, reps::Away::Back, now).await;
    if result.is_ok() {
        announce(&state.events, "rep.back", &id, now, json!({ "rep": id })).await;
    }
    answer_recorded(&state.store, &caller, result, |_| {
        Change::new("rep.back", format!("rep:{id}"))
    })
    .await
}

/// Publishes a rep's away or back as the rep's own action does (`Desk::set_away`), so
/// whoever follows the bus sees the change whoever made it. Best effort: the change is
/// stored and audited already, so a bus failure is logged, not answered as a failure.
async fn announce<E: EventPublisher>(
    events: &E,
    kind: &str,
    rep: &str,
    now: Timestamp,
    detail: serde_json::Value,
) {
    let event = switchboard_store::actions::rep_event(kind, rep, now, detail);
    if let Err(e) = events.publish(&event).await {
        tracing::error!(event = kind, rep, error = %e, "rep change not published");
    }
}

fn queue<S, Q, E>(state: &AdminState<S, Q, E>) -> Result<&Q, AdminError> {
    state
        .routing_queue
        .as_ref()
        .ok_or_else(|| AdminError::Unavailable("this runtime has no routing queue to show".into()))
}

async fn dead_letters<S: AdminStore, Q: WorkQueue, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    answer(
        async {
            let max = parsed(&q, "max", "a number")?.unwrap_or(100);
            let q = queue(&state)?;
            ops::dead_letters(q, max).await
        }
        .await,
    )
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RedriveRequest {
    max: usize,
}

async fn redrive<S: AdminStore, Q: WorkQueue, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let req: RedriveRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = async {
        let q = queue(&state)?;
        ops::redrive(q, req.max).await
    }
    .await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("dead_letters.redriven", "routing-queue").detail(json!({ "moved": done.moved }))
    })
    .await
}

async fn outcomes_show<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    let rep = q.get("rep").map(String::as_str).filter(|r| !r.is_empty());
    answer(crate::outcomes::show(&state.store, rep).await)
}

async fn outcomes_rebuild<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let result = crate::outcomes::rebuild(&state.store).await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("outcomes.rebuilt", "outcomes").detail(json!(done))
    })
    .await
}

async fn outcomes_import<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let req: crate::outcomes::OutcomesImport = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let result = crate::outcomes::import(&state.store, &req).await;
    answer_recorded(&state.store, &caller, result, |done| {
        Change::new("outcomes.imported", "outcomes").detail(json!({
            "rows": done.rows,
            "closes": done.closes,
            "unqualified": done.unqualified,
            "reps": done.reps,
            "refused": done.refused.len(),
        }))
    })
    .await
}

async fn audit_list<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): Shared<S, Q, E>,
    uri: Uri,
) -> Response {
    let q = params(&uri);
    answer(
        async {
            let range = window_of(&q, Timestamp::now())?;
            let after = q.get("after").map(String::as_str);
            audit::list(&state.store, range, after, limit_of(&q)?).await
        }
        .await,
    )
}
