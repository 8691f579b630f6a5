//! A lead's contact fields from raw text: the slots intake fills from a submission's
//! fields, normalized onto the [`Lead`], and the same normalization re-applied to a lead
//! read from a file ([`renormalize`]).
//!
//! Values that cannot be normalized are kept, not dropped: an unknown country goes to the
//! attribute `country_raw`, an unreadable phone number to `phone_raw`, each with a warning.
//! A malformed email is an error (intake refuses the lead).

use switchboard_routing::{Lead, Scalar};

use super::{company, country, email, names, phone, text};

/// The raw contact slots, each filled by the first non-empty field that maps to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
}

/// Something about one field: a warning (the value was kept as an attribute) or an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issue {
    pub field: &'static str,
    pub message: &'static str,
}

/// What normalizing the contact fields found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub warnings: Vec<Issue>,
    pub errors: Vec<Issue>,
}

/// Normalizes `contact` onto `lead`: the country to ISO alpha-2, the email with its
/// registrable domain and free-mail flag, the phone to E.164 (in the lead's country, else
/// `default_country`), the company name cleaned, the names cleaned (a full name split when
/// neither part was given).
pub fn apply(lead: &mut Lead, contact: Contact, default_country: Option<&str>) -> Applied {
    let mut out = Applied::default();
    if let Some(raw) = contact.country {
        match country::resolve(&raw) {
            Some(code) => lead.country = Some(code),
            None => {
                out.warnings.push(Issue {
                    field: "country",
                    message: "not a recognized country; kept as attribute `country_raw`",
                });
                insert_attribute(lead, "country_raw", &Scalar::Text(raw));
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
            Err(message) => out.errors.push(Issue {
                field: "email",
                message,
            }),
        }
    }
    if let Some(raw) = contact.phone {
        let region = lead.country.as_deref().or(default_country);
        match phone::normalize(&raw, region) {
            Some(e164) => lead.phone = Some(e164),
            None => {
                out.warnings.push(Issue {
                    field: "phone",
                    message: "not a valid phone number; kept as attribute `phone_raw`",
                });
                insert_attribute(lead, "phone_raw", &Scalar::Text(raw));
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
    out
}

/// Normalizes a lead read from a file (a CSV export, JSON lines, a CRM's history) as intake
/// would have stored it: its contact fields are taken as raw text and normalized again,
/// and text attributes are cleaned. Idempotent on a lead intake stored. A malformed email
/// is reported in `errors` and left as it was (intake would have refused the lead; a
/// replay keeps it so that every row is accounted for).
pub fn renormalize(lead: &mut Lead) -> Applied {
    let raw_email = lead.email.as_ref().map(|e| e.as_str().to_owned());
    let contact = Contact {
        email: raw_email.clone(),
        phone: lead.phone.take(),
        country: lead.country.take(),
        company: lead.company.take(),
        first_name: lead.first_name.take(),
        last_name: lead.last_name.take(),
        full_name: None,
    };
    let attributes = std::mem::take(&mut lead.attributes);
    for (name, value) in &attributes {
        insert_attribute(lead, name, value);
    }
    let applied = apply(lead, contact, None);
    if applied.errors.iter().any(|i| i.field == "email")
        && let Some(raw) = raw_email
    {
        lead.email = Some(raw.into());
    }
    applied
}

/// Adds an attribute, cleaning text (an empty text is not added); a name already taken
/// gets `_2`, `_3`, ...
pub fn insert_attribute(lead: &mut Lead, name: &str, value: &Scalar) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lead() -> Lead {
        Lead::new("l1", "2026-11-23T09:00:00Z".parse().unwrap())
    }

    #[test]
    fn a_file_lead_is_normalized_as_intake_stores_it() {
        let mut l = lead();
        l.email = Some("Jane@Mail.ACME.de".into());
        l.country = Some("Deutschland".into());
        l.phone = Some("030 1234567".into());
        l.company = Some("  Acme   GmbH ".into());
        l.attributes
            .insert("industry".into(), Scalar::Text(" SaaS\u{200B} ".into()));
        let applied = renormalize(&mut l);
        assert_eq!(applied, Applied::default());
        assert_eq!(l.country.as_deref(), Some("DE"));
        assert_eq!(l.email.as_deref(), Some("jane@mail.acme.de"));
        assert_eq!(l.email_domain.as_deref(), Some("acme.de"));
        assert_eq!(l.phone.as_deref(), Some("+49301234567"));
        assert_eq!(l.attributes["industry"], Scalar::Text("SaaS".into()));
        // Idempotent.
        let once = l.clone();
        renormalize(&mut l);
        assert_eq!(l, once);
    }

    #[test]
    fn what_cannot_be_normalized_is_kept() {
        let mut l = lead();
        l.email = Some("not an address".into());
        l.country = Some("Atlantis".into());
        let applied = renormalize(&mut l);
        assert_eq!(applied.errors.len(), 1);
        assert_eq!(l.email.as_deref(), Some("not an address"));
        assert_eq!(l.country, None);
        assert_eq!(l.attributes["country_raw"], Scalar::Text("Atlantis".into()));
    }
}
