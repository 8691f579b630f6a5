//! Admin operations on a Switchboard data store: policy versions, accounts, lead lookups
//! and the dead-letter queue.
//!
//! The same operations run in two places: directly on the embedded store when no server
//! holds it ([`LocalAdmin`]), and inside `switchboard serve`, whose admin routes call them
//! and whose [`RemoteAdmin`] client the commands use while a server runs (the embedded
//! store is one file that one process opens at a time). Both return the types here, so a
//! command prints the same thing either way. On a deployment the same client talks to the
//! stack's admin API over HTTPS (a JWT, or SigV4 with IAM credentials); [`AwsAdmin`] runs
//! the operations on its DynamoDB table and SQS queues directly.

mod aws;
mod client;
mod deployment;
mod direct;
mod local;
mod target;

pub use aws::{AwsAdmin, AwsTarget};
pub use client::RemoteAdmin;
pub use local::LocalAdmin;
pub use switchboard_admin::{
    AdminError, DeadLetterView, LeadReport, PolicyApplied, PolicyHistory, PolicyIssue, Redriven,
    ops,
};
pub use target::{Admin, STORE_FILE, open_store, open_store_with_cache};
