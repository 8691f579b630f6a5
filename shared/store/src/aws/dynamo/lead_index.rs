//! [`LeadIndex`] on DynamoDB.
//!
//! - Received-time windows read the `by_received` index, one partition per UTC day
//!   (`RECV#<day>`), in day order from the first day the page can start in, and stop as
//!   soon as the page is full.
//! - The parked queue is the `PARKED` partition of `by_rep`, which a lead item carries
//!   only while parked (`leads::status_index_update`).
//!
//! Both indexes project lead items whole, so a page is its queries and nothing more (as
//! the index holds each lead: eventually consistent).

use jiff::{SignedDuration, Timestamp};

use super::codec::{Expr, get_s, s};
use super::{DynamoStore, items, keys};
use crate::error::StoreResult;
use crate::ports::lead_index::{
    LeadCursor, LeadIndex, LeadList, LeadPage, page_size, received_request, time_key,
};

impl LeadIndex for DynamoStore {
    async fn received_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&LeadCursor>,
        limit: usize,
    ) -> StoreResult<LeadPage> {
        let (limit, after) = received_request(from, to, after, limit)?;
        // A sort key condition takes one `BETWEEN`, which includes both ends. Every sort
        // key of a lead received at `t` is `time_key(t)#<id>`, so the bare `time_key(to)`
        // sorts after every lead before `to` and before every lead at `to`: `to` stays
        // out. The cursor's own key is the inclusive start and is skipped when read.
        let mut start = (from, time_key(from));
        let mut skip = None;
        if let Some(cursor) = after {
            let key = keys::received_sk(cursor.at(), cursor.lead_id());
            if key >= start.1 {
                start = (cursor.at(), key.clone());
                skip = Some(key);
            }
        }
        let end = time_key(to);
        if from >= to || start.1 >= end {
            return Ok(LeadPage {
                leads: Vec::new(),
                next: None,
            });
        }
        let want = limit + 1;
        let last_day = keys::day_of(to - SignedDuration::from_nanos(1));
        let mut day = keys::day_of(start.0);
        let mut found = Vec::new();
        while found.len() < want && day <= last_day {
            let mut e = Expr::new();
            let condition = format!(
                "{} = {} AND {} BETWEEN {} AND {}",
                e.name(keys::GSI3PK),
                e.value("day", s(keys::received_pk(day))),
                e.name(keys::GSI3SK),
                e.value("start", s(&start.1)),
                e.value("end", s(&end)),
            );
            let entries = self
                .query_index(
                    keys::GSI_BY_RECEIVED,
                    &condition,
                    &e,
                    Some(want - found.len() + usize::from(skip.is_some())),
                    "Query by_received",
                )
                .await?;
            for entry in &entries {
                if skip.as_deref() == Some(get_s(entry, keys::GSI3SK)?) {
                    continue;
                }
                if found.len() < want {
                    found.push(items::stored_lead(entry)?);
                }
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        Ok(LeadPage::from_read(found, limit, LeadCursor::received))
    }

    async fn parked(&self, after: Option<&LeadCursor>, limit: usize) -> StoreResult<LeadPage> {
        let limit = page_size(limit)?;
        let after = after.map(|c| c.check(LeadList::Parked)).transpose()?;
        let mut e = Expr::new();
        let mut condition = format!(
            "{} = {}",
            e.name(keys::GSI1PK),
            e.value("parked", s(keys::PARKED_PK)),
        );
        if let Some(cursor) = after {
            condition.push_str(&format!(
                " AND {} > {}",
                e.name(keys::GSI1SK),
                e.value("after", s(keys::parked_sk(cursor.at(), cursor.lead_id()))),
            ));
        }
        let mut found = self
            .query_index(
                keys::GSI_BY_REP,
                &condition,
                &e,
                Some(limit + 1),
                "Query parked",
            )
            .await?;
        found.truncate(limit + 1);
        let leads = found
            .iter()
            .map(items::stored_lead)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(LeadPage::from_read(leads, limit, LeadCursor::parked))
    }
}
