//! Settings from the environment, read through a lookup function so tests pass a map
//! instead of mutating the process environment.

/// Reads the process environment; the lookup every function passes in production.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("environment variable {0} is not set or empty")]
    Missing(&'static str),
    #[error("environment variable {name}: {why}")]
    Invalid { name: &'static str, why: String },
}

/// Variables looked up by name. Values are trimmed, and an empty (or blank) value counts
/// as unset: a template that writes `""` for an optional setting means "not set".
pub struct Vars<L> {
    lookup: L,
}

impl<L: Fn(&str) -> Option<String>> Vars<L> {
    pub fn new(lookup: L) -> Self {
        Vars { lookup }
    }

    /// The trimmed value, or [`EnvError::Missing`].
    pub fn required(&self, name: &'static str) -> Result<String, EnvError> {
        self.optional(name).ok_or(EnvError::Missing(name))
    }

    /// The trimmed value, if set and not blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> Vars<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Vars::new(move |k: &str| map.get(k).cloned())
    }

    #[test]
    fn values_are_trimmed() {
        let v = vars(&[("A", "  value \n")]);
        assert_eq!(v.required("A").unwrap(), "value");
        assert_eq!(v.optional("A").as_deref(), Some("value"));
    }

    #[test]
    fn unset_and_blank_are_missing() {
        let v = vars(&[("BLANK", "  ")]);
        assert_eq!(v.required("UNSET"), Err(EnvError::Missing("UNSET")));
        assert_eq!(v.required("BLANK"), Err(EnvError::Missing("BLANK")));
        assert_eq!(v.optional("BLANK"), None);
        assert_eq!(
            EnvError::Missing("BLANK").to_string(),
            "environment variable BLANK is not set or empty"
        );
    }
}
