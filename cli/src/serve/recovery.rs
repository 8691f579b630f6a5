//! The start-up scan: which stored leads still await routing. Their route requests were in
//! the previous process's in-memory queue (or never made it there, if it crashed between
//! storing and enqueueing), so the sweep re-drives them.
//!
//! The store's lead port has no query by status, so this reads the embedded store's file
//! directly, before the store opens it: the `leads` table (lead id → `StoredLead` as JSON),
//! the layout of `switchboard_store::embedded`. It costs one pass over every stored lead
//! per start. A port query for leads awaiting routing would replace it (and let the sweep
//! find such leads while running, and on DynamoDB through an index).

use std::path::Path;

use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableError};
use serde::Deserialize;
use switchboard_intake::store::ports::CLAIM_ID_PREFIX;
use switchboard_store::LeadStatus;

const LEADS: TableDefinition<'static, &'static str, &'static [u8]> = TableDefinition::new("leads");

/// What the scan found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Leads with status `received` or `queued`.
    pub awaiting: Vec<String>,
    /// Email claims left `received` by a crash between writing and marking them
    /// (see `switchboard_intake::store::ports`): to be set to `duplicate`.
    pub open_claims: Vec<String>,
}

/// Only the status is decoded.
#[derive(Deserialize)]
struct StatusOnly {
    status: LeadStatus,
}

pub fn scan(store_file: &Path) -> Result<Recovered, redb::Error> {
    let mut found = Recovered::default();
    if !store_file.exists() {
        return Ok(found);
    }
    let db = redb::Database::open(store_file)?;
    let txn = db.begin_read()?;
    let table = match txn.open_table(LEADS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(found),
        Err(e) => return Err(e.into()),
    };
    for row in table.iter()? {
        let (key, value) = row?;
        let id = key.value();
        let Ok(lead) = serde_json::from_slice::<StatusOnly>(value.value()) else {
            tracing::warn!(lead_id = id, "stored lead does not decode; not re-driven");
            continue;
        };
        match lead.status {
            LeadStatus::Received if id.starts_with(CLAIM_ID_PREFIX) => {
                found.open_claims.push(id.to_owned());
            }
            status if status.awaits_routing() && !id.starts_with(CLAIM_ID_PREFIX) => {
                found.awaiting.push(id.to_owned());
            }
            _ => {}
        }
    }
    Ok(found)
}
