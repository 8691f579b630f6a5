//! Reading back what routing left in the store, the bus and the notify queue.

use std::collections::BTreeMap;

use switchboard_router::Notification;
use switchboard_routing::{DecisionRecord, RepState};
use switchboard_store::{
    Assignment, AssignmentStatus, DomainEvent, LeadStore, RoutingState, StoredLead,
};

/// Everything routing wrote about some leads and reps.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreState {
    pub leads: BTreeMap<String, Option<StoredLead>>,
    pub assignments: BTreeMap<String, Option<Assignment>>,
    pub decisions: BTreeMap<String, Vec<DecisionRecord>>,
    pub reps: BTreeMap<String, RepState>,
}

pub async fn read_state<S>(store: &S, leads: &[String], reps: &[&str]) -> StoreState
where
    S: LeadStore + RoutingState,
{
    let mut state = StoreState {
        leads: BTreeMap::new(),
        assignments: BTreeMap::new(),
        decisions: BTreeMap::new(),
        reps: BTreeMap::new(),
    };
    for id in leads {
        state
            .leads
            .insert(id.clone(), store.get(id).await.expect("get lead"));
        state
            .assignments
            .insert(id.clone(), store.assignment(id).await.expect("assignment"));
        state
            .decisions
            .insert(id.clone(), store.decisions(id).await.expect("decisions"));
    }
    for rep in reps {
        state.reps.insert(
            (*rep).to_owned(),
            store.rep_state(rep).await.expect("rep state"),
        );
    }
    state
}

/// Checks that each rep's open counter equals its open assignments, counted both from
/// the leads' assignments and from the store's by-rep index.
pub async fn assert_counters_match<S: RoutingState>(store: &S, state: &StoreState) {
    for (rep, counters) in &state.reps {
        let from_leads = state
            .assignments
            .values()
            .flatten()
            .filter(|a| &a.rep == rep && a.status == AssignmentStatus::Open)
            .count();
        let indexed = store.open_assignments(rep).await.expect("open assignments");
        assert_eq!(
            counters.open as usize, from_leads,
            "rep {rep}: counter vs assignments"
        );
        assert_eq!(indexed.len(), from_leads, "rep {rep}: index vs assignments");
    }
}

/// Events by id. Publishing is at least once, so an id may repeat, but every copy must be
/// the same event.
pub fn events_by_id(events: &[DomainEvent]) -> BTreeMap<String, DomainEvent> {
    let mut out = BTreeMap::new();
    for e in events {
        if let Some(earlier) = out.insert(e.id.clone(), e.clone()) {
            assert_eq!(&earlier, e, "two different events with id {}", e.id);
        }
    }
    out
}

/// Notifications by assignment id; as with events, every copy must be the same.
pub fn notifications_by_id(notifications: &[Notification]) -> BTreeMap<String, Notification> {
    let mut out = BTreeMap::new();
    for n in notifications {
        if let Some(earlier) = out.insert(n.assignment_id.clone(), n.clone()) {
            assert_eq!(
                &earlier, n,
                "two different notifications for {}",
                n.assignment_id
            );
        }
    }
    out
}

/// How often each id occurs.
pub fn counts<'a>(ids: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for id in ids {
        *out.entry(id.to_owned()).or_default() += 1;
    }
    out
}
