//! Fictitious company names, their web domains, and people's e-mail local parts.

use super::markets::{COMPANY_ENDINGS, COMPANY_STEMS, Market};
use super::prng::SplitMix64;

/// A generated company: the brand (`Cobaltforge`) and its registrable domain.
pub struct Company {
    pub brand: String,
    pub domain: String,
}

impl Company {
    pub fn generate(rng: &mut SplitMix64, market: &Market) -> Company {
        let stem = rng.pick(COMPANY_STEMS);
        let ending = rng.pick(COMPANY_ENDINGS);
        let brand = format!("{stem}{ending}");
        // Many companies outside the US still use a .com domain.
        let tld = if market.tld != "com" && rng.chance(0.3) {
            "com"
        } else {
            market.tld
        };
        let domain = format!("{}.{tld}", ascii_fold(&brand));
        Company { brand, domain }
    }

    /// The brand with one of the market's legal forms, as people type it into forms.
    pub fn legal_name(&self, rng: &mut SplitMix64, market: &Market) -> String {
        format!("{} {}", self.brand, rng.pick(market.legal_forms))
    }
}

/// Lower-case ASCII for e-mail addresses and domains (`Müller` → `mueller`, `de Jong` → `dejong`).
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'ø' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'á' | 'à' | 'â' | 'å' | 'ą' | 'ã' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'ę' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' => out.push('u'),
            'ñ' | 'ń' => out.push('n'),
            'ç' | 'ć' => out.push('c'),
            'ł' => out.push('l'),
            'ś' => out.push('s'),
            'ż' | 'ź' => out.push('z'),
            _ => {}
        }
    }
    out
}

/// A work-style local part: `first.last`, `flast`, `first` or `first_last`.
pub fn email_local_part(rng: &mut SplitMix64, first: &str, last: &str) -> String {
    let (f, l) = (ascii_fold(first), ascii_fold(last));
    match rng.below(10) {
        0..=4 => format!("{f}.{l}"),
        5..=6 => format!("{}{l}", &f[..1.min(f.len())]),
        7 => f,
        8 => format!("{f}_{l}"),
        _ => format!("{f}.{l}{}", rng.between(1, 99)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_names_to_ascii() {
        assert_eq!(ascii_fold("Müller"), "mueller");
        assert_eq!(ascii_fold("de Jong"), "dejong");
        assert_eq!(ascii_fold("Élodie"), "elodie");
        assert_eq!(ascii_fold("Wiśniewski"), "wisniewski");
    }
}
