//! [`RoutingState`] on DynamoDB. A decision is one `TransactWriteItems`:
//!
//! 1. rep counters: take capacity, conditioned on the counts the decision saw;
//! 2. pool state: advance, conditioned on `version = version_before`;
//! 3. assignment: put, conditioned on no open or closed assignment (a parked decision
//!    checks the same condition without writing);
//! 4. lead: status and decision count, conditioned on the lead still awaiting routing with
//!    the count it was read with;
//! 5. decision record: put under the next decision number.

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValue, TransactWriteItem, Update,
};
use jiff::{SignedDuration, Timestamp};
use switchboard_routing::decision::WindowChange;
use switchboard_routing::record::{PoolChangeRecord, RepChangeRecord};
use switchboard_routing::recycle::{Recycle, RecycleThen};
use switchboard_routing::{AwayStatus, CompiledPolicy, DecisionRecord, RepState, Snapshot};

use super::codec::{self, Expr, get_packed_json, json, n, packed_json, s};
use super::errors::{self, TransactFailure};
use super::keys::{RECORD, RECORD_JSON};
use super::leads::{put_new, status_index_update};
use super::{DynamoStore, items, keys, outcomes};
use crate::apply::Apply;
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::LeadStatus;
use crate::ports::outcomes::best_fit_reps;
use crate::ports::routing::{
    Applied, Assignment, AssignmentStatus, CloseOutcome, LeadRouting, ReleaseOutcome, RoutingState,
    RoutingView,
};

/// The longest window [`RoutingState::due`] reads in one call (each minute costs
/// `DUE_SHARDS` queries).
const MAX_DUE_WINDOW: SignedDuration = SignedDuration::from_hours(24);

fn update(
    table: &str,
    key: keys::Key,
    set: String,
    condition: Option<String>,
    expr: &Expr,
) -> StoreResult<TransactWriteItem> {
    Ok(TransactWriteItem::builder()
        .update(
            Update::builder()
                .table_name(table)
                .set_key(Some(codec::key(key)))
                .update_expression(set)
                .set_condition_expression(condition)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .build()
                .map_err(errors::build)?,
        )
        .build())
}

/// The condition that a window count is what the decision saw (see
/// [`crate::apply::window_holds`]): same window and count, or an older or no window when
/// the decision counted zero. Also under the cap, if any.
fn window_condition(expr: &mut Expr, which: &str, w: &WindowChange) -> String {
    let start = expr.name(&format!("{which}_start"));
    let count = expr.name(&format!("{which}_count"));
    let ws = expr.value(&format!("{which}_start"), s(w.start.to_string()));
    let before = expr.value(&format!("{which}_before"), n(w.before));
    if w.before == 0 {
        return format!(
            "(attribute_not_exists({start}) OR {start} < {ws} OR ({start} = {ws} AND {count} = {before}))"
        );
    }
    let mut c = format!("({start} = {ws} AND {count} = {before}");
    if let Some(max) = w.max {
        let max = expr.value(&format!("{which}_max"), n(max));
        c.push_str(&format!(" AND {count} < {max}"));
    }
    c.push(')');
    c
}

fn take_capacity(table: &str, rc: &RepChangeRecord) -> StoreResult<TransactWriteItem> {
    let mut e = Expr::new();
    let open = e.name("open");
    let ob = e.value("open_before", n(rc.open_before));
    let below_cap = rc.max_open.map(|m| {
        let max = e.value("max_open", n(m));
        format!(" AND {open} < {max}")
    });
    let open_condition = match (rc.open_before, below_cap) {
        (0, Some(cap)) => format!("(attribute_not_exists({open}) OR ({open} = {ob}{cap}))"),
        (0, None) => format!("(attribute_not_exists({open}) OR {open} = {ob})"),
        (_, cap) => format!("({open} = {ob}{})", cap.unwrap_or_default()),
    };
    let condition = format!(
        "{open_condition} AND {} AND {}",
        window_condition(&mut e, "day", &rc.day),
        window_condition(&mut e, "week", &rc.week),
    );
    let set = format!(
        "SET {open} = {}, {} = {}, {} = {}, {} = {}, {} = {}, {} = {}",
        e.value("open_after", n(rc.open_after)),
        e.name("day_start"),
        e.value("day_start", s(rc.day.start.to_string())),
        e.name("day_count"),
        e.value("day_after", n(rc.day.after)),
        e.name("week_start"),
        e.value("week_start", s(rc.week.start.to_string())),
        e.name("week_count"),
        e.value("week_after", n(rc.week.after)),
        e.name("last_assigned_at"),
        e.value("last_assigned_at", s(rc.last_assigned_at.to_string())),
    );
    update(table, keys::rep(&rc.rep), set, Some(condition), &e)
}

