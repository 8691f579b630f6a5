//! [`RoutingState`] on redb: each apply, release and accept is one write transaction that
//! checks every precondition before writing anything.

use jiff::Timestamp;
use redb::{ReadableDatabase, WriteTransaction};
use switchboard_routing::recycle::{Recycle, RecycleThen};
use switchboard_routing::{
    AwayStatus, CompiledPolicy, DecisionRecord, PoolRecord, RepState, Snapshot,
};
use switchboard_routing::{PoolId, RepId};

use super::EmbeddedStore;
use super::tables::{
    DUE, LEADS, LeadIndexes, OPEN_BY_REP, POOLS, REP_OUTCOMES, REPS, assignment_key, db_err,
    decision_key, due_key, get_json, pair_key, put_json, put_lead, put_text, read_decisions,
    records_indexed, remove,
};
use crate::apply::{Apply, pool_change_holds, rep_after, rep_change_holds};
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{LeadStatus, StoredLead};
use crate::ports::outcomes::best_fit_reps;
use crate::ports::routing::{
    Applied, Assignment, AssignmentStatus, CloseOutcome, LeadRouting, ReleaseOutcome, RoutingState,
    RoutingView,
};

impl RoutingState for EmbeddedStore {
    async fn load(&self, policy: &CompiledPolicy, lead_id: &str) -> StoreResult<RoutingView> {
        let rep_ids: Vec<RepId> = policy.reps().iter().map(|r| r.id.clone()).collect();
        let pool_ids: Vec<PoolId> = policy.pools().iter().map(|p| p.id.clone()).collect();
        let fit_reps = best_fit_reps(policy);
        let lead_id = lead_id.to_owned();
        let (lead, assignment, reps, pools, outcomes) = self.read(move |db| {
            // One read transaction: the whole view is from one commit.
            let txn = db.begin_read().map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            let rep_table = txn.open_table(REPS).map_err(db_err)?;
            let pool_table = txn.open_table(POOLS).map_err(db_err)?;
            let lead: Option<StoredLead> = get_json(&leads, &lead_id)?;
            let assignment: Option<Assignment> = get_json(&leads, &assignment_key(&lead_id))?;
            let mut reps = Vec::with_capacity(rep_ids.len());
            for id in &rep_ids {
                reps.push(get_json::<RepState>(&rep_table, id)?.unwrap_or_default());
            }
            let mut pools = Vec::with_capacity(pool_ids.len());
            for id in pool_ids {
                let rec: Option<PoolRecord> = get_json(&pool_table, &id)?;
                pools.push((id, rec));
            }
            // Only a policy with a best_fit pool reads outcomes.
            let outcomes = if fit_reps.is_empty() {
                Vec::new()
            } else {
                let table = txn.open_table(REP_OUTCOMES).map_err(db_err)?;
                super::outcomes::totals(&table, &fit_reps)?
            };
            Ok((lead, assignment, reps, pools, outcomes))
        })?;
        let mut snapshot = Snapshot::empty(policy);
        snapshot.reps = reps;
        for (id, rec) in pools {
            if let Some(rec) = rec {
                snapshot.set_pool_record(policy, &id, &rec);
            }
        }
        for (rep, outcomes) in outcomes {
            snapshot.set_rep_outcomes(policy, &rep, outcomes);
        }
        Ok(RoutingView {
            lead,
            assignment,
            snapshot,
        })
    }

    async fn apply(&self, apply: &Apply) -> StoreResult<Applied> {
        let apply = apply.clone();
        self.write(move |txn| apply_in(txn, &apply)).await
    }

    async fn release(
        &self,
        lead_id: &str,
        outcome: ReleaseOutcome,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        let lead_id = lead_id.to_owned();
        self.write(move |txn| release_in(txn, &lead_id, None, outcome, None, None, now))
            .await
    }

    async fn end_attempt(
        &self,
        lead_id: &str,
        attempt: u32,
        outcome: ReleaseOutcome,
        close: Option<CloseOutcome>,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        let lead_id = lead_id.to_owned();
        self.write(move |txn| release_in(txn, &lead_id, Some(attempt), outcome, close, None, now))
            .await
    }

