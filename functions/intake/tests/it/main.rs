//! Integration tests for the intake router, in one binary so they link once.

mod actions;
mod common;
mod dedupe;
mod errors;
mod http_server;
mod lambda;
mod normalization;
mod openapi;
mod props;
mod providers;
mod touches;
