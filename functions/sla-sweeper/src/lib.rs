//! The SLA sweeper Lambda function, invoked once a minute by EventBridge Scheduler.
//!
//! Each invocation is one [`switchboard_store::sweeper::sweep`] at the event's scheduled
//! time: expire the assignments whose accept deadline passed, route them again (notifying
//! the old and new rep, escalating after the policy's bounce limit) and re-drive leads
//! whose hand-off to the routing queue was lost. Once a day it checks instead the coverage
//! of the next day and publishes each gap as a `policy.coverage_gap` event. `main.rs` only wires configuration and
//! SDK clients; everything else is here and runs the same on the embedded store in tests.

pub mod aws;
pub mod config;
pub mod event;
pub mod handler;

pub use config::{Config, ConfigError};
pub use event::{Check, ScheduleEvent};
pub use handler::{CoverageChecked, Handler, Invocation};