fn advance_pool(table: &str, pc: &PoolChangeRecord) -> StoreResult<TransactWriteItem> {
    let mut e = Expr::new();
    let version = e.name("version");
    let vb = e.value("version_before", n(pc.version_before));
    let condition = if pc.version_before == 0 {
        format!("attribute_not_exists({version}) OR {version} = {vb}")
    } else {
        format!("{version} = {vb}")
    };
    let set = format!(
        "SET {version} = {}, {} = {}",
        e.value("version_after", n(pc.after.version)),
        e.name("state"),
        e.value("state", json(&pc.after)?),
    );
    update(table, keys::pool(&pc.pool), set, Some(condition), &e)
}

/// No assignment, or only a released one (the lead is being routed again).
fn assignment_replaceable(e: &mut Expr) -> String {
    format!(
        "attribute_not_exists({}) OR {} = {}",
        e.name(keys::PK),
        e.name("status"),
        e.value("released", s(AssignmentStatus::Released.as_str())),
    )
}

fn put_assignment(table: &str, a: &Assignment) -> StoreResult<TransactWriteItem> {
    let mut e = Expr::new();
    let condition = assignment_replaceable(&mut e);
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(items::assignment_item(a)))
                .condition_expression(condition)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .build()
                .map_err(errors::build)?,
        )
        .build())
}

fn check_no_assignment(table: &str, lead_id: &str) -> StoreResult<TransactWriteItem> {
    let mut e = Expr::new();
    let condition = assignment_replaceable(&mut e);
    Ok(TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(codec::key(keys::assignment(lead_id))))
                .condition_expression(condition)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .build()
                .map_err(errors::build)?,
        )
        .build())
}

fn decide_lead(table: &str, apply: &Apply) -> StoreResult<TransactWriteItem> {
    let mut e = Expr::new();
    let status = e.name("status");
    let decisions = e.name("decisions");
    let mut set = format!(
        "SET {status} = {}, {decisions} = {}, {} = {}",
        e.value("status", s(apply.lead_status.as_str())),
        e.value("decisions", n(apply.decision_number())),
        e.name("updated_at"),
        e.value("now", s(apply.record.decided_at.to_string())),
    );
    set.push_str(&status_index_update(
        &mut e,
        &apply.lead_id,
        apply.lead_status,
        apply.record.decided_at,
    ));
    // A by-hand assignment may also take a parked lead (`Apply::accepts`).
    let parked = if apply.from_parked {
        format!(", {}", e.value("parked", s(LeadStatus::Parked.as_str())))
    } else {
        String::new()
    };
    let condition = format!(
        "{status} IN ({}, {}{parked}) AND {decisions} = {}",
        e.value("received", s(LeadStatus::Received.as_str())),
        e.value("queued", s(LeadStatus::Queued.as_str())),
        e.value("expected", n(apply.expected_decisions)),
    );
    update(table, keys::lead(&apply.lead_id), set, Some(condition), &e)
}

