//! [`CrmLinks`] on DynamoDB: one item per CRM record, `pk = CRM#<crm>#<record id>`,
//! `sk = CRM`, holding the lead's id; a plain put replaces the lead, a consistent get
//! reads it.

use jiff::Timestamp;
use switchboard_routing::LeadId;

use super::DynamoStore;
use super::codec::{self, get_s, s};
use super::errors;
use super::keys;
use crate::error::StoreResult;
use crate::ports::crm_links::CrmLinks;

impl CrmLinks for DynamoStore {
    async fn link_crm_record(
        &self,
        crm: &str,
        record_id: &str,
        lead_id: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        let item = codec::item(
            keys::crm_record(crm, record_id),
            [("lead_id", s(lead_id)), ("linked_at", s(at.to_string()))],
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| errors::backend("PutItem", e))?;
        Ok(())
    }

    async fn lead_of_crm_record(&self, crm: &str, record_id: &str) -> StoreResult<Option<LeadId>> {
        let Some(item) = self.get_item(keys::crm_record(crm, record_id)).await? else {
            return Ok(None);
        };
        Ok(Some(get_s(&item, "lead_id")?.into()))
    }
}
