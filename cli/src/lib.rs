//! Library side of the `switchboard` command: reading and writing lead, account and state
//! files, the demo data generator, the simulation replay and its report, and text rendering.
//! The binary's commands are thin wrappers over these modules, so other front ends (the
//! local server, admin endpoints) can reuse them.

pub mod admin;
pub mod bench;
pub mod demo;
pub mod formats;
pub mod http_client;
pub mod policy_file;
pub mod render;
pub mod serve;
/// The replay and its report live in `switchboard-simulation`, shared with the admin API's
/// what-if; this name keeps `switchboard_cli::simulation` for the command and its tests.
pub use switchboard_simulation as simulation;
