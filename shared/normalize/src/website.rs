//! A company's website or domain as a CRM holds it (`acme.com`, `www.acme.com`,
//! `https://sales.acme.co.uk/en/`) as the registrable domain leads' emails are matched by.

/// The registrable domain ("eTLD+1") of a website URL or a bare host name, lower-cased:
/// `https://www.Sales.ACME.co.uk:443/en?x` → `acme.co.uk`. `None` for what has no such
/// domain (empty, an IP address, only a public suffix).
pub fn registrable_domain(raw: &str) -> Option<String> {
    let text = super::text::strip_invisible(raw).trim().to_lowercase();
    let rest = text.split_once("://").map_or(text.as_str(), |(_, r)| r);
    // The host ends at the path, query, fragment or port; user info comes before it.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    if host.is_empty() || host.parse::<std::net::Ipv4Addr>().is_ok() || !host.contains('.') {
        return None;
    }
    let valid = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !valid {
        return None;
    }
    psl::domain_str(host).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_become_the_domain_emails_are_matched_by() {
        let cases = [
            ("acme.com", Some("acme.com")),
            ("www.acme.com", Some("acme.com")),
            (
                "https://www.Sales.ACME.co.uk:443/en?x=1#top",
                Some("acme.co.uk"),
            ),
            ("http://user@shop.acme.de/", Some("acme.de")),
            ("  ACME.io.  ", Some("acme.io")),
            ("co.uk", None),
            ("localhost", None),
            ("http://10.0.0.1/", None),
            ("", None),
            ("acme .com", None),
        ];
        for (raw, want) in cases {
            assert_eq!(registrable_domain(raw).as_deref(), want, "{raw:?}");
        }
    }
}
