//! Switchboard's router function: reads routing messages from SQS, routes each lead with
//! the store's `Router` (read, decide, one atomic write, retry on conflict; it also
//! publishes `lead.assigned` / `lead.parked`), enqueues the rep's notification, and
//! reports every message it did not finish as a batch item failure.
//!
//! The message formats, the failure handling and the AWS calls per lead are described in
//! `docs/ROUTER.md`.

pub mod aws;
pub mod config;
mod error;
mod handler;
mod message;
mod notify;
mod parked;

pub use config::{Config, ConfigError};
pub use error::{BatchError, MessageError};
pub use handler::{Clock, DEFAULT_DEADLINE_MARGIN, Done, Handler};
pub use message::{BodyError, Notification, RouteRequest};
pub use notify::NotifyQueue;

/// The Lambda event and response types, for callers building batches (tests, tools).
pub use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
