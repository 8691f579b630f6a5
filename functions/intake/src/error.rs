//! The one error type every intake step returns. Its HTTP mapping lives in
//! [`crate::problem`], and nowhere else.

use switchboard_store::StoreError;

use crate::auth::AuthError;

/// Field problems are stored on leads as warnings, so the type is the store's.
pub use switchboard_store::FieldIssue;

/// Everything that can stop a request.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Unknown source, missing or wrong credentials, bad signature, stale timestamp.
    #[error("{0}")]
    Unauthorized(#[from] AuthError),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("content type `{received}` is not accepted by this source; send {expected}")]
    UnsupportedMediaType {
        received: String,
        expected: &'static str,
    },
    /// The body cannot be read as the provider's format, or a field is clearly invalid.
    #[error("the payload is not valid")]
    Invalid(Vec<FieldIssue>),
    /// Readable, but there is no way to contact the lead.
    #[error("the lead has neither an email address nor a phone number")]
    MissingContact(Vec<FieldIssue>),
    #[error("no lead with this id")]
    LeadNotFound,
    /// A rep action named a rep the account directory does not know.
    #[error("no rep with this id")]
    RepNotFound,
    #[error("no such route")]
    RouteNotFound,
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    /// The store failed; the sender should retry.
    #[error("the lead store is unavailable")]
    Store(#[from] StoreError),
    /// Valid credentials without the right to this action (another rep's key).
    #[error("{0}")]
    Forbidden(String),
    /// A rep action that changed nothing because the assignment is not as the action
    /// assumed; `code` is the answer's result (`moved_on`, `not_yours`, ...).
    #[error("{message}")]
    ActionRefused { code: &'static str, message: String },
    /// A rep action kept losing races (or the routing store failed); retry shortly.
    #[error("{0}")]
    ActionUnavailable(String),
}

impl IntakeError {
    /// A 400 with a single field issue.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        IntakeError::Invalid(vec![FieldIssue::new(field, message)])
    }
}
