//! Routing a run of leads that contend for the same state (the leads of one rule, one
//! after another) with one store write round instead of one per lead.
//!
//! Deciding a lead needs the state its predecessor committed. Waiting for each commit
//! caps a run of same-pool leads at one lead per commit (an fsync on the embedded store).
//! Here each lead is decided on the state *as the previous decisions will leave it*: the
//! first lead's snapshot, with every decision's state change applied in memory
//! ([`Snapshot::apply`]). The writes are then submitted together, in order; each still
//! carries its own preconditions (open count, window counts, pool version), so the store
//! accepts it only if the state really is what it was decided on. The leads whose writes
//! fail that check are decided again together, as a run on fresh state, for a few rounds
//! ([`RUN_ROUNDS`]); one still failing after that is routed on its own, with
//! [`Router::route_lead`]. So is every lead that is not simply awaiting its first decision
//! (missing, already assigned, parked, released), which keeps one implementation of those
//! cases.

use futures_util::future::join_all;
use jiff::Timestamp;
use switchboard_routing::{DecideInput, DecisionRecord, Snapshot, decide};

use super::{RouteError, Routed, Router};
use crate::apply::Apply;
use crate::error::StoreError;
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::leads::LeadStore;
use crate::ports::policies::PolicyStore;
use crate::ports::routing::{Applied, RoutingState};

/// Rounds of a run: the leads whose writes lost a race are decided again together on fresh
/// state, so that one lost race costs the rest of the run one more commit round rather
/// than a commit each (their writes were conditioned on the lost one). After the last
/// round a lead still losing is routed on its own, with the router's backoff.
const RUN_ROUNDS: usize = 3;

/// A run's decided writes (lead index, write, the shadow's decision if one is set).
struct Prepared {
    writes: Vec<(usize, Apply, Option<DecisionRecord>)>,
    shadow: Option<super::shadow::ShadowRun>,
}

impl<S, E> Router<S, E>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
{
    /// Routes `lead_ids` in order, as [`route_lead`](Router::route_lead) would one after
    /// another, with their writes submitted together. Returns one result per lead, in
    /// order. A lead whose write lost a race is decided again with the others that lost,
    /// as a run on fresh state (up to [`RUN_ROUNDS`] rounds), then on its own; its
    /// `attempts` count the rounds it lost.
    pub async fn route_run(
        &self,
        lead_ids: &[&str],
        now: Timestamp,
    ) -> Vec<Result<Routed, RouteError>> {
        let mut results: Vec<Option<Result<Routed, RouteError>>> =
            lead_ids.iter().map(|_| None).collect();
        let mut lost = vec![0u32; lead_ids.len()];
        // Indexes into `lead_ids` of the leads this round decides.
        let mut round: Vec<usize> = (0..lead_ids.len()).collect();
        for _ in 0..RUN_ROUNDS {
            if round.is_empty() {
                break;
            }
            let ids: Vec<&str> = round.iter().map(|&i| lead_ids[i]).collect();
            // On a failure nothing is decided here (no policy, a read failed); each lead
            // is then routed on its own below, which reports why.
            let Prepared {
                writes: prepared,
                mut shadow,
            } = self.prepare_run(&ids, now).await.unwrap_or(Prepared {
                writes: Vec::new(),
                shadow: None,
            });
            let writes =
                join_all(prepared.iter().map(|(_, apply, _)| self.store.apply(apply))).await;
            let mut again = Vec::new();
            for ((index, apply, shadow_record), written) in prepared.into_iter().zip(writes) {
                let lead = round[index];
                match written {
                    Ok(Applied::Committed) => {
                        if let (Some(run), Some(shadow_record)) = (shadow.as_mut(), shadow_record) {
                            run.keep(&apply.record, shadow_record);
                        }
                        let published = match &apply.assignment {
                            Some(a) => self.publish_assigned(a, now).await,
                            None => self.publish_parked(&apply, now).await,
                        };
                        results[lead] = Some(match published {
                            Ok(()) => Ok(Routed::Decided {
                                record: Box::new(apply.record),
                                assignment: apply.assignment,
                                attempts: lost[lead] + 1,
                                received_at: apply.received_at,
                            }),
                            Err(e) => Err(e.into()),
                        });
                    }
                    // The state was not what the run assumed (another router, or an
                    // earlier write of this run that failed its check): decided again in
                    // the next round. Each write carries its own conditions, so the ones
                    // that committed are valid whatever happened to the others.
                    Err(StoreError::Conflict(_)) => {
                        lost[lead] += 1;
                        again.push(lead);
                    }
                    // Assigned meanwhile: the lead's own routing below says so.
                    Ok(Applied::AlreadyAssigned(_)) => {}
                    Err(e) => results[lead] = Some(Err(e.into())),
                }
            }
            if let Some(run) = shadow {
                self.shadow_finish(run).await;
            }
            round = again;
        }
        let mut out = Vec::with_capacity(lead_ids.len());
        for ((result, id), lost) in results.into_iter().zip(lead_ids).zip(lost) {
            out.push(match result {
                Some(done) => done,
                None => {
                    let mut routed = self.route_lead(id, now).await;
                    if let Ok(Routed::Decided { attempts, .. }) = &mut routed {
                        *attempts += lost;
                    }
                    routed
                }
            });
        }
        out
    }

