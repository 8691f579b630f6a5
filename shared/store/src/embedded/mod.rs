//! The embedded adapters for the local process: a durable store on redb, an in-process
//! work queue with SQS semantics and an in-memory event publisher.
//!
//! Every write of the store runs inside a redb write transaction that is committed with
//! immediate durability (fsync) before the call returns, so data survives a crash or
//! restart. Concurrent writes share a commit (see `writer`), each still all-or-nothing.
//! redb runs one write transaction at a time; conditions are still checked inside it,
//! because a decision is made outside it, from an earlier read.

mod accounts;
mod deliveries;
mod events;
mod leads;
mod policies;
mod queue;
mod routing;
mod tables;
mod upgrade;
mod writer;

use std::path::Path;
use std::sync::Arc;

use redb::Database;

use crate::error::{StoreError, StoreResult};

pub use events::MemoryEvents;
pub use queue::{MemoryQueue, QueueConfig};

/// The durable embedded store (one redb file). Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    writer: Arc<writer::Writer>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens the store at `path`, creating the file and its tables when missing.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<EmbeddedStore> {
        let db = Database::create(path.as_ref()).map_err(tables::db_err)?;
        let txn = db.begin_write().map_err(tables::db_err)?;
        for def in tables::ALL {
            txn.open_table(def).map_err(tables::db_err)?;
        }
        txn.open_table(tables::POLICY_VERSIONS)
            .map_err(tables::db_err)?;
        upgrade::upgrade(&txn)?;
        txn.commit().map_err(tables::db_err)?;
        let db = Arc::new(db);
        let writer = Arc::new(writer::Writer::start(db.clone())?);
        Ok(EmbeddedStore { db, writer })
    }

    /// Runs a write in the writer's next group commit (see `writer`).
    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// Runs blocking reads off the async runtime's worker threads.
    async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| StoreError::backend_from("embedded store task failed", e))?
    }
}
