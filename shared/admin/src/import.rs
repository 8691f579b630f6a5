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

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use switchboard_routing::Lead;
use switchboard_store::{FieldIssue, Insert, LeadStatus, NewLead, StoreError, StoredLead};

use crate::error::AdminError;

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
}

fn first_row() -> usize {
    1
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RowResult {
    /// A new lead, handed to routing.
    Created { row: usize, lead_id: String },
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
    Ok(())
}

/// Imports the rows. Fails as a whole only when the store does (rows before the failure
/// stay imported, and importing again finds them).
pub async fn import(
    intake: &dyn RowIntake,
    req: &ImportRequest,
    now: Timestamp,
) -> Result<Imported, AdminError> {
    check(req)?;
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
    };
    for (i, row) in req.rows.iter().enumerate() {
        let row_number = req.first_row + i;
        let normalized = match intake.normalize(source, row, now) {
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
        let new = NewLead {
            lead: normalized.lead,
            idempotency_key: row_key(source, row),
            key_expires_at: None,
            dedupe_since,
            warnings: normalized.warnings,
            raw: None,
        };
        let result = match intake.receive(new).await.map_err(AdminError::from_store)? {
            Insert::Created(record) if record.status != LeadStatus::Duplicate => {
                done.created += 1;
                RowResult::Created {
                    row: row_number,
                    lead_id: record.lead.id.to_string(),
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
