//! Policy errors: a path into the document plus a message, so editors can point at the line.

use std::fmt;

use serde::Serialize;

/// One problem found in a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Path into the document, e.g. `rules[2].fallbacks[0]`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not a policy document (YAML syntax or shape).
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    /// The document parsed but means something invalid.
    #[error("policy has {} error(s):\n{}", .0.len(), list(.0))]
    Invalid(Vec<Issue>),
}

impl PolicyError {
    /// All issues, a parse error counting as one.
    pub fn issues(&self) -> Vec<Issue> {
        match self {
            PolicyError::Parse { path, message } => vec![Issue {
                path: path.clone(),
                message: message.clone(),
            }],
            PolicyError::Invalid(v) => v.clone(),
        }
    }
}

fn list(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| format!("  - {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}
