//! The shadow part of [`PolicyStore`] on redb: the setting on the active pointer
//! (`policy_pointers`, key `active`), the shadow's pool state beside it (key
//! `shadow_pools`), decisions in `shadow_decisions` keyed `time_key(decided_at) NUL lead
//! id`.

use jiff::Timestamp;
use redb::ReadableDatabase;

use super::EmbeddedStore;
use super::tables::{
    POLICY_POINTERS, SHADOW_DECISIONS, audit_key, db_err, decode_under, get_json, put_json,
};
use crate::error::{StoreError, StoreResult};
use crate::ports::lead_index::time_key;
use crate::ports::policies::{ActivePolicy, PolicyStore};
use crate::ports::shadow::{ShadowDecision, ShadowPools, ShadowSetting};

const ACTIVE: &str = "active";
const SHADOW_POOLS: &str = "shadow_pools";

/// The shadow part of `PolicyStore` (delegated to from its impl).
impl EmbeddedStore {
    pub(super) async fn get_shadow_impl(&self) -> StoreResult<Option<ShadowSetting>> {
        Ok(self.get_active().await?.and_then(|a| a.shadow))
    }

    pub(super) async fn set_shadow_impl(&self, setting: Option<&ShadowSetting>) -> StoreResult<()> {
        let setting = setting.cloned();
        self.write(move |txn| {
            let mut pointers = txn.open_table(POLICY_POINTERS).map_err(db_err)?;
            let active: Option<ActivePolicy> = get_json(&pointers, ACTIVE)?;
            let Some(mut active) = active else {
                return match setting {
                    Some(_) => Err(StoreError::Invalid(
                        "no policy is active: a shadow decides beside the active one".into(),
                    )),
                    None => Ok(()),
                };
            };
            active.shadow = setting;
            pointers.remove(SHADOW_POOLS).map_err(db_err)?;
            put_json(&mut pointers, ACTIVE, &active)
        })
        .await
    }

    pub(super) async fn get_shadow_pools_impl(&self) -> StoreResult<ShadowPools> {
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let pointers = txn.open_table(POLICY_POINTERS).map_err(db_err)?;
            Ok(get_json(&pointers, SHADOW_POOLS)?.unwrap_or_default())
        })
    }

    pub(super) async fn put_shadow_pools_impl(&self, pools: &ShadowPools) -> StoreResult<()> {
        let pools = pools.clone();
        self.write(move |txn| {
            let mut pointers = txn.open_table(POLICY_POINTERS).map_err(db_err)?;
            put_json(&mut pointers, SHADOW_POOLS, &pools)
        })
        .await
    }

    pub(super) async fn put_shadow_decision_impl(
        &self,
        decision: &ShadowDecision,
    ) -> StoreResult<()> {
        let decision = decision.clone();
        self.write(move |txn| {
            let mut table = txn.open_table(SHADOW_DECISIONS).map_err(db_err)?;
            // The audit log's key shape: the time, NUL, then the lead.
            let key = audit_key(decision.decided_at, &decision.lead_id);
            match get_json::<ShadowDecision>(&table, &key)? {
                Some(stored) if stored == decision => Ok(()),
                Some(_) => Err(StoreError::Conflict(format!(
                    "another shadow decision is stored for lead {} at {}",
                    decision.lead_id, decision.decided_at
                ))),
                None => put_json(&mut table, &key, &decision),
            }
        })
        .await
    }

    pub(super) async fn shadow_between_impl(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<ShadowDecision>> {
        let (lower, upper) = (time_key(from), time_key(to));
        if lower >= upper || limit == 0 {
            return Ok(Vec::new());
        }
        self.scan(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = match txn.open_table(SHADOW_DECISIONS) {
                Ok(table) => table,
                // A file no write has touched since shadows were added holds no table.
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(db_err(e)),
            };
            let mut found = Vec::new();
            for row in table
                .range::<&str>(lower.as_str()..upper.as_str())
                .map_err(db_err)?
            {
                if found.len() >= limit {
                    break;
                }
                let (key, value) = row.map_err(db_err)?;
                found.push(decode_under(key.value(), value.value())?);
            }
            Ok(found)
        })
        .await
    }
}
