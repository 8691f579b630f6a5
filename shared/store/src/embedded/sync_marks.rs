//! [`SyncMarks`] on redb: sync name → its mark (RFC 3339 text) in the `sync_marks` table,
//! so a local data directory keeps its marks in the store file like everything else.

use jiff::Timestamp;
use redb::ReadableDatabase;

use super::EmbeddedStore;
use super::tables::{SYNC_MARKS, db_err, get_text, put_text};
use crate::error::{StoreError, StoreResult};
use crate::ports::sync_marks::SyncMarks;

impl SyncMarks for EmbeddedStore {
    async fn sync_mark(&self, sync: &str) -> StoreResult<Option<Timestamp>> {
        let Some(text) = self.read(|db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = txn.open_table(SYNC_MARKS).map_err(db_err)?;
            get_text(&table, sync)
        })?
        else {
            return Ok(None);
        };
        text.parse()
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("sync mark of {sync} is not a time: {text}")))
    }

    async fn set_sync_mark(&self, sync: &str, mark: Timestamp) -> StoreResult<()> {
        let sync = sync.to_owned();
        self.write(move |txn| {
            let mut table = txn.open_table(SYNC_MARKS).map_err(db_err)?;
            put_text(&mut table, &sync, &mark.to_string())
        })
        .await
    }
}
