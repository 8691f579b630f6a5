//! Acting on the triage queue: re-routing a parked lead through the active policy, one by
//! id or every one matching a filter, once the reason it parked is gone (the kill switch
//! off, reps back in hours or under cap, a policy change); or giving one to a named rep by
//! hand ([`assign`]).
//!
//! A re-route hands the lead to the routing queue as intake does (status `queued`, a route
//! request on the queue), so the same router decides it, records the decision and notifies
//! the rep, on either runtime. The status changes only from `parked`, so two admins
//! re-routing the same lead queue it once; should the message not reach the queue, the
//! sweep re-drives queued leads it finds waiting.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::by_hand::{ByHand, assign_by_hand};
use switchboard_routing::{LeadId, PoolId, RepId};
use switchboard_store::{
    Applied, Apply, LeadIndex, LeadStatus, LeadStore, PolicyStore, RouteRequest, RoutingState,
    StoreError, WorkQueue,
};

use crate::error::AdminError;
use crate::leads::triage;

/// Most leads one "re-route all matching" request hands on.
pub const MAX_REROUTE: usize = 1000;

/// What to re-route from the triage queue: every parked lead, or those parked for one
/// reason and/or in one pool; at most `max` of them, oldest parked first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RerouteFilter {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub pool: Option<PoolId>,
    #[serde(default)]
    pub max: Option<usize>,
}

/// The leads handed back to routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Rerouted {
    pub rerouted: usize,
    pub lead_ids: Vec<LeadId>,
}

/// Re-routes one parked lead. `404` for an unknown lead, `409` for one not parked.
pub async fn reroute_one<S: LeadStore, Q: WorkQueue>(
    store: &S,
    queue: &Q,
    lead_id: &str,
    now: Timestamp,
) -> Result<Rerouted, AdminError> {
    let lead = store
        .get(lead_id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no lead {lead_id}")))?;
    if lead.status != LeadStatus::Parked {
        return Err(AdminError::Conflict(format!(
            "lead {lead_id} is {}, not parked",
            lead.status.as_str()
        )));
    }
    hand_on(store, queue, lead_id, now).await?;
    Ok(Rerouted {
        rerouted: 1,
        lead_ids: vec![LeadId::from(lead_id)],
    })
}

/// Re-routes the parked leads `filter` selects, oldest parked first. Leads that left the
/// queue meanwhile (someone else re-routed them) are skipped, not counted.
pub async fn reroute_matching<S, Q>(
    store: &S,
    queue: &Q,
    filter: &RerouteFilter,
    now: Timestamp,
) -> Result<Rerouted, AdminError>
where
    S: LeadStore + LeadIndex + RoutingState,
    Q: WorkQueue,
{
    let max = filter.max.unwrap_or(100);
    if !(1..=MAX_REROUTE).contains(&max) {
        return Err(AdminError::invalid_field(
            "max",
            format!("{max} is not between 1 and {MAX_REROUTE}"),
        ));
    }
    if let Some(reason) = &filter.reason
        && switchboard_routing::ParkReason::parse(reason).is_none()
    {
        return Err(AdminError::invalid_field(
            "reason",
            format!("`{reason}` is not a park reason"),
        ));
    }
    let mut done = Vec::new();
    let mut after = None;
    'pages: loop {
        let page = triage(store, after.as_ref(), 200).await?;
        for item in &page.items {
            let reason_ok = filter
                .reason
                .as_deref()
                .is_none_or(|r| item.reason.as_deref().and_then(canonical) == canonical(r));
            let pool_ok = filter
                .pool
                .as_ref()
                .is_none_or(|p| item.pool.as_ref() == Some(p));
            if !(reason_ok && pool_ok) {
                continue;
            }
            match hand_on(store, queue, &item.lead.lead_id, now).await {
                Ok(()) => done.push(item.lead.lead_id.clone()),
                Err(AdminError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
            if done.len() == max {
                break 'pages;
            }
        }
        match page.next {
            Some(next) => after = Some(crate::leads::cursor(Some(&next))?.expect("a cursor")),
            None => break,
        }
    }
    Ok(Rerouted {
        rerouted: done.len(),
        lead_ids: done,
    })
}

/// The reason's current name (`no_rule_matched` reads as `no_rule`).
fn canonical(reason: &str) -> Option<&'static str> {
    switchboard_routing::ParkReason::parse(reason).map(|r| r.as_str())
}

/// `parked` → `queued`, then the route request. The status change is the claim: only one
/// caller makes it.
async fn hand_on<S: LeadStore, Q: WorkQueue>(
    store: &S,
    queue: &Q,
    lead_id: &str,
    now: Timestamp,
) -> Result<(), AdminError> {
    store
        .set_status(lead_id, LeadStatus::Parked, LeadStatus::Queued, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                AdminError::Conflict(format!("lead {lead_id} is no longer parked"))
            }
            other => AdminError::from_store(other),
        })?;
    queue.send(&RouteRequest::new(lead_id).to_body()).await?;
    Ok(())
}

