//! Phone numbers to E.164 with libphonenumber's metadata (the `phonenumber` crate), using
//! the lead's country, else the source's default country, as the region for numbers
//! written without a country code.

use phonenumber::Mode;

use super::text;

/// The E.164 form of a valid number, or `None` when it cannot be read as one.
pub fn normalize(raw: &str, region: Option<&str>) -> Option<String> {
    let visible = text::strip_invisible(raw);
    // Longer than any real number with extension and punctuation: not worth parsing.
    if visible.len() > 64 || !visible.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // "00" is the international call prefix in most of the world; read it as "+".
    let candidate = match visible.strip_prefix("00") {
        Some(rest) if region.is_none() => format!("+{rest}"),
        _ => visible,
    };
    let region = region.and_then(|r| r.parse::<phonenumber::country::Id>().ok());
    let number = phonenumber::parse(region, &candidate).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(Mode::E164).to_string())
}

/// Loads the phone number metadata now (about 70 ms) rather than on the first lead with
/// a phone number.
pub fn warm_up() {
    let _ = normalize("+14155550100", None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_e164() {
        assert_eq!(
            normalize("+49 30 901820", None).as_deref(),
            Some("+4930901820")
        );
        assert_eq!(
            normalize("030 901820", Some("DE")).as_deref(),
            Some("+4930901820")
        );
        assert_eq!(
            normalize("0049 30 901820", None).as_deref(),
            Some("+4930901820")
        );
        assert_eq!(
            normalize("(415) 555-2671", Some("US")).as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            normalize("+44 20 7946 0958", Some("US")).as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn refuses_non_numbers() {
        for bad in ["", "call me", "12", "+999 123", "030 901820"] {
            assert_eq!(normalize(bad, None), None, "{bad}");
        }
    }
}
