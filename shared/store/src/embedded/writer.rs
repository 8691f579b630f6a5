//! Group commit: one thread owns redb's single writer and commits the writes that queued
//! up while the previous commit was syncing, together, with one fsync.
//!
//! A commit costs an fsync (about 3 ms here); committing each routing decision on its own
//! would cap the store at a few hundred writes per second however many routers run. Jobs
//! in a batch run one after another inside one write transaction, so each sees the ones
//! before it, exactly as if they had committed separately.
//!
//! The discipline that makes sharing a transaction safe: a job checks all its
//! preconditions before its first write and returns `Conflict`, `NotFound` or `Invalid`
//! only from those checks, having written nothing. After its first write a job can only
//! fail with a backend error, which aborts the whole batch: no job of it is committed and
//! every one of them reports the failure.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use redb::{Database, WriteTransaction};

use super::tables::db_err;
use crate::error::{StoreError, StoreResult};

/// Most jobs per transaction; bounds the latency a job adds to the others in its batch.
const MAX_BATCH: usize = 256;

/// Runs against the shared transaction (or learns it could not be opened) and returns
/// what to do once the commit is known, and whether it failed after writing.
type Job = Box<dyn FnOnce(Result<&WriteTransaction, String>) -> (Completion, bool) + Send>;
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;

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

    /// Runs `work` in the next batch and returns its result once the batch is durable.
    pub(super) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |txn| {
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
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(db, batch);
    }
}

fn commit_batch(db: &Database, batch: Vec<Job>) {
    let txn = match db.begin_write() {
        Ok(txn) => txn,
        Err(e) => {
            let why = format!("cannot begin a write: {}", db_err(e));
            for job in batch {
                let (completion, _) = job(Err(why.clone()));
                completion(Err(why.clone()));
            }
            return;
        }
    };
    let mut completions = Vec::with_capacity(batch.len());
    let mut poisoned = false;
    for job in batch {
        let (completion, bad) = job(Ok(&txn));
        poisoned |= bad;
        completions.push(completion);
    }
    let outcome = if poisoned {
        let _ = txn.abort();
        Err("another write in the same batch failed".to_owned())
    } else {
        txn.commit().map_err(|e| db_err(e).to_string())
    };
    for completion in completions {
        completion(outcome.clone());
    }
}
