//! [`SyncMarks`] on DynamoDB: one item per sync, `pk = SYNC#<name>`, `sk = SYNC`, its
//! mark in `mark` (RFC 3339); a plain put replaces it, a consistent get reads it.

use jiff::Timestamp;

use super::DynamoStore;
use super::codec::{self, get_s, s};
use super::errors;
use super::keys;
use crate::error::{StoreError, StoreResult};
use crate::ports::sync_marks::SyncMarks;

impl SyncMarks for DynamoStore {
    async fn sync_mark(&self, sync: &str) -> StoreResult<Option<Timestamp>> {
        let Some(item) = self.get_item(keys::sync_mark(sync)).await? else {
            return Ok(None);
        };
        let text = get_s(&item, "mark")?;
        text.parse()
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("sync mark of {sync} is not a time: {text}")))
    }

    async fn set_sync_mark(&self, sync: &str, mark: Timestamp) -> StoreResult<()> {
        let item = codec::item(keys::sync_mark(sync), [("mark", s(mark.to_string()))]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| errors::backend("PutItem", e))?;
        Ok(())
    }
}
