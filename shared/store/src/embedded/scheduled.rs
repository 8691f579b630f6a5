//! [`ScheduledLeads`] on redb: a range read of the scheduled index up to the due time.

use jiff::{SignedDuration, Timestamp};
use redb::ReadableDatabase;

use super::EmbeddedStore;
use super::tables::{LEADS, SCHEDULED, db_err, get_json};
use crate::error::{StoreError, StoreResult};
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
            let txn = db.begin_read().map_err(db_err)?;
            let index = txn.open_table(SCHEDULED).map_err(db_err)?;
            let leads = txn.open_table(LEADS).map_err(db_err)?;
            let mut out = Vec::new();
            for row in index.range(..hi.as_str()).map_err(db_err)? {
                if out.len() >= limit {
                    break;
                }
                let (k, _) = row.map_err(db_err)?;
                let key = k.value();
                let lead_id = key.split_once('\0').map_or("", |(_, l)| l);
                let lead: StoredLead = get_json(&leads, lead_id)?.ok_or_else(|| {
                    StoreError::Invalid(format!("scheduled index names missing lead {lead_id}"))
                })?;
                debug_assert_eq!(lead.status, LeadStatus::Scheduled);
                out.push(lead);
            }
            Ok(out)
        })
        .await
    }
}
