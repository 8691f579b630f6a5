//! Rep actions over HTTP: the API routes, signed action links and Slack interactivity.
//!
//! | route | who | what |
//! | --- | --- | --- |
//! | `POST /v1/leads/{id}/accept\|reject\|release\|close\|recycle` | rep key, or admin key naming a rep | act on the lead's assignment |
//! | `POST /v1/reps/{rep}/away\|back` | that rep's key, or an admin key | availability |
//! | `GET /v1/actions/{token}` | the signed link itself | confirmation page (changes nothing) |
//! | `POST /v1/actions/{token}` | the signed link itself | performs the link's action |
//! | `POST /v1/slack/interactivity` | Slack's request signature | Accept/Reject buttons |
//!
//! Every route goes through one [`RepDesk`], which runs the store-level operations of
//! `switchboard_store::actions`; the routes only authenticate, parse and answer. The
//! reference is `docs/ACTIONS.md`.

pub mod aws;
pub mod config;
pub(crate) mod http_routes;
mod links;
pub mod slack;

use std::sync::Arc;

use jiff::Timestamp;
use switchboard_routing::recycle::RecycleAsk;
use switchboard_store::actions::{ActionError, Answer, AwayAnswer, Desk, Target};
use switchboard_store::{
    AccountDirectory, CloseOutcome, EventPublisher, LeadStore, Outbox, PolicyStore, Router,
    RoutingState,
};

pub use config::{ActionsConfig, Actor};
pub(crate) use http_routes::routes;

use futures_util::future::BoxFuture;

/// One rep action, as the routes parsed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Accept(Target),
    Reject(Target, String),
    Release(Target, Option<String>),
    Close(Target, CloseOutcome),
    Recycle(Target, RecycleAsk),
    Away {
        rep: String,
        until: Option<Timestamp>,
    },
    Back {
        rep: String,
    },
}

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Lead(Answer),
    Rep(AwayAnswer),
}

impl Reply {
    pub fn message(&self) -> String {
        match self {
            Reply::Lead(a) => a.message(),
            Reply::Rep(a) => a.message(),
        }
    }
}

/// Runs commands against the store. Object-safe, so the router state does not carry the
/// store's type; [`StoreDesk`] is the implementation over the store ports.
pub trait RepDesk: Send + Sync {
    fn run(&self, command: Command, now: Timestamp) -> BoxFuture<'_, Result<Reply, ActionError>>;
}

/// [`RepDesk`] over a [`Router`] (store, events, policies) and the notify queue.
pub struct StoreDesk<S, E, N> {
    pub router: Arc<Router<S, E>>,
    pub notify: Arc<N>,
}

impl<S, E, N> StoreDesk<S, E, N> {
    pub fn new(router: Arc<Router<S, E>>, notify: Arc<N>) -> Self {
        StoreDesk { router, notify }
    }
}

impl<S, E, N> RepDesk for StoreDesk<S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory + 'static,
    E: EventPublisher + 'static,
    N: Outbox + 'static,
{
    fn run(&self, command: Command, now: Timestamp) -> BoxFuture<'_, Result<Reply, ActionError>> {
        Box::pin(async move {
            let desk = Desk::new(&self.router, &*self.notify);
            Ok(match command {
                Command::Accept(t) => Reply::Lead(desk.accept(&t, now).await?),
                Command::Reject(t, reason) => Reply::Lead(desk.reject(&t, &reason, now).await?),
                Command::Release(t, reason) => {
                    Reply::Lead(desk.release(&t, reason.as_deref(), now).await?)
                }
                Command::Close(t, outcome) => Reply::Lead(desk.close(&t, outcome, now).await?),
                Command::Recycle(t, ask) => Reply::Lead(desk.recycle(&t, &ask, now).await?),
                Command::Away { rep, until } => Reply::Rep(desk.set_away(&rep, until, now).await?),
                Command::Back { rep } => Reply::Rep(desk.set_back(&rep, now).await?),
            })
        })
    }
}

/// What the action routes need: who may act, and the desk that acts.
#[derive(Clone)]
pub struct ActionsState {
    pub config: Arc<ActionsConfig>,
    pub desk: Arc<dyn RepDesk>,
}

impl ActionsState {
    pub fn new(config: ActionsConfig, desk: Arc<dyn RepDesk>) -> Self {
        ActionsState {
            config: Arc::new(config),
            desk,
        }
    }
}
