//! [`OutcomeStore`] on redb: rep id → `OutcomeRecord` in `rep_outcomes`. A close adds to
//! it inside the close's own write transaction (`record_close`); the recount is one write
//! transaction over every assignment.

use std::collections::BTreeMap;

use redb::{ReadableDatabase, ReadableTable, Table, WriteTransaction};
use switchboard_routing::fit::RepOutcomes;
use switchboard_routing::{DecisionRecord, RepId};

use super::EmbeddedStore;
use super::tables::{
    LEADS, REP_OUTCOMES, db_err, decision_key, decode_under, get_json, is_assignment_key, put_json,
};
use crate::error::StoreResult;
use crate::ports::outcomes::{OutcomeRecord, OutcomeStore, Recounted, counts_as_won};
use crate::ports::routing::{Assignment, AssignmentStatus};

type JsonTable<'t> = Table<'t, &'static str, &'static [u8]>;

/// The segment of the decision that made assignment `a` (`None` without one), from the
/// leads table.
fn segment_of(
    leads: &impl ReadableTable<&'static str, &'static [u8]>,
    a: &Assignment,
) -> StoreResult<Option<String>> {
    let record: Option<DecisionRecord> = get_json(leads, &decision_key(&a.lead_id, a.attempt))?;
    Ok(record.and_then(|r| r.segment))
}

/// Adds the close of `a` (just closed, with its outcome) to its rep's record, inside the
/// close's write transaction (`leads`: its leads table, open already). Unqualified closes
/// and closes without an outcome count nothing.
pub(super) fn record_close(
    txn: &WriteTransaction,
    leads: &JsonTable<'_>,
    a: &Assignment,
) -> StoreResult<()> {
    let Some(won) = a.outcome.and_then(counts_as_won) else {
        return Ok(());
    };
    let segment = segment_of(leads, a)?;
    let mut table = txn.open_table(REP_OUTCOMES).map_err(db_err)?;
    let mut record: OutcomeRecord = get_json(&table, &a.rep)?.unwrap_or_default();
    record.recorded.record(segment.as_deref(), won);
    put_json(&mut table, &a.rep, &record)
}

/// The totals of `reps` (recorded and imported) from one read transaction's table.
pub(super) fn totals(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    reps: &[RepId],
) -> StoreResult<Vec<(RepId, RepOutcomes)>> {
    let mut out = Vec::with_capacity(reps.len());
    for rep in reps {
        if let Some(record) = get_json::<OutcomeRecord>(table, rep)? {
            out.push((rep.clone(), record.total()));
        }
    }
    Ok(out)
}

fn recount_in(txn: &WriteTransaction) -> StoreResult<Recounted> {
    let leads = txn.open_table(LEADS).map_err(db_err)?;
    let mut done = Recounted::default();
    let mut counted: BTreeMap<String, RepOutcomes> = BTreeMap::new();
    for row in leads.iter().map_err(db_err)? {
        let (k, v) = row.map_err(db_err)?;
        // The leads table holds each lead's records; only its assignment counts here.
        let key = k.value();
        if !is_assignment_key(key) {
            continue;
        }
        let a: Assignment = decode_under(key, v.value())?;
        done.leads += 1;
        if a.status != AssignmentStatus::Closed {
            continue;
        }
        match a.outcome.map(counts_as_won) {
            Some(Some(won)) => {
                let segment = segment_of(&leads, &a)?;
                counted
                    .entry(a.rep.to_string())
                    .or_default()
                    .record(segment.as_deref(), won);
                done.closes += 1;
            }
            Some(None) => done.unqualified += 1,
            None => {}
        }
    }
    let mut table: JsonTable<'_> = txn.open_table(REP_OUTCOMES).map_err(db_err)?;
    // Reps with a record and no closes now keep their imported part and no recorded one.
    let mut reps: Vec<String> = Vec::new();
    for row in table.iter().map_err(db_err)? {
        let (k, _) = row.map_err(db_err)?;
        reps.push(k.value().to_owned());
    }
    reps.extend(counted.keys().cloned());
    reps.sort();
    reps.dedup();
    for rep in reps {
        let mut record: OutcomeRecord = get_json(&table, &rep)?.unwrap_or_default();
        record.recorded = counted.remove(&rep).unwrap_or_default();
        put_json(&mut table, &rep, &record)?;
        done.reps += 1;
    }
    Ok(done)
}

impl OutcomeStore for EmbeddedStore {
    async fn rep_outcomes(&self, reps: &[RepId]) -> StoreResult<Vec<OutcomeRecord>> {
        let reps = reps.to_vec();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = txn.open_table(REP_OUTCOMES).map_err(db_err)?;
            reps.iter()
                .map(|r| Ok(get_json(&table, r)?.unwrap_or_default()))
                .collect()
        })
    }

    async fn set_imported_outcomes(&self, rep: &str, imported: &RepOutcomes) -> StoreResult<()> {
        let (rep, imported) = (rep.to_owned(), imported.clone());
        self.write(move |txn| {
            let mut table = txn.open_table(REP_OUTCOMES).map_err(db_err)?;
            let mut record: OutcomeRecord = get_json(&table, &rep)?.unwrap_or_default();
            record.imported = imported;
            put_json(&mut table, &rep, &record)
        })
        .await
    }

    async fn recount_outcomes(&self) -> StoreResult<Recounted> {
        self.write(recount_in).await
    }
}
