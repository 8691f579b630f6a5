//! Writes the phone-number metadata split by calling code (`src/phone.rs` loads
//! one calling code's regions at a time), from the `phonenumber` crate's database.
//!
//! Why: `phonenumber`'s own database is one blob that is decoded, and every one of its
//! patterns checked, on first use: about 110 ms of the intake's start-up for 207 calling
//! codes when a lead needs one or two. The same records, grouped by calling code, are
//! handed to `phonenumber::metadata::Database::from` for the codes a number needs.
//!
//! Output: `$OUT_DIR/phone_metadata.bin`, each calling code's regions as a postcard
//! `Vec<phonenumber::metadata::loader::Metadata>` (in the order the full database lists
//! them: the main region first), concatenated; and `$OUT_DIR/phone_metadata.rs` with
//! `PHONE_GROUPS` ((calling code, end offset), sorted by code) and `PHONE_REGIONS`
//! ((region id, calling code), sorted by id).

use std::fmt::Write as _;
use std::path::Path;

use phonenumber::metadata::{DATABASE, Descriptor, Format, Metadata, loader};

fn descriptor(d: &Descriptor) -> loader::Descriptor {
    loader::Descriptor {
        national_number: Some(d.national_number().as_str().to_owned()),
        possible_length: d.possible_length().to_vec(),
        possible_local_length: d.possible_local_length().to_vec(),
        example: d.example().map(str::to_owned),
    }
}

fn format(f: &Format) -> loader::Format {
    loader::Format {
        pattern: Some(f.pattern().as_str().to_owned()),
        format: Some(f.format().to_owned()),
        leading_digits: f
            .leading_digits()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        national_prefix_formatting_rule: f.national_prefix().map(str::to_owned),
        national_prefix_optional_when_formatting: f.is_national_prefix_optional(),
        domestic_carrier: f.domestic_carrier().map(str::to_owned),
    }
}

/// The loader's form of a database record: what `Database::from` builds it from.
fn record(m: &Metadata) -> loader::Metadata {
    let d = m.descriptors();
    loader::Metadata {
        general: Some(descriptor(d.general())),
        fixed_line: d.fixed_line().map(descriptor),
        mobile: d.mobile().map(descriptor),
        toll_free: d.toll_free().map(descriptor),
        premium_rate: d.premium_rate().map(descriptor),
        shared_cost: d.shared_cost().map(descriptor),
        personal_number: d.personal_number().map(descriptor),
        voip: d.voip().map(descriptor),
        pager: d.pager().map(descriptor),
        uan: d.uan().map(descriptor),
        emergency: d.emergency().map(descriptor),
        voicemail: d.voicemail().map(descriptor),
        short_code: d.short_code().map(descriptor),
        standard_rate: d.standard_rate().map(descriptor),
        carrier: d.carrier().map(descriptor),
        no_international: d.no_international().map(descriptor),
        id: Some(m.id().to_owned()),
        country_code: Some(m.country_code()),
        international_prefix: m.international_prefix().map(|r| r.as_str().to_owned()),
        preferred_international_prefix: m.preferred_international_prefix().map(str::to_owned),
        national_prefix: m.national_prefix().map(str::to_owned),
        preferred_extension_prefix: m.preferred_extension_prefix().map(str::to_owned),
        national_prefix_for_parsing: m
            .national_prefix_for_parsing()
            .map(|r| r.as_str().to_owned()),
        national_prefix_transform_rule: m.national_prefix_transform_rule().map(str::to_owned),
        formats: m.formats().iter().map(format).collect(),
        international_formats: m.international_formats().iter().map(format).collect(),
        main_country_for_code: m.is_main_country_for_code(),
        leading_digits: m.leading_digits().map(|r| r.as_str().to_owned()),
        mobile_number_portable: m.is_mobile_number_portable(),
        defaults: Default::default(),
    }
}

pub fn write(out_dir: &Path) {
    let mut codes: Vec<u16> = DATABASE.iter().map(Metadata::country_code).collect();
    codes.sort_unstable();
    codes.dedup();
    // The run-time lookup relies on this: at most one calling code is a prefix of a
    // number's digits (ITU assigns them that way).
    for a in &codes {
        for b in &codes {
            let (a, b) = (a.to_string(), b.to_string());
            assert!(
                a == b || !b.starts_with(&a),
                "calling code {a} is a prefix of {b}"
            );
        }
    }

    let mut blob = Vec::new();
    let mut groups = Vec::with_capacity(codes.len());
    let mut regions: Vec<(String, u16)> = Vec::new();
    for &code in &codes {
        // `region` lists a code's regions main one first, then in the source's order:
        // `Database::from` rebuilds the same order from this one.
        let ids = DATABASE.region(&code).expect("listed code");
        let records: Vec<loader::Metadata> = ids
            .iter()
            .map(|id| {
                let meta = DATABASE
                    .by_code(&code)
                    .unwrap()
                    .into_iter()
                    .find(|m| m.id() == *id)
                    .expect("region of its code");
                record(meta)
            })
            .collect();
        blob.extend(postcard::to_allocvec(&records).unwrap());
        groups.push((code, u32::try_from(blob.len()).unwrap()));
        for id in ids {
            // "001": non-geographic entities (international freephone and the like),
            // reached by calling code only.
            if id != "001" {
                regions.push((id.to_owned(), code));
            }
        }
    }
    regions.sort();
    for pair in regions.windows(2) {
        assert_ne!(pair[0].0, pair[1].0, "region under two calling codes");
    }

    let mut rs = String::new();
    writeln!(
        rs,
        "// Generated by build.rs from phonenumber's metadata; do not edit."
    )
    .unwrap();
    writeln!(
        rs,
        "/// (calling code, end of its regions in `phone_metadata.bin`), sorted by code."
    )
    .unwrap();
    writeln!(
        rs,
        "pub static PHONE_GROUPS: [(u16, u32); {}] = {:?};",
        groups.len(),
        groups
    )
    .unwrap();
    writeln!(rs, "/// (region id, its calling code), sorted by id.").unwrap();
    writeln!(
        rs,
        "pub static PHONE_REGIONS: [([u8; 2], u16); {}] = [{}];",
        regions.len(),
        regions
            .iter()
            .map(|(id, code)| format!("(*b{id:?}, {code})"))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    std::fs::write(out_dir.join("phone_metadata.rs"), rs).unwrap();
    std::fs::write(out_dir.join("phone_metadata.bin"), blob).unwrap();
}
