//! [`EnrichmentCache`] on DynamoDB: one item per domain (`pk = ENRICH#<domain>`, the
//! answer as JSON in `answer`, replaced by a plain put) and one per month
//! (`pk = ENRICHBUDGET#<YYYY-MM>`, the count in `calls`), taken by a conditional
//! `UpdateItem` so concurrent routers never count past the budget. An answer item also
//! carries its expiry as epoch seconds in the table's TTL attribute ([`keys::TTL_ATTRIBUTE`]),
//! so DynamoDB deletes it once stale instead of keeping every domain ever looked up.

use jiff::Timestamp;

use super::DynamoStore;
use super::codec::{self, Expr, get_json, json, n, opt_n};
use super::errors;
use super::keys;
use crate::error::StoreResult;
use crate::ports::enrichment::{CachedAnswer, EnrichmentCache};

impl EnrichmentCache for DynamoStore {
    async fn cached_answer(
        &self,
        domain: &str,
        now: Timestamp,
    ) -> StoreResult<Option<CachedAnswer>> {
        let Some(item) = self.get_item(keys::enrichment_answer(domain)).await? else {
            return Ok(None);
        };
        let answer: CachedAnswer = get_json(&item, "answer")?;
        Ok((answer.expires_at > now).then_some(answer))
    }

    async fn cache_answer(&self, domain: &str, answer: &CachedAnswer) -> StoreResult<()> {
        let item = codec::item(
            keys::enrichment_answer(domain),
            [
                ("answer", json(answer)?),
                (keys::TTL_ATTRIBUTE, n(answer.expires_at.as_second())),
            ],
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| errors::backend("PutItem", e))?;
        Ok(())
    }

    async fn take_provider_call(&self, month: &str, budget: u64) -> StoreResult<bool> {
        // `attribute_not_exists` lets the month's first call in, which a zero budget must
        // not.
        if budget == 0 {
            return Ok(false);
        }
        let mut e = Expr::new();
        let calls = e.name("calls");
        let update = format!(
            "SET {calls} = if_not_exists({calls}, {}) + {}",
            e.value("zero", n(0)),
            e.value("one", n(1))
        );
        let condition = format!(
            "attribute_not_exists({calls}) OR {calls} < {}",
            e.value("budget", n(budget))
        );
        self.update_if(
            keys::enrichment_budget(month),
            update,
            condition,
            &e,
            "UpdateItem",
        )
        .await
    }

    async fn provider_calls(&self, month: &str) -> StoreResult<u64> {
        let Some(item) = self.get_item(keys::enrichment_budget(month)).await? else {
            return Ok(0);
        };
        Ok(opt_n(&item, "calls")?.unwrap_or(0))
    }
}
