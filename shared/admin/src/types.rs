//! What admin operations return (and the admin routes send as JSON).

use serde::{Deserialize, Serialize};
use switchboard_routing::policy::lint::Finding;
use switchboard_routing::{DecisionRecord, LeadId};
use switchboard_store::{ActivePolicy, Assignment, DeliveryFailure, PolicySummary, StoredLead};

/// The result of `policy apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyApplied {
    pub version: u64,
    /// The version it replaced as the active one.
    pub previous: Option<u64>,
    pub warnings: Vec<crate::PolicyIssue>,
    /// What the static checks found (shadowed rules, unreachable pools, ...), warnings
    /// first; docs/POLICY.md lists the codes.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// The result of checking a draft: it would be accepted, with these warnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyChecked {
    pub valid: bool,
    pub warnings: Vec<crate::PolicyIssue>,
    /// What the static checks found, as for an applied version.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// Every stored version and which one is active.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyHistory {
    pub active: Option<ActivePolicy>,
    pub versions: Vec<PolicySummary>,
}

/// A stored lead with its routing: the assignment and every decision, oldest first, and
/// the CRM writes that failed and have not succeeded since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LeadReport {
    pub lead: StoredLead,
    pub assignment: Option<Assignment>,
    pub decisions: Vec<DecisionRecord>,
    /// Each CRM write-back of the lead's assignments that failed, by assignment and
    /// channel, with the CRM's reason (a validation rule, a required field); gone once the
    /// write succeeds. Absent from servers older than this field.
    #[serde(default)]
    pub delivery_failures: Vec<DeliveryFailure>,
}

/// One dead letter. `lead_id` is read from the body when it is a route request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DeadLetterView {
    pub id: String,
    pub lead_id: Option<LeadId>,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Redriven {
    pub moved: usize,
}
