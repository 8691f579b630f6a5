//! Group commit: one thread owns redb's single writer and commits the writes that queued
//! up while the previous commit was syncing, together, with one fsync.
//!
//! A commit costs an fsync (about 3 ms here); committing each routing decision on its own
//! would cap the store at a few hundred writes per second however many routers run. Jobs
//! in a batch run one after another inside one write transaction, so each sees the ones
//! before it, exactly as if they had committed separately.
//!
//! A write that may trail (a delivery record: notifications are at least once anyway) is
//! queued as such: a batch of only such writes commits without its own fsync
//! (`Durability::None`, visible to readers at once) and becomes durable with the next
//! durable commit, or within [`TRAILING_SYNC_AFTER`] when none comes, or when the store closes.
//! At low rates this saves a third of the commits a lead costs (insert, decision,
//! delivery record), each a pass of page writes and an fsync.
//!
//! The discipline that makes sharing a transaction safe: a job checks all its
//! preconditions before its first write and returns `Conflict`, `NotFound` or `Invalid`
//! only from those checks, having written nothing. After its first write a job can only
//! fail with a backend error, which aborts the whole batch: no job of it is committed and
//! every one of them reports the failure.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redb::{Database, Durability, WriteTransaction};

use super::tables::db_err;
use crate::error::{StoreError, StoreResult};

/// Most jobs per transaction; bounds the latency a job adds to the others in its batch.
const MAX_BATCH: usize = 256;

/// How long a write that may trail stays without an fsync when no durable write follows.
pub(super) const TRAILING_SYNC_AFTER: Duration = Duration::from_millis(100);

/// Runs against the shared transaction (or learns it could not be opened) and returns
/// what to do once the commit is known, and whether it failed after writing.
type Work = Box<dyn FnOnce(Result<&WriteTransaction, String>) -> (Completion, bool) + Send>;
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;

struct Job {
    work: Work,
    /// Whether the job's caller waits for its fsync (see module docs).
    durable: bool,
}

/// When a write's caller learns it is done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteSync {
    /// Once it is on disk.
    Durable,
    /// Once it is committed and visible to readers; on disk with the next durable commit,
    /// at the latest [`TRAILING_SYNC_AFTER`] later or when the store closes.
    Trailing,
}

pub(super) struct Writer {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub(super) fn start(db: Arc<Database>) -> StoreResult<Writer> {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("embedded-store-writer".into())
            .spawn(move || run(&db, &rx))
            .map_err(|e| StoreError::backend_from("cannot start the store's writer", e))?;
        Ok(Writer {
            jobs: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` in the next batch and returns its result once the batch is committed:
    /// on disk for [`WriteSync::Durable`].
    pub(super) async fn write<T, F>(&self, sync: WriteSync, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let work: Work = Box::new(move |txn| {
            let result = match txn {
                Ok(txn) => work(txn),
                Err(why) => Err(StoreError::backend(why)),
            };
            // Only a backend error can leave a half-done job behind (see module docs).
            let poisoned = matches!(result, Err(StoreError::Backend { .. }));
            let completion: Completion = Box::new(move |commit| {
                let outcome = match commit {
                    Ok(()) => result,
                    Err(_) if poisoned => result,
                    Err(why) => Err(StoreError::backend(format!("write not committed: {why}"))),
                };
                // The caller may have given up waiting; its result is then just dropped.
                let _ = done_tx.send(outcome);
            });
            (completion, poisoned)
        });
        let job = Job {
            work,
            durable: sync == WriteSync::Durable,
        };
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|tx| tx.send(job).is_ok());
        if sent != Some(true) {
            return Err(StoreError::backend("the store's writer has stopped"));
        }
        done_rx
            .await
            .map_err(|_| StoreError::backend("the store's writer stopped during the write"))?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the jobs already queued; joining it
        // releases the database file before the store reports itself dropped.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

fn run(db: &Database, jobs: &mpsc::Receiver<Job>) {
    // Since when the commits have left writes that are not on disk yet.
    let mut trailing_since: Option<Instant> = None;
    loop {
        let first = match trailing_since {
            Some(since) => {
                let wait = TRAILING_SYNC_AFTER.saturating_sub(since.elapsed());
                match jobs.recv_timeout(wait) {
                    Ok(job) => job,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if sync_trailing(db) {
                            trailing_since = None;
                        }
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Trailing writes that keep coming do not put their fsync off past the bound.
        let overdue = trailing_since.is_some_and(|since| since.elapsed() >= TRAILING_SYNC_AFTER);
        let durable = overdue || batch.iter().any(|j| j.durable);
        if commit_batch(db, batch, durable) {
            trailing_since = if durable {
                None
            } else {
                trailing_since.or_else(|| Some(Instant::now()))
            };
        }
    }
    // The store is closing: what trails goes to disk now.
    if trailing_since.is_some() {
        sync_trailing(db);
    }
}

/// Makes the commits made without an fsync durable (an empty durable commit); false when
/// that failed, so it is tried again.
fn sync_trailing(db: &Database) -> bool {
    let synced = db
        .begin_write()
        .map_err(redb::Error::from)
        .and_then(|txn| txn.commit().map_err(redb::Error::from));
    match synced {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %db_err(e), "trailing writes not synced; trying again");
            false
        }
    }
}

/// Runs and commits one batch; true when it committed.
fn commit_batch(db: &Database, batch: Vec<Job>, durable: bool) -> bool {
    let mut txn = match db.begin_write() {
        Ok(txn) => txn,
        Err(e) => {
            let why = format!("cannot begin a write: {}", db_err(e));
            for job in batch {
                let (completion, _) = (job.work)(Err(why.clone()));
                completion(Err(why.clone()));
            }
            return false;
        }
    };
    if !durable && let Err(e) = txn.set_durability(Durability::None) {
        // Cannot happen for this store (no savepoints, one process); committing durably
        // instead is always correct.
        tracing::warn!(error = %e, "a trailing batch commits durably");
    }
    let mut completions = Vec::with_capacity(batch.len());
    let mut poisoned = false;
    for job in batch {
        let (completion, bad) = (job.work)(Ok(&txn));
        poisoned |= bad;
        completions.push(completion);
    }
    let outcome = if poisoned {
        let _ = txn.abort();
        Err("another write in the same batch failed".to_owned())
    } else {
        txn.commit().map_err(|e| db_err(e).to_string())
    };
    let committed = outcome.is_ok();
    for completion in completions {
        completion(outcome.clone());
    }
    committed
}