    async fn recycle_attempt(
        &self,
        lead_id: &str,
        recycle: &Recycle,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        let (lead_id, recycle) = (lead_id.to_owned(), recycle.clone());
        self.write(move |txn| {
            release_in(
                txn,
                &lead_id,
                Some(recycle.attempt),
                ReleaseOutcome::Recycled,
                None,
                Some(&recycle),
                now,
            )
        })
        .await
    }

    async fn accept(&self, lead_id: &str, rep: &str, now: Timestamp) -> StoreResult<Assignment> {
        let (lead_id, rep) = (lead_id.to_owned(), rep.to_owned());
        self.write(move |txn| accept_in(txn, &lead_id, &rep, None, now))
            .await
    }

    async fn accept_attempt(
        &self,
        lead_id: &str,
        rep: &str,
        attempt: u32,
        now: Timestamp,
    ) -> StoreResult<Assignment> {
        let (lead_id, rep) = (lead_id.to_owned(), rep.to_owned());
        self.write(move |txn| accept_in(txn, &lead_id, &rep, Some(attempt), now))
            .await
    }

    async fn set_away(&self, rep: &str, away: Option<AwayStatus>) -> StoreResult<RepState> {
        let rep = rep.to_owned();
        self.write(move |txn| {
            let mut reps = txn.open_table(REPS).map_err(db_err)?;
            let mut state: RepState = get_json(&reps, &rep)?.unwrap_or_default();
            state.away = away;
            put_json(&mut reps, &rep, &state)?;
            Ok(state)
        })
        .await
    }

    async fn assignment(&self, lead_id: &str) -> StoreResult<Option<Assignment>> {
        let lead_id = lead_id.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let t = txn.open_table(LEADS).map_err(db_err)?;
            get_json(&t, &assignment_key(&lead_id))
        })
    }

    async fn decisions(&self, lead_id: &str) -> StoreResult<Vec<DecisionRecord>> {
        let lead_id = lead_id.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let t = txn.open_table(LEADS).map_err(db_err)?;
            read_decisions(&t, &lead_id)
        })
    }

    async fn lead_routing(&self, lead_id: &str) -> StoreResult<Option<LeadRouting>> {
        let lead_id = lead_id.to_owned();
        self.read(move |db| {
            // One read transaction: the lead, its assignment and its decisions are from
            // the same commit.
            let txn = db.begin_read().map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            let Some(lead) = get_json::<StoredLead>(&leads, &lead_id)? else {
                return Ok(None);
            };
            let assignment: Option<Assignment> = get_json(&leads, &assignment_key(&lead_id))?;
            let decisions = read_decisions(&leads, &lead_id)?;
            Ok(Some(LeadRouting {
                lead,
                assignment,
                decisions,
            }))
        })
    }

    async fn rep_state(&self, rep: &str) -> StoreResult<RepState> {
        let rep = rep.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let t = txn.open_table(REPS).map_err(db_err)?;
            Ok(get_json(&t, &rep)?.unwrap_or_default())
        })
    }

    async fn open_assignments(&self, rep: &str) -> StoreResult<Vec<Assignment>> {
        let rep = rep.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let index = txn.open_table(OPEN_BY_REP).map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            let from = format!("{rep}\0");
            let to = format!("{rep}\u{1}");
            let mut out = Vec::new();
            for row in index.range(from.as_str()..to.as_str()).map_err(db_err)? {
                let (k, _) = row.map_err(db_err)?;
                let lead_id = &k.value()[from.len()..];
                let a: Assignment =
                    get_json(&leads, &assignment_key(lead_id))?.ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "open index names missing assignment {lead_id}"
                        ))
                    })?;
                out.push(a);
            }
            Ok(out)
        })
    }

    async fn due(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Assignment>> {
        // Keys sort by due time; the empty lead id bounds each end.
        let (lo, hi) = (due_key(from, ""), due_key(to, ""));
        self.scan(move |db| {
            records_indexed(
                db,
                (DUE, "due"),
                (LEADS, "assignment", assignment_key),
                lo.as_str()..hi.as_str(),
                limit,
            )
        })
        .await
    }
}

