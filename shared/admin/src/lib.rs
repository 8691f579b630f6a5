//! The admin API: policy versions, accounts, leads, reps and dead letters, as one axum
//! router over the storage ports ([`router`]). The local process serves it over the
//! embedded store and its in-process queue; the intake Lambda serves it over DynamoDB and
//! SQS. Callers come with a [`Role`]: a viewer reads everything and changes nothing; an
//! admin changes too. How a caller is recognized belongs to the runtime (tokens locally,
//! the HTTP API's JWT authorizer on AWS): it puts a [`Caller`] in the request's extensions
//! before the router sees it.
//!
//! [`ops`] holds each operation once; the routes and the CLI's direct-store commands both
//! call it.

mod audit;
mod caller;
pub mod coverage;
mod diff;
mod error;
mod health;
pub mod import;
pub mod import_spread;
mod lead_filter;
mod leads;
mod me;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod ops;
pub mod outcome_estimates;
pub mod outcomes;
mod problem;
mod reps;
mod route_table;
mod routes;
pub mod shadow;
mod triage;
mod types;
mod whatif;
mod window;

pub use audit::{AuditList, Change};
pub use caller::authorize;
pub use caller::{Caller, Role, TokenAuth};
pub use diff::{Changes, FieldChange, ItemChange, Moved, PolicyDiff, diff};
pub use error::{AdminError, PolicyIssue};
pub use health::health;
pub use import::{
    ImportRequest, Imported, MAX_IMPORT_ROWS, Received, RowIntake, RowLead, RowResult,
};
pub use import_spread::{SpreadSummary, TargetPlan};
pub use lead_filter::{LEAD_FILTERS, LeadFilter};
pub use leads::{LeadSummary, MAX_PAGE, Page, TriageItem, cursor, page_limit, received, triage};
pub use problem::problem;
pub use reps::{Away, RepView};
pub use route_table::{ADMIN_ROUTES, AdminRoute, RouteId, Verb};
pub use routes::{AdminState, AdminStore, PREFIX, router, router_at};
pub use triage::{
    AssignOrder, AssignedByHand, MAX_REROUTE, RerouteFilter, Rerouted, assign, reroute_matching,
    reroute_one,
};
pub use types::{
    DeadLetterView, LeadReport, PolicyApplied, PolicyChecked, PolicyHistory, Redriven,
};
pub use whatif::{MAX_WHATIF_LEADS, WhatIf, WhatIfRequest, what_if};
pub use window::{DEFAULT_SINCE, duration, window};
