//! The one error type of every port.

/// Why a storage call failed.
///
/// [`StoreError::Conflict`] is the only variant a caller is expected to handle by re-reading
/// and trying again: it means a precondition no longer held and nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition of the write did not hold (stale counter, pool version, lead status, an
    /// existing item). The write was not applied, not even in part.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The item the call operates on does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request or a stored item is malformed (a bug, or data written by something else).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The backend failed (I/O, network, throttling). The write may be retried as a whole.
    #[error("{message}")]
    Backend {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    pub fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: None,
        }
    }

    pub fn backend_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Invalid(format!("stored JSON does not decode: {e}"))
    }
}

impl From<crate::packed::UnpackError> for StoreError {
    fn from(e: crate::packed::UnpackError) -> Self {
        StoreError::Invalid(format!("stored value does not unpack: {e}"))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An error with its whole cause chain, `: `-separated: the SDK's (and hyper's) `Display`
/// shows only the top ("dispatch failure", "client error (Connect)"), and the cause is what
/// an operator needs.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
