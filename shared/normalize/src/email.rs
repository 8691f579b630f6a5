//! Email: trimmed, lower-cased, syntax-checked, with its registrable domain (public suffix
//! list) and the free-mail flag.

use email_address::{EmailAddress, Options};

use super::{free_mail, text};

/// A checked email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub address: switchboard_routing::Email,
    /// Registrable domain ("eTLD+1"): `mail.sales.acme.co.uk` → `acme.co.uk`.
    pub domain: String,
    pub free_mail: bool,
}

/// Why an email was refused; the message goes back to the sender.
pub type EmailError = &'static str;

/// RFC 5321 limits an address to 254 octets.
const MAX_LEN: usize = 254;

pub fn normalize(raw: &str) -> Result<Email, EmailError> {
    let visible = text::strip_invisible(raw);
    let visible = visible.strip_prefix("mailto:").unwrap_or(&visible);
    let address = visible.to_lowercase();
    if address.len() > MAX_LEN {
        return Err("is longer than 254 characters");
    }
    let options = Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    let parsed = EmailAddress::parse_with_options(&address, options)
        .map_err(|_| "is not a valid email address")?;
    let host = parsed.domain().trim_end_matches('.');
    let domain = psl::domain_str(host).ok_or("has a domain that is only a public suffix")?;
    Ok(Email {
        free_mail: free_mail::is_free_mail(domain) || free_mail::is_free_mail(host),
        domain: domain.to_owned(),
        address: address.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_finds_registrable_domain() {
        let e = normalize("  Jane.Doe@Mail.Sales.ACME.co.uk \u{200B}").unwrap();
        assert_eq!(e.address, "jane.doe@mail.sales.acme.co.uk");
        assert_eq!(e.domain, "acme.co.uk");
        assert!(!e.free_mail);
        let g = normalize("mailto:Someone@GMAIL.com").unwrap();
        assert_eq!(
            (g.address.as_str(), g.domain.as_str(), g.free_mail),
            ("someone@gmail.com", "gmail.com", true)
        );
    }

    #[test]
    fn refuses_clearly_invalid_addresses() {
        for bad in [
            "",
            "plainaddress",
            "@no-local.com",
            "no-at.example.com",
            "a@b",
            "a@@b.com",
            "John <john@acme.com>",
            "a@[127.0.0.1]",
            "a b@c.com",
            "a@b c.com",
            "a@co.uk",
            "<script>@x.com",
        ] {
            assert!(normalize(bad).is_err(), "accepted {bad:?}");
        }
    }
}
