//! [`AuditLog`] on DynamoDB: an item per entry in the base table, in the partition of its
//! UTC day (`pk = AUDIT#<day>`, `sk = <time key>#<id>`), written with a put conditioned on
//! absence. A window queries its days newest first and stops when the page is full.
//!
//! Base table reads are strongly consistent, so the log needs no index and a read sees
//! every entry recorded before it began.

use jiff::{SignedDuration, Timestamp};

use super::codec::{self, Expr, Item, get_s, get_ts, opt_s, s};
use super::{DynamoStore, keys};
use crate::error::{StoreError, StoreResult};
use crate::ports::audit::{AuditCursor, AuditEntry, AuditLog, AuditPage, audit_request};
use crate::ports::lead_index::time_key;

impl AuditLog for DynamoStore {
    async fn record(&self, entry: &AuditEntry) -> StoreResult<()> {
        entry.check()?;
        let key = keys::audit(entry.at, &entry.id);
        let mut attrs = vec![
            ("id", s(&entry.id)),
            ("at", s(entry.at.to_string())),
            ("actor", s(&entry.actor)),
            ("action", s(&entry.action)),
            ("target", s(&entry.target)),
            ("detail", codec::json(&entry.detail)?),
        ];
        if let Some(note) = &entry.note {
            attrs.push(("note", s(note)));
        }
        if self.put_if_absent(codec::item(key.clone(), attrs)).await? {
            return Ok(());
        }
        // A retry whose first try was stored (its reply lost) finds its own entry.
        match self.get_item(key).await?.as_ref().map(entry_of) {
            Some(Ok(stored)) if stored == *entry => Ok(()),
            Some(Err(e)) => Err(e),
            _ => Err(StoreError::Conflict(format!(
                "another audit entry is stored as {} at {}",
                entry.id, entry.at
            ))),
        }
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
        // A sort key condition takes one `BETWEEN`, which includes both ends. Every sort
        // key of an entry at `t` is `time_key(t)#<id>`, so the bare `time_key(from)` sorts
        // before every entry at `from` (included) and the bare `time_key(to)` before every
        // entry at `to` (excluded). The cursor's own key is the inclusive end and is
        // skipped when read.
        let start = time_key(from);
        let mut end = time_key(to);
        let mut newest = to - SignedDuration::from_nanos(1);
        let mut skip = None;
        if let Some(cursor) = after {
            let key = keys::audit_sk(cursor.at(), cursor.id());
            if key < end {
                end = key.clone();
                newest = cursor.at();
                skip = Some(key);
            }
        }
        if start >= end {
            return Ok(AuditPage::empty());
        }
        let want = limit + 1;
        let first_day = keys::day_of(from);
        let mut day = keys::day_of(newest);
        let mut found = Vec::new();
        while found.len() < want && day >= first_day {
            let mut e = Expr::new();
            let condition = format!(
                "{} = {} AND {} BETWEEN {} AND {}",
                e.name(keys::PK),
                e.value("day", s(keys::audit_pk(day))),
                e.name(keys::SK),
                e.value("start", s(&start)),
                e.value("end", s(&end)),
            );
            let at_least = want - found.len() + usize::from(skip.is_some());
            let items = self
                .query_backward(&condition, &e, at_least, "Query audit")
                .await?;
            for item in &items {
                if skip.as_deref() == Some(get_s(item, keys::SK)?) {
                    continue;
                }
                if found.len() < want {
                    found.push(entry_of(item)?);
                }
            }
            let Ok(previous) = day.yesterday() else { break };
            day = previous;
        }
        Ok(AuditPage::from_read(found, limit))
    }
}

fn entry_of(item: &Item) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: get_s(item, "id")?.to_owned(),
        at: get_ts(item, "at")?,
        actor: get_s(item, "actor")?.to_owned(),
        action: get_s(item, "action")?.to_owned(),
        target: get_s(item, "target")?.to_owned(),
        note: opt_s(item, "note")?.map(str::to_owned),
        detail: codec::get_json(item, "detail")?,
    })
}
