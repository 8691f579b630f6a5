//! Switchboard's router function: reads routing messages from SQS, routes each lead with
//! the store's `Router` (read, decide, one atomic write, retry on conflict; it also
//! publishes `lead.assigned` / `lead.parked`), finishes what routing implies with the
//! store's `after_routing` (the rep's notification, the event of a lead parked earlier),
//! and reports every message it did not finish as a batch item failure.
//!
//! The message formats, the failure handling and the AWS calls per lead are described in
//! `docs/ROUTER.md`.

pub mod aws;
pub mod config;
mod error;
mod handler;
mod message;
pub mod metrics;

pub use config::{Config, ConfigError};
pub use error::{BatchError, MessageError};
pub use handler::{Clock, DEFAULT_DEADLINE_MARGIN, Handler};
pub use message::{BodyError, Notification, RouteRequest};
pub use switchboard_store::Done;

/// The Lambda event and response types, for callers building batches (tests, tools).
pub use switchboard_lambda::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
