//! A deterministic generator of realistic, fictitious leads and accounts, so the
//! simulation and the docs run on a fresh clone with no data files.
//!
//! The same seed always gives the same data on every machine (own PRNG, bundled tz data).

mod accounts;
mod company;
mod leads;
pub mod markets;
pub mod prng;

pub use accounts::{DEFAULT_ACCOUNT_COUNT, demo_accounts};
pub use leads::{DEFAULT_START, LeadGenerator, demo_leads};
