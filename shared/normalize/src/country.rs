//! Countries to ISO 3166-1 alpha-2.
//!
//! Codes (alpha-2, alpha-3, dotted forms like `U.S.A.`) and names in English and many other
//! languages come from the `keshvar` crate's ISO data and translations (`Deutschland`,
//! `Schweiz`, `España`, `Nederland`, ...). A short list below adds the everyday variants
//! that are not names of the state as such (`Holland`, `England`, `South Korea`,
//! `Ivory Coast`), and flag emoji are read as their two letters.
//!
//! The names (about 35,000: every country's ISO names, unofficial names and translations)
//! are a sorted table written by `build.rs` at compile time, so nothing is built at start-up
//! and `keshvar` is not linked into the binary. ISO and unofficial names win over
//! translations when two countries share a spelling; every name is also in the table
//! without accents (`espana`, `osterreich`).

mod key;

use key::{fold_diacritics, lookup_key};
// For `key`, which reaches it as `super::punctuation` here and in `build.rs`.
use super::punctuation;

/// `ALPHA2`, `ALPHA3`, `NAME_TEXT`, `NAME_ENDS`, `NAME_CODES` (see build.rs).
mod table {
    include!(concat!(env!("OUT_DIR"), "/country_table.rs"));
}

/// Nothing to build any more: the table is compiled in. Kept so a caller warming up every
/// normalizer need not know which of them have state.
pub fn warm_up() {}

/// The country of a name key, by binary search over the sorted table.
fn by_name(key: &str) -> Option<&'static str> {
    let name = |i: usize| {
        let start = if i == 0 {
            0
        } else {
            table::NAME_ENDS[i - 1] as usize
        };
        &table::NAME_TEXT[start..table::NAME_ENDS[i] as usize]
    };
    let (mut lo, mut hi) = (0, table::NAME_ENDS.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match name(mid).cmp(key) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => {
                return Some(table::ALPHA2[usize::from(table::NAME_CODES[mid])]);
            }
        }
    }
    None
}

/// The alpha-2 code of an upper-case alpha-3 code.
fn by_alpha3(code: &str) -> Option<&'static str> {
    let i = table::ALPHA3
        .binary_search_by(|(a3, _)| (*a3).cmp(code))
        .ok()?;
    Some(table::ALPHA2[usize::from(table::ALPHA3[i].1)])
}

use super::text;

/// The alpha-2 code for a code, a name or a common variant; `None` when unknown.
pub fn resolve(raw: &str) -> Option<String> {
    let line = text::clean_line(raw);
    if line.is_empty() || line.chars().count() > 80 {
        return None;
    }
    if let Some(code) = from_flag(&line) {
        return Some(code);
    }
    // Codes: "de", "DEU", "U.S.", "U.K." (the last is not ISO, but universal).
    let letters: String = line.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    if letters.chars().all(|c| c.is_ascii_alphabetic()) {
        if letters.len() == 2 {
            if let Some(code) = from_alpha2(&letters) {
                return Some(code);
            }
            if letters.eq_ignore_ascii_case("uk") {
                return Some("GB".into());
            }
        }
        if letters.len() == 3
            && let Some(code) = by_alpha3(&letters.to_ascii_uppercase())
        {
            return Some(code.into());
        }
    }
    let key = lookup_key(&line);
    let folded = fold_diacritics(&key);
    for candidate in [key.as_str(), folded.as_str()] {
        if let Some(code) = variant(candidate) {
            return Some(code.into());
        }
        let without_the = candidate.strip_prefix("the ").unwrap_or(candidate);
        for name in [candidate, without_the] {
            if let Some(code) = by_name(name) {
                return Some(code.into());
            }
        }
    }
    None
}

/// The canonical upper-case code for an ISO alpha-2 code (any case); `None` otherwise.
pub fn from_alpha2(code: &str) -> Option<String> {
    if code.len() != 2 || !code.is_ascii() {
        return None;
    }
    let upper = code.to_ascii_uppercase();
    table::ALPHA2
        .binary_search(&upper.as_str())
        .ok()
        .map(|_| upper)
}

