//! [`DeliveryLog`] on redb: one entry per delivery, keyed so that the deliveries of one
//! `(lead, assignment, kind)` are one key range; failures in a table of their own under
//! the same keys (`DELIVERY_FAILURES`), so a lead's are one key range too.
//!
//! Both are written trailing (`EmbeddedStore::write_trailing`): committed and visible at
//! once, on disk with the next durable commit. A crash in between loses at most the last
//! moment's records; the notifications they describe were sent, and were in memory only.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableError};

use super::EmbeddedStore;
use super::tables::{DELIVERY_FAILURES, db_err, decode_under, put_json};
use crate::error::StoreResult;
use crate::ports::deliveries::{DeliveryFailure, DeliveryKey, DeliveryLog};

/// `lead NUL assignment NUL kind NUL channel` ([`prefix`]) → `{"delivered_at": ...}`.
/// Opened on first use, so store files made before delivery records existed need no
/// migration.
pub(super) const NOTIFIED: TableDefinition<'static, &'static str, &'static [u8]> =
    TableDefinition::new("notified");

/// The key range of one `(lead, assignment, kind)`: every key starting with the prefix
/// (ids never contain NUL, so the prefix cannot match another assignment's keys).
///
/// An assignment id starts with its lead's id (`<lead>:<attempt>`, `<lead>:parked:<n>`),
/// which the key holds already: from layout 5 the key keeps only the rest (`:1`), 36
/// bytes less on every delivery record. An id of another shape is kept whole.
pub(super) fn prefix(lead_id: &str, assignment_id: &str, kind: &str) -> String {
    let assignment = assignment_id
        .strip_prefix(lead_id)
        .filter(|rest| rest.starts_with(':'))
        .unwrap_or(assignment_id);
    format!("{lead_id}\0{assignment}\0{kind}\0")
}

pub(super) fn full_key(key: &DeliveryKey<'_>) -> String {
    format!(
        "{}{}",
        prefix(key.lead_id, key.assignment_id, key.kind),
        key.channel
    )
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
        let k = full_key(&key);
        self.write_trailing(move |txn| {
            let mut table = txn.open_table(NOTIFIED).map_err(db_err)?;
            if table.get(k.as_str()).map_err(db_err)?.is_some() {
                return Ok(false);
            }
            put_json(&mut table, &k, &Record { delivered_at: at })?;
            Ok(true)
        })
        .await
    }

    async fn record_failure(
        &self,
        key: DeliveryKey<'_>,
        error: &str,
        permanent: bool,
        at: Timestamp,
    ) -> StoreResult<()> {
        let k = full_key(&key);
        let failure = DeliveryFailure {
            assignment_id: key.assignment_id.to_owned(),
            kind: key.kind.to_owned(),
            channel: key.channel.to_owned(),
            error: error.to_owned(),
            permanent,
            failed_at: at,
        };
        self.write_trailing(move |txn| {
            let mut table = txn.open_table(DELIVERY_FAILURES).map_err(db_err)?;
            put_json(&mut table, &k, &failure)
        })
        .await
    }

    async fn delivery_failures(&self, lead_id: &str) -> StoreResult<Vec<DeliveryFailure>> {
        let lead_prefix = format!("{lead_id}\0");
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let failures = txn.open_table(DELIVERY_FAILURES).map_err(db_err)?;
            let delivered = match txn.open_table(NOTIFIED) {
                Ok(t) => Some(t),
                Err(TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(db_err(e)),
            };
            let mut found = Vec::new();
            for entry in failures.range(lead_prefix.as_str()..).map_err(db_err)? {
                let (key, value) = entry.map_err(db_err)?;
                if !key.value().starts_with(lead_prefix.as_str()) {
                    break;
                }
                // A delivery recorded after its failure (the redrive that followed a fix)
                // has nothing left to show.
                if let Some(delivered) = &delivered
                    && delivered.get(key.value()).map_err(db_err)?.is_some()
                {
                    continue;
                }
                found.push(decode_under::<DeliveryFailure>(key.value(), value.value())?);
            }
            found.sort_by(|a, b| {
                (&a.assignment_id, &a.kind, &a.channel).cmp(&(
                    &b.assignment_id,
                    &b.kind,
                    &b.channel,
                ))
            });
            Ok(found)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::prefix;

    #[test]
    fn the_key_keeps_the_assignment_id_without_the_lead_id_it_repeats() {
        let lead = "0193a2b4-0000-7000-8000-000000000001";
        // (assignment id, its part of the key)
        let cases = [
            (format!("{lead}:2"), ":2".to_owned()),
            (format!("{lead}:parked:3"), ":parked:3".to_owned()),
            // Another lead's id, or another shape: kept whole.
            (
                "0193a2b4-0000-7000-8000-000000000002:1".to_owned(),
                "0193a2b4-0000-7000-8000-000000000002:1".to_owned(),
            ),
            (format!("{lead}x:1"), format!("{lead}x:1")),
        ];
        for (assignment, kept) in cases {
            assert_eq!(
                prefix(lead, &assignment, "assigned"),
                format!("{lead}\0{kept}\0assigned\0"),
                "{assignment}"
            );
        }
    }
}
