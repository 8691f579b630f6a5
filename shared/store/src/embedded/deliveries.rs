//! [`DeliveryLog`] on redb: one entry per delivery, keyed so that the deliveries of one
//! `(lead, assignment, kind)` are one key range.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableError};

use super::EmbeddedStore;
use super::tables::{db_err, put_json};
use crate::error::StoreResult;
use crate::ports::deliveries::{DeliveryKey, DeliveryLog};

/// `lead NUL assignment NUL kind NUL channel` → `{"delivered_at": ...}`. Opened on first
/// use, so store files made before delivery records existed need no migration.
const NOTIFIED: TableDefinition<'static, &'static str, &'static [u8]> =
    TableDefinition::new("notified");

/// The key range of one `(lead, assignment, kind)`: every key starting with the prefix
/// (ids never contain NUL, so the prefix cannot match another assignment's keys).
fn prefix(lead_id: &str, assignment_id: &str, kind: &str) -> String {
    format!("{lead_id}\0{assignment_id}\0{kind}\0")
}

#[derive(serde::Serialize)]
struct Record {
    delivered_at: Timestamp,
}

impl DeliveryLog for EmbeddedStore {
    async fn delivered_channels(
        &self,
        lead_id: &str,
        assignment_id: &str,
        kind: &str,
    ) -> StoreResult<Vec<String>> {
        let prefix = prefix(lead_id, assignment_id, kind);
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = match txn.open_table(NOTIFIED) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(db_err(e)),
            };
            let mut channels = Vec::new();
            for entry in table.range(prefix.as_str()..).map_err(db_err)? {
                let (key, _) = entry.map_err(db_err)?;
                match key.value().strip_prefix(prefix.as_str()) {
                    Some(channel) => channels.push(channel.to_owned()),
                    None => break,
                }
            }
            Ok(channels)
        })
    }

    async fn record_delivered(&self, key: DeliveryKey<'_>, at: Timestamp) -> StoreResult<bool> {
        let k = format!(
            "{}{}",
            prefix(key.lead_id, key.assignment_id, key.kind),
            key.channel
        );
        self.write(move |txn| {
            let mut table = txn.open_table(NOTIFIED).map_err(db_err)?;
            if table.get(k.as_str()).map_err(db_err)?.is_some() {
                return Ok(false);
            }
            put_json(&mut table, &k, &Record { delivered_at: at })?;
            Ok(true)
        })
        .await
    }
}
