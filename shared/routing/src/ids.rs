//! Typed identifiers passed between crates: a lead id, a rep id and a pool id are all
//! strings on the wire and in storage, but a function that takes a `RepId` cannot be
//! handed a lead id by mistake. Each serializes as its plain string, so stored records and
//! messages keep their format.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

string_id!(
    /// A lead's id, assigned at intake (a UUIDv7 unless the caller brings one).
    LeadId
);
string_id!(
    /// A rep's id as the policy document declares it.
    RepId
);
string_id!(
    /// A pool's id as the policy document declares it.
    PoolId
);
string_id!(
    /// An email address after intake's normalization (trimmed, lower-case, syntax-checked):
    /// the form dedupe and account matching compare.
    Email
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_their_plain_string() {
        let id = RepId::from("sarah");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"sarah\"");
        let back: RepId = serde_json::from_str("\"sarah\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(back, "sarah");
    }

    #[test]
    fn ids_look_up_string_keyed_maps_by_str() {
        let mut counts = std::collections::BTreeMap::<RepId, u32>::new();
        counts.insert(RepId::from("ana"), 2);
        assert_eq!(counts.get("ana"), Some(&2));
    }
}
