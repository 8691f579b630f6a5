//! [`ScheduledLeads`] on redb: a range read of the scheduled index up to the due time.

use jiff::{SignedDuration, Timestamp};

use super::EmbeddedStore;
use super::tables::{SCHEDULED, leads_indexed_below};
use crate::error::StoreResult;
use crate::ports::lead_index::time_key;
use crate::ports::leads::{LeadStatus, StoredLead};
use crate::ports::scheduled::ScheduledLeads;

impl ScheduledLeads for EmbeddedStore {
    async fn scheduled_due(&self, due_by: Timestamp, limit: usize) -> StoreResult<Vec<StoredLead>> {
        // Keys are `time_key NUL id`: everything before the next nanosecond's key is due.
        let hi = time_key(
            due_by
                .saturating_add(SignedDuration::from_nanos(1))
                .unwrap_or(due_by),
        );
        self.scan(move |db| {
            let leads = leads_indexed_below(db, SCHEDULED, "scheduled", &hi, limit)?;
            debug_assert!(leads.iter().all(|l| l.status == LeadStatus::Scheduled));
            Ok(leads)
        })
        .await
    }
}
