//! The URL a lead is sent to: the rep's configured booking page with the lead's name and
//! email added to its query. Only the configured URL is ever used as the base, so a
//! submission cannot steer the redirect anywhere else (open-redirect safety); the values
//! it contributes are percent-encoded query values.

use switchboard_routing::Lead;
use switchboard_routing::policy::BookingDoc;

/// The rep's link for `lead`, prefilled as the rep's `prefill` says.
pub fn booking_url(booking: &BookingDoc, lead: &Lead) -> String {
    let pairs = booking.prefill_for(lead);
    if pairs.is_empty() {
        return booking.url.clone();
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &pairs {
        query.append_pair(name, value);
    }
    let query = query.finish();
    let joiner = match booking.url.find('?') {
        None => "?",
        Some(i) if i + 1 == booking.url.len() || booking.url.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{}{joiner}{query}", booking.url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(yaml: &str) -> BookingDoc {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn lead() -> Lead {
        serde_json::from_value(serde_json::json!({
            "id": "l1", "email": "ada+x@example.com", "first_name": "Ada Marie", "last_name": "O'Hara"
        }))
        .unwrap()
    }

    #[test]
    fn values_are_percent_encoded_into_the_query() {
        let b = booking("{url: 'https://calendly.com/ada/30min', prefill: calendly}");
        assert_eq!(
            booking_url(&b, &lead()),
            "https://calendly.com/ada/30min?name=Ada+Marie+O%27Hara&email=ada%2Bx%40example.com"
        );
    }

    #[test]
    fn an_existing_query_is_kept() {
        let b = booking(
            "{url: 'https://meetings.hubspot.com/ada?embed=true', prefill: {email: email}}",
        );
        assert_eq!(
            booking_url(&b, &lead()),
            "https://meetings.hubspot.com/ada?embed=true&email=ada%2Bx%40example.com"
        );
        let open = booking("{url: 'https://x.example/b?', prefill: {email: e}}");
        assert_eq!(
            booking_url(&open, &lead()),
            "https://x.example/b?e=ada%2Bx%40example.com"
        );
    }

    #[test]
    fn without_prefill_the_url_is_the_configured_one() {
        let b = booking("{url: 'https://calendar.app.google/abc'}");
        assert_eq!(booking_url(&b, &lead()), "https://calendar.app.google/abc");
    }
}
