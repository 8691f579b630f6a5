//! The SLA sweep: one pass, run every minute by the `sla-sweeper` Lambda (EventBridge
//! Scheduler) and on a timer by the local process.
//!
//! 1. **Expire.** Reads the open, unaccepted assignments whose SLA is due with
//!    [`RoutingState::due`] (an index holding only assignments whose clock runs, so the
//!    cost grows with the leads due, not the leads open), ends each as `Expired` (which
//!    frees the rep's capacity and fails if the rep accepted first: one winner), publishes
//!    `lead.sla_breached` and routes the lead again without the reps it bounced from
//!    ([`crate::actions::reroute`]: notifies the old and the new rep, escalates when the
//!    policy's bounce limit is reached or nobody can take it).
//! 2. **Warn.** Reminds the assigned rep of an open, unaccepted assignment once the share
//!    of its SLA the policy names (`sla_warning_percent`, default 75) has passed: a pass
//!    sends an `sla_warning` notification for each assignment whose warning time fell
//!    since the previous pass (`interval` ago). The candidates are read from the same due
//!    index, up to the longest SLA's remaining share ahead, so the cost grows with the
//!    leads due soon. A pass that does not run (the process was down) sends no late
//!    reminders; the notifier sends each reminder once per channel however often it is
//!    asked.
//! 3. **Re-drive.** Sends a route request for every lead still awaiting routing that was
//!    last touched more than `redrive_after` ago ([`LeadStore::awaiting_routing`]): its
//!    hand-off to the routing queue was lost. The lead is marked `queued` again so the
//!    next pass waits another `redrive_after` before sending it again.
//!
//! 4. **Retry parked.** Hands back to routing the parked leads the policy's `parked`
//!    settings take up again by itself ([`switchboard_routing::CompiledPolicy::retries_parked`]):
//!    a lead parked because every rep was at a cap, off or away, once a dry run of the
//!    engine on the current state would assign it; a lead parked by the kill switch once
//!    the switch is off; a lead a rep recycled with the policy's `reroute` follow-up once
//!    its delay is over (it carries the recycling rep among its bounced reps, so it goes
//!    to someone else). The lead moves from `parked` to `queued` (one caller wins) and a
//!    route request goes on the routing queue, so the router decides, records and notifies
//!    as for any lead. The parked queue is read oldest first, `retry_batch` at a time, at
//!    most `max_pages` pages a pass.
//!
//! 5. **Release scheduled.** Hands to routing the leads stored to be routed later (an
//!    import spread over its reps' working hours, [`ScheduledLeads`]) whose `route_at` has
//!    come: `scheduled` → `queued` (one caller wins), then a route request
//!    (`scheduled.rs`). Read earliest first, `retry_batch` at a time, at most `max_pages`
//!    pages a pass.
//!
//! A pass is idempotent: a lead expired by an earlier (crashed) pass is no longer due,
//! and a re-driven lead is routed once however many requests arrive.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::json;
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::recycle::RecycleThen;
use switchboard_routing::{CompiledPolicy, DecideInput, decide};

use crate::NotifyMessage;
use crate::actions::{Desk, Next, reroute};
use crate::error::{StoreError, StoreResult};
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::EventPublisher;
use crate::ports::lead_index::LeadIndex;
use crate::ports::leads::{LeadStatus, LeadStore, StoredLead};
use crate::ports::policies::PolicyStore;
use crate::ports::queue::Outbox;
use crate::ports::routing::{ReleaseOutcome, RoutingState};
use crate::ports::scheduled::ScheduledLeads;

mod scheduled;

/// The reason given to a rep who lost a lead to its SLA.
pub const SLA_EXPIRED: &str = "sla_expired";

#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// How far back due deadlines are read. A deadline older than this (the sweep was
    /// down for longer) is not found again; on DynamoDB each minute of lookback costs
    /// one query per index shard.
    pub lookback: SignedDuration,
    /// Assignments read per query; a pass reads more pages while pages come back full.
    pub batch: usize,
    /// Stop after this many pages, so one pass stays within its time budget.
    pub max_pages: usize,
    /// A lead awaiting routing this long since its last change is re-driven.
    pub redrive_after: SignedDuration,
    /// Time between passes: a pass sends the SLA reminders that fell due since the
    /// previous one.
    pub interval: SignedDuration,
    pub redrive_batch: usize,
    /// Parked leads read per page by the retry step.
    pub retry_batch: usize,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            lookback: SignedDuration::from_mins(15),
            batch: 100,
            max_pages: 10,
            redrive_after: SignedDuration::from_mins(2),
            redrive_batch: 100,
            retry_batch: 100,
            interval: SignedDuration::from_mins(1),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Assignments ended by their SLA.
    pub expired: usize,
    /// Due assignments the rep accepted before the sweep could expire them.
    pub accepted_first: usize,
    pub reassigned: usize,
    pub escalated: usize,
    /// SLA reminders sent to the assigned reps.
    pub warned: usize,
    /// Expired leads whose re-route did not happen in this pass (re-driven later).
    pub pending: usize,
    pub redriven: usize,
    /// Parked leads handed back to routing because someone can take them now (or the kill
    /// switch is off).
    pub retried: usize,
    /// Scheduled leads handed to routing because their time had come.
    pub released: usize,
    /// Items this pass could not handle (logged); the next pass tries them again.
    pub failures: usize,
}

