//! [`EnrichmentCache`] on redb: `enrichment_cache` (domain → answer, JSON) and
//! `enrichment_budget` (month → call count). Opened on first use, so store files made
//! before enrichment need no migration; the budget's check and increment share one write
//! transaction, which redb runs one at a time.

use jiff::Timestamp;
use redb::{ReadableDatabase, TableDefinition, TableError};

use super::EmbeddedStore;
use super::tables::{db_err, get_json, put_json};
use crate::error::StoreResult;
use crate::ports::enrichment::{CachedAnswer, EnrichmentCache};

type Json = TableDefinition<'static, &'static str, &'static [u8]>;

const CACHE: Json = TableDefinition::new("enrichment_cache");
const BUDGET: Json = TableDefinition::new("enrichment_budget");

impl EmbeddedStore {
    fn read_enrichment<T: serde::de::DeserializeOwned>(
        &self,
        table: Json,
        key: &str,
    ) -> StoreResult<Option<T>> {
        self.read(|db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = match txn.open_table(table) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(db_err(e)),
            };
            get_json(&table, key)
        })
    }
}

impl EnrichmentCache for EmbeddedStore {
    async fn cached_answer(
        &self,
        domain: &str,
        now: Timestamp,
    ) -> StoreResult<Option<CachedAnswer>> {
        Ok(self
            .read_enrichment::<CachedAnswer>(CACHE, domain)?
            .filter(|a| a.expires_at > now))
    }

    async fn cache_answer(&self, domain: &str, answer: &CachedAnswer) -> StoreResult<()> {
        let (domain, answer) = (domain.to_owned(), answer.clone());
        self.write(move |txn| {
            let mut table = txn.open_table(CACHE).map_err(db_err)?;
            put_json(&mut table, &domain, &answer)
        })
        .await
    }

    async fn take_provider_call(&self, month: &str, budget: u64) -> StoreResult<bool> {
        let month = month.to_owned();
        self.write(move |txn| {
            let mut table = txn.open_table(BUDGET).map_err(db_err)?;
            let calls: u64 = get_json(&table, &month)?.unwrap_or(0);
            if calls >= budget {
                return Ok(false);
            }
            put_json(&mut table, &month, &(calls + 1))?;
            Ok(true)
        })
        .await
    }

    async fn provider_calls(&self, month: &str) -> StoreResult<u64> {
        Ok(self.read_enrichment(BUDGET, month)?.unwrap_or(0))
    }
}