impl RoutingState for DynamoStore {
    async fn load(&self, policy: &CompiledPolicy, lead_id: &str) -> StoreResult<RoutingView> {
        let lead_key = keys::lead(lead_id);
        let assignment_key = keys::assignment(lead_id);
        let mut wanted = vec![lead_key.clone(), assignment_key.clone()];
        wanted.extend(policy.reps().iter().map(|r| keys::rep(&r.id)));
        wanted.extend(policy.pools().iter().map(|p| keys::pool(&p.id)));
        // Outcomes only for a policy with a best_fit pool: in the same BatchGetItem.
        wanted.extend(best_fit_reps(policy).iter().map(|r| keys::rep_outcomes(r)));
        let found = self.batch_get(wanted).await?;

        let mut snapshot = Snapshot::empty(policy);
        let mut lead = None;
        let mut assignment = None;
        for item in &found {
            let pk = codec::get_s(item, keys::PK)?;
            let sk = codec::get_s(item, keys::SK)?;
            match keys::Partition::parse(pk) {
                keys::Partition::Lead(_) if sk == lead_key.sk => {
                    lead = Some(items::stored_lead(item)?);
                }
                keys::Partition::Lead(_) if sk == assignment_key.sk => {
                    assignment = Some(items::assignment(item)?);
                }
                keys::Partition::Rep(rep) if outcomes::is_outcomes(item) => {
                    snapshot.set_rep_outcomes(policy, rep, outcomes::outcome_record(item)?.total());
                }
                keys::Partition::Rep(rep) => {
                    if let Some(state) = snapshot.rep_mut(policy, rep) {
                        *state = items::rep_state(item)?;
                    }
                }
                keys::Partition::Pool(pool) => {
                    snapshot.set_pool_record(policy, pool, &items::pool_record(item)?);
                }
                _ => {}
            }
        }
        Ok(RoutingView {
            lead,
            assignment,
            snapshot,
        })
    }

    async fn apply(&self, apply: &Apply) -> StoreResult<Applied> {
        let t = &self.table;
        let mut writes = Vec::with_capacity(5);
        if let Some(rc) = apply.rep_change() {
            writes.push(take_capacity(t, rc)?);
        }
        if let Some(pc) = apply.pool_change() {
            writes.push(advance_pool(t, pc)?);
        }
        writes.push(match &apply.assignment {
            Some(a) => put_assignment(t, a)?,
            None => check_no_assignment(t, &apply.lead_id)?,
        });
        writes.push(decide_lead(t, apply)?);
        let record = codec::item(
            keys::decision(&apply.lead_id, apply.decision_number()),
            [(RECORD, packed_json(&apply.record)?)],
        );
        writes.push(put_new(t, record)?);

        match self.transact(writes).await {
            Ok(()) => Ok(Applied::Committed),
            Err(TransactFailure::Cancelled(reasons)) => {
                // A redelivery finds the assignment made by the first delivery.
                if let Some(a) = self.assignment(&apply.lead_id).await?
                    && a.status != AssignmentStatus::Released
                {
                    return Ok(Applied::AlreadyAssigned(a));
                }
                if self.get_item(keys::lead(&apply.lead_id)).await?.is_none() {
                    return Err(StoreError::NotFound(format!("lead {}", apply.lead_id)));
                }
                Err(TransactFailure::Cancelled(reasons)
                    .into_error(&format!("decision for lead {}", apply.lead_id)))
            }
            Err(other) => Err(other.into_error("apply")),
        }
    }

    async fn release(
        &self,
        lead_id: &str,
        outcome: ReleaseOutcome,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        self.end(lead_id, None, outcome, None, None, now).await
    }

    async fn end_attempt(
        &self,
        lead_id: &str,
        attempt: u32,
        outcome: ReleaseOutcome,
        close: Option<CloseOutcome>,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        self.end(lead_id, Some(attempt), outcome, close, None, now)
            .await
    }

    async fn recycle_attempt(
        &self,
        lead_id: &str,
        recycle: &Recycle,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        self.end(
            lead_id,
            Some(recycle.attempt),
            ReleaseOutcome::Recycled,
            None,
            Some(recycle),
            now,
        )
        .await
    }

    async fn accept(&self, lead_id: &str, rep: &str, now: Timestamp) -> StoreResult<Assignment> {
        self.accept_as(lead_id, rep, None, now).await
    }

