//! The pieces every Switchboard HTTP surface shares (intake's routes, the admin API, the
//! local process's own routes), so each is written once:
//!
//! - [`problem`]: RFC 9457 problem documents, the one table of statuses, and the edge
//!   middleware that turns the framework's own refusals into problem documents;
//! - [`body`]: JSON request bodies read strictly, refused as a 422 naming the field;
//! - [`headers`]: the headers every answer carries;
//! - [`credentials`]: secrets compared in constant time and the API key a request presents;
//! - [`secrets`]: `env:`, `ssm:` and `secretsmanager:` references in configurations;
//! - `client` (feature `client`): the outbound HTTPS client, and `enricher` over it: the
//!   lead enrichment provider.

pub mod body;
#[cfg(feature = "client")]
pub mod client;
pub mod credentials;
#[cfg(feature = "client")]
pub mod enricher;
pub mod headers;
pub mod problem;
pub mod secrets;

pub use body::json_body;
pub use credentials::{Secret, presented_api_key};
pub use problem::{PROBLEM_JSON, Problem, ProblemType, problem_edge};