/// Two regional-indicator symbols (a flag emoji) spell an alpha-2 code.
fn from_flag(line: &str) -> Option<String> {
    let mut letters = String::new();
    for c in line.chars() {
        let offset = (c as u32).checked_sub(0x1F1E6)?;
        if offset >= 26 {
            return None;
        }
        letters.push(char::from(b'A' + offset as u8));
    }
    if letters.len() == 2 {
        from_alpha2(&letters)
    } else {
        None
    }
}

/// Everyday names that are not (or not only) the state's name in any language.
fn variant(key: &str) -> Option<&'static str> {
    Some(match key {
        "america" | "united states" | "the states" | "us of a" => "US",
        "great britain" | "britain" | "england" | "scotland" | "wales" | "northern ireland" => "GB",
        "holland" | "the netherlands" | "nederland" => "NL",
        "south korea" | "korea" | "korea republic of" | "republic of korea" => "KR",
        "north korea" => "KP",
        "russia" => "RU",
        "vietnam" => "VN",
        "czech republic" => "CZ",
        "ivory coast" => "CI",
        "turkey" | "turkiye" | "türkiye" => "TR",
        "uae" | "emirates" => "AE",
        "iran" => "IR",
        "syria" => "SY",
        "laos" => "LA",
        "bolivia" => "BO",
        "venezuela" => "VE",
        "tanzania" => "TZ",
        "moldova" => "MD",
        "macedonia" | "north macedonia" => "MK",
        "taiwan" => "TW",
        "palestine" => "PS",
        "vatican" | "vatican city" | "holy see" => "VA",
        "brunei" => "BN",
        "cape verde" => "CV",
        "swaziland" | "eswatini" => "SZ",
        "burma" | "myanmar" => "MM",
        "bharat" => "IN",
        "east timor" | "timor leste" | "timor-leste" => "TL",
        "drc" | "dr congo" | "congo-kinshasa" | "democratic republic of the congo" => "CD",
        "congo-brazzaville" | "republic of the congo" => "CG",
        "micronesia" => "FM",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_variants() {
        let cases = [
            ("de", "DE"),
            ("DEU", "DE"),
            ("U.S.A.", "US"),
            ("UK", "GB"),
            ("Great Britain", "GB"),
            ("Deutschland", "DE"),
            ("Schweiz", "CH"),
            ("España", "ES"),
            ("espana", "ES"),
            ("🇫🇷", "FR"),
            ("Korea, Republic of", "KR"),
            ("St. Lucia", "LC"),
        ];
        for (raw, code) in cases {
            assert_eq!(resolve(raw).as_deref(), Some(code), "{raw}");
        }
        for unknown in ["", "Atlantis", "XX", "ZZZ", "🇽🇽", "Earth"] {
            assert_eq!(resolve(unknown), None, "{unknown}");
        }
    }

    /// Names as they arrive from word processors, phones and web pages.
    #[test]
    fn typographic_punctuation_is_read_as_plain() {
        let cases = [
            ("Côte d'Ivoire", "CI"),
            ("Côte d’Ivoire", "CI"),
            ("Côte d‘Ivoire", "CI"),
            ("Côte dʼIvoire", "CI"),
            ("Cote d’Ivoire", "CI"),
            ("CÔTE D’IVOIRE", "CI"),
            ("Côte\u{A0}d’Ivoire", "CI"),
            ("Guinea-Bissau", "GW"),
            ("Guinea–Bissau", "GW"),
            ("Guinea‑Bissau", "GW"),
            ("Guinea—Bissau", "GW"),
            ("Timor‐Leste", "TL"),
            ("Korea,\u{202F}Republic of", "KR"),
            ("United\u{A0}Kingdom", "GB"),
            ("Lao People’s Democratic Republic", "LA"),
        ];
        for (raw, code) in cases {
            assert_eq!(resolve(raw).as_deref(), Some(code), "{raw}");
        }
        for unknown in ["", "Atlantis", "XX", "ZZZ", "🇽🇽", "Earth"] {
            assert_eq!(resolve(unknown), None, "{unknown}");
        }
    }
}
