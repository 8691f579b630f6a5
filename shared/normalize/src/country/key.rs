//! How a country name becomes a lookup key. Shared by the intake at run time and by
//! `build.rs`, which writes the name table with the same keys: a name and its lookup must
//! never be folded differently.

use unicode_normalization::UnicodeNormalization;

// `super` is the intake's `normalize::country` (which imports it) or `build.rs`.
use super::punctuation::fold_punctuation_str;

/// Lower-case, typographic punctuation as ASCII (`d’Ivoire` as `d'ivoire`), `&` as `and`,
/// `St.` as `saint`, commas and brackets dropped, so that `Korea, Republic of` and
/// `Korea (Republic of)` look the same.
pub fn lookup_key(line: &str) -> String {
    let lower = fold_punctuation_str(&line.to_lowercase()).replace('&', " and ");
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
pub fn fold_diacritics(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .nfc()
        .collect()
}
