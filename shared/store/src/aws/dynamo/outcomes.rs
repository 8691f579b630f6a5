//! [`OutcomeStore`] on DynamoDB: one item per rep, `pk = REP#<id>`, `sk = OUTCOMES`,
//! beside the rep's counters. Its recorded closes are plain number attributes so a close
//! can add to them with `ADD` inside its own `TransactWriteItems`, without reading the
//! item first:
//!
//! - `won`, `lost`: recorded closes overall;
//! - `w:<segment>`, `l:<segment>`: recorded closes in a segment;
//! - `imported`: the imported history, one JSON attribute;
//! - `v`: raised by every close and recount, which a recount's write is conditioned on.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use switchboard_routing::fit::{RepOutcomes, Tally};
use switchboard_routing::{DecisionRecord, RepId};

use super::codec::{self, Expr, Item, get_packed_json, get_s, json, n, opt_n, opt_s, s};
use super::keys::{RECORD, RECORD_JSON};
use super::{DynamoStore, errors, items, keys};
use crate::error::{StoreError, StoreResult};
use crate::ports::outcomes::{OutcomeRecord, OutcomeStore, Recounted, counts_as_won};
use crate::ports::routing::{Assignment, AssignmentStatus};

const WON: &str = "won";
const LOST: &str = "lost";
const WON_IN: &str = "w:";
const LOST_IN: &str = "l:";
const IMPORTED: &str = "imported";
const VERSION: &str = "v";

/// A rep's outcomes item as stored.
pub(super) fn outcome_record(item: &Item) -> StoreResult<OutcomeRecord> {
    let mut recorded = RepOutcomes {
        overall: Tally {
            won: opt_n(item, WON)?.unwrap_or(0),
            lost: opt_n(item, LOST)?.unwrap_or(0),
        },
        ..RepOutcomes::default()
    };
    for name in item.keys() {
        if let Some(seg) = name.strip_prefix(WON_IN) {
            recorded.segments.entry(seg.to_owned()).or_default().won = codec::get_n(item, name)?;
        } else if let Some(seg) = name.strip_prefix(LOST_IN) {
            recorded.segments.entry(seg.to_owned()).or_default().lost = codec::get_n(item, name)?;
        }
    }
    let imported = match opt_s(item, IMPORTED)? {
        Some(text) => serde_json::from_str(text)?,
        None => RepOutcomes::default(),
    };
    Ok(OutcomeRecord { recorded, imported })
}

impl DynamoStore {
    /// The write that adds the close of `ended` (closed, with its outcome) to its rep's
    /// outcomes, for the close's transaction; `None` when it counts nothing. Reads the
    /// decision record that made the assignment for its segment.
    pub(super) async fn record_close(
        &self,
        ended: &Assignment,
    ) -> StoreResult<Option<TransactWriteItem>> {
        if ended.status != AssignmentStatus::Closed {
            return Ok(None);
        }
        let Some(won) = ended.outcome.and_then(counts_as_won) else {
            return Ok(None);
        };
        let segment = match self
            .get_item(keys::decision(&ended.lead_id, ended.attempt))
            .await?
        {
            Some(item) => get_packed_json::<DecisionRecord>(&item, RECORD, RECORD_JSON)?.segment,
            None => None,
        };
        let mut e = Expr::new();
        let one = e.value("one", n(1));
        let overall = e.name(if won { WON } else { LOST });
        let version = e.name(VERSION);
        let mut add = format!("ADD {overall} {one}, {version} {one}");
        if let Some(seg) = segment {
            let prefix = if won { WON_IN } else { LOST_IN };
            let name = e.name_as("seg", &format!("{prefix}{seg}"));
            add.push_str(&format!(", {name} {one}"));
        }
        Ok(Some(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(codec::key(keys::rep_outcomes(&ended.rep))))
                        .update_expression(add)
                        .set_expression_attribute_names(e.names())
                        .set_expression_attribute_values(e.values())
                        .build()
                        .map_err(errors::build)?,
                )
                .build(),
        ))
    }

    /// Replaces the recorded part of `rep`'s item with `recorded`, while the item is as
    /// read (`read`: the item then, `None` when there was none).
    async fn write_recorded(
        &self,
        rep: &str,
        read: Option<&Item>,
        recorded: &RepOutcomes,
    ) -> StoreResult<()> {
        let mut e = Expr::new();
        let mut sets = vec![
            format!(
                "{} = {}",
                e.name(WON),
                e.value("won", n(recorded.overall.won))
            ),
            format!(
                "{} = {}",
                e.name(LOST),
                e.value("lost", n(recorded.overall.lost))
            ),
        ];
        let mut wanted = BTreeSet::new();
        for (i, (seg, tally)) in recorded.segments.iter().enumerate() {
            for (prefix, count, tag) in [(WON_IN, tally.won, "w"), (LOST_IN, tally.lost, "l")] {
                let attr = format!("{prefix}{seg}");
                let name = e.name_as(&format!("{tag}{i}"), &attr);
                let value = e.value(&format!("{tag}{i}"), n(count));
                sets.push(format!("{name} = {value}"));
                wanted.insert(attr);
            }
        }
        let version = e.name(VERSION);
        let stale: Vec<String> = read
            .into_iter()
            .flat_map(|item| item.keys())
            .filter(|k| (k.starts_with(WON_IN) || k.starts_with(LOST_IN)) && !wanted.contains(*k))
            .enumerate()
            .map(|(i, k)| e.name_as(&format!("x{i}"), k))
            .collect();
        let one = e.value("one", n(1));
        let mut update = format!("SET {} ADD {version} {one}", sets.join(", "));
        if !stale.is_empty() {
            update.push_str(&format!(" REMOVE {}", stale.join(", ")));
        }
        let condition = match read.map(|item| item.get(VERSION)) {
            None => format!("attribute_not_exists({})", e.name(keys::PK)),
            Some(None) => format!("attribute_not_exists({version})"),
            Some(Some(v)) => format!("{version} = {}", e.value("read", v.clone())),
        };
        let key = keys::rep_outcomes(rep);
        if self
            .update_if(key, update, condition, &e, "UpdateItem outcomes")
            .await?
        {
            return Ok(());
        }
        Err(StoreError::Conflict(format!(
            "rep {rep} closed a lead while its outcomes were recounted; run it again"
        )))
    }

    /// Every assignment and every outcomes item of the table (one filtered `Scan`).
    async fn scan_closes(&self) -> StoreResult<(Vec<Assignment>, BTreeMap<String, Item>)> {
        let mut assignments = Vec::new();
        let mut records = BTreeMap::new();
        let mut start = None;
        loop {
            let mut e = Expr::new();
            let sk = e.name(keys::SK);
            let filter = format!(
                "{sk} = {} OR {sk} = {}",
                e.value("assignment", s(keys::ASSIGNMENT_SK)),
                e.value("outcomes", s(keys::OUTCOMES_SK)),
            );
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression(filter)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .map_err(|err| errors::backend("Scan", err))?;
            for item in page.items.unwrap_or_default() {
                if get_s(&item, keys::SK)? == keys::OUTCOMES_SK {
                    if let keys::Partition::Rep(rep) =
                        keys::Partition::parse(get_s(&item, keys::PK)?)
                    {
                        records.insert(rep.to_owned(), item);
                    }
                } else {
                    assignments.push(items::assignment(&item)?);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok((assignments, records));
            }
        }
    }
}

