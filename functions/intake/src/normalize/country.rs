//! Countries to ISO 3166-1 alpha-2.
//!
//! Codes (alpha-2, alpha-3, dotted forms like `U.S.A.`) and names in English and many other
//! languages come from the `keshvar` crate's ISO data and translations (`Deutschland`,
//! `Schweiz`, `España`, `Nederland`, ...). A short list below adds the everyday variants
//! that are not names of the state as such (`Holland`, `England`, `South Korea`,
//! `Ivory Coast`), and flag emoji are read as their two letters.
//!
//! The name index is built once, on first use, from every country's ISO names, unofficial
//! names and translations (about 35,000 names; tens of milliseconds, once per process).
//! Codes and the variants below never need it. ISO and unofficial names win over
//! translations when two countries share a spelling; every name is also indexed without
//! accents (`espana`, `osterreich`).

use std::collections::HashMap;
use std::sync::LazyLock;

use keshvar::{Alpha2, Alpha3, CountryIterator};
use unicode_normalization::UnicodeNormalization;

static NAMES: LazyLock<HashMap<String, Alpha2>> = LazyLock::new(build_index);

fn build_index() -> HashMap<String, Alpha2> {
    let countries: Vec<keshvar::Country> = CountryIterator::new().collect();
    let mut index = HashMap::with_capacity(64 * 1024);
    let add = |index: &mut HashMap<String, Alpha2>, name: &str, code: Alpha2| {
        let key = lookup_key(name);
        if key.is_empty() {
            return;
        }
        // ISO long names start with "The"; people rarely type it.
        if let Some(bare) = key.strip_prefix("the ") {
            index.entry(bare.to_owned()).or_insert(code);
        }
        if !key.is_ascii() {
            index.entry(fold_diacritics(&key)).or_insert(code);
        }
        index.entry(key).or_insert(code);
    };
    for c in &countries {
        add(&mut index, c.iso_short_name(), c.alpha2());
        add(&mut index, c.iso_long_name(), c.alpha2());
    }
    for c in &countries {
        for name in c.unofficial_name_list() {
            add(&mut index, name, c.alpha2());
        }
    }
    for c in &countries {
        for name in c.translations().values() {
            add(&mut index, name, c.alpha2());
        }
    }
    index
}

/// Builds the name index now rather than on the first lead that needs it.
pub fn warm_up() {
    LazyLock::force(&NAMES);
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
            && let Ok(a3) = Alpha3::try_from(letters.to_ascii_uppercase().as_str())
        {
            return Some(Alpha2::from(a3).to_string());
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
            if let Some(code) = NAMES.get(name) {
                return Some(code.to_string());
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
    Alpha2::try_from(code).ok().map(|a| a.to_string())
}

/// Lower-case, `&` as `and`, `St.` as `saint`, commas and brackets dropped, so that
/// `Korea, Republic of` and `Korea (Republic of)` look the same.
fn lookup_key(line: &str) -> String {
    let lower = line.to_lowercase().replace('&', " and ");
    let spaced: String = lower
        .chars()
        .map(|c| {
            if matches!(c, ',' | '(' | ')' | '"' | '_') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = spaced
        .split_whitespace()
        .map(|w| match w {
            "st." | "st" => "saint",
            w => w.trim_end_matches('.'),
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// Accents removed (`españa` → `espana`), for people who type without them.
fn fold_diacritics(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .nfc()
        .collect()
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
}
