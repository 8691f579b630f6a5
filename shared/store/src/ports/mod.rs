//! The narrow ports routing needs. Each trait documents its atomicity and idempotency
//! contract; every adapter must keep it (the contract tests check both backends).

pub mod accounts;
pub mod audit;
pub mod crm_links;
pub mod deliveries;
pub mod enrichment;
pub mod events;
pub mod lead_index;
pub mod leads;
pub mod outcomes;
pub mod policies;
pub mod queue;
pub mod routing;
pub mod scheduled;
pub mod shadow;
pub mod sync_marks;
