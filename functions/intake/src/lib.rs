//! Switchboard intake: the HTTPS front door for leads.
//!
//! Form providers (Typeform, HubSpot, Webflow, Tally, Calendly, Jotform, Gravity Forms,
//! Zapier/Make, plain HTML forms, Web-to-Lead posts) and API clients POST submissions here.
//! Each request is checked against its source's secret over the raw bytes, parsed with the
//! provider's documented format, normalized into a [`switchboard_routing::Lead`],
//! deduplicated, stored, and only then handed on for routing.
//!
//! The whole HTTP surface is one [`axum::Router`] built by [`router`]; the Lambda binary
//! serves it through `lambda_http`, with the admin API and the admin console beside it
//! ([`lambda_app`]), and a local process can serve the same router on a TCP listener.
//!
//! ```text
//! request ─► body (size cap) ─► source lookup ─► signature/token ─► decode (JSON, form,
//!            multipart) ─► provider parser ─► normalize ─► idempotency key ─► store
//!            (one atomic insert-if-absent with the email dedupe, `switchboard_store`'s
//!            `LeadStore`) ─► enqueue ─► 202 answer
//! ```

pub mod actions;
pub mod admin;
pub mod auth;
pub mod aws;
pub mod body;
pub mod booking;
pub mod clock;
pub mod config;
pub mod console;
pub mod error;
pub mod export;
pub mod idempotency;
pub mod import;
pub mod intake;
pub mod normalize;
pub mod openapi;
pub mod problem;
pub mod providers;
pub mod reception;
pub mod routes;
pub mod signature;
pub mod state;
pub mod touches;

pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{ConfigError, GenericAuth, IntakeConfig, ProviderKind, Secret, SourceConfig};
pub use error::{FieldIssue, IntakeError};
pub use reception::{PortReception, Reception};
pub use routes::{lambda_app, router};
pub use state::IntakeState;

/// Largest request body accepted, in bytes (256 KiB). Larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
