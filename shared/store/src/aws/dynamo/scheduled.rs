//! [`ScheduledLeads`] on DynamoDB: one query of the `by_rep` index's scheduled partition,
//! up to the due time.

use jiff::{SignedDuration, Timestamp};

use super::codec::{Expr, s};
use super::{DynamoStore, items, keys};
use crate::error::StoreResult;
use crate::ports::leads::{LeadStatus, StoredLead};
use crate::ports::scheduled::ScheduledLeads;

impl ScheduledLeads for DynamoStore {
    async fn scheduled_due(&self, due_by: Timestamp, limit: usize) -> StoreResult<Vec<StoredLead>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Sort keys are `time_key#id`: everything before the next nanosecond's key is due.
        let next = due_by
            .saturating_add(SignedDuration::from_nanos(1))
            .unwrap_or(due_by);
        let mut e = Expr::new();
        let condition = format!(
            "{} = {} AND {} < {}",
            e.name(keys::GSI1PK),
            e.value("pk", s(keys::SCHEDULED_PK)),
            e.name(keys::GSI1SK),
            e.value("before", s(keys::scheduled_sk(next, ""))),
        );
        let found = self
            .query_index(
                keys::GSI_BY_REP,
                &condition,
                &e,
                Some(limit),
                "Query scheduled leads",
            )
            .await?;
        let mut out = Vec::with_capacity(found.len().min(limit));
        for item in found.iter().take(limit) {
            let lead = items::stored_lead(item)?;
            // The index may lag a status change by a moment.
            if lead.status == LeadStatus::Scheduled {
                out.push(lead);
            }
        }
        Ok(out)
    }
}
