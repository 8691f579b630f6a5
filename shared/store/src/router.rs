//! Routing one lead end to end over the ports: read, decide, apply; on a conflict re-read
//! and decide again, a bounded number of times with jittered backoff.

mod enrich;
mod run;
mod shadow;

use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{DecideInput, DecisionRecord, decide};

use crate::apply::Apply;
use crate::error::StoreError;
use crate::policy_cache::CompiledPolicies;
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::{DomainEvent, EventPublisher};
use crate::ports::leads::{LeadStatus, LeadStore};
use crate::ports::policies::PolicyStore;
use crate::ports::routing::{Applied, Assignment, AssignmentStatus, ReleaseOutcome, RoutingState};

/// How hard to try before handing the lead back to the queue.
///
/// A conflict means another decision committed first; the lead is decided again on the
/// fresh state. Losing `max_attempts` races in a row happens only where many leads contend
/// for the same capped reps, and handing the lead back then would cost it a whole
/// visibility timeout; so the router keeps deciding again, still with jittered backoff,
/// for as long as `patience` allows (never beyond `hard_max_attempts`).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// Time after the first attempt during which attempts beyond `max_attempts` go on.
    pub patience: Duration,
    pub hard_max_attempts: u32,
    /// Backoff before retry `n` is uniform in `[0, base * 2^n)`, capped at `max_backoff`.
    /// Random so that contenders that collided once do not collide again in lockstep.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            patience: Duration::from_secs(2),
            hard_max_attempts: 64,
            base_backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    /// Whether attempt `next` (counted from 1) is to be made, `elapsed` after the first.
    fn goes_on(&self, next: u32, elapsed: Duration) -> bool {
        next <= self.max_attempts || (next <= self.hard_max_attempts && elapsed < self.patience)
    }

    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_backoff
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("lead {0} does not exist")]
    LeadNotFound(String),
    #[error("no policy is active")]
    NoActivePolicy,
    /// Every attempt lost a race; the caller should retry later (leave the message queued).
    #[error("lead {lead_id}: every one of {attempts} attempts conflicted")]
    Contended { lead_id: String, attempts: u32 },
}

/// What [`Router::route_lead`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// This call decided and applied the decision.
    Decided {
        /// Boxed: a decision record is large next to the other variants.
        record: Box<DecisionRecord>,
        assignment: Option<Assignment>,
        /// 1 when the first attempt committed.
        attempts: u32,
        /// When intake received the lead (the decision's `decided_at` minus this is the
        /// time to assign or to park).
        received_at: Timestamp,
    },
    /// The lead already had an open or closed assignment; nothing changed.
    Existing(Assignment),
    /// The lead is not waiting for routing (parked, closed, duplicate); nothing changed.
    NotAwaitingRouting(LeadStatus),
}

impl Routed {
    /// From intake's receipt of the lead to this call's decision (zero if the clocks
    /// disagree); `None` when this call decided nothing.
    pub fn time_to_decide(&self) -> Option<Duration> {
        let Routed::Decided {
            record,
            received_at,
            ..
        } = self
        else {
            return None;
        };
        let waited = record.decided_at.duration_since(*received_at);
        Some(Duration::try_from(waited).unwrap_or_default())
    }

    /// The races this call's decision lost before it committed (its attempts less one),
    /// with [`Self::time_to_decide`]; `None` when it decided nothing or lost none.
    pub fn lost_races(&self) -> Option<(u32, Duration)> {
        match self {
            Routed::Decided { attempts, .. } if *attempts > 1 => {
                Some((attempts - 1, self.time_to_decide()?))
            }
            _ => None,
        }
    }
}

/// Routes leads over a store and an event publisher.
///
/// `S` is one store implementing every storage port (both adapters do), so a decision's
/// reads and its write go to the same place.
pub struct Router<S, E> {
    pub store: S,
    pub events: E,
    pub retry: RetryPolicy,
    policies: CompiledPolicies,
    /// The enrichment provider behind its cache and budget, when one is wired
    /// ([`Router::with_enrichment`]).
    enrichment: Option<std::sync::Arc<dyn crate::enrichment::ProviderLookup>>,
}

