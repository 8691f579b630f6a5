//! Phone numbers to E.164 with libphonenumber's metadata (the `phonenumber` crate), using
//! the lead's country, else the source's default country, as the region for numbers
//! written without a country code.
//!
//! The metadata is loaded one calling code at a time, on first use, instead of
//! `phonenumber`'s whole database at once (about 110 ms of start-up for 207 calling codes:
//! decoding it and checking every pattern). The build script regroups the same records by
//! calling code (`build_phone.rs`); a number is parsed with a database holding its region's
//! calling code and the one after a leading `+`, and, when that finds no country code,
//! again after loading every code its digits could carry. A parse only ever consults the
//! region's code and the number's own (codes are prefix-free), so the answers are those of
//! the whole database. Loaded codes stay loaded for the life of the process; past 24 of
//! them, the next new one loads every code (`Loaded::with`).

use std::sync::{Arc, Mutex, PoisonError};

use phonenumber::metadata::{Database, loader};
use phonenumber::{ParseError, PhoneNumber, country};

use super::text;

mod table {
    include!(concat!(env!("OUT_DIR"), "/phone_metadata.rs"));
}

/// Each calling code's regions, postcard-encoded; `table::PHONE_GROUPS` ends each.
static METADATA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/phone_metadata.bin"));

/// The E.164 form of a valid number, or `None` when it cannot be read as one.
pub fn normalize(raw: &str, region: Option<&str>) -> Option<String> {
    normalize_in(&LOADED, raw, region)
}

fn normalize_in(loaded: &Loaded, raw: &str, region: Option<&str>) -> Option<String> {
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
    let region = region.and_then(|r| r.parse::<country::Id>().ok());
    let (database, number) = parse(loaded, region, &candidate)?;
    if !phonenumber::is_valid_with(&database, &number) {
        return None;
    }
    // What `number.format().mode(Mode::E164)` writes; its formatter would load the whole
    // database first.
    Some(format!("+{}{}", number.code().value(), number.national()))
}

/// Loads the calling code +1 now (the United States, Canada and the Caribbean), as the
/// first lead with such a number would.
pub fn warm_up() {
    let _ = normalize("+14155550100", None);
}

/// The number, parsed with a database that holds its region's calling code and its own.
fn parse(
    loaded: &Loaded,
    region: Option<country::Id>,
    text: &str,
) -> Option<(Arc<Database>, PhoneNumber)> {
    let region_code = region.and_then(|r| region_code(r.as_ref()));
    let plus_code = text
        .trim_start()
        .strip_prefix('+')
        .and_then(|rest| code_at(&ascii_digits(rest)));
    let (database, _) = loaded.with(region_code.into_iter().chain(plus_code));
    match phonenumber::parse_with(&database, region, text) {
        Err(ParseError::InvalidCountryCode) => {
            // The country code the parser reads starts at one of the digits (after an
            // international prefix); load every code found there, and parse again if that
            // added any. Letters and other digits than ASCII ones are read as digits too:
            // for those, every code.
            let (database, grew) = match codes_in(text) {
                Some(codes) => loaded.with(codes),
                None => loaded.with(table::PHONE_GROUPS.iter().map(|&(code, _)| code)),
            };
            if !grew {
                return None;
            }
            let number = phonenumber::parse_with(&database, region, text).ok()?;
            Some((database, number))
        }
        parsed => Some((database, parsed.ok()?)),
    }
}

/// The calling code of a region (ISO 3166-1 alpha-2), when it has one.
fn region_code(id: &str) -> Option<u16> {
    let id: [u8; 2] = id.as_bytes().try_into().ok()?;
    let i = table::PHONE_REGIONS
        .binary_search_by(|(r, _)| r.cmp(&id))
        .ok()?;
    Some(table::PHONE_REGIONS[i].1)
}

fn ascii_digits(text: &str) -> Vec<u8> {
    text.bytes().filter(u8::is_ascii_digit).collect()
}

/// The calling code `digits` start with, if any (at most one: codes are prefix-free).
fn code_at(digits: &[u8]) -> Option<u16> {
    let mut code = 0u16;
    for &d in digits.iter().take(3) {
        code = code * 10 + u16::from(d - b'0');
        if group(code).is_some() {
            return Some(code);
        }
    }
    None
}

/// Every calling code starting at one of the text's digits, or `None` when the text has
/// characters the parser reads as digits other than ASCII ones.
fn codes_in(text: &str) -> Option<Vec<u16>> {
    if text
        .chars()
        .any(|c| c.is_alphanumeric() && !c.is_ascii_digit())
    {
        return None;
    }
    let digits = ascii_digits(text);
    Some(
        (0..digits.len())
            .filter_map(|i| code_at(&digits[i..]))
            .collect(),
    )
}

/// A calling code's index in `table::PHONE_GROUPS`.
fn group(code: u16) -> Option<usize> {
    table::PHONE_GROUPS
        .binary_search_by_key(&code, |&(c, _)| c)
        .ok()
}

/// The calling codes loaded so far and the database of their regions.
struct Loaded(Mutex<State>);

struct State {
    codes: Vec<u16>,
    records: Vec<loader::Metadata>,
    database: Option<Arc<Database>>,
}

static LOADED: Loaded = Loaded::new();

/// See `Loaded::with`.
const LOAD_ALL_AFTER: usize = 24;

