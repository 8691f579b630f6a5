//! [`CrmLinks`] on redb: `crm NUL record id` → `{"lead_id", "linked_at"}`. Opened on first
//! use, so store files made before links existed need no migration.

use jiff::Timestamp;
use redb::{ReadableDatabase, TableDefinition, TableError};
use serde::{Deserialize, Serialize};
use switchboard_routing::LeadId;

use super::EmbeddedStore;
use super::tables::{db_err, get_json, put_json};
use crate::error::StoreResult;
use crate::ports::crm_links::CrmLinks;

const CRM_RECORDS: TableDefinition<'static, &'static str, &'static [u8]> =
    TableDefinition::new("crm_records");

fn key(crm: &str, record_id: &str) -> String {
    format!("{crm}\0{record_id}")
}

#[derive(Serialize, Deserialize)]
struct Link {
    lead_id: LeadId,
    linked_at: Timestamp,
}

impl CrmLinks for EmbeddedStore {
    async fn link_crm_record(
        &self,
        crm: &str,
        record_id: &str,
        lead_id: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        let k = key(crm, record_id);
        let link = Link {
            lead_id: lead_id.into(),
            linked_at: at,
        };
        self.write(move |txn| {
            let mut table = txn.open_table(CRM_RECORDS).map_err(db_err)?;
            put_json(&mut table, &k, &link)
        })
        .await
    }

    async fn lead_of_crm_record(&self, crm: &str, record_id: &str) -> StoreResult<Option<LeadId>> {
        let k = key(crm, record_id);
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let table = match txn.open_table(CRM_RECORDS) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(db_err(e)),
            };
            Ok(get_json::<Link>(&table, &k)?.map(|l| l.lead_id))
        })
    }
}
