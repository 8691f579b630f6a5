//! [`AuditLog`] on redb: one table keyed `time_key(at) NUL id` (`tables::AUDIT`), so a
//! window is one range read, taken from its end backwards for newest first.

use jiff::Timestamp;
use redb::ReadableDatabase;

use super::EmbeddedStore;
use super::tables::{AUDIT, audit_key, db_err, decode_under, get_json, put_json};
use crate::error::{StoreError, StoreResult};
use crate::ports::audit::{AuditCursor, AuditEntry, AuditLog, AuditPage, audit_request};
use crate::ports::lead_index::time_key;

impl AuditLog for EmbeddedStore {
    async fn record(&self, entry: &AuditEntry) -> StoreResult<()> {
        entry.check()?;
        let entry = entry.clone();
        self.write(move |txn| {
            let mut table = txn.open_table(AUDIT).map_err(db_err)?;
            let key = audit_key(entry.at, &entry.id);
            // Decided before the write, so a refusal leaves the shared batch untouched
            // (see `writer`).
            match get_json::<AuditEntry>(&table, &key)? {
                Some(stored) if stored == entry => Ok(()),
                Some(_) => Err(StoreError::Conflict(format!(
                    "another audit entry is stored as {} at {}",
                    entry.id, entry.at
                ))),
                None => put_json(&mut table, &key, &entry),
            }
        })
        .await
    }

    async fn audit_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&AuditCursor>,
        limit: usize,
    ) -> StoreResult<AuditPage> {
        let Some(limit) = audit_request(from, to, after, limit)? else {
            return Ok(AuditPage::empty());
        };
        // Every key of an entry at `t` is `time_key(t)` followed by NUL and the id, so the
        // bare time key sorts before all of them: `from` included, `to` excluded. The
        // cursor's own key is an excluded end too: the page starts just before it.
        let lower = time_key(from);
        let mut upper = time_key(to);
        if let Some(cursor) = after {
            upper = upper.min(audit_key(cursor.at(), cursor.id()));
        }
        if lower >= upper {
            return Ok(AuditPage::empty());
        }
        self.scan(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = match txn.open_table(AUDIT) {
                Ok(table) => table,
                // `open` creates every table, but a file no write has touched since the
                // log was added holds none: nothing was recorded in it.
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(AuditPage::empty()),
                Err(e) => return Err(db_err(e)),
            };
            let mut found = Vec::new();
            for row in table
                .range::<&str>(lower.as_str()..upper.as_str())
                .map_err(db_err)?
                .rev()
            {
                if found.len() > limit {
                    break;
                }
                let (key, value) = row.map_err(db_err)?;
                found.push(decode_under(key.value(), value.value())?);
            }
            Ok(AuditPage::from_read(found, limit))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::tables::{LEADS, META, put_text};
    use crate::embedded::upgrade::{LAYOUT, LAYOUT_KEY};

    #[tokio::test]
    async fn a_file_made_before_the_audit_log_opens_with_an_empty_log() {
        let path = crate::embedded::test_file("audit-upgrade");
        {
            // A current-layout file as the version before the log left it: no audit table.
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(LEADS).unwrap();
            put_text(
                &mut txn.open_table(META).unwrap(),
                LAYOUT_KEY,
                &LAYOUT.to_string(),
            )
            .unwrap();
            txn.commit().unwrap();
            let read = db.begin_read().unwrap();
            assert!(matches!(
                read.open_table(AUDIT),
                Err(redb::TableError::TableDoesNotExist(_))
            ));
        }
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let day = jiff::SignedDuration::from_hours(24);
        let entry = AuditEntry::new("admin", "rep.away", "rep:ana", at).note("on leave");
        {
            let store = EmbeddedStore::open(&path).unwrap();
            let page = store.audit_between(at - day, at + day, None, 10).await;
            assert_eq!(page.unwrap(), AuditPage::empty());
            store.record(&entry).await.unwrap();
        }
        let store = EmbeddedStore::open(&path).unwrap();
        let page = store.audit_between(at - day, at + day, None, 10).await;
        assert_eq!(page.unwrap().entries, [entry]);
        let _ = std::fs::remove_file(&path);
    }
}
