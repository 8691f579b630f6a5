//! Switchboard's notifier: reads notify messages (`switchboard_store::NotifyMessage`),
//! picks the channels configured for the addressee (a rep, a manager) or the lead's pool,
//! and tells them over Slack, Microsoft Teams, email (Amazon SES), a signed webhook or the
//! log. A delivery record per assignment, kind and channel keeps a redelivered message
//! from reaching a channel twice; a failed channel fails the message so the queue retries
//! it (and finally parks it in the dead-letter queue).
//!
//! The configuration, the messages and the webhook signature are described in
//! `docs/NOTIFICATIONS.md`.

pub mod account_sync;
#[cfg(feature = "aws")]
pub mod aws;
pub mod channels;
pub mod config;
#[cfg(feature = "aws")]
pub mod handler;
pub use switchboard_http::client as http;
pub mod note;
pub mod notifier;
#[cfg(feature = "aws")]
pub mod scheduled;
/// Secret references, shared with intake's touch webhooks.
pub use switchboard_http::secrets;
pub mod setup;

pub use config::{ConfigError, NotifyConfig, Origin};
pub use notifier::{Clock, Notified, Notifier, NotifyError};
pub use setup::{Setup, SetupError};

/// The Lambda event and response types, for callers building batches (tests, tools).
#[cfg(feature = "aws")]
pub use switchboard_lambda::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

/// An error with its whole cause chain (the SDKs' `Display` shows only the top).
#[cfg(feature = "aws")]
pub(crate) use switchboard_store::describe;
