//! Switchboard's storage layer: the narrow ports routing needs, the admin audit log,
//! [`Router`] (read, decide, apply, retry on conflict), and two sets of adapters:
//!
//! - [`embedded`]: a durable redb store, an in-process queue with SQS semantics and an
//!   in-memory event publisher, for the local process and fast tests;
//! - [`aws`] (feature `aws`, on by default): DynamoDB, SQS and EventBridge.
//!
//! Both store adapters keep the same contract, checked by one contract test suite. The
//! data model and the write pattern per decision are in `docs/DATA-MODEL.md`.

pub mod action_link;
pub mod actions;
mod after_routing;
pub mod apply;
#[cfg(feature = "aws")]
pub mod aws;
pub mod coverage;
pub mod embedded;
pub mod enrichment;
mod error;
mod notify_message;
pub mod packed;
mod policy_cache;
pub mod ports;
pub mod report_facts;
mod route_request;
mod router;
pub mod sweeper;

pub use after_routing::{AfterRoutingError, Done, after_routing};
pub use apply::Apply;
pub use error::{StoreError, StoreResult, describe};
pub use notify_message::{NotifyKind, NotifyMessage};
pub use policy_cache::CompiledPolicies;
pub use ports::accounts::{AccountDirectory, ImportSummary};
pub use ports::audit::{AuditCursor, AuditEntry, AuditLog, AuditPage, MAX_ENTRY_BYTES};
pub use ports::crm_links::CrmLinks;
pub use ports::deliveries::{DeliveryFailure, DeliveryKey, DeliveryLog};
pub use ports::enrichment::{CachedAnswer, EnrichmentCache, month_of};
pub use ports::events::{DomainEvent, EVENT_SOURCE, EventPublisher, NoEvents, lead_received};
pub use ports::lead_index::{CursorError, LeadCursor, LeadIndex, LeadList, LeadPage};
pub use ports::leads::{
    EmailEntry, FieldIssue, Insert, LeadStatus, LeadStore, NewLead, PendingInsert, RawEncoding,
    RawPayload, StoredLead, email_key,
};
pub use ports::outcomes::{OutcomeRecord, OutcomeStore, Recounted, counts_as_won};
pub use ports::policies::{ActivePolicy, PolicyStore, PolicySummary, PolicyVersion};
pub use ports::queue::{DeadLetter, Outbox, Received, WorkQueue};
pub use ports::routing::{
    Applied, Assignment, AssignmentStatus, CloseOutcome, LeadRouting, ReleaseOutcome, RoutingState,
    RoutingView,
};
pub use ports::scheduled::ScheduledLeads;
pub use ports::sync_marks::SyncMarks;
pub use route_request::{MAX_LEAD_ID_BYTES, RouteRequest, RouteRequestError};
pub use router::{RetryPolicy, RouteError, Routed, Router};
