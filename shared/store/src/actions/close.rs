//! Close: the lead is finished (won, lost, unqualified). Frees the rep's capacity and
//! records the outcome on the assignment, where outcome-aware routing can read it.

use jiff::Timestamp;
use serde_json::json;

use super::events::{event, with_why};
use super::{ActionError, Answer, Desk, TRIES, Target};
use crate::error::StoreError;
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
        self.end_with_rep(t, Some(outcome), None, now).await
    }

    /// Closes the target's open assignment with `outcome` because something outside
    /// Switchboard said so (the lead was finished in the CRM); `why` goes into the
    /// `lead.closed` event's detail.
    pub async fn close_because(
        &self,
        t: &Target,
        outcome: CloseOutcome,
        why: &str,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        self.end_with_rep(t, Some(outcome), Some(why), now).await
    }

    /// Ends the target's open assignment because someone outside Switchboard took the
    /// lead over (its owner was changed by hand in the CRM): closed without an outcome,
    /// the rep's capacity freed and the lead not routed again, since a person decided who
    /// has it. `why` goes into the `lead.closed` event's detail.
    pub async fn hand_over(
        &self,
        t: &Target,
        why: &str,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        self.end_with_rep(t, None, Some(why), now).await
    }

    async fn end_with_rep(
        &self,
        t: &Target,
        outcome: Option<CloseOutcome>,
        why: Option<&str>,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        for _ in 0..TRIES {
            let a = match self.current(t).await? {
                Ok(a) => a,
                Err(refusal) => return Ok(refusal),
            };
            // A conflict is another write racing this one (on DynamoDB also another close
            // of the rep's counting toward the same outcome record): read again and retry.
            let closed = match self
                .store()
                .end_attempt(&t.lead_id, a.attempt, ReleaseOutcome::Closed, outcome, now)
                .await
            {
                Ok(Some(closed)) => closed,
                Ok(None) | Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            self.router
                .events
                .publish(&event(
                    "lead.closed",
                    &closed,
                    now,
                    with_why(
                        json!({ "outcome": outcome.map(CloseOutcome::as_str) }),
                        "reason",
                        why,
                    ),
                ))
                .await?;
            return Ok(Answer::Closed { assignment: closed });
        }
        Err(ActionError::Contended(t.lead_id.clone()))
    }
}
