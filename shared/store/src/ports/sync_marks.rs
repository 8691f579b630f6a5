//! High-water marks of incremental syncs: how far a sync from an outside system (the
//! CRM's accounts) has read, so the next run asks only for what changed since.

use std::future::Future;

use jiff::Timestamp;

use crate::error::StoreResult;

/// Sync name → the last-modified time up to which everything has been read.
///
/// Contract:
/// - [`sync_mark`](SyncMarks::sync_mark) is `None` for a sync that never ran (the next
///   run reads everything); reads are strongly consistent.
/// - [`set_sync_mark`](SyncMarks::set_sync_mark) replaces the mark. It is written after
///   what it covers is stored, so a run that fails part-way starts again from the last
///   mark: a sync reads some records twice, never skips one.
pub trait SyncMarks: Send + Sync {
    fn sync_mark(&self, sync: &str) -> impl Future<Output = StoreResult<Option<Timestamp>>> + Send;

    fn set_sync_mark(
        &self,
        sync: &str,
        mark: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}
