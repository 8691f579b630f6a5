//! Policy versions: immutable documents plus a pointer to the active one.

use std::future::Future;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::PolicyDocument;

use crate::error::{StoreError, StoreResult};

/// One stored version. Never changes once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyVersion {
    pub version: u64,
    pub document: PolicyDocument,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A version without its document, for history listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicySummary {
    pub version: u64,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The active pointer. `previous` is the version it replaced, so one call rolls back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ActivePolicy {
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<u64>,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub activated_at: Timestamp,
    /// The version deciding beside the active one without changing anything
    /// (`ports::shadow`); kept on the pointer so routing learns of it with the read it
    /// already makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<crate::ports::shadow::ShadowSetting>,
}

/// Policy storage.
///
/// Contract:
/// - **Immutable versions.** [`put_version`](PolicyStore::put_version) stores a document as
///   the next version number (1, 2, ...) and never overwrites one; concurrent puts get
///   distinct numbers. The store does not validate documents: callers compile them first.
/// - **Compare-and-set activation.** [`set_active`](PolicyStore::set_active) moves the
///   pointer only if the active version still is `expected` (`None`: nothing active yet)
///   and the target version exists; otherwise `Conflict` (or `NotFound` for a missing
///   version) and nothing changes. Two admins racing get one winner.
pub trait PolicyStore: Send + Sync {
    fn put_version(
        &self,
        document: &PolicyDocument,
        note: Option<&str>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<PolicyVersion>> + Send;

    fn get_version(
        &self,
        version: u64,
    ) -> impl Future<Output = StoreResult<Option<PolicyVersion>>> + Send;

    fn get_active(&self) -> impl Future<Output = StoreResult<Option<ActivePolicy>>> + Send;

    fn set_active(
        &self,
        version: u64,
        expected: Option<u64>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<ActivePolicy>> + Send;

    /// Every version, oldest first, without documents.
    fn history(&self) -> impl Future<Output = StoreResult<Vec<PolicySummary>>> + Send;

    /// Re-activates the version the active one replaced (`Conflict` if someone moved the
    /// pointer in between, `NotFound` if there is nothing to roll back to).
    fn rollback(&self, now: Timestamp) -> impl Future<Output = StoreResult<ActivePolicy>> + Send {
        async move {
            let active = self
                .get_active()
                .await?
                .ok_or_else(|| StoreError::NotFound("no active policy".into()))?;
            let previous = active.previous.ok_or_else(|| {
                StoreError::NotFound(format!("version {} replaced no version", active.version))
            })?;
            self.set_active(previous, Some(active.version), now).await
        }
    }

    // Shadow mode (`ports::shadow`): the setting is one value kept on the active pointer
    // and carried over when the pointer moves (set replaces it and clears the shadow's
    // pool state, `None` clears both; setting one without an active policy is `Invalid`);
    // the pool state is one value, replaced
    // whole; a decision is stored once per lead and decision time (a repeat with the same
    // content is a no-op), and `shadow_between` lists those decided in `[from, to)`,
    // oldest first, at most `limit`.

    fn get_shadow(
        &self,
    ) -> impl Future<Output = StoreResult<Option<crate::ports::shadow::ShadowSetting>>> + Send;

    fn set_shadow(
        &self,
        setting: Option<&crate::ports::shadow::ShadowSetting>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn get_shadow_pools(
        &self,
    ) -> impl Future<Output = StoreResult<crate::ports::shadow::ShadowPools>> + Send;

    fn put_shadow_pools(
        &self,
        pools: &crate::ports::shadow::ShadowPools,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn put_shadow_decision(
        &self,
        decision: &crate::ports::shadow::ShadowDecision,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn shadow_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<crate::ports::shadow::ShadowDecision>>> + Send;
}
