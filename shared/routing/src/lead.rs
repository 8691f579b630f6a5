//! The lead as the engine sees it: normalized contact fields plus arbitrary attributes.
//!
//! Normalization (ISO country codes, E.164 phones, registrable domains) happens at intake;
//! the engine only relies on the invariants documented on each field.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{Email, LeadId};

/// A scalar value of a lead attribute or a condition operand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl Scalar {
    /// The value as text, for string operators. Numbers and booleans are not coerced.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Scalar::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a number; numeric text (as form providers often send) also counts.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => Some(*n),
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Bool(_) => None,
        }
    }
}

impl From<&str> for Scalar {
    fn from(s: &str) -> Self {
        Scalar::Text(s.to_owned())
    }
}
impl From<String> for Scalar {
    fn from(s: String) -> Self {
        Scalar::Text(s)
    }
}
impl From<f64> for Scalar {
    fn from(n: f64) -> Self {
        Scalar::Number(n)
    }
}
impl From<bool> for Scalar {
    fn from(b: bool) -> Self {
        Scalar::Bool(b)
    }
}

/// A normalized inbound lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Lead {
    /// Stable lead id assigned at intake (idempotent per submission).
    pub id: LeadId,
    /// When intake accepted the lead; simulations replay in this order.
    #[serde(default = "epoch")]
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub received_at: Timestamp,
    /// The configured source the lead came from (e.g. `typeform-demo-form`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Trimmed, lower-cased, syntax-checked address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Registrable domain of the email (public suffix list), lower-case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
    /// True when the email is at a free-mail provider (gmail.com, ...).
    #[serde(default)]
    pub free_mail: bool,
    /// E.164 phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2, upper-case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Company name after cleanup (legal suffixes and extra whitespace removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Everything else the form sent, by field name (e.g. `employees`, `industry`, `language`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Scalar>,
}

fn epoch() -> Timestamp {
    Timestamp::UNIX_EPOCH
}

impl Lead {
    /// A lead with only an id and a receive time; fill the rest with the builder-style setters.
    pub fn new(id: impl Into<LeadId>, received_at: Timestamp) -> Self {
        Lead {
            id: id.into(),
            received_at,
            ..Lead::default()
        }
    }

    pub fn with_email(mut self, email: &str) -> Self {
        let email = email.trim().to_ascii_lowercase();
        self.email_domain = email.rsplit_once('@').map(|(_, d)| d.to_owned());
        self.email = Some(Email::from(email));
        self
    }

    pub fn with_country(mut self, iso2: &str) -> Self {
        self.country = Some(iso2.to_ascii_uppercase());
        self
    }

    pub fn with_company(mut self, company: &str) -> Self {
        self.company = Some(company.to_owned());
        self
    }

    pub fn with_attr(mut self, key: &str, value: impl Into<Scalar>) -> Self {
        self.attributes.insert(key.to_owned(), value.into());
        self
    }
}
