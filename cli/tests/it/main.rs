//! Integration tests: run the built `switchboard` binary as a user would.

mod admin_api_client;
mod aws_admin;
mod common;
mod console;
mod crm_sync;
mod demo;
mod explain;
mod exposition;
mod help;
mod lead_import;
mod log_privacy;
mod openapi;
mod policy;
mod reliability_crash;
mod reliability_fuzz;
mod reliability_slow;
mod serve;
mod serve_edges;
mod serve_inprocess;
mod serve_metrics;
mod serve_notify;
mod serve_sla;
mod server;
mod simulate;
mod webdriver;
