//! The embedded adapters for the local process: a durable store on redb, an in-process
//! work queue with SQS semantics and an in-memory event publisher.
//!
//! Every write of the store runs inside a redb write transaction that is committed with
//! immediate durability (fsync) before the call returns, so data survives a crash or
//! restart. Concurrent writes share a commit (see `writer`), each still all-or-nothing.
//! redb runs one write transaction at a time; conditions are still checked inside it,
//! because a decision is made outside it, from an earlier read.

mod accounts;
mod audit;
mod crm_links;
mod deliveries;
mod enrichment;
mod events;
mod index_entries;
mod lead_index;
mod leads;
mod outcomes;
mod policies;
mod queue;
mod routing;
mod scheduled;
mod shadow;
mod sync_marks;
mod tables;
mod upgrade;
mod writer;

use std::path::Path;
use std::sync::Arc;

use redb::Database;

use crate::error::{StoreError, StoreResult};

pub use events::MemoryEvents;
pub use queue::{MemoryQueue, QueueConfig};
pub use tables::{is_lead_key, packed_kind_of, stored_json};

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

/// Creates `path` (empty, mode 0600) when missing, and takes group and other access away
/// from an existing file. redb initializes an empty file as a new database.
#[cfg(unix)]
fn owner_only(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed = |what: &str, e| StoreError::backend_from(format!("{what} {}", path.display()), e);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| failed("cannot open", e))?;
    let mode = file
        .metadata()
        .map_err(|e| failed("cannot read the mode of", e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))
            .map_err(|e| failed("cannot restrict the mode of", e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> StoreResult<()> {
    Ok(())
}

/// The page cache an [`EmbeddedStore`] keeps in memory unless told otherwise. The pages a
/// lead's routing touches are few and recent (the rep and pool records, the lead's own
/// records, the ends of the time indexes), so a small cache serves them; redb's own
/// default (1 GiB) let the process grow with the stored history.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

impl EmbeddedStore {
    /// Opens the store at `path` with the default page cache ([`DEFAULT_CACHE_BYTES`]),
    /// creating the file and its tables when missing.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<EmbeddedStore> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// Opens the store at `path` keeping at most `cache_bytes` of its pages in memory.
    ///
    /// The file holds every lead, so it is readable and writable by its owner only: created
    /// so, and an existing file's group and other bits are cleared on open (files written
    /// by earlier versions were readable by everyone).
    pub fn open_with_cache(
        path: impl AsRef<Path>,
        cache_bytes: usize,
    ) -> StoreResult<EmbeddedStore> {
        owner_only(path.as_ref())?;
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(path.as_ref())
            .map_err(tables::db_err)?;
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

    /// Runs a write in the writer's next group commit and returns once it is on disk (see
    /// `writer`).
    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.writer.write(writer::WriteSync::Durable, work).await
    }

    /// Runs a write that may trail the disk by a moment: it returns once committed and
    /// visible, and is on disk with the next durable commit (see `writer`). Only for
    /// records whose loss in a crash repeats harmless work, such as a delivery record.
    async fn write_trailing<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.writer.write(writer::WriteSync::Trailing, work).await
    }

    /// Runs a write that returns once committed and visible, with a wait for when it is on
    /// disk: the next durable commit, or the writer's own sync a moment later (see
    /// `writer`). For a write whose caller must not answer anyone before it is durable, but
    /// whose effects may be read at once by the same process.
    async fn write_visible<T, F>(&self, work: F) -> StoreResult<(T, writer::DurableWait)>
    where
        T: Send + 'static,
        F: FnOnce(&redb::WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.writer.write_visible(work).await
    }

    /// Runs a short read (point lookups) on the calling thread. redb answers them from its
    /// page cache in microseconds, while handing each to the blocking pool cost two thread
    /// wake-ups, more than the read itself (docs/BENCHMARKS.md, "Cost per lead").
    fn read<T>(&self, work: impl FnOnce(&Database) -> StoreResult<T>) -> StoreResult<T> {
        work(&self.db)
    }

    /// Runs a long read (a window of leads, a due list) off the async runtime's worker
    /// threads, so it does not hold up the requests and routing sharing them.
    async fn scan<T, F>(&self, work: F) -> StoreResult<T>
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

/// A store file's path for one test: in the temporary directory, unique to the process and
/// the moment, so tests running at once never share a file.
#[cfg(test)]
fn test_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "switchboard-{name}-{}-{}.redb",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_store_file_is_readable_by_its_owner_only() {
        let dir =
            std::env::temp_dir().join(format!("switchboard-store-mode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // (file, mode it has before the open: none when absent)
        let cases = [
            ("new.redb", None),
            ("old.redb", Some(0o644)),
            ("wide.redb", Some(0o666)),
            ("private.redb", Some(0o600)),
        ];
        for (name, before) in cases {
            let path = dir.join(name);
            if let Some(m) = before {
                std::fs::write(&path, b"").unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
            }
            let store = EmbeddedStore::open(&path).unwrap();
            assert_eq!(mode(&path), 0o600, "{name} after the open");
            drop(store);
            // A second open (the file now a database) finds nothing to change.
            EmbeddedStore::open(&path).unwrap();
            assert_eq!(mode(&path), 0o600, "{name} after a reopen");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
