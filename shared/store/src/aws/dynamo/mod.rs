//! The store ports on one DynamoDB table (the design is in docs/DATA-MODEL.md).
//!
//! Every multi-item write is one `TransactWriteItems` whose condition expressions carry
//! the preconditions; a cancelled transaction writes nothing and maps to
//! [`StoreError::Conflict`](crate::StoreError::Conflict). Single-item reads are
//! strongly consistent.

mod accounts;
mod audit;
mod backfill;
mod codec;
mod crm_links;
mod deliveries;
mod enrichment;
mod errors;
mod items;
pub mod keys;
mod lead_index;
mod leads;
mod outcomes;
mod policies;
mod routing;
mod scheduled;
mod shadow;
mod sync_marks;
mod table;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{KeysAndAttributes, TransactWriteItem};

use crate::error::StoreResult;
use codec::Item;
use errors::TransactFailure;

pub use backfill::Backfilled;
pub use table::create_table;

/// DynamoDB allows at most this many keys per `BatchGetItem`.
const BATCH_GET_MAX: usize = 100;

/// The DynamoDB store. Cheap to clone (the client is reference counted).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Puts `item` unless an item with its key exists: `true` when written, `false` when
    /// one was there (the caller decides whether that one is its own earlier write).
    async fn put_if_absent(&self, item: Item) -> StoreResult<bool> {
        let mut expr = codec::Expr::new();
        let condition = format!("attribute_not_exists({})", expr.name(keys::PK));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if errors::write_condition_failed(&e) => Ok(false),
            Err(e) => Err(errors::backend("PutItem", e)),
        }
    }

    /// Applies `update` to the item at `key` if `condition` holds (names and values in
    /// `expr`): `true` when applied, `false` when the condition no longer held.
    async fn update_if(
        &self,
        key: keys::Key,
        update: String,
        condition: String,
        expr: &codec::Expr,
        what: &str,
    ) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(key)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if errors::write_condition_failed(&e) => Ok(false),
            Err(e) => Err(errors::backend(what, e)),
        }
    }

    async fn get_item(&self, key: keys::Key) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::backend("GetItem", e))?;
        Ok(out.item)
    }

    /// Strongly consistent reads of many items; missing items are simply absent.
    async fn batch_get(&self, keys: Vec<keys::Key>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut pending: Vec<Item> = chunk.iter().cloned().map(codec::key).collect();
            // Unprocessed keys (throttling) are retried until none remain.
            while !pending.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(errors::build)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| errors::backend("BatchGetItem", e))?;
                if let Some(mut responses) = out.responses
                    && let Some(items) = responses.remove(&self.table)
                {
                    found.extend(items);
                }
                if let Some(mut unprocessed) = out.unprocessed_keys
                    && let Some(rest) = unprocessed.remove(&self.table)
                {
                    pending = rest.keys;
                }
            }
        }
        Ok(found)
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(errors::transact)
    }

    /// The items of a secondary index matching `condition` (names and values in `expr`),
    /// page after page, in sort key order. With `at_least`, reads pages of at most that
    /// many items and stops once that many were read (the caller filters and trims);
    /// without, reads every page.
    async fn query_index(
        &self,
        index: &str,
        condition: &str,
        expr: &codec::Expr,
        at_least: Option<usize>,
        what: &str,
    ) -> StoreResult<Vec<Item>> {
        self.query(Query {
            index: Some(index),
            condition,
            expr,
            projection: None,
            backward: false,
            consistent: false,
            page: at_least.map(|n| n.min(1000) as i32),
            at_least,
            what,
        })
        .await
    }

    /// Every item of a partition whose sort key starts with `prefix`, in sort key order.
    async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        projection: Option<&str>,
    ) -> StoreResult<Vec<Item>> {
        let mut expr = codec::Expr::new();
        let condition = format!(
            "{} = {} AND begins_with({}, {})",
            expr.name(keys::PK),
            expr.value("pk", codec::s(pk)),
            expr.name(keys::SK),
            expr.value("prefix", codec::s(prefix)),
        );
        let projection = projection.map(|p| {
            p.split(',')
                .map(|a| expr.name(a.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        });
        self.query_pages(&condition, &expr, projection).await
    }

    /// Every item of a partition, in sort key order.
    async fn query_partition(&self, pk: &str) -> StoreResult<Vec<Item>> {
        let mut expr = codec::Expr::new();
        let condition = format!(
            "{} = {}",
            expr.name(keys::PK),
            expr.value("pk", codec::s(pk))
        );
        self.query_pages(&condition, &expr, None).await
    }

    /// The items matching `condition`, greatest sort key first, strongly consistent: pages
    /// of at most `at_least` items until that many were read or none are left (the caller
    /// filters and trims).
    async fn query_backward(
        &self,
        condition: &str,
        expr: &codec::Expr,
        at_least: usize,
        what: &str,
    ) -> StoreResult<Vec<Item>> {
        self.query(Query {
            index: None,
            condition,
            expr,
            projection: None,
            backward: true,
            consistent: true,
            page: Some(at_least.clamp(1, 1000) as i32),
            at_least: Some(at_least),
            what,
        })
        .await
    }

    /// Every page of a strongly consistent query.
    async fn query_pages(
        &self,
        condition: &str,
        expr: &codec::Expr,
        projection: Option<String>,
    ) -> StoreResult<Vec<Item>> {
        self.query(Query {
            index: None,
            condition,
            expr,
            projection,
            backward: false,
            consistent: true,
            page: None,
            at_least: None,
            what: "Query",
        })
        .await
    }

    /// The one paging loop every query above runs: page after page until the last, or
    /// until `at_least` items were read.
    async fn query(&self, q: Query<'_>) -> StoreResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(q.index.map(str::to_owned))
                .key_condition_expression(q.condition)
                .set_projection_expression(q.projection.clone())
                .set_expression_attribute_names(q.expr.names())
                .set_expression_attribute_values(q.expr.values())
                .set_scan_index_forward(q.backward.then_some(false))
                .set_consistent_read(q.consistent.then_some(true))
                .set_limit(q.page)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::backend(q.what, e))?;
            out.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() || q.at_least.is_some_and(|n| out.len() >= n) {
                return Ok(out);
            }
        }
    }
}

/// One query, as [`DynamoStore::query`] runs it.
struct Query<'a> {
    /// A secondary index, or the table.
    index: Option<&'a str>,
    condition: &'a str,
    expr: &'a codec::Expr,
    projection: Option<String>,
    /// Greatest sort key first.
    backward: bool,
    /// Strongly consistent (the table only; indexes cannot be).
    consistent: bool,
    /// Items per page (`Limit`), or DynamoDB's 1 MB pages.
    page: Option<i32>,
    /// Stop once this many were read.
    at_least: Option<usize>,
    /// The operation's name in errors.
    what: &'a str,
}
