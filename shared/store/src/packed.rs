//! Stored records, packed: JSON compressed against a fixed dictionary of its kind.
//!
//! Two formats, both read forever:
//! - v1: an LZ4 block against a dictionary that is a few records of the kind (tags 1 to 8);
//!   what every value was written as before the trained dictionaries, and what the
//!   `General` kind (small entries of many shapes) is still written as.
//! - v2: a zstd frame against a dictionary trained on thousands of records of the kind
//!   (tags 9 to 16; `lead-v2.zdict`, `decision-v2.zdict`, `assignment-v2.zdict`, made by
//!   `examples/train_dictionaries.rs` from the demo's records). A trained dictionary holds
//!   the kind's recurring strings and, unlike LZ4's, the entropy tables of its field
//!   values: the load test's decision record of about 960 bytes packs into 230 bytes
//!   instead of 315, its lead into 147 instead of 237, at about the same speed (docs/BENCHMARKS.md, "Trained
//!   dictionaries and compact index entries"). The frame is stored without its 4-byte magic number,
//!   checksum, dictionary id and content size, which the tag and the length say.
//!
//! A record's JSON repeats the field names and much of the shape of every other record of
//! its kind, and is too small to compress well on its own (a 1 KB decision record: 40%
//! smaller alone, 70% smaller against a dictionary that holds a few records like it). Each
//! [`Kind`] of record has its own dictionary in `packed/`, a few records of that kind taken
//! from the demo: a small one costs less to prime for every value than one dictionary of
//! everything, and compresses as well. A dictionary is part of the format: a value packed
//! with it can only be read with the same bytes, so it never changes (`dictionaries_are_fixed`
//! pins them). A better one would be a new kind of tag, with the old kept for reading.
//!
//! A packed value is a tag, the JSON's length as LEB128, then the LZ4 block or the zstd
//! frame. The tag (1 to 16) names the format, the dictionary and whether the id was taken
//! out (below). JSON as
//! serde_json writes it never starts with a byte below 32, so values written before packing
//! (plain JSON) read unchanged, and a value that packing would not shrink is stored as plain
//! JSON.
//!
//! Most records are stored under their lead's id and carry it too (a lead, its assignment,
//! each decision): 36 bytes that no dictionary can predict. [`pack_under`] takes the id out
//! before compressing, leaving a NUL byte in its place, and [`unpack_under`] puts it back.
//! serde_json never writes a raw NUL (control characters are escaped), so every NUL in such
//! a value is a place the id was.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

/// What a record is, for the dictionary it is packed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything else: email entries, delivery records, rep and pool state, accounts.
    General = 0,
    /// A stored lead.
    Lead = 1,
    /// A decision record (and a shadow decision, which holds one).
    Decision = 2,
    /// An assignment.
    Assignment = 3,
}

/// The dictionaries, by [`Kind`]. Never edit: `dictionaries_are_fixed` pins their hashes.
const DICTIONARIES: [&[u8]; 4] = [
    include_bytes!("packed/general-v1.jsonl"),
    include_bytes!("packed/lead-v1.jsonl"),
    include_bytes!("packed/decision-v1.jsonl"),
    include_bytes!("packed/assignment-v1.jsonl"),
];

/// The trained zstd dictionaries (v2), by [`Kind`]; `General` has none and stays v1.
/// Never edit: `dictionaries_are_fixed` pins their hashes.
const TRAINED: [Option<&[u8]>; 4] = [
    None,
    Some(include_bytes!("packed/lead-v2.zdict")),
    Some(include_bytes!("packed/decision-v2.zdict")),
    Some(include_bytes!("packed/assignment-v2.zdict")),
];

/// zstd's level for v2: its default. Levels 1 to 3 pack these small records at about the
/// same speed, 3 a tenth smaller; a value packed at any level reads the same.
const LEVEL: i32 = 3;

