//! Indexing lead items written before the lead listings existed.
//!
//! Lead items written since carry their `by_received` keys from their insert and their
//! `PARKED` keys from the write that parks them. Older items have neither, so the
//! listings leave them out until [`DynamoStore::backfill_lead_indexes`] has run once: a
//! `Scan` of the table (read cost: the whole table, once) and one conditional
//! `UpdateItem` per lead missing a key. It is safe to run while the pipeline runs and to
//! run again: every update is conditioned on what it read.

use super::codec::{Expr, Item, s};
use super::{DynamoStore, errors, items, keys};
use crate::error::StoreResult;
use crate::ports::leads::{LeadStatus, StoredLead};

/// What a backfill did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backfilled {
    /// Lead items read.
    pub leads: usize,
    /// Leads given their `by_received` keys.
    pub received: usize,
    /// Parked leads given their `PARKED` keys.
    pub parked: usize,
}

impl DynamoStore {
    /// Gives every lead item its `by_received` keys, and every parked lead its `PARKED`
    /// keys, where they are missing (see the module documentation).
    pub async fn backfill_lead_indexes(&self) -> StoreResult<Backfilled> {
        let mut done = Backfilled::default();
        let mut start = None;
        loop {
            let mut e = Expr::new();
            let filter = format!(
                "{} = {} AND (attribute_not_exists({}) OR ({} = {} AND attribute_not_exists({})))",
                e.name(keys::SK),
                e.value("lead_sk", s(keys::LEAD_SK)),
                e.name(keys::GSI3PK),
                e.name("status"),
                e.value("parked", s(LeadStatus::Parked.as_str())),
                e.name(keys::GSI1PK),
            );
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression(filter)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|err| errors::backend("Scan", err))?;
            for item in page.items.unwrap_or_default() {
                done.leads += 1;
                let lead = items::stored_lead(&item)?;
                if !item.contains_key(keys::GSI3PK) && self.index_received(&lead).await? {
                    done.received += 1;
                }
                if parked_unindexed(&item, &lead) && self.index_parked(&lead).await? {
                    done.parked += 1;
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(done);
            }
        }
    }

    /// Adds the `by_received` keys unless some write added them since the scan.
    async fn index_received(&self, lead: &StoredLead) -> StoreResult<bool> {
        let mut e = Expr::new();
        let at = lead.lead.received_at;
        let update = format!(
            "SET {} = {}, {} = {}",
            e.name(keys::GSI3PK),
            e.value("pk", s(keys::received_pk(keys::day_of(at)))),
            e.name(keys::GSI3SK),
            e.value("sk", s(keys::received_sk(at, &lead.lead.id))),
        );
        let condition = format!(
            "attribute_exists({}) AND attribute_not_exists({})",
            e.name(keys::PK),
            e.name(keys::GSI3PK),
        );
        self.update_if(
            keys::lead(&lead.lead.id),
            update,
            condition,
            &e,
            "UpdateItem",
        )
        .await
    }

    /// Adds the `PARKED` keys while the lead is still parked as read (a later status change
    /// sets its own index keys).
    async fn index_parked(&self, lead: &StoredLead) -> StoreResult<bool> {
        let mut e = Expr::new();
        let update = format!(
            "SET {} = {}, {} = {}",
            e.name(keys::GSI1PK),
            e.value("pk", s(keys::PARKED_PK)),
            e.name(keys::GSI1SK),
            e.value("sk", s(keys::parked_sk(lead.updated_at, &lead.lead.id))),
        );
        let condition = format!(
            "{} = {} AND {} = {} AND attribute_not_exists({})",
            e.name("status"),
            e.value("parked", s(LeadStatus::Parked.as_str())),
            e.name("updated_at"),
            e.value("updated_at", s(lead.updated_at.to_string())),
            e.name(keys::GSI1PK),
        );
        self.update_if(
            keys::lead(&lead.lead.id),
            update,
            condition,
            &e,
            "UpdateItem",
        )
        .await
    }
}

fn parked_unindexed(item: &Item, lead: &StoredLead) -> bool {
    lead.status == LeadStatus::Parked && !item.contains_key(keys::GSI1PK)
}
