//! Replaying leads through the routing engine with simulated state, and the report of the
//! run: pure (no I/O, no clock), shared by `switchboard simulate` and the admin API's
//! what-if (`POST /v1/admin/policy/whatif`).
//!
//! Leads are decided in `received_at` order against one evolving [`switchboard_routing::Snapshot`]: every
//! decision's state change is applied, and every assignment is closed again after a fixed
//! working time, so open-lead caps fill and free up the way they do in production.

pub mod backtest;
pub mod ceiling;
pub mod planted;
mod replay;
mod report;
pub mod stats;
mod tally;

pub use replay::{Simulation, SimulationRun};
pub use report::{
    AccountsSummary, GradeRow, OutcomeSummary, ParkRow, PoolRepRow, PoolReport, RepRow, Report,
    RuleRow, ScoreSummary,
};

/// Normalizes leads read from a file as intake would have stored them (country names to
/// ISO codes, the email's registrable domain, phone numbers, company names; see
/// `switchboard_normalize::contact::renormalize`), so a replay routes them as production
/// does. Answers how many leads had an email intake would have refused.
pub fn normalize_leads<'a>(
    leads: impl IntoIterator<Item = &'a mut switchboard_routing::Lead>,
) -> u64 {
    let mut refused = 0;
    for lead in leads {
        if !switchboard_normalize::contact::renormalize(lead)
            .errors
            .is_empty()
        {
            refused += 1;
        }
    }
    refused
}

/// How long a simulated rep works a lead before it is closed, unless told otherwise.
pub const DEFAULT_WORK_TIME: &str = "4h";