/// Checks every precondition of `apply`, then writes. Returns early (the caller aborts)
/// on the first one that fails.
fn apply_in(txn: &WriteTransaction, apply: &Apply) -> StoreResult<Applied> {
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut reps = txn.open_table(REPS).map_err(db_err)?;
    let mut pools = txn.open_table(POOLS).map_err(db_err)?;
    let mut open_by_rep = txn.open_table(OPEN_BY_REP).map_err(db_err)?;
    let mut due = txn.open_table(DUE).map_err(db_err)?;
    let id = apply.lead_id.as_str();

    if let Some(existing) = get_json::<Assignment>(&leads, &assignment_key(id))?
        && existing.status != AssignmentStatus::Released
    {
        return Ok(Applied::AlreadyAssigned(existing));
    }
    let mut lead: StoredLead =
        get_json(&leads, id)?.ok_or_else(|| StoreError::NotFound(format!("lead {id}")))?;
    if !apply.accepts(lead.status) || lead.decisions != apply.expected_decisions {
        return Err(StoreError::Conflict(format!(
            "lead {id} is {} after {} decisions; the decision expected {}",
            lead.status.as_str(),
            lead.decisions,
            apply.expected_decisions
        )));
    }
    let rep_write = match apply.rep_change() {
        Some(rc) => {
            let stored: RepState = get_json(&reps, &rc.rep)?.unwrap_or_default();
            if !rep_change_holds(&stored, rc) {
                return Err(StoreError::Conflict(format!(
                    "rep {} counters moved (open {} vs {} decided)",
                    rc.rep, stored.open, rc.open_before
                )));
            }
            Some((rc.rep.as_str(), rep_after(&stored, rc)))
        }
        None => None,
    };
    if let Some(pc) = apply.pool_change() {
        let stored: Option<PoolRecord> = get_json(&pools, &pc.pool)?;
        if !pool_change_holds(stored.as_ref(), pc) {
            return Err(StoreError::Conflict(format!(
                "pool {} moved past version {}",
                pc.pool, pc.version_before
            )));
        }
    }

    // Every precondition held: write.
    if let Some((rep, state)) = rep_write {
        put_json(&mut reps, rep, &state)?;
    }
    if let Some(pc) = apply.pool_change() {
        put_json(&mut pools, &pc.pool, &pc.after)?;
    }
    if let Some(a) = &apply.assignment {
        put_json(&mut leads, &assignment_key(id), a)?;
        put_text(&mut open_by_rep, &pair_key(&a.rep, id), "")?;
        if let Some(d) = a.sla_due {
            put_text(&mut due, &due_key(d, id), "")?;
        }
    }
    let old = lead.clone();
    lead.status = apply.lead_status;
    lead.decisions = apply.decision_number();
    lead.updated_at = apply.record.decided_at;
    put_lead(&mut leads, &mut indexes, Some(&old), &lead)?;
    put_json(
        &mut leads,
        &decision_key(id, apply.decision_number()),
        &apply.record,
    )?;
    Ok(Applied::Committed)
}

fn accept_in(
    txn: &WriteTransaction,
    lead_id: &str,
    rep: &str,
    attempt: Option<u32>,
    now: Timestamp,
) -> StoreResult<Assignment> {
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut due = txn.open_table(DUE).map_err(db_err)?;
    let mut a: Assignment = get_json(&leads, &assignment_key(lead_id))?
        .ok_or_else(|| StoreError::NotFound(format!("assignment of lead {lead_id}")))?;
    if a.status != AssignmentStatus::Open || a.rep != rep || attempt.is_some_and(|n| n != a.attempt)
    {
        return Err(StoreError::Conflict(format!(
            "lead {lead_id} is not open with {rep}"
        )));
    }
    if a.accepted_at.is_some() {
        return Ok(a);
    }
    if let Some(d) = a.sla_due {
        remove(&mut due, &due_key(d, lead_id))?;
    }
    a.accepted_at = Some(now);
    put_json(&mut leads, &assignment_key(lead_id), &a)?;
    Ok(a)
}

