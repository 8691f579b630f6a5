//! Reject (with a reason) and release (no judgement): the rep gives the lead back, it is
//! routed again at once without this rep, and the rep's capacity is freed.

use jiff::Timestamp;
use serde_json::json;

use super::events::event;
use super::reroute::reroute;
use super::{ActionError, Answer, Desk, TRIES, Target};
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::leads::LeadStore;
use crate::ports::policies::PolicyStore;
use crate::ports::queue::Outbox;
use crate::ports::routing::{ReleaseOutcome, RoutingState};

impl<S, E, N> Desk<'_, S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    /// The rep turns the lead down for `reason`.
    pub async fn reject(
        &self,
        t: &Target,
        reason: &str,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        self.give_back(t, ReleaseOutcome::Rejected, Some(reason), now)
            .await
    }

    /// The rep hands the lead back without rejecting it.
    pub async fn release(
        &self,
        t: &Target,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        self.give_back(t, ReleaseOutcome::Released, reason, now)
            .await
    }

    async fn give_back(
        &self,
        t: &Target,
        outcome: ReleaseOutcome,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        for _ in 0..TRIES {
            let a = match self.current(t).await? {
                Ok(a) => a,
                Err(refusal) => return Ok(refusal),
            };
            let Some(ended) = self
                .store()
                .end_attempt(&t.lead_id, a.attempt, outcome, None, now)
                .await?
            else {
                // Ended by someone else between the read and the write.
                continue;
            };
            let (kind, label) = match outcome {
                ReleaseOutcome::Rejected => ("lead.rejected", "rejected"),
                _ => ("lead.released", "released"),
            };
            self.router
                .events
                .publish(&event(kind, &ended, now, json!({ "reason": reason })))
                .await?;
            let why = match reason {
                Some(r) => format!("{label}: {r}"),
                None => label.to_owned(),
            };
            let next = reroute(self, &ended, &why, now).await.next;
            return Ok(match outcome {
                ReleaseOutcome::Rejected => Answer::Rejected {
                    assignment: ended,
                    next,
                },
                _ => Answer::Released {
                    assignment: ended,
                    next,
                },
            });
        }
        Err(ActionError::Contended(t.lead_id.clone()))
    }
}
