//! Compiled policies by version. Versions are immutable, so a compiled one never goes
//! stale; only the active pointer is read per lead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_routing::CompiledPolicy;

use crate::error::{StoreError, StoreResult};
use crate::ports::policies::PolicyStore;

#[derive(Debug, Default)]
pub struct CompiledPolicies {
    by_version: Mutex<HashMap<u64, Arc<CompiledPolicy>>>,
}

impl CompiledPolicies {
    pub fn new() -> Self {
        CompiledPolicies::default()
    }

    /// The compiled policy of `version`, loading and compiling it on first use.
    /// A stored document that does not compile is `Invalid`.
    pub async fn get<P: PolicyStore>(
        &self,
        store: &P,
        version: u64,
    ) -> StoreResult<Arc<CompiledPolicy>> {
        if let Some(p) = self.lock().get(&version) {
            return Ok(p.clone());
        }
        let stored = store
            .get_version(version)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("policy version {version}")))?;
        let compiled = CompiledPolicy::compile(stored.document, version)
            .map_err(|e| StoreError::Invalid(format!("policy version {version}: {e}")))?;
        let compiled = Arc::new(compiled);
        self.lock().insert(version, compiled.clone());
        Ok(compiled)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<CompiledPolicy>>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.by_version.lock().unwrap_or_else(|p| p.into_inner())
    }
}
