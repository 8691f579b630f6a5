//! Replaying leads through the routing engine with simulated state, and the report of the
//! run: pure (no I/O, no clock), shared by `switchboard simulate` and the admin API's
//! what-if (`POST /v1/admin/policy/whatif`).
//!
//! Leads are decided in `received_at` order against one evolving [`switchboard_routing::Snapshot`]: every
//! decision's state change is applied, and every assignment is closed again after a fixed
//! working time, so open-lead caps fill and free up the way they do in production.

mod replay;
mod report;
mod tally;

pub use replay::{Simulation, SimulationRun};
pub use report::{
    AccountsSummary, GradeRow, OutcomeSummary, ParkRow, PoolRepRow, PoolReport, RepRow, Report,
    RuleRow, ScoreSummary,
};

/// How long a simulated rep works a lead before it is closed, unless told otherwise.
pub const DEFAULT_WORK_TIME: &str = "4h";
