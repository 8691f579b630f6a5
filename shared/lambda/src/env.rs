//! Settings from the environment, read through a lookup function so tests pass a map
//! instead of mutating the process environment.

use std::collections::HashMap;

use jiff::SignedDuration;

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

    /// A positive duration such as `15m` or `90s`; `default` when unset.
    pub fn duration(
        &self,
        name: &'static str,
        default: SignedDuration,
    ) -> Result<SignedDuration, EnvError> {
        let Some(value) = self.optional(name) else {
            return Ok(default);
        };
        match value.parse::<SignedDuration>() {
            Ok(d) if d > SignedDuration::ZERO => Ok(d),
            _ => Err(EnvError::Invalid {
                name,
                why: format!("`{value}` is not a positive duration like `15m`"),
            }),
        }
    }
}

/// A fixed environment of `(name, value)` pairs, for tests and tools that read settings
/// without touching the process environment.
pub fn lookup_in(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars<impl Fn(&str) -> Option<String>> {
        Vars::new(lookup_in(pairs))
    }

    #[test]
    fn durations_are_positive_with_a_default() {
        let v = vars(&[("D", "90s"), ("NEG", "-5m"), ("BAD", "soon")]);
        let default = SignedDuration::from_mins(15);
        assert_eq!(v.duration("D", default), Ok(SignedDuration::from_secs(90)));
        assert_eq!(v.duration("UNSET", default), Ok(default));
        for name in ["NEG", "BAD"] {
            assert!(matches!(
                v.duration(name, default),
                Err(EnvError::Invalid { name: n, .. }) if n == name
            ));
        }
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
