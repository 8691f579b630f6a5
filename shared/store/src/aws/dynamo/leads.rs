//! [`LeadStore`] on DynamoDB: the lead, its idempotency key and (under same-email dedupe)
//! its email index entry or a check of it, written in one `TransactWriteItems`.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValue, TransactWriteItem};
use jiff::Timestamp;

use super::codec::{self, Expr, get_s, n, s};
use super::errors::{self, TransactFailure, condition_failed};
use super::{DynamoStore, items, keys};
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{
    EmailEntry, Insert, LeadStatus, LeadStore, NewLead, StoredLead, check_settable, email_key,
};

/// Rounds of read-decide-write an insert tries before reporting a conflict.
const MAX_INSERT_ROUNDS: usize = 8;

/// A put that succeeds only if no item has the key yet.
pub(super) fn put_new(table: &str, item: codec::Item) -> StoreResult<TransactWriteItem> {
    let mut expr = Expr::new();
    let condition = format!("attribute_not_exists({})", expr.name(keys::PK));
    conditional_put(table, item, condition, expr)
}

/// The part of an update expression that keeps a lead's `by_rep` attributes in step with
/// its new status (`, a = b` after a `SET`, or a ` REMOVE`): the awaiting-routing
/// partition while `received`/`queued`, the parked partition while `parked`, none
/// otherwise. Every status change of a lead item includes it, so a lead leaves either
/// partition in the same write that moves it out of that status.
pub(super) fn status_index_update(
    expr: &mut Expr,
    lead_id: &str,
    to: LeadStatus,
    now: Timestamp,
) -> String {
    let (pk, sk) = if to.awaits_routing() {
        (keys::awaiting_pk(lead_id), keys::by_rep_sk(now, lead_id))
    } else if to == LeadStatus::Parked {
        (keys::PARKED_PK.to_owned(), keys::parked_sk(now, lead_id))
    } else {
        return format!(
            " REMOVE {}, {}",
            expr.name(keys::GSI1PK),
            expr.name(keys::GSI1SK)
        );
    };
    format!(
        ", {} = {}, {} = {}",
        expr.name(keys::GSI1PK),
        expr.value("index_pk", s(pk)),
        expr.name(keys::GSI1SK),
        expr.value("index_sk", s(sk)),
    )
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

    async fn insert_if_absent(&self, new: &NewLead, now: Timestamp) -> StoreResult<Insert> {
        let dedupe = new.dedupe().map(|(email, since)| (email_key(email), since));
        // A round loses when a concurrent insert of the same key or address commits between
        // our read of the email entry and our transaction; each loss means someone else
        // settled the question, so a few rounds always suffice.
        for _ in 0..MAX_INSERT_ROUNDS {
            let mut stored = StoredLead::from_new(new, now);
            let mut email_write = None;
            if let Some((k, since)) = &dedupe {
                let entry = self
                    .get_item(keys::email(k))
                    .await?
                    .map(|item| items::email_entry(&item))
                    .transpose()?;
                match EmailEntry::primary_within(entry.as_ref(), *since) {
                    Some(primary) => {
                        stored = stored.into_duplicate(primary);
                        email_write = Some(self.email_unchanged(k, primary)?);
                    }
                    None => {
                        let mine = EmailEntry::of(&new.lead);
                        email_write = Some(self.put_email(k, &mine, entry.as_ref())?);
                    }
                }
            }
            let mut writes = vec![
                self.put_key(new, now)?,
                put_new(&self.table, items::lead_item(&stored)?)?,
            ];
            writes.extend(email_write);
            match self.transact(writes).await {
                Ok(()) => return Ok(Insert::Created(stored)),
                Err(TransactFailure::Cancelled(reasons)) => {
                    if let Some(existing) = self.lead_by_live_key(&new.idempotency_key, now).await?
                    {
                        return Ok(Insert::Existing(existing));
                    }
                    if condition_failed(&reasons, 1) {
                        return Err(StoreError::Conflict(format!(
                            "lead id {} is taken by another idempotency key",
                            new.lead.id
                        )));
                    }
                    // The email entry moved, or a write conflict: read again and decide again.
                }
                Err(TransactFailure::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "insert of lead {} kept colliding",
            new.lead.id
        )))
    }

    async fn latest_by_email(&self, email: &str) -> StoreResult<Option<StoredLead>> {
        let Some(item) = self.get_item(keys::email(&email_key(email))).await? else {
            return Ok(None);
        };
        let entry = items::email_entry(&item)?;
        self.get(&entry.lead_id).await
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
        check_settable(to)?;
        let mut expr = Expr::new();
        let mut update = format!(
            "SET {} = {}, {} = {}",
            expr.name("status"),
            expr.value("to", s(to.as_str())),
            expr.name("updated_at"),
            expr.value("now", s(now.to_string())),
        );
        update.push_str(&status_index_update(&mut expr, lead_id, to, now));
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
                if !errors::write_condition_failed(&e) {
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
    /// The lead a key maps to, unless the key has expired by `now`.
    async fn lead_by_live_key(&self, key: &str, now: Timestamp) -> StoreResult<Option<StoredLead>> {
        let Some(item) = self.get_item(keys::idempotency(key)).await? else {
            return Ok(None);
        };
        let expires_ms: Option<i64> = codec::opt_n(&item, "expires_ms")?;
        if expires_ms.is_some_and(|ms| ms <= now.as_millisecond()) {
            return Ok(None);
        }
        let lead_id = get_s(&item, "lead_id")?;
        match self.get(lead_id).await? {
            Some(l) => Ok(Some(l)),
            None => Err(StoreError::Invalid(format!(
                "key {key:?} maps to missing lead {lead_id}"
            ))),
        }
    }

    /// The key item, written when no live key of that name exists.
    fn put_key(&self, new: &NewLead, now: Timestamp) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::new();
        let condition = format!(
            "attribute_not_exists({}) OR {} <= {}",
            expr.name(keys::PK),
            expr.name("expires_ms"),
            expr.value("now_ms", n(now.as_millisecond())),
        );
        conditional_put(&self.table, items::key_item(new), condition, expr)
    }

    /// The address's entry naming the new primary lead, on condition that the entry is
    /// still the one the dedupe was decided on.
    fn put_email(
        &self,
        index_key: &str,
        entry: &EmailEntry,
        read: Option<&EmailEntry>,
    ) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::new();
        let condition = match read {
            None => format!("attribute_not_exists({})", expr.name(keys::PK)),
            Some(old) => format!(
                "{} = {}",
                expr.name("lead_id"),
                expr.value("old_lead", s(&old.lead_id))
            ),
        };
        conditional_put(
            &self.table,
            items::email_item(index_key, entry),
            condition,
            expr,
        )
    }

    /// A check that the address's entry still names `primary` (a duplicate's link).
    fn email_unchanged(&self, index_key: &str, primary: &str) -> StoreResult<TransactWriteItem> {
        let mut expr = Expr::new();
        let condition = format!(
            "{} = {}",
            expr.name("lead_id"),
            expr.value("primary", s(primary))
        );
        Ok(TransactWriteItem::builder()
            .condition_check(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(codec::key(keys::email(index_key))))
                    .condition_expression(condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(errors::build)?,
            )
            .build())
    }
}

fn conditional_put(
    table: &str,
    item: codec::Item,
    condition: String,
    expr: Expr,
) -> StoreResult<TransactWriteItem> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression(condition)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .build()
                .map_err(errors::build)?,
        )
        .build())
}
