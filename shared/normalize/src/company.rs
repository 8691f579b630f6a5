//! Company names: whitespace and invisible characters cleaned, and trailing legal forms
//! (GmbH, Inc., Ltd, S.A., ...) removed so `ACME GmbH` and `ACME` match one account.
//!
//! Only the end of the name is touched, and a name that is nothing but a legal form is
//! kept as written.

use super::punctuation::fold_punctuation;
use super::text;

/// Legal forms as normalized token sequences (lower-case, dots and commas removed).
/// Longer sequences are listed before their own tails so they win.
const LEGAL_FORMS: &[&[&str]] = &[
    &["gmbh", "&", "co", "kg"],
    &["gmbh", "und", "co", "kg"],
    &["gmbh", "&", "co", "kgaa"],
    &["limited", "liability", "company"],
    &["public", "limited", "company"],
    &["ug", "(haftungsbeschränkt)"],
    &["sp", "z", "oo"],
    &["sa", "de", "cv"],
    &["s", "de", "rl"],
    &["sdn", "bhd"],
    &["pty", "ltd"],
    &["pty", "limited"],
    &["pvt", "ltd"],
    &["private", "limited"],
    &["pte", "ltd"],
    &["co", "ltd"],
    &["co", "limited"],
    &["s", "a"],
    &["b", "v"],
    &["n", "v"],
    &["gmbh"],
    &["ag"],
    &["kg"],
    &["kgaa"],
    &["ohg"],
    &["ug"],
    &["ev"],
    &["se"],
    &["mbh"],
    &["inc"],
    &["incorporated"],
    &["llc"],
    &["llp"],
    &["lp"],
    &["ltd"],
    &["limited"],
    &["corp"],
    &["corporation"],
    &["co"],
    &["plc"],
    &["sa"],
    &["sas"],
    &["sarl"],
    &["sàrl"],
    &["sl"],
    &["slu"],
    &["srl"],
    &["spa"],
    &["bv"],
    &["nv"],
    &["cv"],
    &["oy"],
    &["oyj"],
    &["ab"],
    &["as"],
    &["asa"],
    &["aps"],
    &["a/s"],
    &["kk"],
    &["kft"],
    &["zrt"],
    &["sro"],
    &["doo"],
    &["ooo"],
    &["pte"],
    &["bhd"],
    &["ltda"],
    &["lda"],
    &["pty"],
];

fn normalize_token(token: &str) -> String {
    token
        .chars()
        .map(fold_punctuation)
        .filter(|c| !matches!(c, '.' | ','))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The cleaned company name (`None` when nothing visible is left).
pub fn clean(raw: &str) -> Option<String> {
    let line = text::clean_line(raw);
    if line.is_empty() {
        return None;
    }
    let mut tokens: Vec<&str> = line.split(' ').collect();
    'strip: loop {
        let normalized: Vec<String> = tokens.iter().map(|t| normalize_token(t)).collect();
        // Tokens that were only punctuation (a lone "," or "-") are dropped from the end.
        if tokens.len() > 1 && normalized.last().is_some_and(|t| t.is_empty() || t == "-") {
            tokens.pop();
            continue;
        }
        for form in LEGAL_FORMS {
            if form.len() < tokens.len()
                && normalized[tokens.len() - form.len()..]
                    .iter()
                    .zip(form.iter())
                    .all(|(a, b)| a == b)
            {
                tokens.truncate(tokens.len() - form.len());
                continue 'strip;
            }
        }
        break;
    }
    let name = tokens
        .join(" ")
        .trim_end_matches(|c| matches!(fold_punctuation(c), ',' | '-' | '&' | ' '))
        .to_owned();
    Some(if name.is_empty() { line } else { name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_legal_forms() {
        let cases = [
            ("ACME GmbH", "ACME"),
            ("  Acme,   Inc. ", "Acme"),
            ("Globex Corporation", "Globex"),
            ("Initech Ltd.", "Initech"),
            ("Umbrella S.A.", "Umbrella"),
            ("Umbrella S. A.", "Umbrella"),
            ("Müller Holding GmbH & Co. KG", "Müller Holding"),
            ("Foo Pty Ltd", "Foo"),
            ("Hooli, LLC", "Hooli"),
            ("Vandelay Industries", "Vandelay Industries"),
            ("GmbH", "GmbH"),
            ("Nordisk A/S", "Nordisk"),
            ("Acme Co., Ltd.", "Acme"),
            // Typographic punctuation and spaces, as pasted from documents.
            ("Acme –", "Acme"),
            ("Acme —", "Acme"),
            ("Acme\u{A0}GmbH", "Acme"),
            ("O’Reilly Media, Inc.", "O’Reilly Media"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw).as_deref(), Some(want), "{raw}");
        }
        assert_eq!(clean(" \u{200B} "), None);
    }
}
