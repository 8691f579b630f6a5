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
//! A write whose caller may go on before it is on disk, but must not answer anyone until it
//! is (a lead's insert: routing reads it at once, the sender's `202` waits), is queued as
//! visible: a batch of only such writes (and trailing ones) commits without an fsync, and
//! the caller gets, besides its result, a wait that completes with the next durable
//! commit, or within [`VISIBLE_SYNC_AFTER`] when none comes. At low rates the lead's
//! decision, a moment later, is that durable commit: one fsync makes both the lead and its
//! decision durable, where each used to take its own.
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

/// How long a visible write waits for a durable commit to ride with before the writer
/// syncs it on its own: the time a lead's routing usually takes to reach the writer with
/// its decision, and what an insert's answer waits at most for it.
pub(super) const VISIBLE_SYNC_AFTER: Duration = Duration::from_millis(2);

/// Completes when a visible write is on disk (or the sync that would have put it there
/// failed).
pub(super) type DurableWait = tokio::sync::oneshot::Receiver<Result<(), String>>;
type DurableSignal = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Runs against the shared transaction (or learns it could not be opened) and returns
/// what to do once the commit is known, and whether it failed after writing.
type Work = Box<dyn FnOnce(Result<&WriteTransaction, String>) -> (Completion, bool) + Send>;
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;

struct Job {
    work: Work,
    sync: WriteSync,
    /// For a visible write: told when the write is on disk.
    on_durable: Option<DurableSignal>,
}

/// When a write's caller learns it is done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteSync {
    /// Once it is on disk.
    Durable,
    /// Once it is committed and visible to readers, with a [`DurableWait`] for when it is
    /// on disk: with the next durable commit, at the latest [`VISIBLE_SYNC_AFTER`] later.
    Visible,
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
    /// on disk for [`WriteSync::Durable`]. For [`WriteSync::Visible`] use
    /// [`Writer::write_visible`].
    pub(super) async fn write<T, F>(&self, sync: WriteSync, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        debug_assert!(sync != WriteSync::Visible, "a visible write needs its wait");
        self.submit(sync, None, work).await
    }

    /// Runs `work` in the next batch and returns its result once the batch is committed
    /// and visible, with the wait for it to be on disk (see module docs).
    pub(super) async fn write_visible<T, F>(&self, work: F) -> StoreResult<(T, DurableWait)>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let (signal, wait) = tokio::sync::oneshot::channel();
        let result = self.submit(WriteSync::Visible, Some(signal), work).await?;
        Ok((result, wait))
    }

    async fn submit<T, F>(
        &self,
        sync: WriteSync,
        on_durable: Option<DurableSignal>,
        work: F,
    ) -> StoreResult<T>
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
            sync,
            on_durable,
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

/// What the commits made without an fsync leave to sync: since when trailing writes wait,
/// and the visible writes waiting (with since when the first has waited).
#[derive(Default)]
struct Unsynced {
    trailing_since: Option<Instant>,
    visible_since: Option<Instant>,
    visible: Vec<DurableSignal>,
}

