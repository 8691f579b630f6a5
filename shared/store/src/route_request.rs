//! The routing queue's message: "route this stored lead". One definition for every sender
//! (intake, the sweeper, the local process) and the consumers (the router Lambda and the
//! local router workers).

use serde::{Deserialize, Serialize};
use switchboard_routing::LeadId;

/// DynamoDB limits a partition key to 2048 bytes and the lead's key is `LEAD#<id>`; ids
/// far below that are the only ones any producer makes (intake uses UUIDs).
pub const MAX_LEAD_ID_BYTES: usize = 1024;

/// A routing queue message.
///
/// Body: `{"lead_id": "<id>"}`. Intake sends it once the lead is stored, and the SLA
/// sweeper sends the same body to re-drive a lead stuck before routing; the router reads
/// everything else from the store, so a message never carries stale lead data. Readers
/// ignore fields they do not know, so a producer can add some without a lockstep deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRequest {
    pub lead_id: LeadId,
}

/// Why a routing queue message body is not a [`RouteRequest`]. Such a message is poison:
/// no redelivery can fix it.
#[derive(Debug, thiserror::Error)]
pub enum RouteRequestError {
    #[error("body is not a JSON object with a string `lead_id`: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("`lead_id` is empty")]
    EmptyLeadId,
    #[error("`lead_id` is {0} bytes long (at most {MAX_LEAD_ID_BYTES})")]
    LeadIdTooLong(usize),
}

impl RouteRequest {
    pub fn new(lead_id: impl Into<LeadId>) -> Self {
        RouteRequest {
            lead_id: lead_id.into(),
        }
    }

    pub fn parse(body: &str) -> Result<RouteRequest, RouteRequestError> {
        let request: RouteRequest = serde_json::from_str(body)?;
        if request.lead_id.trim().is_empty() {
            return Err(RouteRequestError::EmptyLeadId);
        }
        if request.lead_id.len() > MAX_LEAD_ID_BYTES {
            return Err(RouteRequestError::LeadIdTooLong(request.lead_id.len()));
        }
        Ok(request)
    }

    pub fn to_body(&self) -> String {
        serde_json::json!({ "lead_id": self.lead_id }).to_string()
    }
}
