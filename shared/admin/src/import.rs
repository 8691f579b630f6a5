//! A batch of leads from one event (a trade show's or a webinar's CSV), imported through
//! `POST /leads/import`: each row is normalized as intake normalizes a generic-API lead,
//! then stored and handed to routing by intake's own reception (the store's atomic insert
//! with the idempotency key and the same-email dedupe, then the routing queue).
//!
//! Both are intake's; the admin crate cannot depend on intake (intake serves this router),
//! so a runtime hands them in as a [`RowIntake`].
//!
//! Idempotent per row: the key is derived from the source and the row's content, and does
//! not expire, so importing the same file again, a day or a month later, creates nothing.
//! A row is refused, stored whole or found stored: one row's problems never stop another.
//!
//! With `spread`, new leads are not routed at once but planned over the target reps'
//! working hours in the period (`import_spread.rs`); a row found stored keeps whatever it
//! had, so importing again neither reschedules nor routes anything twice.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use switchboard_routing::Lead;
use switchboard_store::{
    AccountDirectory, FieldIssue, Insert, LeadStatus, NewLead, PolicyStore, StoreError, StoredLead,
};

use crate::error::AdminError;
use crate::import_spread::{self, Period, SpreadSummary};

/// Most rows one request may carry; the CLI sends smaller chunks so progress shows.
pub const MAX_IMPORT_ROWS: usize = 1000;

/// Intake as the runtime serving the admin API has it: its normalization of a row and its
/// reception of a lead.
pub trait RowIntake: Send + Sync {
    /// Normalizes `row` for `source` (a configured source's field mapping and default
    /// country apply; another name is a free label with the generic API's mapping), as a
    /// new lead with a new id received at `now`. `Err` lists every field problem.
    fn normalize(
        &self,
        source: &str,
        row: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<RowLead, Vec<FieldIssue>>;

    /// The same-email dedupe window of intake's configuration (zero: off).
    fn dedupe_window(&self) -> SignedDuration;

    /// Stores `new` as intake stores a lead (or finds the lead its key maps to) and hands
    /// a new, primary lead to routing.
    fn receive(&self, new: NewLead) -> Received<'_>;
}

/// What [`RowIntake::receive`] answers, boxed so the trait stays object-safe.
pub type Received<'a> = Pin<Box<dyn Future<Output = Result<Insert, StoreError>> + Send + 'a>>;

/// A row normalized into a lead, with the warnings about values kept unnormalized.
#[derive(Debug, Clone)]
pub struct RowLead {
    pub lead: Lead,
    pub warnings: Vec<FieldIssue>,
}

/// `POST /leads/import`'s body.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// A configured intake source's id, or a free label (`webinar-2026-12`), stored as the
    /// leads' source.
    pub source: String,
    /// One object per lead: `email`, `first_name`, `last_name`, `company`, `country`,
    /// `phone`, and any other field, which becomes an attribute.
    #[cfg_attr(feature = "openapi", schemars(with = "Vec<BTreeMap<String, Value>>"))]
    pub rows: Vec<Map<String, Value>>,
    /// The number of the first row, so the rows of a file sent in chunks keep their
    /// numbers in the answer (default 1).
    #[serde(default = "first_row")]
    pub first_row: usize,
    /// Spread the new leads' routing over this period (`90m`, `36h`, `2d`; at most `30d`)
    /// from `spread_from`: each is stored `scheduled` and routed at a time planned within
    /// the working hours of the reps the policy would send it to. Absent: routed at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<String>,
    /// Where the spread's period starts (default: now), so the chunks of one file share
    /// one period; nothing is planned before now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub spread_from: Option<Timestamp>,
}

fn first_row() -> usize {
    1
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RowResult {
    /// A new lead, handed to routing, or with `route_at` scheduled to be at that time.
    Created {
        row: usize,
        lead_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(
            feature = "openapi",
            schemars(with = "Option<switchboard_routing::schema::Timestamp>")
        )]
        route_at: Option<Timestamp>,
    },
    /// Already there: this row imported before (or twice in the batch), or another lead
    /// from the same address within the dedupe window. `lead_id` is the existing lead.
    Duplicate { row: usize, lead_id: String },
    /// Not stored; every problem is named.
    Refused {
        row: usize,
        problems: Vec<FieldIssue>,
    },
}

/// `POST /leads/import`'s answer: a result per row, in order, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Imported {
    pub rows: usize,
    pub created: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub results: Vec<RowResult>,
    /// With `spread`: how the new leads of this request were planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<SpreadSummary>,
}

