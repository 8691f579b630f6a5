//! Shadow decisions beside the active ones (see [`crate::ports::shadow`]).
//!
//! The shadow decides each lead on the state the active decision saw: the live rep
//! counters, and its own pool strategy state (cursors, credits, fairness counts), which
//! starts as a copy of the live one and then follows the shadow's own picks. Nothing it
//! decides is applied or announced. Its state is written whole after each decision or
//! run, so two routers shadowing at once can overwrite each other's last pick, and a
//! run's lead whose write lost a race is decided again on its own and moves the shadow's
//! state twice: a trial's figures, not a ledger. Each lead's shadow decision is stored
//! once, for the decision that committed.

use std::sync::Arc;

use jiff::Timestamp;
use switchboard_routing::decision::StateChange;
use switchboard_routing::{
    Account, CompiledPolicy, DecideInput, DecisionRecord, MatchedBy, Snapshot, decide,
};

use super::Router;
use crate::error::StoreError;
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::leads::{LeadStore, StoredLead};
use crate::ports::policies::{ActivePolicy, PolicyStore};
use crate::ports::routing::RoutingState;
use crate::ports::shadow::{Pick, ShadowDecision, ShadowPools};

/// Shadowing one lead, or one run of leads.
pub(super) struct ShadowRun {
    policy: Arc<CompiledPolicy>,
    pools: ShadowPools,
    snapshot: Option<Snapshot>,
    decided: Vec<ShadowDecision>,
}

impl<S, E> Router<S, E>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
{
    /// A shadow run for decisions under `active`, when its pointer names a shadow (other
    /// than the active version itself). Failures are logged: a shadow never stops routing.
    pub(super) async fn shadow_start(&self, active: &ActivePolicy) -> Option<ShadowRun> {
        let started = async {
            let Some(setting) = &active.shadow else {
                return Ok(None);
            };
            if setting.version == active.version {
                return Ok(None);
            }
            Ok::<_, StoreError>(Some(ShadowRun {
                policy: self.policies.get(&self.store, setting.version).await?,
                pools: self.store.get_shadow_pools().await?,
                snapshot: None,
                decided: Vec::new(),
            }))
        };
        started.await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "shadow policy unavailable; routing without it");
            None
        })
    }

    /// The shadow's decision for `lead`, on the state before the active decision (read
    /// now on the first lead of a run, then carried along by [`ShadowRun::follow`]).
    pub(super) async fn shadow_decide(
        &self,
        run: &mut ShadowRun,
        lead: &StoredLead,
        account: Option<(&Account, MatchedBy)>,
        now: Timestamp,
    ) -> Option<DecisionRecord> {
        if run.snapshot.is_none() {
            match self.store.load(&run.policy, &lead.lead.id).await {
                Ok(view) => {
                    let mut snapshot = view.snapshot;
                    for (id, rec) in &run.pools {
                        snapshot.set_pool_record(&run.policy, id, rec);
                    }
                    run.snapshot = Some(snapshot);
                }
                Err(e) => {
                    tracing::warn!(lead_id = %lead.lead.id, error = %e, "shadow state unreadable");
                    return None;
                }
            }
        }
        let snapshot = run.snapshot.as_mut()?;
        let decision = decide(
            &run.policy,
            snapshot,
            &DecideInput {
                lead: &lead.lead,
                account,
                bounced: &lead.bounced,
                now,
            },
        );
        // The shadow's picks move only its own strategy state.
        if let Some(pc) = &decision.change.pool {
            snapshot.pools[pc.pool as usize] = pc.after.clone();
            let id = run.policy.pool_id(pc.pool).to_owned();
            if let Some(rec) = snapshot.pool_record(&run.policy, &id) {
                run.pools.insert(id, rec);
            }
        }
        Some(DecisionRecord::new(&run.policy, &lead.lead, &decision))
    }

    /// Stores what the run decided for the leads whose active decision committed, and the
    /// shadow's strategy state.
    pub(super) async fn shadow_finish(&self, run: ShadowRun) {
        for d in &run.decided {
            if let Err(e) = self.store.put_shadow_decision(d).await {
                tracing::warn!(lead_id = %d.lead_id, error = %e, "shadow decision not stored");
            }
        }
        if let Err(e) = self.store.put_shadow_pools(&run.pools).await {
            tracing::warn!(error = %e, "shadow strategy state not stored");
        }
    }
}

impl ShadowRun {
    /// Records the shadow's decision beside the active one that committed.
    pub(super) fn keep(&mut self, active: &DecisionRecord, shadow: DecisionRecord) {
        self.decided.push(ShadowDecision {
            lead_id: active.lead_id.clone(),
            decided_at: active.decided_at,
            active_version: active.policy_version,
            active: Pick::of(active),
            shadow,
        });
    }

    /// Carries the active decision's effect on a rep's counters into the shadow's state,
    /// for the next lead of a run.
    pub(super) fn follow(
        &mut self,
        active: &CompiledPolicy,
        state: &Snapshot,
        change: &StateChange,
    ) {
        let (Some(snapshot), Some(rc)) = (self.snapshot.as_mut(), change.rep.as_ref()) else {
            return;
        };
        let id = active.rep_id(rc.rep);
        if let Some(rs) = snapshot.rep_mut(&self.policy, id) {
            *rs = state.reps[rc.rep as usize].clone();
        }
    }
}