/// The start of every zstd frame, left out of a stored v2 value.
const ZSTD_MAGIC: [u8; 4] = 0xFD2F_B528_u32.to_le_bytes();

/// The trained dictionaries, prepared once for compressing and for decompressing.
static ENCODERS: LazyLock<[Option<zstd::dict::EncoderDictionary<'static>>; 4]> =
    LazyLock::new(|| TRAINED.map(|d| d.map(|d| zstd::dict::EncoderDictionary::copy(d, LEVEL))));
static DECODERS: LazyLock<[Option<zstd::dict::DecoderDictionary<'static>>; 4]> =
    LazyLock::new(|| TRAINED.map(|d| d.map(zstd::dict::DecoderDictionary::copy)));

thread_local! {
    // A context per thread, made on first use: making one per value would cost more than
    // packing it.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// How a packed value was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// LZ4 against the v1 dictionary of the kind.
    Lz4(Kind),
    /// zstd against the trained dictionary of the kind.
    Zstd(Kind),
}

const KINDS: [Kind; 4] = [Kind::General, Kind::Lead, Kind::Decision, Kind::Assignment];

/// The tag of a value in `format`, its id taken out or not: 1 to 8 for v1, 9 to 16 for v2.
fn tag(format: Format, elided: bool) -> u8 {
    let (base, kind) = match format {
        Format::Lz4(kind) => (1, kind),
        Format::Zstd(kind) => (9, kind),
    };
    base + 2 * kind as u8 + u8::from(elided)
}

/// The format and whether the id was taken out, for a packed value's first byte; `None`
/// for plain JSON.
fn read_tag(byte: u8) -> Option<(Format, bool)> {
    let index = byte.checked_sub(1)?;
    let kind = *KINDS.get(usize::from(index % 8 / 2))?;
    let format = match index / 8 {
        0 => Format::Lz4(kind),
        1 if TRAINED[kind as usize].is_some() => Format::Zstd(kind),
        _ => return None,
    };
    Some((format, index % 2 == 1))
}

/// The format a value of `kind` is written in.
fn format_of(kind: Kind) -> Format {
    if TRAINED[kind as usize].is_some() {
        Format::Zstd(kind)
    } else {
        Format::Lz4(kind)
    }
}

/// Ids shorter than this are left in: there is little to save, and a short id can match
/// inside the field names the dictionary holds.
const MIN_ELIDED_ID: usize = 16;

/// Values shorter than this are stored as they are: the header would eat the saving.
const MIN_PACKED: usize = 24;

/// Largest JSON a packed value may claim to hold, so a corrupt length cannot make a reader
/// allocate without bound. Stored records are far smaller (an audit entry is at most 64 KB).
const MAX_UNPACKED: usize = 16 * 1024 * 1024;

/// A packed value that cannot be read: its header or its block is corrupt.
#[derive(Debug, thiserror::Error)]
#[error("packed value: {0}")]
pub struct UnpackError(String);

/// `json` packed, or `json` itself when packing would not make it smaller.
pub fn pack(json: Vec<u8>, kind: Kind) -> Vec<u8> {
    compress(json, kind, false)
}

/// `json` (as serde_json writes it) packed without the id it is stored under: read it back
/// with [`unpack_under`] and the same id.
pub fn pack_under(json: Vec<u8>, id: &str, kind: Kind) -> Vec<u8> {
    let Some(elided) = elide(&json, id) else {
        return compress(json, kind, false);
    };
    let packed = compress(elided, kind, true);
    if packed.first() == Some(&tag(format_of(kind), true)) {
        packed
    } else {
        // Not packed after all: store the JSON itself, id and all.
        json
    }
}

/// `json` with each copy of `id` replaced by a NUL byte, as [`pack_under`] packs it (and
/// as the dictionaries are trained on); `None` when `id` is too short to take out or is not
/// in it.
pub fn elide(json: &[u8], id: &str) -> Option<Vec<u8>> {
    if id.len() < MIN_ELIDED_ID {
        return None;
    }
    let finder = memchr::memmem::Finder::new(id.as_bytes());
    let mut found = finder.find_iter(json).peekable();
    found.peek()?;
    let mut elided = Vec::with_capacity(json.len());
    let mut from = 0;
    for at in found {
        elided.extend_from_slice(&json[from..at]);
        elided.push(0);
        from = at + id.len();
    }
    elided.extend_from_slice(&json[from..]);
    Some(elided)
}

fn compress(json: Vec<u8>, kind: Kind, elided: bool) -> Vec<u8> {
    if json.len() < MIN_PACKED {
        return json;
    }
    let format = format_of(kind);
    let mut out = Vec::with_capacity(1 + 5 + json.len());
    out.push(tag(format, elided));
    write_len(&mut out, json.len());
    let header = out.len();
    let packed = match format {
        Format::Lz4(kind) => lz4_into(&json, kind, &mut out),
        Format::Zstd(kind) => zstd_into(&json, kind, &mut out),
    };
    // Neither fails short of a bug (the buffer has each format's bound); plain JSON is
    // still a correct value.
    if !packed || out.len() >= json.len() {
        return json;
    }
    debug_assert!(out.len() > header);
    out
}

/// Appends `json` as an LZ4 block against the v1 dictionary of `kind`.
fn lz4_into(json: &[u8], kind: Kind, out: &mut Vec<u8>) -> bool {
    let header = out.len();
    out.resize(
        header + lz4_flex::block::get_maximum_output_size(json.len()),
        0,
    );
    let dictionary = DICTIONARIES[kind as usize];
    match lz4_flex::block::compress_into_with_dict(json, &mut out[header..], dictionary) {
        Ok(written) => {
            out.truncate(header + written);
            true
        }
        Err(_) => false,
    }
}

/// Appends `json` as a zstd frame against the trained dictionary of `kind`, without the
/// frame's magic number.
fn zstd_into(json: &[u8], kind: Kind, out: &mut Vec<u8>) -> bool {
    let Some(dictionary) = ENCODERS[kind as usize].as_ref() else {
        return false;
    };
    let header = out.len();
    out.resize(header + zstd::zstd_safe::compress_bound(json.len()), 0);
    let written = COMPRESSOR.with(|cell| -> std::io::Result<usize> {
        let mut cell = cell.borrow_mut();
        let compressor = match cell.as_mut() {
            Some(c) => c,
            None => {
                let mut c = zstd::bulk::Compressor::new(LEVEL)?;
                // What the tag and the length already say, or what redb's own pages guard.
                c.include_checksum(false)?;
                c.include_dictid(false)?;
                c.include_contentsize(false)?;
                cell.insert(c)
            }
        };
        compressor.set_prepared_dictionary(dictionary)?;
        compressor.compress_to_buffer(json, &mut out[header..])
    });
    match written {
        Ok(written) if out[header..].starts_with(&ZSTD_MAGIC) => {
            out.truncate(header + written);
            out.drain(header..header + ZSTD_MAGIC.len());
            true
        }
        _ => false,
    }
}

/// The JSON of a zstd frame stored without its magic number, `len` bytes of it.
fn zstd_from(frame: &[u8], kind: Kind, len: usize) -> Result<Vec<u8>, UnpackError> {
    let Some(dictionary) = DECODERS[kind as usize].as_ref() else {
        return Err(UnpackError(format!("no trained dictionary for {kind:?}")));
    };
    let mut framed = Vec::with_capacity(ZSTD_MAGIC.len() + frame.len());
    framed.extend_from_slice(&ZSTD_MAGIC);
    framed.extend_from_slice(frame);
    let mut json = vec![0; len];
    let written = DECOMPRESSOR.with(|cell| -> std::io::Result<usize> {
        let mut cell = cell.borrow_mut();
        let decompressor = match cell.as_mut() {
            Some(d) => d,
            None => cell.insert(zstd::bulk::Decompressor::new()?),
        };
        decompressor.set_prepared_dictionary(dictionary)?;
        decompressor.decompress_to_buffer(&framed, &mut json[..])
    });
    match written {
        Ok(written) if written == len => Ok(json),
        Ok(written) => Err(UnpackError(format!("holds {written} bytes, not {len}"))),
        Err(e) => Err(UnpackError(e.to_string())),
    }
}

/// The JSON of a value stored by [`pack`]: unpacked, or borrowed as it is when it was
/// stored plain.
pub fn unpack(stored: &[u8]) -> Result<Cow<'_, [u8]>, UnpackError> {
    unpack_under(stored, "")
}

/// The JSON of a value stored under `id` by [`pack_under`] (or by [`pack`]).
pub fn unpack_under<'a>(stored: &'a [u8], id: &str) -> Result<Cow<'a, [u8]>, UnpackError> {
    let Some((format, elided)) = stored.first().and_then(|&b| read_tag(b)) else {
        return Ok(Cow::Borrowed(stored));
    };
    let (len, block) = read_len(&stored[1..])?;
    if len > MAX_UNPACKED {
        return Err(UnpackError(format!("claims {len} bytes")));
    }
    let json = match format {
        Format::Lz4(kind) => {
            let mut json = vec![0; len];
            let written = lz4_flex::block::decompress_into_with_dict(
                block,
                &mut json,
                DICTIONARIES[kind as usize],
            )
            .map_err(|e| UnpackError(e.to_string()))?;
            if written != len {
                return Err(UnpackError(format!("holds {written} bytes, not {len}")));
            }
            json
        }
        Format::Zstd(kind) => zstd_from(block, kind, len)?,
    };
    if !elided {
        return Ok(Cow::Owned(json));
    }
    if id.is_empty() {
        return Err(UnpackError(
            "stored without its id, read without one".into(),
        ));
    }
    let mut full = Vec::with_capacity(len + 2 * id.len());
    for (i, part) in json.split(|&b| b == 0).enumerate() {
        if i > 0 {
            full.extend_from_slice(id.as_bytes());
        }
        full.extend_from_slice(part);
    }
    Ok(Cow::Owned(full))
}

