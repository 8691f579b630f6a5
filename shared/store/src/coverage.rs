//! The coverage forecast's inputs read from a store, and the scheduled check that publishes
//! its gaps. The forecast itself is `switchboard_routing::coverage` (pure); the admin API
//! and the command line ask for it through `switchboard_admin::coverage`, the sweeper
//! function runs [`check`] once a day.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use switchboard_routing::coverage::{ArrivalProfile, CoverageReport, forecast};
use switchboard_routing::{AwayStatus, CompiledPolicy};

use crate::error::StoreResult;
use crate::{DomainEvent, EventPublisher, LeadIndex, RoutingState};

const PAGE: usize = 500;
/// Weeks of received leads the scheduled check averages arrivals over.
pub const CHECK_WEEKS: u32 = 4;
/// Hours the scheduled check looks ahead.
pub const CHECK_HOURS: u32 = 24;
/// The event published for each gap (EventBridge `detail-type`).
pub const GAP_EVENT: &str = "policy.coverage_gap";

/// The arrivals of the leads received in the `weeks` weeks before `now`, per week, read
/// page by page (the cost grows with those weeks' leads, not with all history).
pub async fn arrivals<S: LeadIndex>(
    store: &S,
    policy: &CompiledPolicy,
    weeks: u32,
    now: Timestamp,
) -> StoreResult<ArrivalProfile> {
    let from = now - SignedDuration::from_hours(24 * 7 * weeks as i64);
    let mut profile = ArrivalProfile::default();
    let mut after = None;
    loop {
        let page = store
            .received_between(from, now, after.as_ref(), PAGE)
            .await?;
        for lead in &page.leads {
            profile.add_lead(policy, &lead.lead, weeks as f64);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(profile)
}

/// The reps' own away flags (set through the rep actions or the admin API), by rep id.
pub async fn away_flags<S: RoutingState>(
    store: &S,
    policy: &CompiledPolicy,
) -> StoreResult<BTreeMap<String, AwayStatus>> {
    let mut away = BTreeMap::new();
    for rep in policy.reps() {
        if let Some(a) = store.rep_state(&rep.id).await?.away {
            away.insert(rep.id.as_str().to_owned(), a);
        }
    }
    Ok(away)
}

/// The daily check: the next [`CHECK_HOURS`] of `policy` against the last
/// [`CHECK_WEEKS`] weeks' arrivals, with one [`GAP_EVENT`] published per gap (its id names
/// the pool and the gap's first hour, so a repeated check publishes the same ids).
pub async fn check<S, E>(
    store: &S,
    events: &E,
    policy: &CompiledPolicy,
    now: Timestamp,
) -> StoreResult<CoverageReport>
where
    S: LeadIndex + RoutingState,
    E: EventPublisher,
{
    let profile = arrivals(store, policy, CHECK_WEEKS, now).await?;
    let away = away_flags(store, policy).await?;
    let report = forecast(policy, &profile, &away, now, CHECK_HOURS);
    for gap in &report.gaps {
        events
            .publish(&DomainEvent {
                id: format!("{GAP_EVENT}:{}:{}", gap.pool, gap.from),
                kind: GAP_EVENT.to_owned(),
                time: now,
                detail: json!({
                    "policy_version": policy.version(),
                    "pool": gap.pool,
                    "from": gap.from,
                    "to": gap.to,
                    "expected": gap.expected,
                    "members": gap.members,
                    "reasons": gap.reasons,
                }),
            })
            .await?;
    }
    Ok(report)
}
