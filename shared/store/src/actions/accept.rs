//! Accept: the rep takes the lead, which stops the SLA clock.

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
use crate::ports::routing::RoutingState;

impl<S, E, N> Desk<'_, S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    /// Accepts the target's assignment. Racing the sweep's expiry, exactly one wins: the
    /// store accepts only an open assignment and expires only an unaccepted one.
    pub async fn accept(&self, t: &Target, now: Timestamp) -> Result<Answer, ActionError> {
        self.accept_because(t, None, now).await
    }

    /// As [`Desk::accept`], saying why when it was not the rep's own click: `via` (`touched
    /// in HubSpot: hs_lead_status`) goes into the `lead.accepted` event's detail.
    pub async fn accept_because(
        &self,
        t: &Target,
        via: Option<&str>,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        for _ in 0..TRIES {
            let a = match self.current(t).await? {
                Ok(a) => a,
                Err(refusal) => return Ok(refusal),
            };
            if a.accepted_at.is_some() {
                return Ok(Answer::AlreadyAccepted { assignment: a });
            }
            match self
                .store()
                .accept_attempt(&t.lead_id, &t.rep, a.attempt, now)
                .await
            {
                Ok(accepted) => {
                    // Published again on a repeated accept that finds it done, so a crash
                    // between the write and the event loses nothing.
                    let at = accepted.accepted_at.unwrap_or(now);
                    self.router
                        .events
                        .publish(&event(
                            "lead.accepted",
                            &accepted,
                            now,
                            with_why(
                                json!({ "accepted_at": at, "sla_due": accepted.sla_due }),
                                "via",
                                via,
                            ),
                        ))
                        .await?;
                    return Ok(if accepted.accepted_at == Some(now) {
                        Answer::Accepted {
                            assignment: accepted,
                        }
                    } else {
                        Answer::AlreadyAccepted {
                            assignment: accepted,
                        }
                    });
                }
                // It changed under us (expired, reassigned): the next read says how.
                Err(StoreError::Conflict(_)) | Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ActionError::Contended(t.lead_id.clone()))
    }
}
