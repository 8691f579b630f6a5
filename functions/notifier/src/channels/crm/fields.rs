//! Which of a lead's fields go into which CRM property when a record is created. The
//! mapping is configurable per channel (`properties` / `fields` in notify.yaml); the
//! defaults cover the fields every form provider sends.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_routing::{Lead, Scalar};

/// A lead field a CRM property can be filled from, as written in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum LeadField {
    Email,
    FirstName,
    LastName,
    /// First and last name joined with a space.
    Name,
    Company,
    /// ISO 3166-1 alpha-2.
    Country,
    /// E.164.
    Phone,
    /// The configured intake source.
    Source,
    /// Switchboard's lead id, for a custom property that links back.
    LeadId,
    /// `attributes.<name>`: anything else the form sent.
    Attribute(String),
    /// `value:<text>`: the same text on every record (a Lead source, a record type id).
    Fixed(String),
}

impl TryFrom<String> for LeadField {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let field = match value.trim() {
            "email" => LeadField::Email,
            "first_name" => LeadField::FirstName,
            "last_name" => LeadField::LastName,
            "name" => LeadField::Name,
            "company" => LeadField::Company,
            "country" => LeadField::Country,
            "phone" => LeadField::Phone,
            "source" => LeadField::Source,
            "lead_id" => LeadField::LeadId,
            other => {
                if let Some(name) = other
                    .strip_prefix("attributes.")
                    .filter(|n| !n.trim().is_empty())
                {
                    LeadField::Attribute(name.to_owned())
                } else if let Some(text) = other
                    .strip_prefix("value:")
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                {
                    LeadField::Fixed(text.to_owned())
                } else {
                    return Err(format!(
                        "unknown lead field `{other}` (one of email, first_name, last_name, name, company, country, phone, source, lead_id, attributes.<name>, value:<text>)"
                    ));
                }
            }
        };
        Ok(field)
    }
}

impl LeadField {
    /// The field's value on `lead`, if it has one that is not blank.
    pub fn value(&self, lead: &Lead) -> Option<String> {
        let text = |v: &Option<String>| v.as_deref().map(str::trim).map(str::to_owned);
        let value = match self {
            LeadField::Email => lead.email.as_deref().map(str::to_owned),
            LeadField::FirstName => text(&lead.first_name),
            LeadField::LastName => text(&lead.last_name),
            LeadField::Name => {
                let parts: Vec<&str> = [lead.first_name.as_deref(), lead.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                Some(parts.join(" "))
            }
            LeadField::Company => text(&lead.company),
            LeadField::Country => text(&lead.country),
            LeadField::Phone => text(&lead.phone),
            LeadField::Source => text(&lead.source),
            LeadField::LeadId => Some(lead.id.to_string()),
            LeadField::Attribute(name) => lead.attributes.get(name).map(scalar_text),
            LeadField::Fixed(text) => Some(text.clone()),
        };
        value.filter(|v| !v.is_empty())
    }
}

fn scalar_text(v: &Scalar) -> String {
    match v {
        Scalar::Text(s) => s.trim().to_owned(),
        Scalar::Bool(b) => b.to_string(),
        // Whole numbers as integers: `250`, not `250.0`, in a number property.
        Scalar::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Scalar::Number(n) => n.to_string(),
    }
}

/// CRM property → lead field.
pub type Mapping = BTreeMap<String, LeadField>;

/// The values of `mapping` on `lead`; properties whose field the lead lacks are left out
/// (an empty string would overwrite what the CRM has, or fail a required-field check
/// with a less clear message than the fallbacks give).
pub fn mapped(mapping: &Mapping, lead: &Lead) -> BTreeMap<String, String> {
    mapping
        .iter()
        .filter_map(|(property, field)| field.value(lead).map(|v| (property.clone(), v)))
        .collect()
}

fn mapping(pairs: &[(&str, LeadField)]) -> Mapping {
    pairs
        .iter()
        .map(|(p, f)| ((*p).to_owned(), f.clone()))
        .collect()
}

/// HubSpot contact properties (internal names) filled on a new contact.
pub fn hubspot_default() -> Mapping {
    mapping(&[
        ("email", LeadField::Email),
        ("firstname", LeadField::FirstName),
        ("lastname", LeadField::LastName),
        ("company", LeadField::Company),
        ("country", LeadField::Country),
        ("phone", LeadField::Phone),
    ])
}

/// Salesforce Lead fields (API names) filled on a new Lead.
pub fn salesforce_default() -> Mapping {
    mapping(&[
        ("Email", LeadField::Email),
        ("FirstName", LeadField::FirstName),
        ("LastName", LeadField::LastName),
        ("Company", LeadField::Company),
        ("Country", LeadField::Country),
        ("Phone", LeadField::Phone),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_refuses_unknown_ones() {
        let f = |s: &str| LeadField::try_from(s.to_owned());
        assert_eq!(f("email"), Ok(LeadField::Email));
        assert_eq!(
            f("attributes.employees"),
            Ok(LeadField::Attribute("employees".into()))
        );
        assert!(f("attributes.").is_err());
        assert_eq!(f("value: Web "), Ok(LeadField::Fixed("Web".into())));
        assert!(f("value: ").is_err());
        assert!(
            f("surname")
                .unwrap_err()
                .contains("unknown lead field `surname`")
        );
    }

    #[test]
    fn maps_what_the_lead_has() {
        let mut lead = Lead::new("L-1", jiff::Timestamp::UNIX_EPOCH).with_email("ada@x.example");
        lead.first_name = Some(" Ada ".into());
        lead.last_name = Some("  ".into());
        lead.attributes
            .insert("employees".into(), Scalar::Number(250.0));
        let mut m = hubspot_default();
        m.insert("headcount".into(), LeadField::Attribute("employees".into()));
        let values = mapped(&m, &lead);
        assert_eq!(values["email"], "ada@x.example");
        assert_eq!(values["firstname"], "Ada");
        assert_eq!(values["headcount"], "250");
        // Blank and absent fields are left out.
        assert!(!values.contains_key("lastname"));
        assert!(!values.contains_key("company"));
    }
}