    async fn accept_attempt(
        &self,
        lead_id: &str,
        rep: &str,
        attempt: u32,
        now: Timestamp,
    ) -> StoreResult<Assignment> {
        self.accept_as(lead_id, rep, Some(attempt), now).await
    }

    async fn set_away(&self, rep: &str, away: Option<AwayStatus>) -> StoreResult<RepState> {
        let mut e = Expr::new();
        let set = match away {
            Some(a) => format!(
                "SET {} = {}",
                e.name("away"),
                e.value("away", s(serde_json::to_string(&a)?))
            ),
            None => format!("REMOVE {}", e.name("away")),
        };
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(keys::rep(rep))))
            .update_expression(set)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|err| errors::backend("UpdateItem away", err))?;
        items::rep_state(&out.attributes.unwrap_or_default())
    }

    async fn assignment(&self, lead_id: &str) -> StoreResult<Option<Assignment>> {
        self.get_item(keys::assignment(lead_id))
            .await?
            .map(|item| items::assignment(&item))
            .transpose()
    }

    async fn decisions(&self, lead_id: &str) -> StoreResult<Vec<DecisionRecord>> {
        let pk = keys::lead_partition(lead_id);
        self.query_prefix(&pk, keys::DECISION_PREFIX, None)
            .await?
            .iter()
            .map(|item| get_packed_json(item, RECORD, RECORD_JSON))
            .collect()
    }

    /// One strongly consistent Query on the lead's partition, which holds the lead, its
    /// assignment and its decisions: a single request instead of three reads at three
    /// moments. (A partition larger than one page, 1 MB, would take more than one.)
    async fn lead_routing(&self, lead_id: &str) -> StoreResult<Option<LeadRouting>> {
        let lead_key = keys::lead(lead_id);
        let assignment_key = keys::assignment(lead_id);
        let found = self.query_partition(&keys::lead_partition(lead_id)).await?;
        let mut lead = None;
        let mut assignment = None;
        let mut decisions = Vec::new();
        // Sort keys come in order, so decisions stay oldest first.
        for item in &found {
            let sk = codec::get_s(item, keys::SK)?;
            if sk == lead_key.sk {
                lead = Some(items::stored_lead(item)?);
            } else if sk == assignment_key.sk {
                assignment = Some(items::assignment(item)?);
            } else if sk.starts_with(keys::DECISION_PREFIX) {
                decisions.push(get_packed_json(item, RECORD, RECORD_JSON)?);
            }
        }
        Ok(lead.map(|lead| LeadRouting {
            lead,
            assignment,
            decisions,
        }))
    }

    async fn rep_state(&self, rep: &str) -> StoreResult<RepState> {
        match self.get_item(keys::rep(rep)).await? {
            Some(item) => items::rep_state(&item),
            None => Ok(RepState::default()),
        }
    }

    async fn open_assignments(&self, rep: &str) -> StoreResult<Vec<Assignment>> {
        let mut e = Expr::new();
        let condition = format!(
            "{} = {}",
            e.name(keys::GSI1PK),
            e.value("rep", s(keys::rep_partition(rep)))
        );
        self.query_index(keys::GSI_BY_REP, &condition, &e, None, "Query by_rep")
            .await?
            .iter()
            .map(items::assignment)
            .collect()
    }

    async fn due(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Assignment>> {
        if to <= from || limit == 0 {
            return Ok(Vec::new());
        }
        if to.duration_since(from) > MAX_DUE_WINDOW {
            return Err(StoreError::Invalid(format!(
                "due window {from}..{to} is longer than {MAX_DUE_WINDOW:#}"
            )));
        }
        let first = keys::minute_of(from);
        let last = keys::minute_of(to - SignedDuration::from_millis(1));
        let lo = keys::by_due_sk(from, "");
        let hi = keys::by_due_sk(to, "");
        let mut out = Vec::new();
        for minute in first..=last {
            for shard in 0..keys::DUE_SHARDS {
                let mut e = Expr::new();
                let condition = format!(
                    "{} = {} AND {} BETWEEN {} AND {}",
                    e.name(keys::GSI2PK),
                    e.value("pk", s(keys::by_due_pk_shard(minute, shard))),
                    e.name(keys::GSI2SK),
                    e.value("lo", s(&lo)),
                    e.value("hi", s(&hi)),
                );
                for item in self
                    .query_index(keys::GSI_BY_DUE, &condition, &e, None, "Query by_due")
                    .await?
                {
                    out.push(items::assignment(&item)?);
                }
            }
            // Minutes come in order, so once a minute fills the limit the rest are later.
            if out.len() >= limit {
                break;
            }
        }
        out.sort_by(|a, b| (a.sla_due, &a.lead_id).cmp(&(b.sla_due, &b.lead_id)));
        out.truncate(limit);
        Ok(out)
    }
}