impl OutcomeStore for DynamoStore {
    async fn rep_outcomes(&self, reps: &[RepId]) -> StoreResult<Vec<OutcomeRecord>> {
        let found = self
            .batch_get(reps.iter().map(|r| keys::rep_outcomes(r)).collect())
            .await?;
        let mut by_rep = BTreeMap::new();
        for item in &found {
            if let keys::Partition::Rep(rep) = keys::Partition::parse(get_s(item, keys::PK)?) {
                by_rep.insert(rep.to_owned(), outcome_record(item)?);
            }
        }
        Ok(reps
            .iter()
            .map(|r| by_rep.get(r.as_str()).cloned().unwrap_or_default())
            .collect())
    }

    async fn set_imported_outcomes(&self, rep: &str, imported: &RepOutcomes) -> StoreResult<()> {
        let mut e = Expr::new();
        let update = if imported.is_empty() {
            format!("REMOVE {}", e.name(IMPORTED))
        } else {
            format!(
                "SET {} = {}",
                e.name(IMPORTED),
                e.value("imported", json(imported)?)
            )
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(keys::rep_outcomes(rep))))
            .update_expression(update)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .send()
            .await
            .map_err(|err| errors::backend("UpdateItem outcomes", err))?;
        Ok(())
    }

    async fn recount_outcomes(&self) -> StoreResult<Recounted> {
        let (assignments, records) = self.scan_closes().await?;
        let mut done = Recounted {
            leads: assignments.len() as u64,
            ..Recounted::default()
        };
        let mut closes: Vec<(&Assignment, bool)> = Vec::new();
        for a in &assignments {
            if a.status != AssignmentStatus::Closed {
                continue;
            }
            match a.outcome.map(counts_as_won) {
                Some(Some(won)) => closes.push((a, won)),
                Some(None) => done.unqualified += 1,
                None => {}
            }
        }
        let decisions = self
            .batch_get(
                closes
                    .iter()
                    .map(|(a, _)| keys::decision(&a.lead_id, a.attempt))
                    .collect(),
            )
            .await?;
        let mut segments: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
        for item in &decisions {
            let record: DecisionRecord = get_packed_json(item, RECORD, RECORD_JSON)?;
            let keys::Partition::Lead(lead) = keys::Partition::parse(get_s(item, keys::PK)?) else {
                continue;
            };
            segments.insert(
                (lead.to_owned(), get_s(item, keys::SK)?.to_owned()),
                record.segment,
            );
        }
        let mut counted: BTreeMap<String, RepOutcomes> = BTreeMap::new();
        for (a, won) in closes {
            let key = keys::decision(&a.lead_id, a.attempt);
            let segment = segments
                .get(&(a.lead_id.to_string(), key.sk))
                .cloned()
                .flatten();
            counted
                .entry(a.rep.to_string())
                .or_default()
                .record(segment.as_deref(), won);
            done.closes += 1;
        }
        let mut reps: BTreeSet<String> = records.keys().cloned().collect();
        reps.extend(counted.keys().cloned());
        for rep in reps {
            let recorded = counted.remove(&rep).unwrap_or_default();
            self.write_recorded(&rep, records.get(&rep), &recorded)
                .await?;
            done.reps += 1;
        }
        Ok(done)
    }
}

/// Whether an item read with a routing view is a rep's outcomes item.
pub(super) fn is_outcomes(item: &Item) -> bool {
    matches!(item.get(keys::SK), Some(AttributeValue::S(sk)) if sk == keys::OUTCOMES_SK)
}
