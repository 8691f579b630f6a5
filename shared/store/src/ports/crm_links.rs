//! Which lead a CRM record belongs to: the CRM write-back records the id of the record it
//! found or created for a lead, so an event the CRM sends about that record (a touch, an
//! owner changed by hand) finds the lead again.

use std::future::Future;

use jiff::Timestamp;
use switchboard_routing::LeadId;

use crate::error::StoreResult;

/// The CRM names links are kept under; the write-back and the touch webhooks use these.
pub const HUBSPOT: &str = "hubspot";
pub const SALESFORCE: &str = "salesforce";

/// CRM record → lead links.
///
/// Contract:
/// - [`link_crm_record`](CrmLinks::link_crm_record) sets the record's lead, replacing the
///   lead it named before: the same person filling in a form again is a new lead written
///   to the same record, and the newest lead is the one the CRM's events are about. Linking
///   the same lead again is `Ok` and changes nothing that is read back.
/// - [`lead_of_crm_record`](CrmLinks::lead_of_crm_record) reads it back (`None` for a record
///   never linked). Reads are strongly consistent. `crm` and `record_id` are matched
///   exactly (record ids are case-sensitive in Salesforce).
pub trait CrmLinks: Send + Sync {
    fn link_crm_record(
        &self,
        crm: &str,
        record_id: &str,
        lead_id: &str,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn lead_of_crm_record(
        &self,
        crm: &str,
        record_id: &str,
    ) -> impl Future<Output = StoreResult<Option<LeadId>>> + Send;
}
