//! Unicode hygiene for every text value: canonical composition (NFC), and removal of
//! characters that are invisible or change how the surrounding text is displayed.
//!
//! Kept: every letter of every script (right-to-left included), emoji, combining marks
//! (composed where Unicode allows), and the zero-width joiner/non-joiner *between*
//! characters, where they are meaningful (emoji sequences, Persian and Indic words).
//! Removed: bidi embeddings, overrides, isolates and marks (which can make a stored name
//! display as something else), zero-width spaces, word joiners, byte-order marks, soft
//! hyphens and control characters.

use unicode_normalization::UnicodeNormalization;

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// Invisible characters that never carry meaning in a lead field.
fn is_dropped(c: char) -> bool {
    matches!(c,
        '\u{00AD}'              // soft hyphen
        | '\u{180E}'            // Mongolian vowel separator
        | '\u{200B}'            // zero width space
        | '\u{200E}' | '\u{200F}' // left-to-right / right-to-left mark
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{FEFF}'            // byte-order mark / zero width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation controls
    )
}

fn is_joiner(c: char) -> bool {
    c == ZWJ || c == ZWNJ
}

/// Cleans a one-line value (names, company, country): whitespace of any kind becomes a
/// single space, and the ends are trimmed.
pub fn clean_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.nfc() {
        if is_dropped(c) || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    trim_joiners(out)
}

/// Cleans free text (messages, descriptions): line breaks are kept (normalized to `\n`),
/// other control characters are removed, and the ends are trimmed.
pub fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.nfc().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            c if is_dropped(c) || c.is_control() => {}
            c => out.push(c),
        }
    }
    trim_joiners(out)
}

/// Trims whitespace and joiners from both ends, and removes joiners that do not sit
/// between two visible characters.
fn trim_joiners(s: String) -> String {
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || is_joiner(c));
    if !trimmed.contains([ZWJ, ZWNJ]) {
        return trimmed.to_owned();
    }
    let chars: Vec<char> = trimmed.chars().collect();
    let mut out = String::with_capacity(trimmed.len());
    for (i, &c) in chars.iter().enumerate() {
        if is_joiner(c) {
            let prev = chars[..i].last().copied();
            let next = chars.get(i + 1).copied();
            let visible = |x: Option<char>| x.is_some_and(|x| !x.is_whitespace() && !is_joiner(x));
            if !(visible(prev) && visible(next)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Removes every invisible character (joiners and controls included) and trims the ends,
/// keeping inner spaces visible to the caller's own checks (emails, codes).
pub fn strip_invisible(raw: &str) -> String {
    let kept: String = raw
        .nfc()
        .filter(|&c| !is_dropped(c) && !is_joiner(c) && (c.is_whitespace() || !c.is_control()))
        .collect();
    kept.trim().to_owned()
}

/// A stable attribute name for a provider's field key: lower-case letters and digits of any
/// script, words joined by `_` (`"Company Size"` → `company_size`).
pub fn slug(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut gap = false;
    for c in clean_line(raw).chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_and_strips_invisible_characters() {
        // "e" + combining acute becomes the single precomposed character.
        assert_eq!(clean_line("Rene\u{301}e"), "Renée");
        assert_eq!(
            clean_line("\u{200B}Ana\u{FEFF}\u{202E} Li\u{2066}"),
            "Ana Li"
        );
        assert_eq!(clean_line("  Jo \t\n  Ann  "), "Jo Ann");
        // Emoji ZWJ sequence survives; stray joiners at the ends do not.
        assert_eq!(
            clean_line("\u{200D}👩\u{200D}💻 Dev\u{200C}"),
            "👩\u{200D}💻 Dev"
        );
        // Persian uses ZWNJ inside words.
        assert_eq!(clean_line("می\u{200C}خواهم"), "می\u{200C}خواهم");
        assert_eq!(clean_line("\u{0000}a\u{0007}b"), "ab");
    }

    #[test]
    fn text_keeps_lines() {
        assert_eq!(
            clean_text(" a\r\nb\rc\u{2028}d\u{0}\u{202E} "),
            "a\nb\nc\nd"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Company Size"), "company_size");
        assert_eq!(slug("  How many employees?  "), "how_many_employees");
        assert_eq!(slug("Größe (MA)"), "größe_ma");
        assert_eq!(slug("!!!"), "");
    }
}
