//! Recycle: the rep finds the lead unworkable (bad data, no budget, a student, ...). The
//! assignment ends and frees the rep's capacity like a close, the recycle is kept with the
//! lead for reports, and the active policy's `recycle` settings say what follows: closed,
//! parked in a nurture pool, or parked until the sweep re-routes it after a delay.

use jiff::Timestamp;
use serde_json::json;
use switchboard_routing::recycle::{Recycle, RecycleAsk, RecycleThen};

use super::events::event;
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
    /// Recycles the target's open assignment for `ask`'s reason.
    pub async fn recycle(
        &self,
        t: &Target,
        ask: &RecycleAsk,
        now: Timestamp,
    ) -> Result<Answer, ActionError> {
        let settings = match self.store().get_active().await? {
            Some(active) => self.router.policy(active.version).await?.recycle().clone(),
            // No active policy: nothing can say otherwise, so the lead is finished.
            None => Default::default(),
        };
        let then = settings.follow_up(ask.reason).at(now);
        for _ in 0..TRIES {
            let a = match self.current(t).await? {
                Ok(a) => a,
                Err(refusal) => return Ok(refusal),
            };
            let recycle = Recycle {
                rep: a.rep.clone(),
                attempt: a.attempt,
                reason: ask.reason,
                note: ask.note.clone(),
                at: now,
                then: then.clone(),
            };
            let ended = match self
                .store()
                .recycle_attempt(&t.lead_id, &recycle, now)
                .await
            {
                Ok(Some(ended)) => ended,
                // Ended or changed by someone else between the read and the write.
                Ok(None) | Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            // The note stays with the lead: it is the rep's free text about a person.
            let mut detail = json!({ "reason": ask.reason.as_str(), "then": then.as_str() });
            match &then {
                RecycleThen::Close => {}
                RecycleThen::Nurture { pool } => detail["pool"] = json!(pool),
                RecycleThen::Reroute { reroute_at } => detail["reroute_at"] = json!(reroute_at),
            }
            self.router
                .events
                .publish(&event("lead.recycled", &ended, now, detail))
                .await?;
            return Ok(Answer::Recycled {
                assignment: ended,
                recycle: Box::new(recycle),
            });
        }
        Err(ActionError::Contended(t.lead_id.clone()))
    }
}
