//! Rep actions on an assignment: accept, reject, release, close, recycle, and away/back.
//!
//! One implementation for every entry point (the HTTP routes, Slack buttons, signed
//! action links, the local process). Every action names the assignment it is about (lead,
//! rep and, from a notification, the attempt) and changes it only through a conditional
//! store write, so a late or repeated click changes nothing and gets an [`Answer`] that
//! says what happened instead ("already accepted by you", "this lead moved to X", "not
//! yours").
//!
//! A rejected or released lead is routed again inline, excluding the reps it bounced
//! from, so the answer can say where it went. When that routing fails (contention, a
//! store error) the lead stays `received` and the sweep re-drives it; the action itself
//! still stands.

mod accept;
mod answer;
mod away;
mod close;
mod events;
mod give_back;
mod recycle;
mod reroute;

pub use answer::{Answer, Next};
pub use away::{AwayAnswer, rep_event};
pub use reroute::{Rerouted, reroute};

pub(crate) use events::event;

use crate::error::StoreError;
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::leads::LeadStore;
use crate::ports::policies::PolicyStore;
use crate::ports::queue::Outbox;
use crate::ports::routing::{Assignment, AssignmentStatus, RoutingState};
use crate::router::Router;
use switchboard_routing::{LeadId, RepId};

/// Who acts on which assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub lead_id: LeadId,
    /// The rep acting; only the assigned rep may act on an assignment.
    pub rep: RepId,
    /// The attempt (decision number) the rep was notified about. `None` acts on the
    /// current assignment, whichever attempt it is (the API, where the rep looks at the
    /// lead as it is now).
    pub attempt: Option<u32>,
}

impl Target {
    pub fn new(lead_id: impl Into<LeadId>, rep: impl Into<RepId>, attempt: Option<u32>) -> Self {
        Target {
            lead_id: lead_id.into(),
            rep: rep.into(),
            attempt,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("lead {0} does not exist")]
    LeadNotFound(LeadId),
    /// Away and back name a rep the active policy does not have.
    #[error("rep {0} is not in the active policy")]
    RepNotFound(RepId),
    /// Every try lost a race with another writer; the caller may try again.
    #[error("lead {0} kept changing while the action was tried")]
    Contended(LeadId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The services an action needs: the router (store, events, policies) and the notify
/// queue. Cheap to build per request.
pub struct Desk<'a, S, E, N> {
    pub router: &'a Router<S, E>,
    pub notify: &'a N,
}

impl<S, E, N> Clone for Desk<'_, S, E, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S, E, N> Copy for Desk<'_, S, E, N> {}

impl<'a, S, E, N> Desk<'a, S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    pub fn new(router: &'a Router<S, E>, notify: &'a N) -> Self {
        Desk { router, notify }
    }

    fn store(&self) -> &'a S {
        &self.router.store
    }

    /// The target's assignment if it is open, ours and at the named attempt; otherwise
    /// the refusal that explains why not.
    async fn current(&self, t: &Target) -> Result<Result<Assignment, Answer>, ActionError> {
        let a = self.store().assignment(&t.lead_id).await?;
        if let Some(a) = &a
            && a.status == AssignmentStatus::Open
            && a.rep == t.rep
            && t.attempt.is_none_or(|n| n == a.attempt)
        {
            return Ok(Ok(a.clone()));
        }
        Ok(Err(self.explain(t, a).await?))
    }

    /// Why the target's assignment is not open with the rep (nothing was changed).
    async fn explain(&self, t: &Target, a: Option<Assignment>) -> Result<Answer, ActionError> {
        let lead = self
            .store()
            .get(&t.lead_id)
            .await?
            .ok_or_else(|| ActionError::LeadNotFound(t.lead_id.clone()))?;
        Ok(answer::refusal(t, a, lead.status))
    }
}

/// Tries a conditional action a few times: a conflict means the assignment changed
/// between the read and the write, and the next read explains how.
const TRIES: u32 = 3;
