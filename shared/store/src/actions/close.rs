//! Close: the lead is finished (won, lost, unqualified). Frees the rep's capacity and
//! records the outcome on the assignment, where outcome-aware routing can read it.

use jiff::Timestamp;
use serde_json::json;

use super::events::event;
use super::{ActionError, Answer, Desk, TRIES, Target};
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::leads::LeadStore;
use crate::ports::policies::PolicyStore;
use crate::ports::queue::Outbox;
use crate::ports::routing::{CloseOutcome, ReleaseOutcome, RoutingState};

impl<S, E, N> Desk<'_, S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    /// Closes the target's open assignment. An unaccepted lead may be closed too (a rep
    /// who won it straight away); closing ends its SLA clock like an accept.
    pub async fn close(
        &self,
        t: &Target,
        outcome: CloseOutcome,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        for _ in 0..TRIES {
            let a = match self.current(t).await? {
                Ok(a) => a,
                Err(refusal) => return Ok(refusal),
            };
            let Some(closed) = self
                .store()
                .end_attempt(
                    &t.lead_id,
                    a.attempt,
                    ReleaseOutcome::Closed,
                    Some(outcome),
                    now,
                )
                .await?
            else {
                continue;
            };
            self.router
                .events
                .publish(&event(
                    "lead.closed",
                    &closed,
                    now,
                    json!({ "outcome": outcome.as_str() }),
                ))
                .await?;
            return Ok(Answer::Closed { assignment: closed });
        }
        Err(ActionError::Contended(t.lead_id.clone()))
    }
}
