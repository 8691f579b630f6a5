//! Leads as lists: the leads received in a window (paged, filtered: `lead_filter.rs`) and the
//! triage queue of parked leads with their reasons. Both read the store's lead indexes
//! (`switchboard_store::LeadIndex`), whose cost grows with the page, not with all leads.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::recycle::RecycleThen;
use switchboard_routing::{DecisionRecord, LeadId, PoolId, RepId};
use switchboard_store::{LeadCursor, LeadIndex, LeadStatus, RoutingState, StoredLead};

use crate::error::AdminError;
use crate::lead_filter::LeadFilter;

/// Most leads on one page.
pub const MAX_PAGE: usize = 500;

/// One lead in a list: enough to find it and see where it stands, no contact details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LeadSummary {
    pub lead_id: LeadId,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub received_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub status: LeadStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub updated_at: Timestamp,
    /// When a spread import's lead goes (or went) to routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub route_at: Option<Timestamp>,
}

impl From<&StoredLead> for LeadSummary {
    fn from(s: &StoredLead) -> Self {
        LeadSummary {
            lead_id: s.lead.id.clone(),
            received_at: s.lead.received_at,
            source: s.lead.source.clone(),
            status: s.status,
            company: s.lead.company.clone(),
            country: s.lead.country.clone(),
            updated_at: s.updated_at,
            route_at: s.route_at,
        }
    }
}

/// A page of a list; `next` is the cursor for `?after=` (absent on the last page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(rename = "{T}Page"))]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A parked lead in the triage queue, with why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TriageItem {
    #[serde(flatten)]
    pub lead: LeadSummary,
    /// The park reason of the decision that parked it (`all_at_cap`, `kill_switch`, ...),
    /// or `recycled` when a rep's recycle parked it (docs/POLICY.md, "Recycling").
    pub reason: Option<String>,
    /// The pool it waits in (a recycled lead: its nurture pool; none while it waits for
    /// its delayed re-route).
    pub pool: Option<PoolId>,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub parked_at: Timestamp,
    /// Reps it bounced from before (rejected, or let the SLA expire).
    pub bounced: Vec<RepId>,
}

pub fn page_limit(limit: Option<usize>) -> Result<usize, AdminError> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => Err(AdminError::invalid_param(
            "limit",
            format!("{n} is not between 1 and {MAX_PAGE}"),
        )),
    }
}

pub fn cursor(after: Option<&str>) -> Result<Option<LeadCursor>, AdminError> {
    after
        .map(|a| {
            a.parse::<LeadCursor>()
                .map_err(|e| AdminError::invalid_param("after", e.to_string()))
        })
        .transpose()
}

/// The leads received in `[from, to)`, oldest first, those `filter` keeps only. The
/// filters apply to each page as read from the window's index, so a filtered page can hold
/// fewer than `limit` leads (even none) and still have a next one; the cost grows with the
/// window, not with the matches. Routing filters read each lead's routing (see
/// [`LeadFilter`]); a lead that vanished between the two reads is left out.
pub async fn received<S: LeadIndex + RoutingState>(
    store: &S,
    (from, to): (Timestamp, Timestamp),
    filter: &LeadFilter,
    after: Option<&LeadCursor>,
    limit: usize,
    now: Timestamp,
) -> Result<Page<LeadSummary>, AdminError> {
    let page = store
        .received_between(from, to, after, limit)
        .await
        .map_err(AdminError::from_store)?;
    let mut items = Vec::with_capacity(page.leads.len());
    for lead in page.leads.iter().filter(|l| filter.keeps_lead(l)) {
        if !filter.needs_routing() {
            items.push(LeadSummary::from(lead));
            continue;
        }
        let Some(routing) = store.lead_routing(&lead.lead.id).await? else {
            continue;
        };
        // The routing read is the later one: its record decides the status too.
        if filter.keeps_lead(&routing.lead) && filter.keeps_routing(&routing, now) {
            items.push(LeadSummary::from(&routing.lead));
        }
    }
    Ok(Page {
        items,
        next: page.next.map(|c| c.to_string()),
    })
}