fn release_in(
    txn: &WriteTransaction,
    lead_id: &str,
    attempt: Option<u32>,
    outcome: ReleaseOutcome,
    close: Option<CloseOutcome>,
    recycle: Option<&Recycle>,
    now: Timestamp,
) -> StoreResult<Option<Assignment>> {
    let mut leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut indexes = LeadIndexes::open(txn)?;
    let mut reps = txn.open_table(REPS).map_err(db_err)?;
    let mut open_by_rep = txn.open_table(OPEN_BY_REP).map_err(db_err)?;
    let mut due = txn.open_table(DUE).map_err(db_err)?;

    if (outcome == ReleaseOutcome::Recycled) != recycle.is_some() {
        return Err(StoreError::Invalid(
            "a recycle ends an assignment only with its record".to_owned(),
        ));
    }
    let Some(mut a) = get_json::<Assignment>(&leads, &assignment_key(lead_id))? else {
        return Ok(None);
    };
    if a.status != AssignmentStatus::Open
        || attempt.is_some_and(|n| n != a.attempt)
        || recycle.is_some_and(|r| r.rep != a.rep)
    {
        return Ok(None);
    }
    if outcome == ReleaseOutcome::Expired && a.accepted_at.is_some() {
        return Err(StoreError::Conflict(format!(
            "lead {lead_id} was accepted before its SLA expired"
        )));
    }
    let mut rep: RepState = get_json(&reps, &a.rep)?.unwrap_or_default();
    if rep.open == 0 {
        return Err(StoreError::Invalid(format!(
            "rep {} has an open assignment but an open count of zero",
            a.rep
        )));
    }
    let mut lead: StoredLead = get_json(&leads, lead_id)?
        .ok_or_else(|| StoreError::Invalid(format!("assignment of missing lead {lead_id}")))?;
    if lead.status != LeadStatus::Assigned {
        return Err(StoreError::Invalid(format!(
            "lead {lead_id} has an open assignment but is {}",
            lead.status.as_str()
        )));
    }

    rep.open -= 1;
    put_json(&mut reps, &a.rep, &rep)?;
    remove(&mut open_by_rep, &pair_key(&a.rep, lead_id))?;
    if let Some(d) = a.sla_due {
        remove(&mut due, &due_key(d, lead_id))?;
    }
    let old = lead.clone();
    if let Some(r) = recycle {
        (a.status, lead.status) = match r.then {
            RecycleThen::Close => (AssignmentStatus::Closed, LeadStatus::Closed),
            RecycleThen::Nurture { .. } => (AssignmentStatus::Released, LeadStatus::Parked),
            RecycleThen::Reroute { .. } => {
                lead.bounced.push(a.rep.clone());
                (AssignmentStatus::Released, LeadStatus::Parked)
            }
        };
        lead.recycles.push(r.clone());
    } else if outcome.bounces() {
        a.status = AssignmentStatus::Released;
        lead.status = LeadStatus::Received;
        lead.bounced.push(a.rep.clone());
    } else {
        a.status = AssignmentStatus::Closed;
        a.outcome = close;
        lead.status = LeadStatus::Closed;
    }
    a.ended_at = Some(now);
    a.ended_as = Some(outcome);
    put_json(&mut leads, &assignment_key(lead_id), &a)?;
    lead.updated_at = now;
    put_lead(&mut leads, &mut indexes, Some(&old), &lead)?;
    // A won or lost close counts toward the rep's outcomes in this same transaction, so a
    // second close of the assignment (which ends nothing, above) never counts again.
    if a.status == AssignmentStatus::Closed {
        super::outcomes::record_close(txn, &leads, &a)?;
    }
    Ok(Some(a))
}