impl<S, E> Router<S, E>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
{
    pub fn new(store: S, events: E) -> Self {
        Router {
            store,
            events,
            retry: RetryPolicy::default(),
            policies: CompiledPolicies::new(),
            enrichment: None,
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The compiled policy of `version` (cached).
    pub async fn policy(
        &self,
        version: u64,
    ) -> Result<std::sync::Arc<switchboard_routing::CompiledPolicy>, StoreError> {
        self.policies.get(&self.store, version).await
    }

    /// Routes a stored lead under the active policy at `now`.
    ///
    /// Idempotent: a lead that already has an open or closed assignment, or no longer
    /// awaits routing, is returned as it is. The event for the outcome is published after
    /// the write commits and again when a redelivery finds the lead already assigned (so a
    /// crash between the two loses no event).
    pub async fn route_lead(&self, lead_id: &str, now: Timestamp) -> Result<Routed, RouteError> {
        let mut account = None;
        // Like the account, enrichment is done once, not again on each conflict.
        let mut enriched = None;
        let started = std::time::Instant::now();
        let mut attempt = 0;
        while self.retry.goes_on(attempt + 1, started.elapsed()) {
            attempt += 1;
            if attempt > 1 {
                tokio::time::sleep(self.retry.backoff(attempt - 1)).await;
            }
            let active = self
                .store
                .get_active()
                .await?
                .ok_or(RouteError::NoActivePolicy)?;
            let policy = self.policies.get(&self.store, active.version).await?;
            let view = self.store.load(&policy, lead_id).await?;
            let lead = view
                .lead
                .ok_or_else(|| RouteError::LeadNotFound(lead_id.to_owned()))?;
            if let Some(a) = view.assignment
                && a.status != AssignmentStatus::Released
            {
                self.publish_assigned(&a, now).await?;
                return Ok(Routed::Existing(a));
            }
            if !lead.status.awaits_routing() {
                return Ok(Routed::NotAwaitingRouting(lead.status));
            }
            // The account does not change between attempts; look it up once.
            if account.is_none() {
                account = Some(self.store.match_lead(&lead.lead).await?);
            }
            let matched = account.as_ref().and_then(|a| a.as_ref());
            if enriched.is_none() {
                enriched = Some(
                    self.enrich(&policy, &lead.lead, matched.map(|(a, _)| a), now)
                        .await,
                );
            }
            let enrichment = enriched.as_ref().and_then(|e| e.as_ref());
            let seen = enrichment.map_or(&lead.lead, |(l, _)| l);
            let decision = decide(
                &policy,
                &view.snapshot,
                &DecideInput {
                    lead: seen,
                    account: matched.map(|(a, by)| (a, *by)),
                    bounced: &lead.bounced,
                    now,
                },
            );
            let mut record = DecisionRecord::new(&policy, seen, &decision);
            if let Some((_, r)) = enrichment {
                r.clone().attach(&mut record);
            }
            let apply = Apply::new(&lead, record)?;
            // The shadow decides on the state the active decision saw, before it is written.
            let mut shadow = self.shadow_start(&active).await;
            let shadow_record = match shadow.as_mut() {
                Some(run) => {
                    let account = matched.map(|(a, by)| (a, *by));
                    let seen = enriched_stored(&lead, enrichment.map(|(l, _)| l));
                    self.shadow_decide(run, &seen, account, now).await
                }
                None => None,
            };
            match self.store.apply(&apply).await {
                Ok(Applied::Committed) => {
                    if let (Some(mut run), Some(shadow_record)) = (shadow, shadow_record) {
                        run.keep(&apply.record, shadow_record);
                        self.shadow_finish(run).await;
                    }
                    match &apply.assignment {
                        Some(a) => self.publish_assigned(a, now).await?,
                        None => self.publish_parked(&apply, now).await?,
                    }
                    return Ok(Routed::Decided {
                        record: Box::new(apply.record),
                        assignment: apply.assignment,
                        attempts: attempt,
                        received_at: apply.received_at,
                    });
                }
                Ok(Applied::AlreadyAssigned(a)) => {
                    self.publish_assigned(&a, now).await?;
                    return Ok(Routed::Existing(a));
                }
                Err(StoreError::Conflict(why)) => {
                    tracing::debug!(lead_id, attempt, %why, "routing conflict, deciding again");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(RouteError::Contended {
            lead_id: lead_id.to_owned(),
            attempts: attempt,
        })
    }

    /// Ends the lead's open assignment and frees the rep's capacity (exactly once).
    /// Returns the ended assignment, or `None` when nothing was open.
    pub async fn release(
        &self,
        lead_id: &str,
        outcome: ReleaseOutcome,
        now: Timestamp,
    ) -> Result<Option<Assignment>, RouteError> {
        let ended = self.store.release(lead_id, outcome, now).await?;
        if let Some(a) = &ended {
            let kind = match outcome {
                ReleaseOutcome::Closed => "lead.closed",
                ReleaseOutcome::Rejected => "lead.rejected",
                ReleaseOutcome::Expired => "lead.expired",
                ReleaseOutcome::Released => "lead.released",
                ReleaseOutcome::Recycled => "lead.recycled",
            };
            self.events
                .publish(&DomainEvent {
                    id: format!("{kind}:{}:{}", a.lead_id, a.attempt),
                    kind: kind.into(),
                    time: now,
                    detail: json!({ "lead_id": a.lead_id, "rep": a.rep, "attempt": a.attempt }),
                })
                .await?;
        }
        Ok(ended)
    }

    async fn publish_assigned(&self, a: &Assignment, now: Timestamp) -> Result<(), StoreError> {
        self.events
            .publish(&DomainEvent {
                id: format!("lead.assigned:{}:{}", a.lead_id, a.attempt),
                kind: "lead.assigned".into(),
                time: now,
                detail: json!({
                    "lead_id": a.lead_id,
                    "rep": a.rep,
                    "pool": a.pool,
                    "attempt": a.attempt,
                    "policy_version": a.policy_version,
                    "sla_due": a.sla_due,
                }),
            })
            .await
    }

    async fn publish_parked(&self, apply: &Apply, now: Timestamp) -> Result<(), StoreError> {
        let r = &apply.record;
        let (pool, reason) = match &r.outcome {
            OutcomeRecord::Parked { pool, reason } => (pool.clone(), json!(reason)),
            OutcomeRecord::Assigned { .. } => return Ok(()),
        };
        self.events
            .publish(&DomainEvent {
                id: format!("lead.parked:{}:{}", r.lead_id, apply.decision_number()),
                kind: "lead.parked".into(),
                time: now,
                detail: json!({
                    "lead_id": r.lead_id,
                    "pool": pool,
                    "reason": reason,
                    "policy_version": r.policy_version,
                }),
            })
            .await
    }
}

/// The stored lead with the enriched lead in it, for the shadow (which decides as the
/// active policy did); borrowed when nothing was enriched.
fn enriched_stored<'a>(
    stored: &'a crate::ports::leads::StoredLead,
    enriched: Option<&switchboard_routing::Lead>,
) -> std::borrow::Cow<'a, crate::ports::leads::StoredLead> {
    match enriched {
        Some(lead) if *lead != stored.lead => {
            std::borrow::Cow::Owned(crate::ports::leads::StoredLead {
                lead: lead.clone(),
                ..stored.clone()
            })
        }
        _ => std::borrow::Cow::Borrowed(stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_go_on_past_the_budget_only_while_patience_lasts() {
        let policy = RetryPolicy {
            max_attempts: 8,
            patience: Duration::from_secs(2),
            hard_max_attempts: 64,
            ..RetryPolicy::default()
        };
        let ms = Duration::from_millis;
        // (next attempt, time since the first, goes on)
        let cases = [
            (1, ms(0), true),
            (8, ms(5_000), true),
            (9, ms(5_000), false),
            (9, ms(1_999), true),
            (64, ms(100), true),
            (65, ms(100), false),
        ];
        for (next, elapsed, expected) in cases {
            assert_eq!(
                policy.goes_on(next, elapsed),
                expected,
                "attempt {next} at {elapsed:?}"
            );
        }
    }
}
