//! What every Switchboard Lambda function shares, so each `main.rs` is a list of wiring
//! and each handler is "parse, call the service":
//!
//! - [`init_tracing`]: one line per event for CloudWatch, JSON when the function's log
//!   format is JSON, the level from `RUST_LOG` or Lambda's log level;
//! - [`env`]: settings from the environment, trimmed, with one error type;
//! - [`sdk_config`]: the AWS SDK configuration from the variables Lambda sets;
//! - [`run_batch`]: an SQS batch with a deadline, per-message parsing, poison vs retry,
//!   and partial batch failures;
//! - [`run`]: the runtime loop, with each invocation's deadline;
//! - [`metrics`]: CloudWatch metrics as Embedded Metric Format lines on stdout;
//! - [`secrets`]: the SSM and Secrets Manager lookups of secret references;
//! - [`DecisionCount`]: what a routing outcome counts for, shared with `switchboard serve`.

mod decision_count;
pub mod env;
mod logging;
pub mod metrics;
mod runtime;
mod sdk;
pub mod secrets;
mod sqs;

pub use decision_count::{DecisionCount, OWNER_POOL};
pub use env::{EnvError, Vars, lookup_in};
pub use logging::{LogSettings, init_tracing, init_with};
pub use metrics::MetricLine;
pub use runtime::{RuntimeError, deadline_instant, run};
pub use sdk::{sdk_config, sdk_config_from};
pub use sqs::{BatchError, Deadline, Message, MessageFailure, run_batch};

/// The Lambda event and response types of SQS batches.
pub use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
