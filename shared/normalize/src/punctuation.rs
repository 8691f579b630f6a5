//! Punctuation as people type it: word processors, phones and copied web pages turn `'`
//! into `’`, `-` into `–` and spaces into non-breaking ones, so `Côte d’Ivoire` and
//! `Côte d'Ivoire` are the same country and `Guinea–Bissau` is `Guinea-Bissau`. Values
//! are stored as written; these folds apply where names are compared (lookup keys).
//!
//! Shared with `build.rs` (the country table's keys are folded the same way), so it uses
//! nothing outside `std`.

/// The plain ASCII character a typographic variant stands for; any other character as
/// it is.
pub fn fold_punctuation(c: char) -> char {
    match c {
        // Apostrophes and single quotes: right and left quotation marks, the modifier
        // letter apostrophe and turned comma, prime, acute and grave accents used as
        // apostrophes, the full-width apostrophe.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{02BC}' | '\u{02BB}'
        | '\u{2032}' | '\u{00B4}' | '\u{0060}' | '\u{FF07}' => '\'',
        // Double quotes.
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{FF02}' => '"',
        // Hyphens and dashes: hyphen, non-breaking hyphen, figure dash, en and em dash,
        // horizontal bar, minus sign, small and full-width hyphen-minus.
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        // Spaces that are not U+0020: no-break, figure, narrow no-break, the typographic
        // widths, ideographic.
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        c => c,
    }
}

/// [`fold_punctuation`] over a whole string.
pub fn fold_punctuation_str(s: &str) -> String {
    s.chars().map(fold_punctuation).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typographic_punctuation_folds_to_ascii() {
        let cases = [
            ("d’Ivoire", "d'Ivoire"),
            ("d‘Ivoire", "d'Ivoire"),
            ("dʼIvoire", "d'Ivoire"),
            ("Hawaiʻi", "Hawai'i"),
            ("d′Ivoire", "d'Ivoire"),
            ("d´Ivoire", "d'Ivoire"),
            ("d＇Ivoire", "d'Ivoire"),
            ("“Acme”", "\"Acme\""),
            ("Guinea‐Bissau", "Guinea-Bissau"),
            ("Guinea‑Bissau", "Guinea-Bissau"),
            ("Guinea–Bissau", "Guinea-Bissau"),
            ("Guinea—Bissau", "Guinea-Bissau"),
            ("Guinea−Bissau", "Guinea-Bissau"),
            ("Guinea－Bissau", "Guinea-Bissau"),
            ("New\u{A0}Zealand", "New Zealand"),
            ("New\u{202F}Zealand", "New Zealand"),
            ("New\u{2009}Zealand", "New Zealand"),
            ("New\u{3000}Zealand", "New Zealand"),
            // Letters, accents and other scripts are untouched.
            ("Côte", "Côte"),
            ("日本", "日本"),
            ("O'Brien-Smith", "O'Brien-Smith"),
        ];
        for (raw, folded) in cases {
            assert_eq!(fold_punctuation_str(raw), folded, "{raw:?}");
        }
    }
}