impl DynamoStore {
    /// Ends the open assignment (at `attempt`, when given): the assignment, the rep's
    /// count, the lead and a close's outcome count in one transaction, conditioned on the
    /// assignment read.
    async fn end(
        &self,
        lead_id: &str,
        attempt: Option<u32>,
        outcome: ReleaseOutcome,
        close: Option<CloseOutcome>,
        recycle: Option<&Recycle>,
        now: Timestamp,
    ) -> StoreResult<Option<Assignment>> {
        if (outcome == ReleaseOutcome::Recycled) != recycle.is_some() {
            return Err(StoreError::Invalid(
                "a recycle ends an assignment only with its record".to_owned(),
            ));
        }
        let Some(current) = self.assignment(lead_id).await? else {
            return Ok(None);
        };
        if current.status != AssignmentStatus::Open
            || attempt.is_some_and(|n| n != current.attempt)
            || recycle.is_some_and(|r| r.rep != current.rep)
        {
            return Ok(None);
        }
        if outcome == ReleaseOutcome::Expired && current.accepted_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "lead {lead_id} was accepted before its SLA expired"
            )));
        }
        let mut ended = current.clone();
        if let Some(r) = recycle {
            ended.status = match r.then {
                RecycleThen::Close => AssignmentStatus::Closed,
                _ => AssignmentStatus::Released,
            };
        } else if outcome.bounces() {
            ended.status = AssignmentStatus::Released;
        } else {
            ended.status = AssignmentStatus::Closed;
            ended.outcome = close;
        }
        ended.ended_at = Some(now);
        ended.ended_as = Some(outcome);

        // 1. The assignment, still open and the same one that was read.
        let mut e = Expr::new();
        let mut condition = format!(
            "{} = {} AND {} = {}",
            e.name("status"),
            e.value("open", s(AssignmentStatus::Open.as_str())),
            e.name("attempt"),
            e.value("attempt", n(current.attempt)),
        );
        if outcome == ReleaseOutcome::Expired {
            condition.push_str(&format!(
                " AND attribute_not_exists({})",
                e.name("accepted_at")
            ));
        }
        let end_assignment = TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(items::assignment_item(&ended)))
                    .condition_expression(condition)
                    .set_expression_attribute_names(e.names())
                    .set_expression_attribute_values(e.values())
                    .build()
                    .map_err(errors::build)?,
            )
            .build();

        // 2. The rep's open count, one lower.
        let mut e = Expr::new();
        let open = e.name("open");
        let one = e.value("one", n(1));
        let free = update(
            &self.table,
            keys::rep(&current.rep),
            format!("SET {open} = {open} - {one}"),
            Some(format!("{open} >= {one}")),
            &e,
        )?;

        // 3. The lead: closed, or back to routing with the rep noted as bounced; a
        // recycled one closed or parked (bounced when it is to be re-routed), the recycle
        // appended to its recycles.
        let mut e = Expr::new();
        let status = e.name("status");
        let (to, bounce) = match recycle.map(|r| &r.then) {
            Some(RecycleThen::Close) => (LeadStatus::Closed, false),
            Some(RecycleThen::Nurture { .. }) => (LeadStatus::Parked, false),
            Some(RecycleThen::Reroute { .. }) => (LeadStatus::Parked, true),
            None if outcome.bounces() => (LeadStatus::Received, true),
            None => (LeadStatus::Closed, false),
        };
        let mut set = format!(
            "SET {status} = {}, {} = {}",
            e.value("to", s(to.as_str())),
            e.name("updated_at"),
            e.value("now", s(now.to_string())),
        );
        if bounce {
            let bounced = e.name("bounced");
            set.push_str(&format!(
                ", {bounced} = list_append(if_not_exists({bounced}, {}), {})",
                e.value("empty", AttributeValue::L(Vec::new())),
                e.value("rep", AttributeValue::L(vec![s(&current.rep)])),
            ));
        }
        if let Some(r) = recycle {
            let recycles = e.name("recycles");
            set.push_str(&format!(
                ", {recycles} = list_append(if_not_exists({recycles}, {}), {})",
                e.value("no_recycles", AttributeValue::L(Vec::new())),
                e.value(
                    "recycle",
                    AttributeValue::L(vec![s(serde_json::to_string(r)?)])
                ),
            ));
        }
        set.push_str(&status_index_update(&mut e, lead_id, to, now));
        let condition = format!(
            "{status} = {}",
            e.value("assigned", s(LeadStatus::Assigned.as_str()))
        );
        let lead = update(&self.table, keys::lead(lead_id), set, Some(condition), &e)?;

        // 4. A won or lost close: the rep's outcomes, counted once with the close.
        let mut writes = vec![end_assignment, free, lead];
        writes.extend(self.record_close(&ended).await?);
        match self.transact(writes).await {
            Ok(()) => Ok(Some(ended)),
            Err(TransactFailure::Cancelled(reasons)) => {
                // Someone else ended it first: nothing to do, exactly as if we were second.
                match self.assignment(lead_id).await? {
                    Some(a)
                        if a.status == AssignmentStatus::Open && a.attempt == current.attempt =>
                    {
                        Err(TransactFailure::Cancelled(reasons)
                            .into_error(&format!("release of lead {lead_id}")))
                    }
                    _ => Ok(None),
                }
            }
            Err(other) => Err(other.into_error("release")),
        }
    }

    /// Accepts the open assignment of `rep` (at `attempt`, when given).
    async fn accept_as(
        &self,
        lead_id: &str,
        rep: &str,
        attempt: Option<u32>,
        now: Timestamp,
    ) -> StoreResult<Assignment> {
        let mut e = Expr::new();
        let accepted_at = e.name("accepted_at");
        let set = format!(
            "SET {accepted_at} = {} REMOVE {}, {}",
            e.value("now", s(now.to_string())),
            e.name(keys::GSI2PK),
            e.name(keys::GSI2SK),
        );
        let mut condition = format!(
            "{} = {} AND {} = {} AND attribute_not_exists({accepted_at})",
            e.name("status"),
            e.value("open", s(AssignmentStatus::Open.as_str())),
            e.name("rep"),
            e.value("rep", s(rep)),
        );
        if let Some(n_) = attempt {
            condition.push_str(&format!(
                " AND {} = {}",
                e.name("attempt"),
                e.value("attempt", n(n_))
            ));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(keys::assignment(lead_id))))
            .update_expression(set)
            .condition_expression(condition)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => items::assignment(&out.attributes.unwrap_or_default()),
            Err(err) => {
                if !errors::write_condition_failed(&err) {
                    return Err(errors::backend("UpdateItem", err));
                }
                match self.assignment(lead_id).await? {
                    None => Err(StoreError::NotFound(format!(
                        "assignment of lead {lead_id}"
                    ))),
                    Some(a)
                        if a.status == AssignmentStatus::Open
                            && a.rep == rep
                            && attempt.is_none_or(|n| n == a.attempt)
                            && a.accepted_at.is_some() =>
                    {
                        Ok(a)
                    }
                    Some(_) => Err(StoreError::Conflict(format!(
                        "lead {lead_id} is not open with {rep}"
                    ))),
                }
            }
        }
    }
}