impl Unsynced {
    /// When the writer must sync what waits, if nothing else does first.
    fn deadline(&self) -> Option<Instant> {
        let trailing = self.trailing_since.map(|t| t + TRAILING_SYNC_AFTER);
        let visible = self.visible_since.map(|t| t + VISIBLE_SYNC_AFTER);
        match (trailing, visible) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Everything committed so far is on disk: the visible writes waiting hear so.
    fn synced(&mut self) {
        self.trailing_since = None;
        self.visible_since = None;
        for signal in self.visible.drain(..) {
            // A caller that stopped waiting has dropped its end.
            let _ = signal.send(Ok(()));
        }
    }
}

fn run(db: &Database, jobs: &mpsc::Receiver<Job>) {
    let mut unsynced = Unsynced::default();
    loop {
        let first = match unsynced.deadline() {
            Some(deadline) => {
                match jobs.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(job) => job,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        sync_unsynced(db, &mut unsynced);
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
        // Writes that keep coming without a durable one do not put the fsync off past the
        // bounds.
        let overdue = unsynced
            .deadline()
            .is_some_and(|deadline| Instant::now() >= deadline);
        let durable = overdue || batch.iter().any(|j| j.sync == WriteSync::Durable);
        commit_batch(db, batch, durable, &mut unsynced);
    }
    // The store is closing: what waits goes to disk now.
    if unsynced.deadline().is_some() {
        sync_unsynced(db, &mut unsynced);
    }
}

/// Makes the commits made without an fsync durable (an empty durable commit). A visible
/// write's wait learns the outcome either way; trailing writes are tried again when it
/// failed.
fn sync_unsynced(db: &Database, unsynced: &mut Unsynced) {
    let synced = db
        .begin_write()
        .map_err(redb::Error::from)
        .and_then(|txn| txn.commit().map_err(redb::Error::from));
    match synced {
        Ok(()) => unsynced.synced(),
        Err(e) => {
            let why = db_err(e).to_string();
            tracing::error!(error = %why, "commits not synced; trying again");
            for signal in unsynced.visible.drain(..) {
                let _ = signal.send(Err(why.clone()));
            }
            unsynced.visible_since = None;
        }
    }
}

/// Runs and commits one batch, and keeps `unsynced` up to date: a durable commit puts
/// everything before it on disk (visible writes waiting hear so before any job of the
/// batch hears it committed), one without an fsync adds to what waits.
fn commit_batch(db: &Database, batch: Vec<Job>, durable: bool, unsynced: &mut Unsynced) {
    let mut txn = match db.begin_write() {
        Ok(txn) => txn,
        Err(e) => {
            let why = format!("cannot begin a write: {}", db_err(e));
            for job in batch {
                let (completion, _) = (job.work)(Err(why.clone()));
                completion(Err(why.clone()));
            }
            return;
        }
    };
    if !durable && let Err(e) = txn.set_durability(Durability::None) {
        // Cannot happen for this store (no savepoints, one process); committing durably
        // instead is always correct.
        tracing::warn!(error = %e, "a batch without an fsync commits durably");
    }
    let trailing = batch.iter().any(|j| j.sync == WriteSync::Trailing);
    let mut completions = Vec::with_capacity(batch.len());
    let mut visible = Vec::new();
    let mut poisoned = false;
    for job in batch {
        let (completion, bad) = (job.work)(Ok(&txn));
        poisoned |= bad;
        completions.push(completion);
        visible.extend(job.on_durable);
    }
    let outcome = if poisoned {
        let _ = txn.abort();
        Err("another write in the same batch failed".to_owned())
    } else {
        txn.commit().map_err(|e| db_err(e).to_string())
    };
    // A write that did not commit reports that itself; its caller never waits for disk.
    if outcome.is_ok() {
        unsynced.visible.extend(visible);
        if durable {
            unsynced.synced();
        } else {
            let now = Instant::now();
            if trailing {
                unsynced.trailing_since.get_or_insert(now);
            }
            if !unsynced.visible.is_empty() {
                unsynced.visible_since.get_or_insert(now);
            }
        }
    }
    for completion in completions {
        completion(outcome.clone());
    }
}

#[cfg(test)]
mod tests {
    use redb::{ReadableDatabase, TableDefinition};

    use super::*;

    const T: TableDefinition<'static, &'static str, &'static str> = TableDefinition::new("t");

    fn put(key: &'static str) -> impl FnOnce(&WriteTransaction) -> StoreResult<()> + Send {
        move |txn| {
            txn.open_table(T)
                .map_err(db_err)?
                .insert(key, "v")
                .map_err(db_err)?;
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_visible_write_is_on_disk_with_the_next_durable_commit_or_by_itself() {
        let db = Arc::new(Database::create(switchboard_testkit::temp_db()).unwrap());
        let writer = Writer::start(db.clone()).unwrap();
        // Alone: the writer syncs it itself, a moment later.
        let ((), alone) = writer.write_visible(put("a")).await.unwrap();
        let synced = tokio::time::timeout(Duration::from_secs(10), alone).await;
        assert_eq!(synced.expect("synced within seconds"), Ok(Ok(())));

        // Followed by a durable write: on disk by the time that write returns.
        let ((), waiting) = writer.write_visible(put("b")).await.unwrap();
        writer.write(WriteSync::Durable, put("c")).await.unwrap();
        let mut waiting = waiting;
        assert_eq!(waiting.try_recv(), Ok(Ok(())));

        // Readable as soon as the write returned.
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(T).unwrap();
        for key in ["a", "b", "c"] {
            assert!(table.get(key).unwrap().is_some(), "{key}");
        }
    }
}