/// An admin's order to give a parked lead to a named rep.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignOrder {
    pub rep: RepId,
    /// Why: recorded in the decision with the admin's name.
    pub reason: String,
    /// Assign whatever the rep's caps, hours and away status say.
    #[serde(default)]
    pub override_caps: bool,
}

/// The assignment made by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AssignedByHand {
    pub lead_id: LeadId,
    pub rep: RepId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub sla_due: Option<Timestamp>,
    pub summary: String,
}

/// Gives the parked lead `lead_id` to the rep `order` names, as a decision recorded with
/// the admin and the reason. The rep's availability and caps are checked as routing checks
/// them (`409` naming why the rep cannot take it) unless the order overrides them; the
/// write takes the rep's capacity atomically, like a routing decision. The route request
/// that follows lets the router notify the rep and publish `lead.assigned`, as for any
/// assignment.
pub async fn assign<S, Q>(
    store: &S,
    queue: &Q,
    lead_id: &str,
    order: &AssignOrder,
    actor: &str,
    now: Timestamp,
) -> Result<AssignedByHand, AdminError>
where
    S: LeadStore + RoutingState + PolicyStore,
    Q: WorkQueue,
{
    if order.reason.trim().is_empty() {
        return Err(AdminError::invalid_field(
            "reason",
            "say why, for the record",
        ));
    }
    let policy = crate::reps::active(store).await?;
    let rep = policy.rep_index(&order.rep).ok_or_else(|| {
        AdminError::NotFound(format!("no rep {} in the active policy", order.rep))
    })?;
    let view = store.load(&policy, lead_id).await?;
    let lead = view
        .lead
        .ok_or_else(|| AdminError::NotFound(format!("no lead {lead_id}")))?;
    if lead.status != LeadStatus::Parked {
        return Err(AdminError::Conflict(format!(
            "lead {lead_id} is {}, not parked",
            lead.status.as_str()
        )));
    }
    let by_hand = ByHand {
        rep,
        actor: actor.to_owned(),
        reason: order.reason.trim().to_owned(),
        overrode: order.override_caps,
    };
    let record =
        assign_by_hand(&policy, &view.snapshot, &lead.lead, &by_hand, now).map_err(|skip| {
            AdminError::Conflict(format!(
                "{} cannot take a lead now ({}); set override_caps to assign anyway",
                order.rep,
                skip.code()
            ))
        })?;
    let (sla_due, summary) = (record.sla_due, record.summary.clone());
    let apply = Apply::by_hand(&lead, record).map_err(AdminError::from_store)?;
    match store.apply(&apply).await {
        Ok(Applied::Committed) => {}
        Ok(Applied::AlreadyAssigned(a)) => {
            return Err(AdminError::Conflict(format!(
                "lead {lead_id} is already assigned to {}",
                a.rep
            )));
        }
        Err(StoreError::Conflict(_)) => {
            return Err(AdminError::Conflict(format!(
                "lead {lead_id} or {}'s capacity changed meanwhile; look again and retry",
                order.rep
            )));
        }
        Err(e) => return Err(AdminError::from_store(e)),
    }
    queue.send(&RouteRequest::new(lead_id).to_body()).await?;
    Ok(AssignedByHand {
        lead_id: LeadId::from(lead_id),
        rep: order.rep.clone(),
        sla_due,
        summary,
    })
}
