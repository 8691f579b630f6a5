//! From a provider-neutral [`Submission`] to the engine's [`Lead`].
//!
//! Field errors (answered 400) are kept to values that are clearly wrong and that routing
//! depends on: a malformed email. Everything else that cannot be normalized is kept, not
//! dropped, and reported as a warning stored with the lead: an unknown country string goes
//! to the attribute `country_raw`, an unreadable phone number to `phone_raw`. A lead with
//! neither an email nor a usable phone number is answered 422.

pub mod company;
pub mod country;
pub mod email;
pub mod fields;
pub mod free_mail;
pub mod names;
pub mod phone;
pub mod punctuation;
pub mod text;

use jiff::Timestamp;
use switchboard_routing::{Lead, Scalar};

use crate::config::SourceConfig;
use crate::error::{FieldIssue, IntakeError};
use crate::providers::Submission;
use fields::Target;

/// A normalized lead and the warnings about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub lead: Lead,
    pub warnings: Vec<FieldIssue>,
}

/// The contact slots, filled by the first non-empty field that maps to each.
#[derive(Default)]
struct Contact {
    email: Option<String>,
    phone: Option<String>,
    country: Option<String>,
    company: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    full_name: Option<String>,
}

impl Contact {
    fn slot(&mut self, target: &Target) -> Option<&mut Option<String>> {
        Some(match target {
            Target::Email => &mut self.email,
            Target::Phone => &mut self.phone,
            Target::Country => &mut self.country,
            Target::Company => &mut self.company,
            Target::FirstName => &mut self.first_name,
            Target::LastName => &mut self.last_name,
            Target::FullName => &mut self.full_name,
            Target::Ignore | Target::Attribute(_) => return None,
        })
    }
}

pub fn normalize(
    sub: &Submission,
    source: &SourceConfig,
    lead_id: String,
    received_at: Timestamp,
) -> Result<Normalized, IntakeError> {
    let mut lead = Lead::new(lead_id, received_at);
    lead.source = Some(source.id.clone());
    let mut warnings = sub.warnings.clone();
    let mut errors = Vec::new();
    let mut contact = Contact::default();

    for field in &sub.fields {
        let target = fields::resolve(field, &source.fields);
        if target == Target::Ignore {
            continue;
        }
        if let Some(slot) = contact.slot(&target) {
            match contact_text(&field.value) {
                Some(text) if slot.is_none() => {
                    *slot = Some(text);
                    continue;
                }
                Some(_) => {} // A second value for a filled slot is kept as an attribute.
                None => {
                    warnings.push(FieldIssue::new(
                        field.key.as_str(),
                        "expected text; kept as an attribute",
                    ));
                }
            }
            insert_attribute(&mut lead, &text::slug(&field.key), &field.value);
            continue;
        }
        if let Target::Attribute(name) = &target {
            insert_attribute(&mut lead, name, &field.value);
        }
    }

    if let Some(raw) = contact.country {
        match country::resolve(&raw) {
            Some(code) => lead.country = Some(code),
            None => {
                warnings.push(FieldIssue::new(
                    "country",
                    "not a recognized country; kept as attribute `country_raw`",
                ));
                insert_attribute(&mut lead, "country_raw", &Scalar::Text(raw));
            }
        }
    }
    if let Some(raw) = contact.email {
        match email::normalize(&raw) {
            Ok(e) => {
                lead.email = Some(e.address);
                lead.email_domain = Some(e.domain);
                lead.free_mail = e.free_mail;
            }
            Err(message) => errors.push(FieldIssue::new("email", message)),
        }
    }
    if let Some(raw) = contact.phone {
        let region = lead
            .country
            .as_deref()
            .or(source.default_country.as_deref());
        match phone::normalize(&raw, region) {
            Some(e164) => lead.phone = Some(e164),
            None => {
                warnings.push(FieldIssue::new(
                    "phone",
                    "not a valid phone number; kept as attribute `phone_raw`",
                ));
                insert_attribute(&mut lead, "phone_raw", &Scalar::Text(raw));
            }
        }
    }
    lead.company = contact.company.as_deref().and_then(company::clean);
    lead.first_name = contact
        .first_name
        .as_deref()
        .map(text::clean_line)
        .filter(|s| !s.is_empty());
    lead.last_name = contact
        .last_name
        .as_deref()
        .map(text::clean_line)
        .filter(|s| !s.is_empty());
    if lead.first_name.is_none()
        && lead.last_name.is_none()
        && let Some(full) = &contact.full_name
    {
        let (first, last) = names::split_full_name(full);
        lead.first_name = first;
        lead.last_name = last;
    }

    if !errors.is_empty() {
        return Err(IntakeError::Invalid(errors));
    }
    if lead.email.is_none() && lead.phone.is_none() {
        return Err(IntakeError::MissingContact(vec![
            FieldIssue::new(
                "email",
                "an email address or a valid phone number is required",
            ),
            FieldIssue::new(
                "phone",
                "an email address or a valid phone number is required",
            ),
        ]));
    }
    Ok(Normalized { lead, warnings })
}

/// A scalar as contact text: text as is, whole numbers without a decimal point (phone
/// numbers sent as JSON numbers), booleans are not contact data.
fn contact_text(value: &Scalar) -> Option<String> {
    match value {
        Scalar::Text(t) => Some(t.clone()).filter(|t| !t.trim().is_empty()),
        Scalar::Number(n) => Some(number_text(*n)),
        Scalar::Bool(_) => None,
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Adds an attribute, cleaning text; a name already taken gets `_2`, `_3`, ...
fn insert_attribute(lead: &mut Lead, name: &str, value: &Scalar) {
    let value = match value {
        Scalar::Text(t) => {
            let cleaned = text::clean_text(t);
            if cleaned.is_empty() {
                return;
            }
            Scalar::Text(cleaned)
        }
        other => other.clone(),
    };
    let base = if name.is_empty() { "field" } else { name };
    let mut key = base.to_owned();
    let mut n = 1;
    while lead.attributes.contains_key(&key) {
        n += 1;
        key = format!("{base}_{n}");
    }
    lead.attributes.insert(key, value);
}