/// Checks the request as a whole; a bad one is a 422 naming the field.
pub fn check(req: &ImportRequest) -> Result<(), AdminError> {
    if req.source.trim().is_empty() {
        return Err(AdminError::invalid_body("source", "must not be empty"));
    }
    if req.rows.len() > MAX_IMPORT_ROWS {
        return Err(AdminError::invalid_body(
            "rows",
            format!("at most {MAX_IMPORT_ROWS} rows per request; send the file in chunks"),
        ));
    }
    if req.first_row == 0 {
        return Err(AdminError::invalid_body("first_row", "rows count from 1"));
    }
    if req.spread_from.is_some() && req.spread.is_none() {
        return Err(AdminError::invalid_body(
            "spread_from",
            "only with `spread`",
        ));
    }
    Ok(())
}

/// Imports the rows. Fails as a whole only when the store does (rows before the failure
/// stay imported, and importing again finds them). `store` is read for a spread's plan
/// only (the active policy, the rows' accounts).
pub async fn import<S: PolicyStore + AccountDirectory>(
    intake: &dyn RowIntake,
    store: &S,
    req: &ImportRequest,
    now: Timestamp,
) -> Result<Imported, AdminError> {
    check(req)?;
    let period = req
        .spread
        .as_deref()
        .map(|s| Period::of(s, req.spread_from, now))
        .transpose()?;
    let source = req.source.trim();
    let window = intake.dedupe_window();
    let dedupe_since =
        (!window.is_zero()).then(|| now.saturating_sub(window).unwrap_or(Timestamp::MIN));
    let mut done = Imported {
        rows: req.rows.len(),
        created: 0,
        duplicates: 0,
        refused: 0,
        results: Vec::with_capacity(req.rows.len()),
        spread: period.map(SpreadSummary::new),
    };
    let normalized: Vec<_> = req
        .rows
        .iter()
        .map(|row| intake.normalize(source, row, now))
        .collect();
    // Every good row is planned, a row found stored too (its plan is simply not used),
    // so the plan depends on the rows alone, not on which of them were stored before.
    let planned = match period {
        Some(period) => {
            let leads: Vec<&Lead> = normalized
                .iter()
                .filter_map(|n| n.as_ref().ok().map(|n| &n.lead))
                .collect();
            Some(import_spread::plan(store, &leads, period).await?)
        }
        None => None,
    };
    let mut good = 0;
    for (i, (row, normalized)) in req.rows.iter().zip(normalized).enumerate() {
        let row_number = req.first_row + i;
        let normalized = match normalized {
            Ok(n) => n,
            Err(problems) => {
                done.refused += 1;
                done.results.push(RowResult::Refused {
                    row: row_number,
                    problems,
                });
                continue;
            }
        };
        let (route_at, target) = match &planned {
            Some(p) => (p.route_at[good], p.targets[good].as_deref()),
            None => (None, None),
        };
        good += 1;
        let new = NewLead {
            lead: normalized.lead,
            idempotency_key: row_key(source, row),
            key_expires_at: None,
            dedupe_since,
            warnings: normalized.warnings,
            raw: None,
            route_at,
            queued: false,
            // The key is a hash of the row, so a row under it has the same address.
            key_from_content: true,
        };
        let result = match intake.receive(new).await.map_err(AdminError::from_store)? {
            Insert::Created(record) if record.status != LeadStatus::Duplicate => {
                done.created += 1;
                if let Some(summary) = &mut done.spread {
                    summary.add(target, record.route_at);
                }
                RowResult::Created {
                    row: row_number,
                    lead_id: record.lead.id.to_string(),
                    route_at: record.route_at,
                }
            }
            // Stored before, or stored now as a same-email duplicate (never routed).
            Insert::Created(record) | Insert::Existing(record) => {
                done.duplicates += 1;
                RowResult::Duplicate {
                    row: row_number,
                    lead_id: primary(&record),
                }
            }
        };
        done.results.push(result);
    }
    Ok(done)
}

/// The lead a duplicate row stands for: the earlier lead a same-email duplicate links to,
/// else the stored lead itself.
fn primary(record: &StoredLead) -> String {
    record
        .duplicate_of
        .as_ref()
        .unwrap_or(&record.lead.id)
        .to_string()
}

/// `{source}:import:{sha256}` over the row's fields in name order, so the same row is the
/// same key whichever order a file's columns come in.
fn row_key(source: &str, row: &Map<String, Value>) -> String {
    let sorted: BTreeMap<&String, &Value> = row.iter().collect();
    let canonical = serde_json::to_vec(&sorted).unwrap_or_default();
    format!(
        "{source}:import:{}",
        hex::encode(Sha256::digest(&canonical))
    )
}
