//! What an admin operation can fail with. The HTTP mapping is in `problem.rs`; the
//! CLI's client maps problem documents back to these variants.

use serde::{Deserialize, Serialize};
use switchboard_store::StoreError;

/// One problem in a submitted document (a policy issue, a bad account row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyIssue {
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The submitted document is not valid; every issue is listed.
    #[error("{message}")]
    Invalid {
        message: String,
        issues: Vec<PolicyIssue>,
    },
    /// A query parameter with a value the route cannot take.
    #[error("{field}: {message}")]
    InvalidParameter { field: String, message: String },
    /// A request body field with a value the route cannot take (well-formed JSON of the
    /// right shape, but an empty name or too many rows).
    #[error("{field}: {message}")]
    InvalidBody { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    /// Someone else changed the same thing first; nothing was changed.
    #[error("{0}")]
    Conflict(String),
    /// The operation needs something this target does not have (the dead-letter queue
    /// outside a running server).
    #[error("{0}")]
    Unavailable(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The server answered with an error this client does not map to a variant above, or
    /// could not be reached.
    #[error("{0}")]
    Remote(String),
}

impl AdminError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AdminError::Invalid {
            message: message.into(),
            issues: Vec::new(),
        }
    }

    /// A request field with a value the operation cannot take.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AdminError::Invalid {
            message: format!("{field}: {message}"),
            issues: vec![PolicyIssue {
                path: field.to_owned(),
                message,
            }],
        }
    }

    /// A query parameter with a value the route cannot take (answered 422, naming it).
    pub fn invalid_param(field: &str, message: impl Into<String>) -> Self {
        AdminError::InvalidParameter {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A request body field with a value the route cannot take (answered 422, naming it).
    pub fn invalid_body(field: &str, message: impl Into<String>) -> Self {
        AdminError::InvalidBody {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Store conflicts and misses become their admin counterparts.
    pub fn from_store(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AdminError::Conflict(m),
            StoreError::NotFound(m) => AdminError::NotFound(m),
            other => AdminError::Store(other),
        }
    }
}
