//! Human-readable output: aligned text tables, the simulation report, explained decisions.

pub mod coverage;
pub mod decision;
pub mod findings;
pub mod health;
pub mod lead;
pub mod names;
pub mod report;
pub mod table;
