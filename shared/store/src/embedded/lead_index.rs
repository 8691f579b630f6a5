//! [`LeadIndex`] on redb: range reads of the received-time and parked index tables, which
//! every write of a lead keeps in step inside its own transaction (`tables::LeadIndexes`).

use std::ops::Bound;

use jiff::Timestamp;
use redb::ReadableDatabase;

use super::EmbeddedStore;
use super::tables::{LEADS, PARKED, RECEIVED, db_err, get_json};
use crate::error::{StoreError, StoreResult};
use crate::ports::lead_index::{
    LeadCursor, LeadIndex, LeadList, LeadPage, page_size, received_request, time_key,
};
use crate::ports::leads::StoredLead;

/// The index key of a cursor's lead, as `tables::received_key`/`parked_key` write it.
fn cursor_key(cursor: &LeadCursor) -> String {
    let (time, lead_id) = cursor.position();
    format!("{time}\0{lead_id}")
}

impl LeadIndex for EmbeddedStore {
    async fn received_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&LeadCursor>,
        limit: usize,
    ) -> StoreResult<LeadPage> {
        let (limit, after) = received_request(from, to, after, limit)?;
        // Every key of a lead received at `t` starts with `time_key(t)` and goes on with
        // NUL and the id, so the bare time key sorts before all of them: `from` included,
        // `to` excluded.
        let (start, end) = (time_key(from), time_key(to));
        let lower = match after.map(cursor_key) {
            Some(key) if key >= start => Bound::Excluded(key),
            _ => Bound::Included(start),
        };
        // An empty range: nothing to read (and a reversed one is not a valid range).
        if matches!(&lower, Bound::Included(k) | Bound::Excluded(k) if *k >= end) {
            return Ok(LeadPage {
                leads: Vec::new(),
                next: None,
            });
        }
        let upper = Bound::Excluded(end);
        self.scan(move |db| {
            let found = read_index(db, RECEIVED_LIST, lower, upper, limit + 1)?;
            Ok(LeadPage::from_read(found, limit, LeadCursor::received))
        })
        .await
    }

    async fn parked(&self, after: Option<&LeadCursor>, limit: usize) -> StoreResult<LeadPage> {
        let limit = page_size(limit)?;
        let lower = match after.map(|c| c.check(LeadList::Parked)).transpose()? {
            Some(cursor) => Bound::Excluded(cursor_key(cursor)),
            None => Bound::Unbounded,
        };
        self.scan(move |db| {
            let found = read_index(db, PARKED_LIST, lower, Bound::Unbounded, limit + 1)?;
            Ok(LeadPage::from_read(found, limit, LeadCursor::parked))
        })
        .await
    }
}

/// Which index table a read goes through, and its name in errors.
struct IndexTable {
    table: redb::TableDefinition<'static, &'static str, &'static [u8]>,
    name: &'static str,
}

const RECEIVED_LIST: IndexTable = IndexTable {
    table: RECEIVED,
    name: "received-time",
};
const PARKED_LIST: IndexTable = IndexTable {
    table: PARKED,
    name: "parked",
};

/// Up to `want` leads named by the index entries in `(lower, upper)`, in key order, all
/// from one read transaction.
fn read_index(
    db: &redb::Database,
    index: IndexTable,
    lower: Bound<String>,
    upper: Bound<String>,
    want: usize,
) -> StoreResult<Vec<StoredLead>> {
    let txn = db.begin_read().map_err(db_err)?;
    let entries = txn.open_table(index.table).map_err(db_err)?;
    let leads = txn.open_table(LEADS).map_err(db_err)?;
    let range = (
        lower.as_ref().map(String::as_str),
        upper.as_ref().map(String::as_str),
    );
    let mut out = Vec::new();
    for row in entries.range::<&str>(range).map_err(db_err)? {
        if out.len() >= want {
            break;
        }
        let (k, _) = row.map_err(db_err)?;
        let key = k.value();
        let lead_id = key.split_once('\0').map_or("", |(_, l)| l);
        let lead: StoredLead = get_json(&leads, lead_id)?.ok_or_else(|| {
            StoreError::Invalid(format!("{} index names missing lead {lead_id}", index.name))
        })?;
        out.push(lead);
    }
    Ok(out)
}
