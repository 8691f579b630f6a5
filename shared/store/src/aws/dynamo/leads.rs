//! [`LeadStore`] on DynamoDB: the lead and its idempotency key written in one transaction.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem};
use jiff::Timestamp;
use switchboard_routing::Lead;

use super::codec::{self, Expr, get_s, s};
use super::errors::{self, TransactFailure, condition_failed};
use super::{DynamoStore, items, keys};
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{Insert, LeadStatus, LeadStore, StoredLead, settable_status};

/// A put that succeeds only if no item has the key yet.
pub(super) fn put_new(table: &str, item: codec::Item) -> StoreResult<TransactWriteItem> {
    let mut expr = Expr::new();
    let condition = format!("attribute_not_exists({})", expr.name(keys::PK));
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression(condition)
                .set_expression_attribute_names(expr.names())
                .build()
                .map_err(errors::build)?,
        )
        .build())
}

/// The part of an update expression that keeps a lead's entry in the awaiting-routing
/// partition of `by_rep` in step with its new status (`, a = b` after a `SET`, or a
/// ` REMOVE`).
pub(super) fn awaiting_index_update(
    expr: &mut Expr,
    lead_id: &str,
    to: LeadStatus,
    now: Timestamp,
) -> String {
    if to.awaits_routing() {
        format!(
            ", {} = {}, {} = {}",
            expr.name(keys::GSI1PK),
            expr.value("awaiting_pk", s(keys::awaiting_pk(lead_id))),
            expr.name(keys::GSI1SK),
            expr.value("awaiting_sk", s(keys::by_rep_sk(now, lead_id))),
        )
    } else {
        format!(
            " REMOVE {}, {}",
            expr.name(keys::GSI1PK),
            expr.name(keys::GSI1SK)
        )
    }
}

impl LeadStore for DynamoStore {
    async fn awaiting_routing(
        &self,
        updated_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<StoredLead>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let before = keys::by_rep_sk(updated_before, "");
        for shard in 0..keys::DUE_SHARDS {
            let mut e = Expr::new();
            let condition = format!(
                "{} = {} AND {} < {}",
                e.name(keys::GSI1PK),
                e.value("pk", s(keys::awaiting_pk_shard(shard))),
                e.name(keys::GSI1SK),
                e.value("before", s(&before)),
            );
            // Each shard is read oldest first and stops at `limit`; the merge keeps the
            // oldest `limit` over all shards.
            let found = self
                .query_index(
                    keys::GSI_BY_REP,
                    &condition,
                    &e,
                    Some(limit),
                    "Query awaiting routing",
                )
                .await?;
            for item in found {
                let lead = items::stored_lead(&item)?;
                // The index may lag a status change by a moment.
                if lead.status.awaits_routing() {
                    out.push(lead);
                }
            }
        }
        out.sort_by(|a, b| (a.updated_at, &a.lead.id).cmp(&(b.updated_at, &b.lead.id)));
        out.truncate(limit);
        Ok(out)
    }

    async fn insert_if_absent(
        &self,
        lead: &Lead,
        idempotency_key: &str,
        now: Timestamp,
    ) -> StoreResult<Insert> {
        let stored = StoredLead {
            lead: lead.clone(),
            idempotency_key: idempotency_key.to_owned(),
            status: LeadStatus::Received,
            bounced: Vec::new(),
            decisions: 0,
            updated_at: now,
        };
        // A concurrent insert can cancel ours with a write conflict before its key is
        // visible; a few rounds settle who won.
        for _ in 0..4 {
            let key_item = codec::item(
                keys::idempotency(idempotency_key),
                [("lead_id", s(&lead.id))],
            );
            let items = vec![
                put_new(&self.table, key_item)?,
                put_new(&self.table, items::lead_item(&stored)?)?,
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(Insert::Created(stored)),
                Err(TransactFailure::Cancelled(reasons)) => {
                    if let Some(existing) = self.lead_by_key(idempotency_key).await? {
                        return Ok(Insert::Existing(existing));
                    }
                    if condition_failed(&reasons, 1) {
                        return Err(StoreError::Conflict(format!(
                            "lead id {} is taken by another idempotency key",
                            lead.id
                        )));
                    }
                }
                Err(TransactFailure::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "insert of lead {} kept colliding",
            lead.id
        )))
    }

    async fn get(&self, lead_id: &str) -> StoreResult<Option<StoredLead>> {
        self.get_item(keys::lead(lead_id))
            .await?
            .map(|item| items::stored_lead(&item))
            .transpose()
    }

    async fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> StoreResult<StoredLead> {
        if !settable_status(to) {
            return Err(StoreError::Invalid(format!(
                "status {} is set by routing, not set_status",
                to.as_str()
            )));
        }
        let mut expr = Expr::new();
        let mut update = format!(
            "SET {} = {}, {} = {}",
            expr.name("status"),
            expr.value("to", s(to.as_str())),
            expr.name("updated_at"),
            expr.value("now", s(now.to_string())),
        );
        update.push_str(&awaiting_index_update(&mut expr, lead_id, to, now));
        let condition = format!(
            "attribute_exists({}) AND {} = {}",
            expr.name(keys::PK),
            expr.name("status"),
            expr.value("from", s(from.as_str())),
        );
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(keys::lead(lead_id))))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => items::stored_lead(&out.attributes.unwrap_or_default()),
            Err(e) => {
                let failed_condition = matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                );
                if !failed_condition {
                    return Err(errors::backend("UpdateItem", e));
                }
                match self.get(lead_id).await? {
                    None => Err(StoreError::NotFound(format!("lead {lead_id}"))),
                    Some(l) => Err(StoreError::Conflict(format!(
                        "lead {lead_id} is {}, not {}",
                        l.status.as_str(),
                        from.as_str()
                    ))),
                }
            }
        }
    }
}

impl DynamoStore {
    async fn lead_by_key(&self, key: &str) -> StoreResult<Option<StoredLead>> {
        let Some(item) = self.get_item(keys::idempotency(key)).await? else {
            return Ok(None);
        };
        let lead_id = get_s(&item, "lead_id")?;
        match self.get(lead_id).await? {
            Some(l) => Ok(Some(l)),
            None => Err(StoreError::Invalid(format!(
                "key {key:?} maps to missing lead {lead_id}"
            ))),
        }
    }
}