    /// Decides the leads that simply await their first decision, each on the state the
    /// ones before it leave. Returns each decided lead's index and its write.
    async fn prepare_run(&self, lead_ids: &[&str], now: Timestamp) -> Result<Prepared, RouteError> {
        let active = self
            .store
            .get_active()
            .await?
            .ok_or(RouteError::NoActivePolicy)?;
        let policy = self.policies.get(&self.store, active.version).await?;
        let mut state: Option<Snapshot> = None;
        let mut prepared = Vec::with_capacity(lead_ids.len());
        let mut shadow = self.shadow_start(&active).await;
        for (index, id) in lead_ids.iter().enumerate() {
            // The first lead's read brings the state every decision of the run builds
            // on; the others need only the lead and its assignment.
            let (lead, assignment) = if state.is_none() {
                let view = self.store.load(&policy, id).await?;
                state = Some(view.snapshot);
                (view.lead, view.assignment)
            } else {
                (self.store.get(id).await?, self.store.assignment(id).await?)
            };
            let Some(lead) = lead else { continue };
            if assignment.is_some() || lead.decisions > 0 || !lead.status.awaits_routing() {
                continue;
            }
            let account = self.store.match_lead(&lead.lead).await?;
            let Some(snapshot) = state.as_mut() else {
                continue;
            };
            let enrichment = self
                .enrich(&policy, &lead.lead, account.as_ref().map(|(a, _)| a), now)
                .await;
            let seen = enrichment.as_ref().map_or(&lead.lead, |(l, _)| l);
            let decision = decide(
                &policy,
                snapshot,
                &DecideInput {
                    lead: seen,
                    account: account.as_ref().map(|(a, by)| (a, *by)),
                    bounced: &lead.bounced,
                    now,
                },
            );
            snapshot.apply(&decision.change);
            let shadow_record = match shadow.as_mut() {
                Some(run) => {
                    let account = account.as_ref().map(|(a, by)| (a, *by));
                    let stored = super::enriched_stored(&lead, enrichment.as_ref().map(|(l, _)| l));
                    let shadow_record = self.shadow_decide(run, &stored, account, now).await;
                    run.follow(&policy, snapshot, &decision.change);
                    shadow_record
                }
                None => None,
            };
            let mut record = DecisionRecord::new(&policy, seen, &decision);
            if let Some((_, r)) = enrichment {
                r.attach(&mut record);
            }
            prepared.push((index, Apply::new(&lead, record)?, shadow_record));
        }
        Ok(Prepared {
            writes: prepared,
            shadow,
        })
    }
}
