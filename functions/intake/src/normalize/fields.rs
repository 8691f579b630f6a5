//! Which lead field a provider's form field feeds: the source's explicit mapping first,
//! then the provider's own type hint (a Typeform `email` answer), then common field names
//! in several languages; anything else becomes an attribute.

use crate::providers::{Hint, RawField};

/// Where a provider field goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Email,
    Phone,
    Country,
    Company,
    FirstName,
    LastName,
    /// A full name, split into first and last when those are not given separately.
    FullName,
    /// Dropped (e.g. a consent checkbox the routing never needs).
    Ignore,
    /// Kept in `Lead::attributes` under this name.
    Attribute(String),
}

impl Target {
    /// Parses a mapping target as written in the source configuration.
    pub fn parse(text: &str) -> Option<Target> {
        let t = text.trim();
        Some(match t {
            "" => return None,
            "email" => Target::Email,
            "phone" => Target::Phone,
            "country" => Target::Country,
            "company" => Target::Company,
            "first_name" => Target::FirstName,
            "last_name" => Target::LastName,
            "name" | "full_name" => Target::FullName,
            "ignore" | "-" => Target::Ignore,
            other => {
                let name = other.strip_prefix("attributes.").unwrap_or(other).trim();
                if name.is_empty() {
                    return None;
                }
                Target::Attribute(name.to_owned())
            }
        })
    }
}

fn from_hint(hint: Hint) -> Option<Target> {
    Some(match hint {
        Hint::None | Hint::Attribute => return None,
        Hint::Email => Target::Email,
        Hint::Phone => Target::Phone,
        Hint::Country => Target::Country,
        Hint::Company => Target::Company,
        Hint::FirstName => Target::FirstName,
        Hint::LastName => Target::LastName,
        Hint::FullName => Target::FullName,
    })
}

/// Lower-case letters and digits only, so `E-Mail Address`, `email_address` and
/// `emailAddress` compare equal.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Field names forms commonly use, folded. English first, then the languages the product's
/// first customers use (German, French, Spanish, Dutch, Italian, Portuguese).
fn from_common_name(name: &str) -> Option<Target> {
    Some(match fold(name).as_str() {
        "email" | "emailaddress" | "mail" | "workemail" | "businessemail" | "companyemail"
        | "youremail" | "yourworkemail" | "contactemail" | "emailid" | "courriel" | "correo"
        | "correoelectronico" | "emailadresse" | "mailadresse" => Target::Email,
        "phone" | "phonenumber" | "telephone" | "telephonenumber" | "tel" | "mobile"
        | "mobilephone" | "mobilenumber" | "cell" | "cellphone" | "workphone" | "businessphone"
        | "yourphone" | "contactnumber" | "phoneno" | "telefon" | "telefonnummer" | "handy"
        | "mobil" | "telefono" | "telefoon" | "telefone" => Target::Phone,
        "country" | "countryregion" | "countryname" | "countrycode" | "yourcountry" | "land"
        | "pays" | "pais" | "paese" | "staat" => Target::Country,
        "company" | "companyname" | "organization" | "organisation" | "org" | "business"
        | "businessname" | "employer" | "accountname" | "yourcompany" | "firma" | "unternehmen"
        | "firmenname" | "entreprise" | "societe" | "empresa" | "bedrijf" | "azienda" => {
            Target::Company
        }
        "firstname" | "first" | "fname" | "givenname" | "forename" | "vorname" | "prenom"
        | "nombre" | "voornaam" | "nome" => Target::FirstName,
        "lastname" | "last" | "lname" | "surname" | "familyname" | "nachname" | "nom"
        | "apellido" | "apellidos" | "achternaam" | "cognome" | "sobrenome" => Target::LastName,
        "name" | "fullname" | "yourname" | "contactname" | "vollstandigername" | "nomcomplet"
        | "nombrecompleto" => Target::FullName,
        _ => return None,
    })
}

/// Resolves one field. `mapping` is the source's configured mapping.
pub fn resolve(field: &RawField, mapping: &std::collections::BTreeMap<String, Target>) -> Target {
    let names =
        || std::iter::once(field.key.as_str()).chain(field.aliases.iter().map(String::as_str));
    // Exact configured name first, then a case-insensitive match.
    for name in names() {
        if let Some(t) = mapping.get(name) {
            return t.clone();
        }
    }
    for name in names() {
        if let Some((_, t)) = mapping.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            return t.clone();
        }
    }
    if field.hint == Hint::Attribute {
        return Target::Attribute(field.key.trim().to_owned());
    }
    if let Some(t) = from_hint(field.hint) {
        return t;
    }
    for name in names() {
        if let Some(t) = from_common_name(name) {
            return t;
        }
    }
    Target::Attribute(super::text::slug(&field.key))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use switchboard_routing::Scalar;

    use super::*;

    fn field(key: &str, aliases: &[&str], hint: Hint) -> RawField {
        RawField {
            key: key.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            hint,
            value: Scalar::from("x"),
        }
    }

    #[test]
    fn mapping_then_hint_then_common_names_then_attribute() {
        let mut mapping = BTreeMap::new();
        mapping.insert("q7".to_owned(), Target::Attribute("employees".into()));
        mapping.insert("Work Mail".to_owned(), Target::Email);
        assert_eq!(
            resolve(&field("x", &["q7"], Hint::None), &mapping),
            Target::Attribute("employees".into())
        );
        assert_eq!(
            resolve(&field("work mail", &[], Hint::None), &mapping),
            Target::Email
        );
        assert_eq!(
            resolve(&field("abc", &[], Hint::Phone), &mapping),
            Target::Phone
        );
        assert_eq!(
            resolve(&field("E-Mail Address", &[], Hint::None), &mapping),
            Target::Email
        );
        assert_eq!(
            resolve(&field("Vorname", &[], Hint::None), &mapping),
            Target::FirstName
        );
        assert_eq!(
            resolve(&field("Country/Region", &[], Hint::None), &mapping),
            Target::Country
        );
        assert_eq!(
            resolve(&field("How many seats?", &[], Hint::None), &mapping),
            Target::Attribute("how_many_seats".into())
        );
    }

    #[test]
    fn parses_targets() {
        assert_eq!(Target::parse("name"), Some(Target::FullName));
        assert_eq!(
            Target::parse("attributes.seats"),
            Some(Target::Attribute("seats".into()))
        );
        assert_eq!(Target::parse(" "), None);
        assert_eq!(Target::parse("ignore"), Some(Target::Ignore));
    }
}