/// One sweep at `now`. Errors only when the due index, the awaiting-routing index or the
/// scheduled index cannot be read; failures of single items are counted and logged.
pub async fn sweep<S, E, N, R>(
    desk: &Desk<'_, S, E, N>,
    routing: &R,
    config: &SweepConfig,
    now: Timestamp,
) -> StoreResult<SweepReport>
where
    S: LeadStore + LeadIndex + RoutingState + PolicyStore + AccountDirectory + ScheduledLeads,
    E: EventPublisher,
    N: Outbox,
    R: Outbox,
{
    let mut report = SweepReport::default();
    expire_due(desk, config, now, &mut report).await?;
    warn_due(desk, config, now, &mut report).await?;
    redrive(&desk.router.store, routing, config, now, &mut report).await?;
    retry_parked(desk, routing, config, now, &mut report).await?;
    scheduled::release_scheduled(&desk.router.store, routing, config, now, &mut report).await?;
    Ok(report)
}

async fn expire_due<S, E, N>(
    desk: &Desk<'_, S, E, N>,
    config: &SweepConfig,
    now: Timestamp,
    report: &mut SweepReport,
) -> StoreResult<()>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    let store = &desk.router.store;
    // `due` reads `[from, to)`; a deadline of exactly `now` is due.
    let to = now + SignedDuration::from_millis(1);
    let from = now - config.lookback;
    for _ in 0..config.max_pages.max(1) {
        let due = store.due(from, to, config.batch).await?;
        let full = due.len() >= config.batch;
        let mut progressed = false;
        for a in due {
            match store
                .end_attempt(&a.lead_id, a.attempt, ReleaseOutcome::Expired, None, now)
                .await
            {
                Ok(Some(ended)) => {
                    progressed = true;
                    report.expired += 1;
                    let breached = crate::actions::event(
                        "lead.sla_breached",
                        &ended,
                        now,
                        json!({ "sla_due": ended.sla_due }),
                    );
                    if let Err(e) = desk.router.events.publish(&breached).await {
                        tracing::error!(id = %breached.id, error = %e, "event not published");
                    }
                    let rerouted = reroute(desk, &ended, SLA_EXPIRED, now).await;
                    match rerouted.next {
                        Next::Rep { .. } => report.reassigned += 1,
                        Next::Parked { .. } => report.escalated += 1,
                        Next::Pending => report.pending += 1,
                    }
                }
                // Ended by someone else meanwhile (closed, rejected, another sweep).
                Ok(None) => progressed = true,
                // The rep accepted first: the accept won.
                Err(StoreError::Conflict(_)) => {
                    progressed = true;
                    report.accepted_first += 1;
                }
                Err(e) => {
                    report.failures += 1;
                    tracing::error!(lead_id = %a.lead_id, attempt = a.attempt, error = %e, "cannot expire; next pass");
                }
            }
        }
        // A page of failures would come back the same: leave it to the next pass.
        if !full || !progressed {
            break;
        }
    }
    Ok(())
}

async fn warn_due<S, E, N>(
    desk: &Desk<'_, S, E, N>,
    config: &SweepConfig,
    now: Timestamp,
    report: &mut SweepReport,
) -> StoreResult<()>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    let store = &desk.router.store;
    let Some(active) = store.get_active().await? else {
        return Ok(());
    };
    let policy = desk.router.policy(active.version).await?;
    let (Some(share), Some(longest)) = (policy.sla_warning_share(), policy.longest_sla()) else {
        return Ok(());
    };
    // A reminder falls at `assigned + share × sla`, so an assignment due later than the
    // longest SLA's remaining share (plus one interval) cannot be reminded yet.
    let ahead = SignedDuration::from_secs_f64(longest.as_secs_f64() * (1.0 - share));
    let to = now + ahead + config.interval;
    let since = now - config.interval;
    let mut from = now;
    for _ in 0..config.max_pages.max(1) {
        let due = store.due(from, to, config.batch).await?;
        let full = due.len() >= config.batch;
        for a in &due {
            let Some(sla_due) = a.sla_due else { continue };
            let sla = sla_due.duration_since(a.assigned_at);
            let warn_at = a.assigned_at + SignedDuration::from_secs_f64(sla.as_secs_f64() * share);
            if !(warn_at > since && warn_at <= now) {
                continue;
            }
            let body = match NotifyMessage::sla_warning(a).to_body() {
                Ok(body) => body,
                Err(e) => {
                    report.failures += 1;
                    tracing::error!(lead_id = %a.lead_id, error = %e, "cannot encode the SLA reminder");
                    continue;
                }
            };
            match desk.notify.send(&body).await {
                Ok(()) => report.warned += 1,
                Err(e) => {
                    report.failures += 1;
                    tracing::error!(lead_id = %a.lead_id, attempt = a.attempt, error = %e, "SLA reminder not sent");
                }
            }
        }
        match due.last().and_then(|a| a.sla_due) {
            // `due` reads `[from, to)` in due order: the next page starts after the last
            // deadline read (assignments sharing it were all on this page or come again,
            // and the notifier sends a reminder once).
            Some(last) if full => from = last,
            _ => break,
        }
    }
    Ok(())
}