impl Loaded {
    const fn new() -> Self {
        Loaded(Mutex::new(State {
            codes: Vec::new(),
            records: Vec::new(),
            database: None,
        }))
    }

    /// The database with `codes` loaded (unknown codes are ignored), and whether any of
    /// them was not loaded before.
    ///
    /// Each new code rebuilds the database from every loaded one (and its compiled
    /// patterns start over), so once `LOAD_ALL_AFTER` codes are loaded the next new one
    /// loads them all: a long-lived process that meets many calling codes pays for the
    /// whole database once instead of for ever larger rebuilds.
    fn with(&self, codes: impl IntoIterator<Item = u16>) -> (Arc<Database>, bool) {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut codes: Vec<u16> = codes
            .into_iter()
            .filter(|&code| group(code).is_some() && state.codes.binary_search(&code).is_err())
            .collect();
        if !codes.is_empty() && state.codes.len() + codes.len() > LOAD_ALL_AFTER {
            codes = table::PHONE_GROUPS.iter().map(|&(code, _)| code).collect();
        }
        let mut grew = false;
        for code in codes {
            let (Some(i), Err(at)) = (group(code), state.codes.binary_search(&code)) else {
                continue;
            };
            let start = i
                .checked_sub(1)
                .map_or(0, |p| table::PHONE_GROUPS[p].1 as usize);
            let end = table::PHONE_GROUPS[i].1 as usize;
            let records: Vec<loader::Metadata> = postcard::from_bytes(&METADATA[start..end])
                .expect("phone metadata written by build.rs");
            state.records.extend(records);
            state.codes.insert(at, code);
            grew = true;
        }
        if grew || state.database.is_none() {
            let database = Database::from(state.records.clone())
                .expect("phone metadata checked when build.rs read it");
            state.database = Some(Arc::new(database));
        }
        let database = state.database.clone().expect("set above");
        (database, grew)
    }
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

    /// The same answers as `phonenumber`'s whole database, for regions' example numbers
    /// written the ways leads write them, from nothing loaded (the fewest calling codes a
    /// number can be parsed with) and from whatever earlier numbers loaded. Every 12th
    /// region here; `every_region_answers_as_the_whole_database` takes them all.
    #[test]
    fn answers_as_the_whole_database() {
        same_as_whole_database(12);
    }

    /// Every region: about two minutes in a debug build (each fresh database compiles its
    /// patterns again). `cargo test -p switchboard-normalize --lib -- --ignored phone`
    #[test]
    #[ignore = "slow in a debug build; run when phone.rs or phonenumber changes"]
    fn every_region_answers_as_the_whole_database() {
        same_as_whole_database(1);
    }

    /// `normalize` with `phonenumber`'s own, whole database.
    fn whole(raw: &str, region: Option<&str>) -> Option<String> {
        let visible = text::strip_invisible(raw);
        if visible.len() > 64 || !visible.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let candidate = match visible.strip_prefix("00") {
            Some(rest) if region.is_none() => format!("+{rest}"),
            _ => visible,
        };
        let region = region.and_then(|r| r.parse::<country::Id>().ok());
        let number = phonenumber::parse(region, &candidate).ok()?;
        if !phonenumber::is_valid(&number) {
            return None;
        }
        Some(number.format().mode(phonenumber::Mode::E164).to_string())
    }

    fn same_as_whole_database(every: usize) {
        use phonenumber::metadata::DATABASE;

        let shared = Loaded::new();
        let mut cases = 0;
        let mut valid = 0;
        let mut check = |loaded: &Loaded, raw: &str, region: Option<&str>| {
            let expected = whole(raw, region);
            valid += usize::from(expected.is_some());
            cases += 1;
            assert_eq!(
                normalize_in(loaded, raw, region),
                expected,
                "{raw} in {region:?}"
            );
        };
        let mut metas: Vec<_> = DATABASE.iter().collect();
        metas.sort_by_key(|m| (m.country_code(), m.id().to_owned()));
        let mut lettered = Vec::new();
        for meta in metas.iter().step_by(every) {
            let code = meta.country_code();
            let id = (meta.id() != "001").then(|| meta.id());
            let d = meta.descriptors();
            let examples = [d.fixed_line(), d.mobile(), d.toll_free()]
                .into_iter()
                .flatten()
                .filter_map(|desc| desc.example());
            for example in examples {
                let inputs = [
                    (format!("+{code} {example}"), None),
                    (format!("011 {code} {example}"), Some("US")),
                    (example.to_owned(), id),
                    (format!("0{example}"), id),
                    (format!("00{code}{example}"), None),
                    (format!("00 {code} {example}"), Some("DE")),
                    (format!("+{code}-{example}"), Some("GB")),
                    (format!("{code}{example}"), id),
                    (example.to_owned(), None),
                ];
                // The shared database grows a calling code at a time, as in a process.
                for (raw, region) in &inputs {
                    check(&shared, raw, *region);
                }
                for (raw, region) in &inputs[..4] {
                    check(&Loaded::new(), raw, *region);
                }
                // Letters make the parser load every code: after the rest.
                lettered.push((format!("{example} ext. 12"), id));
                lettered.push((format!("tel:+{code}-{example}"), None));
            }
        }
        let (raw, region) = &lettered[0];
        check(&Loaded::new(), raw, *region);
        for (raw, region) in &lettered {
            check(&shared, raw, *region);
        }
        assert!(
            cases > 3000 / every && valid > cases / 3,
            "{valid} valid of {cases}"
        );
    }
}
