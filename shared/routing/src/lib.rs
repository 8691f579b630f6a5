//! Switchboard's routing engine: pure, synchronous, and free of I/O.
//!
//! The caller passes the lead, the matched account, a snapshot of routing state and the
//! clock; the engine returns an explained [`Decision`] and the exact [`StateChange`] that
//! storage must apply atomically (with the preconditions it was decided under).

pub mod account;
pub mod by_hand;
pub mod condition;
pub mod coverage;
pub mod decision;
mod engine;
pub mod enrichment;
pub mod fit;
pub mod hours;
pub mod ids;
pub mod lead;
pub mod policy;
pub mod record;
pub mod recycle;
pub mod report;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod score;
pub mod sla;
pub mod spread;
pub mod state;

pub use account::{
    Account, AccountIndex, AccountLookup, MatchedBy, match_account, normalize_company_name,
};
pub use decision::{Decision, Outcome, ParkReason, Skip, StateChange, Verdict};
pub use engine::{DecideInput, RepNow, decide, rep_now};
pub use ids::{Email, LeadId, PoolId, RepId};
pub use lead::{Lead, Scalar};
pub use policy::{CompiledPolicy, PolicyDocument, PolicyError, StrategyKind};
pub use record::DecisionRecord;
pub use state::{AwayStatus, PoolRecord, RepState, Snapshot, WindowCount};
