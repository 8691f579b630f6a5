//! The health and fairness report over a window (`switchboard_routing::report`, defined in
//! docs/HEALTH.md), read page by page from the leads received in the window: the cost
//! grows with the window's leads (one index page per `PAGE` leads and one consistent read
//! per lead), never with all history.

use jiff::Timestamp;
use switchboard_routing::CompiledPolicy;
use switchboard_routing::report::{HealthAccumulator, HealthReport, PoolWeights, Window};
use switchboard_store::report_facts::lead_facts;
use switchboard_store::{LeadIndex, PolicyStore, RoutingState};

use crate::error::AdminError;

const PAGE: usize = 500;

/// The report over the leads received in `[from, to)`, with the fairness targets weighted
/// as the active policy weighs its pool members (each rep weighs 1 without one).
pub async fn health<S: LeadIndex + RoutingState + PolicyStore>(
    store: &S,
    (from, to): (Timestamp, Timestamp),
    now: Timestamp,
) -> Result<HealthReport, AdminError> {
    let window =
        Window::new(from, to).map_err(|e| AdminError::invalid_param("to", e.to_string()))?;
    let weights = match active(store).await? {
        Some(policy) => PoolWeights::from_policy(&policy),
        None => PoolWeights::new(),
    };
    let mut acc = HealthAccumulator::new(window, now);
    let mut after = None;
    loop {
        let page = store
            .received_between(from, to, after.as_ref(), PAGE)
            .await
            .map_err(AdminError::from_store)?;
        for lead in &page.leads {
            let Some(routing) = store.lead_routing(&lead.lead.id).await? else {
                continue;
            };
            // A lead whose stored routing does not add up is reported in the logs and
            // left out, rather than failing the whole report.
            match lead_facts(&routing) {
                Ok(facts) => {
                    acc.add(&facts);
                }
                Err(e) => {
                    tracing::warn!(lead_id = %lead.lead.id, error = %e, "lead left out of the health report")
                }
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(acc.finish(&weights))
}

async fn active<S: PolicyStore>(store: &S) -> Result<Option<CompiledPolicy>, AdminError> {
    let Some(active) = store.get_active().await? else {
        return Ok(None);
    };
    let Some(stored) = store.get_version(active.version).await? else {
        return Ok(None);
    };
    Ok(CompiledPolicy::compile(stored.document, active.version).ok())
}
