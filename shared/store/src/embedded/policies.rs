//! [`PolicyStore`] on redb.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};
use switchboard_routing::PolicyDocument;

use super::EmbeddedStore;
use super::tables::{POLICY_POINTERS, POLICY_VERSIONS, db_err, decode, encode, get_json, put_json};
use crate::error::{StoreError, StoreResult};
use crate::ports::policies::{ActivePolicy, PolicyStore, PolicySummary, PolicyVersion};

const ACTIVE: &str = "active";

impl PolicyStore for EmbeddedStore {
    async fn put_version(
        &self,
        document: &PolicyDocument,
        note: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<PolicyVersion> {
        let document = document.clone();
        let note = note.map(str::to_owned);
        self.write(move |txn| {
            let mut versions = txn.open_table(POLICY_VERSIONS).map_err(db_err)?;
            // The write transaction is exclusive, so last + 1 is free.
            let last = versions
                .last()
                .map_err(db_err)?
                .map_or(0, |(k, _)| k.value());
            let stored = PolicyVersion {
                version: last + 1,
                document,
                created_at: now,
                note,
            };
            let bytes = encode(&stored)?;
            versions
                .insert(stored.version, bytes.as_slice())
                .map_err(db_err)?;
            Ok(stored)
        })
        .await
    }

    async fn get_version(&self, version: u64) -> StoreResult<Option<PolicyVersion>> {
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let versions = txn.open_table(POLICY_VERSIONS).map_err(db_err)?;
            match versions.get(version).map_err(db_err)? {
                Some(v) => Ok(Some(decode(v.value())?)),
                None => Ok(None),
            }
        })
    }

    async fn get_active(&self) -> StoreResult<Option<ActivePolicy>> {
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let pointers = txn.open_table(POLICY_POINTERS).map_err(db_err)?;
            get_json(&pointers, ACTIVE)
        })
    }

    async fn set_active(
        &self,
        version: u64,
        expected: Option<u64>,
        now: Timestamp,
    ) -> StoreResult<ActivePolicy> {
        self.write(move |txn| {
            let versions = txn.open_table(POLICY_VERSIONS).map_err(db_err)?;
            let mut pointers = txn.open_table(POLICY_POINTERS).map_err(db_err)?;
            if versions.get(version).map_err(db_err)?.is_none() {
                return Err(StoreError::NotFound(format!("policy version {version}")));
            }
            let current: Option<ActivePolicy> = get_json(&pointers, ACTIVE)?;
            let current_version = current.as_ref().map(|a| a.version);
            if current_version != expected {
                return Err(StoreError::Conflict(format!(
                    "active policy is {current_version:?}, not {expected:?}"
                )));
            }
            let active = ActivePolicy {
                version,
                previous: current_version,
                activated_at: now,
                shadow: current.and_then(|a| a.shadow),
            };
            put_json(&mut pointers, ACTIVE, &active)?;
            Ok(active)
        })
        .await
    }

    async fn history(&self) -> StoreResult<Vec<PolicySummary>> {
        self.scan(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let versions = txn.open_table(POLICY_VERSIONS).map_err(db_err)?;
            let mut out = Vec::new();
            for row in versions.iter().map_err(db_err)? {
                let (_, v) = row.map_err(db_err)?;
                let pv: PolicyVersion = decode(v.value())?;
                out.push(PolicySummary {
                    version: pv.version,
                    created_at: pv.created_at,
                    note: pv.note,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn get_shadow(&self) -> StoreResult<Option<crate::ports::shadow::ShadowSetting>> {
        self.get_shadow_impl().await
    }

    async fn set_shadow(
        &self,
        setting: Option<&crate::ports::shadow::ShadowSetting>,
    ) -> StoreResult<()> {
        self.set_shadow_impl(setting).await
    }

    async fn get_shadow_pools(&self) -> StoreResult<crate::ports::shadow::ShadowPools> {
        self.get_shadow_pools_impl().await
    }

    async fn put_shadow_pools(&self, pools: &crate::ports::shadow::ShadowPools) -> StoreResult<()> {
        self.put_shadow_pools_impl(pools).await
    }

    async fn put_shadow_decision(
        &self,
        decision: &crate::ports::shadow::ShadowDecision,
    ) -> StoreResult<()> {
        self.put_shadow_decision_impl(decision).await
    }

    async fn shadow_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::shadow::ShadowDecision>> {
        self.shadow_between_impl(from, to, limit).await
    }
}