fn write_len(out: &mut Vec<u8>, mut len: usize) {
    while len >= 0x80 {
        out.push((len as u8 & 0x7f) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
}

fn read_len(bytes: &[u8]) -> Result<(usize, &[u8]), UnpackError> {
    let mut len = 0usize;
    for (i, &b) in bytes.iter().enumerate().take(4) {
        len |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((len, &bytes[i + 1..]));
        }
    }
    Err(UnpackError("bad length".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn dictionaries_are_fixed() {
        // Every packed value in every store depends on these bytes.
        let pinned = [
            "ee1f2028ef50c6d4d4e435f3a60c81cd888e4077b2d26b31250aadb354385648",
            "be02d2ab4ab3b1d88eab6df3cdea74e3f831d266d525561273aa61859396e730",
            "4866afc755a20da6fb3859f5c76a250b3a7960e0b8d354d071438046a5bfba1f",
            "a005fe3953e6aa5cb3e79555889406e98f0029f47128870f819b9e205d45ffab",
        ];
        for (kind, (dictionary, hash)) in DICTIONARIES.iter().zip(pinned).enumerate() {
            assert_eq!(
                base16(&Sha256::digest(dictionary)),
                hash,
                "dictionary {kind} changed: stored values would no longer read"
            );
        }
        let trained = [
            None,
            Some("c54784fbe55bb77f0aa3718fa4440c50496e41136775f392823705b4b3242bc5"),
            Some("ed65b812171140ebb0c514570c5f14dbae7790a4f9fba93ae83b1afbc15462df"),
            Some("b8ae1b583394bb5c8ec68947e0122196de91bfd39471e4e3f9b9b1b9e1ee46f0"),
        ];
        for (kind, (dictionary, hash)) in TRAINED.iter().zip(trained).enumerate() {
            assert_eq!(
                dictionary.map(|d| base16(&Sha256::digest(d))).as_deref(),
                hash,
                "trained dictionary {kind} changed: stored values would no longer read"
            );
        }
    }

    #[test]
    fn tags_name_a_format_and_dictionary_and_never_start_json() {
        let mut seen = std::collections::HashSet::new();
        for kind in KINDS {
            let mut formats = vec![Format::Lz4(kind)];
            if TRAINED[kind as usize].is_some() {
                formats.push(Format::Zstd(kind));
            }
            for format in formats {
                for elided in [false, true] {
                    let t = tag(format, elided);
                    // Below any byte serde_json starts a document with.
                    assert!((1..=16).contains(&t));
                    assert!(seen.insert(t), "tag {t} twice");
                    assert_eq!(read_tag(t), Some((format, elided)));
                }
            }
        }
        // The general kind has no trained dictionary: its v2 tags are not values.
        for plain in [0, 9, 10, 17, b'{', b'"', b'n'] {
            assert!(read_tag(plain).is_none(), "{plain}");
        }
    }

    /// `json` packed as every value was before the trained dictionaries.
    fn pack_v1(json: &[u8], kind: Kind) -> Vec<u8> {
        let mut out = vec![tag(Format::Lz4(kind), false)];
        write_len(&mut out, json.len());
        assert!(lz4_into(json, kind, &mut out));
        out
    }

    #[test]
    fn values_packed_before_the_trained_dictionaries_read_unchanged() {
        let record = br#"{"lead_id":"0193a2b4-0000-7000-8000-000000000001","rep":"de-1","pool":"dach","attempt":1,"policy_version":3,"assigned_at":"2026-12-01T09:00:00Z","sla_due":"2026-12-01T09:15:00Z","status":"open"}"#;
        for kind in KINDS {
            let old = pack_v1(record, kind);
            assert_eq!(read_tag(old[0]), Some((Format::Lz4(kind), false)));
            assert_eq!(unpack(&old).unwrap().as_ref(), record);
        }
        // What is written now is the trained format, and smaller.
        let new = pack(record.to_vec(), Kind::Assignment);
        assert_eq!(
            read_tag(new[0]),
            Some((Format::Zstd(Kind::Assignment), false))
        );
        assert!(new.len() < pack_v1(record, Kind::Assignment).len());
    }

    #[test]
    fn a_record_packs_smaller_and_reads_back() {
        let record = br#"{"lead_id":"0193a2b4-0000-7000-8000-000000000001","rep":"de-1","pool":"dach","attempt":1,"policy_version":3,"assigned_at":"2026-12-01T09:00:00Z","sla_due":"2026-12-01T09:15:00Z","status":"open"}"#;
        let packed = pack(record.to_vec(), Kind::Assignment);
        assert_eq!(packed[0], tag(format_of(Kind::Assignment), false));
        assert!(packed.len() * 2 < record.len(), "{} bytes", packed.len());
        assert_eq!(unpack(&packed).unwrap().as_ref(), record);
    }

    #[test]
    fn values_that_would_not_shrink_stay_plain() {
        for plain in [&b"{}"[..], b"\"short\"", &[b'x'; 23]] {
            assert_eq!(pack(plain.to_vec(), Kind::General), plain);
            assert!(matches!(unpack(plain).unwrap(), Cow::Borrowed(_)));
        }
        // Incompressible bytes longer than the threshold.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let noise = [b"\"".as_slice(), &noise, b"\""].concat();
        assert_eq!(pack(noise.clone(), Kind::General), noise);
    }

    #[test]
    fn plain_json_written_before_packing_reads_unchanged() {
        let old = br#"{"lead_id":"L-1","status":"open"}"#;
        assert_eq!(unpack(old).unwrap().as_ref(), old);
    }

    #[test]
    fn lengths_round_trip_across_their_byte_boundaries() {
        for len in [0, 1, 127, 128, 16_383, 16_384, MAX_UNPACKED] {
            let mut out = vec![];
            write_len(&mut out, len);
            assert_eq!(read_len(&out).unwrap(), (len, &[][..]));
        }
    }

    #[test]
    fn corrupt_values_are_refused_not_misread() {
        let packed = pack(
            br#"{"lead_id":"0193a2b4-0000-7000-8000-000000000001","status":"open","rep":"de-1"}"#
                .to_vec(),
            Kind::Assignment,
        );
        // A length that disagrees with the block, a truncated block, a length past the cap.
        let mut longer = packed.clone();
        longer[1] += 1;
        let truncated = &packed[..packed.len() - 3];
        let mut huge = vec![tag(Format::Lz4(Kind::General), false)];
        write_len(&mut huge, MAX_UNPACKED + 1);
        for bad in [&longer[..], truncated, &huge, &[1, 0x80, 0x80, 0x80, 0x80]] {
            assert!(unpack(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_record_stored_under_its_id_packs_without_it() {
        let id = "0193a2b4-0000-7000-8000-000000000001";
        let record = format!(
            r#"{{"lead_id":"{id}","rep":"de-1","pool":"dach","attempt":1,"policy_version":3,"assigned_at":"2026-12-01T09:00:00Z","sla_due":"2026-12-01T09:15:00Z","status":"open","ref":"{id}:1"}}"#
        );
        let with_id = pack(record.clone().into_bytes(), Kind::Assignment);
        let without = pack_under(record.clone().into_bytes(), id, Kind::Assignment);
        assert_eq!(without[0], tag(format_of(Kind::Assignment), true));
        // The id is gone (its second copy was a short back-reference anyway): half an id's
        // worth smaller, what its mostly zero digits cost entropy-coded.
        assert!(
            without.len() + id.len() / 2 < with_id.len(),
            "{} vs {}",
            without.len(),
            with_id.len()
        );
        assert_eq!(
            unpack_under(&without, id).unwrap().as_ref(),
            record.as_bytes()
        );
        // Without the id it cannot be read back, and says so rather than misreading.
        assert!(unpack(&without).is_err());
        // A value that does not hold its id, or is stored under a short one, packs as usual.
        for other_id in ["0193a2b4-0000-7000-8000-000000000002", "de-1"] {
            let other = pack_under(record.clone().into_bytes(), other_id, Kind::Assignment);
            assert_eq!(other, with_id);
            let read = unpack_under(&other, other_id).unwrap();
            assert_eq!(read.as_ref(), record.as_bytes());
        }
    }

    proptest::proptest! {
        /// Whatever serde_json writes reads back exactly under the id it was packed under,
        /// including ids that appear inside other strings, next to each other, or not at all.
        #[test]
        fn packed_under_an_id_reads_back_exactly(
            id in "[a-z0-9:-]{16,40}",
            parts in proptest::collection::vec(
                proptest::prop_oneof!["[ -~]{0,40}", "\\PC{0,8}", proptest::strategy::Just(String::new())],
                0..8,
            ),
            glue in proptest::collection::vec(0u8..3, 0..8),
        ) {
            // Strings that mix the id with other text and control characters.
            let strings: Vec<String> = parts
                .iter()
                .zip(glue.iter().chain(std::iter::repeat(&0)))
                .map(|(p, g)| match g {
                    0 => p.clone(),
                    1 => format!("{id}{p}{id}"),
                    _ => format!("{p}\u{0}{id}"),
                })
                .collect();
            let json = serde_json::to_vec(&serde_json::json!({ "id": id, "strings": strings })).unwrap();
            let packed = pack_under(json.clone(), &id, Kind::Lead);
            let read = unpack_under(&packed, &id).unwrap().into_owned();
            proptest::prop_assert_eq!(read, json);
        }
    }

    fn base16(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
