//! The pieces every test suite of the workspace needs, written once: names no other test
//! uses, the instants the fixtures are pinned to, temporary embedded stores, policy activation, queue draining, and (feature
//! `aws`) the moto harness with its skip rule, tables, queues, buses and queue draining,
//! and a proxy that injects AWS faults in front of it.

mod clock;
mod names;
mod policy;
mod queue;
mod record;
mod temp;

#[cfg(feature = "aws")]
pub mod fault_proxy;
#[cfg(feature = "aws")]
pub mod moto;

pub use clock::{monday, ts};
pub use names::unique;
pub use policy::{activate, policy_doc};
pub use queue::drain_queue;
pub use record::{assigned, decision_record};
pub use temp::{embedded_store, scratch_dir, temp_db};

/// Says a test was skipped and why, on stderr past the test harness's output capture, so
/// a skip is visible in a normal `cargo test` run instead of looking like a pass.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}