/// The parked leads, oldest parked first, each with the reason and pool of the decision
/// that parked it.
pub async fn triage<S: LeadIndex + RoutingState>(
    store: &S,
    after: Option<&LeadCursor>,
    limit: usize,
) -> Result<Page<TriageItem>, AdminError> {
    let page = store
        .parked(after, limit)
        .await
        .map_err(AdminError::from_store)?;
    let mut items = Vec::with_capacity(page.leads.len());
    for lead in &page.leads {
        // The list is read a moment before each lead: one that left the queue since is
        // skipped.
        let Some(routing) = store.lead_routing(&lead.lead.id).await? else {
            continue;
        };
        if routing.lead.status != LeadStatus::Parked {
            continue;
        }
        let parked = routing.decisions.last();
        // A lead a rep recycled is parked by the recycle, not by a decision.
        let recycled = routing.lead.recycles.last().filter(|r| {
            r.attempt as usize == routing.decisions.len()
                && parked.is_some_and(|d| park_reason(d).is_none())
        });
        let (reason, pool) = match recycled {
            Some(r) => (
                Some("recycled".to_owned()),
                match &r.then {
                    RecycleThen::Nurture { pool } => Some(pool.clone()),
                    _ => None,
                },
            ),
            None => (parked.and_then(park_reason), parked.and_then(park_pool)),
        };
        items.push(TriageItem {
            lead: LeadSummary::from(&routing.lead),
            reason,
            pool,
            parked_at: routing.lead.updated_at,
            bounced: routing.lead.bounced.clone(),
        });
    }
    Ok(Page {
        items,
        next: page.next.map(|c| c.to_string()),
    })
}

fn park_reason(d: &DecisionRecord) -> Option<String> {
    match &d.outcome {
        OutcomeRecord::Parked { reason, .. } => Some(reason.as_str().to_owned()),
        _ => None,
    }
}

fn park_pool(d: &DecisionRecord) -> Option<PoolId> {
    match &d.outcome {
        OutcomeRecord::Parked { pool, .. } => Some(pool.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use switchboard_routing::recycle::{Recycle, RecycleReason};
    use switchboard_routing::{Lead, PolicyDocument};
    use switchboard_store::embedded::MemoryEvents;
    use switchboard_store::{LeadStore, NewLead, PolicyStore, Router};

    use super::*;

    #[tokio::test]
    async fn a_recycled_lead_waits_in_triage_as_recycled() {
        let store = switchboard_testkit::embedded_store();
        let now: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let doc = PolicyDocument::from_yaml(
            "triage_pool: triage
reps: [{ id: ana }]
pools: [{ id: main, strategy: round_robin, members: [ana] }]
rules: [{ id: all, pool: main }]
",
        )
        .unwrap();
        let v = store.put_version(&doc, None, now).await.unwrap();
        store.set_active(v.version, None, now).await.unwrap();
        let router = Router::new(store.clone(), MemoryEvents::default());
        let thens = [
            RecycleThen::Nurture {
                pool: "nurture".into(),
            },
            RecycleThen::Reroute { reroute_at: now },
        ];
        for (id, then) in ["N1", "R1"].into_iter().zip(thens) {
            store
                .insert_if_absent(&NewLead::new(Lead::new(id, now), id), now)
                .await
                .unwrap();
            router.route_lead(id, now).await.unwrap();
            let recycle = Recycle {
                rep: "ana".into(),
                attempt: 1,
                reason: RecycleReason::NoBudget,
                note: None,
                at: now,
                then,
            };
            store
                .recycle_attempt(id, &recycle, now)
                .await
                .unwrap()
                .expect("recycled");
        }
        let page = triage(&store, None, 10).await.unwrap();
        let rows: Vec<(String, Option<String>, Option<String>)> = page
            .items
            .iter()
            .map(|i| {
                (
                    i.lead.lead_id.to_string(),
                    i.reason.clone(),
                    i.pool.as_ref().map(|p| p.to_string()),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("N1".into(), Some("recycled".into()), Some("nurture".into())),
                ("R1".into(), Some("recycled".into()), None),
            ]
        );
    }
}