async fn redrive<S, R>(
    store: &S,
    routing: &R,
    config: &SweepConfig,
    now: Timestamp,
    report: &mut SweepReport,
) -> StoreResult<()>
where
    S: LeadStore,
    R: Outbox,
{
    let before = now - config.redrive_after;
    let stale = store.awaiting_routing(before, config.redrive_batch).await?;
    for lead in stale {
        let id = lead.lead.id.as_str();
        let body = crate::RouteRequest::new(id).to_body();
        if let Err(e) = routing.send(&body).await {
            report.failures += 1;
            tracing::error!(lead_id = id, error = %e, "cannot re-drive; next pass");
            continue;
        }
        report.redriven += 1;
        // Touching the lead moves it to the back of the index, so the next pass does not
        // send it again before `redrive_after` passes. Losing this race to the router
        // (the lead got routed) is fine.
        match store
            .set_status(id, lead.status, LeadStatus::Queued, now)
            .await
        {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => tracing::warn!(lead_id = id, error = %e, "re-driven, but not marked queued"),
        }
    }
    Ok(())
}

async fn retry_parked<S, E, N, R>(
    desk: &Desk<'_, S, E, N>,
    routing: &R,
    config: &SweepConfig,
    now: Timestamp,
    report: &mut SweepReport,
) -> StoreResult<()>
where
    S: LeadStore + LeadIndex + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
    R: Outbox,
{
    let store = &desk.router.store;
    let Some(active) = store.get_active().await? else {
        return Ok(());
    };
    let policy = desk.router.policy(active.version).await?;
    let mut after = None;
    for _ in 0..config.max_pages {
        let page = store.parked(after.as_ref(), config.retry_batch).await?;
        for lead in &page.leads {
            match retry_one(store, routing, &policy, lead, now).await {
                Ok(true) => report.retried += 1,
                Ok(false) => {}
                Err(e) => {
                    report.failures += 1;
                    tracing::error!(lead_id = %lead.lead.id, error = %e, "cannot retry a parked lead; next pass");
                }
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(())
}

/// Hands `lead` back to routing when the policy takes it up again now; true if it did.
async fn retry_one<S, R>(
    store: &S,
    routing: &R,
    policy: &CompiledPolicy,
    lead: &StoredLead,
    now: Timestamp,
) -> StoreResult<bool>
where
    S: LeadStore + RoutingState + AccountDirectory,
    R: Outbox,
{
    let id = lead.lead.id.as_str();
    let decisions = store.decisions(id).await?;
    let Some(last) = decisions.last() else {
        return Ok(false);
    };
    let OutcomeRecord::Parked { reason, .. } = last.outcome else {
        // Parked by a recycle of its latest assignment, to be routed again once the
        // policy's delay is over.
        let due = lead.recycles.last().is_some_and(|r| {
            r.attempt as usize == decisions.len()
                && matches!(r.then, RecycleThen::Reroute { reroute_at } if reroute_at <= now)
        });
        if !due || policy.kill_switch() {
            return Ok(false);
        }
        return hand_back(store, routing, id, "recycle_reroute", now).await;
    };
    let first_pool = last.steps.iter().find_map(|s| s.pool.as_ref());
    if !policy.retries_parked(reason, first_pool.map(|p| p.as_str())) || policy.kill_switch() {
        return Ok(false);
    }
    if reason.is_temporary() {
        // Only when routing would now assign it: otherwise it would park again, with a
        // new decision each pass.
        let view = store.load(policy, id).await?;
        let account = store.match_lead(&lead.lead).await?;
        let dry = decide(
            policy,
            &view.snapshot,
            &DecideInput {
                lead: &lead.lead,
                account: account.as_ref().map(|(a, by)| (a, *by)),
                bounced: &lead.bounced,
                now,
            },
        );
        if dry.is_parked() {
            return Ok(false);
        }
    }
    hand_back(store, routing, id, reason.as_str(), now).await
}

/// Moves parked lead `id` to the routing queue; false when someone else took it up first.
async fn hand_back<S, R>(
    store: &S,
    routing: &R,
    id: &str,
    reason: &str,
    now: Timestamp,
) -> StoreResult<bool>
where
    S: LeadStore,
    R: Outbox,
{
    match store
        .set_status(id, LeadStatus::Parked, LeadStatus::Queued, now)
        .await
    {
        Ok(_) => {}
        // Someone else took it up meanwhile (an admin, another pass).
        Err(StoreError::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e),
    }
    routing
        .send(&crate::RouteRequest::new(id).to_body())
        .await?;
    tracing::info!(lead_id = id, reason, "parked lead handed back to routing");
    Ok(true)
}
