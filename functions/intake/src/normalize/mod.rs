//! From a provider-neutral [`Submission`] to the engine's [`Lead`].
//!
//! Field errors (answered 400) are kept to values that are clearly wrong and that routing
//! depends on: a malformed email. Everything else that cannot be normalized is kept, not
//! dropped, and reported as a warning stored with the lead: an unknown country string goes
//! to the attribute `country_raw`, an unreadable phone number to `phone_raw`. A lead with
//! neither an email nor a usable phone number is answered 422.

// The field normalizers live in `switchboard-normalize` (shared/normalize), shared with
// the simulation and the backtest; these paths keep their intake names.
pub use switchboard_normalize::{
    company, country, email, free_mail, names, phone, punctuation, text,
};
pub mod fields;

use jiff::Timestamp;
use switchboard_normalize::contact::{self, Contact, insert_attribute};
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

/// The contact slot a field's value fills.
fn slot<'a>(contact: &'a mut Contact, target: &Target) -> Option<&'a mut Option<String>> {
    Some(match target {
        Target::Email => &mut contact.email,
        Target::Phone => &mut contact.phone,
        Target::Country => &mut contact.country,
        Target::Company => &mut contact.company,
        Target::FirstName => &mut contact.first_name,
        Target::LastName => &mut contact.last_name,
        Target::FullName => &mut contact.full_name,
        Target::Ignore | Target::Attribute(_) => return None,
    })
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
        if let Some(slot) = slot(&mut contact, &target) {
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

    let applied = contact::apply(&mut lead, contact, source.default_country.as_deref());
    let issue = |i: contact::Issue| FieldIssue::new(i.field, i.message);
    warnings.extend(applied.warnings.into_iter().map(issue));
    errors.extend(applied.errors.into_iter().map(issue));

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
