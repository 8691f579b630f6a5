//! The API routes: `POST /v1/leads/{id}/{action}` and `POST /v1/reps/{rep}/{action}`,
//! authenticated by an action key (see [`super::config`]). Answers are JSON; refusals and
//! errors go through the one problem mapping of [`crate::problem`].

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::HeaderMap;
use jiff::Timestamp;
use serde::Deserialize;
use switchboard_routing::recycle::{RecycleAsk, RecycleAskError};
use switchboard_store::CloseOutcome;
use switchboard_store::actions::{ActionError, Target};

use super::{ActionsState, Command, Reply, links, slack};
use crate::auth::AuthError;
use crate::error::IntakeError;
use crate::state::IntakeState;

pub(crate) fn routes() -> Router<IntakeState> {
    Router::new()
        .route("/v1/leads/{id}/{action}", post(lead_action))
        .route("/v1/reps/{rep}/{action}", post(rep_action))
        .route("/v1/actions/{token}", get(links::show).post(links::perform))
        .route("/v1/slack/interactivity", post(slack::interactivity))
}

/// The body of a lead action; every field optional (an empty body is `{}`).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct LeadActionBody {
    /// The rep acted for: required with an admin key, optional with a rep key.
    #[serde(default)]
    rep: Option<String>,
    /// The assignment (decision number) the rep means; without it, the current one.
    #[serde(default)]
    attempt: Option<u32>,
    /// Reject: required. Release: optional. Recycle: required, one of `bad_data`,
    /// `no_budget`, `student`, `competitor`, `job_seeker`, `not_decision_maker`, `other`.
    #[serde(default)]
    reason: Option<String>,
    /// Close: `won`, `lost` or `unqualified`.
    #[serde(default)]
    outcome: Option<String>,
    /// Recycle: the rep's note, required with reason `other` (at most 500 characters).
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct AwayBody {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    until: Option<Timestamp>,
}

pub(super) fn enabled(state: &IntakeState) -> Result<&ActionsState, IntakeError> {
    state.actions.as_ref().ok_or(IntakeError::RouteNotFound)
}

async fn json_body<T: for<'de> Deserialize<'de> + Default>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, IntakeError> {
    let bytes = crate::body::read_limited(headers, body, 16 * 1024).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&bytes).map_err(|e| IntakeError::invalid("body", e.to_string()))
}

async fn lead_action(
    State(state): State<IntakeState>,
    Path((lead_id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let actions = enabled(&state)?;
        let actor = actions
            .config
            .actor(&headers)
            .ok_or(AuthError::BadCredentials)?;
        let body: LeadActionBody = json_body(&headers, body).await?;
        let rep = actor
            .acting_for(body.rep.as_deref())
            .map_err(IntakeError::Forbidden)?;
        let target = Target::new(lead_id, rep, body.attempt);
        let command = match action.as_str() {
            "accept" => Command::Accept(target),
            "reject" => {
                let reason = body
                    .reason
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| IntakeError::invalid("reason", "a rejection needs a reason"))?;
                Command::Reject(target, reason)
            }
            "release" => Command::Release(target, body.reason),
            "close" => {
                let outcome = body
                    .outcome
                    .as_deref()
                    .and_then(CloseOutcome::parse)
                    .ok_or_else(|| {
                        IntakeError::invalid("outcome", "one of `won`, `lost`, `unqualified`")
                    })?;
                Command::Close(target, outcome)
            }
            "recycle" => {
                let ask = RecycleAsk::parse(body.reason.as_deref(), body.note.as_deref()).map_err(
                    |e| {
                        let field = match e {
                            RecycleAskError::NoReason | RecycleAskError::UnknownReason(_) => {
                                "reason"
                            }
                            RecycleAskError::NoteRequired | RecycleAskError::NoteTooLong(_) => {
                                "note"
                            }
                        };
                        IntakeError::invalid(field, e.to_string())
                    },
                )?;
                Command::Recycle(target, ask)
            }
            _ => return Err(IntakeError::RouteNotFound),
        };
        run(actions, command, state.clock.now()).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn rep_action(
    State(state): State<IntakeState>,
    Path((rep, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let actions = enabled(&state)?;
        let actor = actions
            .config
            .actor(&headers)
            .ok_or(AuthError::BadCredentials)?;
        let rep = actor
            .acting_for(Some(&rep))
            .map_err(IntakeError::Forbidden)?;
        let command = match action.as_str() {
            "away" => {
                let body: AwayBody = json_body(&headers, body).await?;
                Command::Away {
                    rep,
                    until: body.until,
                }
            }
            "back" => Command::Back { rep },
            _ => return Err(IntakeError::RouteNotFound),
        };
        run(actions, command, state.clock.now()).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Runs a command and answers: 200 with the answer when the action took effect (or had
/// already), a 409 problem when it changed nothing.
async fn run(
    actions: &ActionsState,
    command: Command,
    now: Timestamp,
) -> Result<Response, IntakeError> {
    let reply = actions.desk.run(command, now).await.map_err(action_error)?;
    reply_json(reply)
}

pub(crate) fn action_error(e: ActionError) -> IntakeError {
    match e {
        ActionError::LeadNotFound(_) => IntakeError::LeadNotFound,
        ActionError::RepNotFound(_) => IntakeError::RepNotFound,
        other => IntakeError::ActionUnavailable(other.to_string()),
    }
}

fn reply_json(reply: Reply) -> Result<Response, IntakeError> {
    let message = reply.message();
    let mut value = match &reply {
        Reply::Lead(answer) if !answer.done() => {
            return Err(IntakeError::ActionRefused {
                code: answer.code(),
                message,
            });
        }
        Reply::Lead(answer) => serde_json::to_value(answer),
        Reply::Rep(away) => serde_json::to_value(away),
    }
    .map_err(|e| IntakeError::ActionUnavailable(e.to_string()))?;
    if let Some(object) = value.as_object_mut() {
        object.insert("message".into(), message.into());
    }
    Ok(Json(value).into_response())
}
