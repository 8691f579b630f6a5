//! The sweep's release of scheduled leads: a lead stored to be routed later (an import
//! spread over its reps' working hours) goes to routing once its `route_at` has come.

use jiff::Timestamp;

use super::{SweepConfig, SweepReport};
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{LeadStatus, LeadStore};
use crate::ports::queue::Outbox;
use crate::ports::scheduled::ScheduledLeads;

/// Moves each due scheduled lead to `queued` (one caller wins) and sends its route
/// request. The status goes first: a lead whose request is then lost is `queued`, which
/// the re-drive step finds after `redrive_after`, so it is never lost nor routed twice.
/// Caps, hours and fairness are the router's as for any lead: releasing it decides
/// nothing.
pub(super) async fn release_scheduled<S, R>(
    store: &S,
    routing: &R,
    config: &SweepConfig,
    now: Timestamp,
    report: &mut SweepReport,
) -> StoreResult<()>
where
    S: LeadStore + ScheduledLeads,
    R: Outbox,
{
    let batch = config.retry_batch.max(1);
    for _ in 0..config.max_pages.max(1) {
        let due = store.scheduled_due(now, batch).await?;
        let full = due.len() >= batch;
        let mut progressed = false;
        for lead in &due {
            let id = lead.lead.id.as_str();
            match store
                .set_status(id, LeadStatus::Scheduled, LeadStatus::Queued, now)
                .await
            {
                Ok(_) => progressed = true,
                // Another pass released it first (or the index lagged its release).
                Err(StoreError::Conflict(_)) => {
                    progressed = true;
                    continue;
                }
                Err(e) => {
                    report.failures += 1;
                    tracing::error!(lead_id = id, error = %e, "cannot release a scheduled lead; next pass");
                    continue;
                }
            }
            match routing.send(&crate::RouteRequest::new(id).to_body()).await {
                Ok(()) => report.released += 1,
                Err(e) => {
                    report.failures += 1;
                    tracing::warn!(lead_id = id, error = %e, "scheduled lead queued but not sent; re-driven later");
                }
            }
        }
        // A page that moved nothing would come back the same: leave it to the next pass.
        if !full || !progressed {
            break;
        }
    }
    Ok(())
}
