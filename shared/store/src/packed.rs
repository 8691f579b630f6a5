//! Stored records, packed: JSON compressed as an LZ4 block against a fixed dictionary.
//!
//! A record's JSON repeats the field names and much of the shape of every other record of
//! its kind, and is too small to compress well on its own (a 1 KB decision record: 40%
//! smaller alone, 70% smaller against a dictionary that holds a few records like it). The
//! dictionary, `packed/dictionary-v1.jsonl`, is a handful of records of each kind taken
//! from the demo; it is part of the format: a value packed with it can only be read with
//! the same bytes, so it never changes. A better one would be version 2, with its own tag,
//! and version 1 kept for reading.
//!
//! A packed value is `TAG_V1`, the JSON's length as LEB128, then the LZ4 block. JSON never
//! starts with byte 1, so values written before packing (plain JSON) read unchanged, and a
//! value that packing would not shrink is stored as plain JSON.

use std::borrow::Cow;

/// The dictionary of version 1. Never edit: `dictionary_is_fixed` pins its hash.
const DICTIONARY_V1: &[u8] = include_bytes!("packed/dictionary-v1.jsonl");

/// First byte of a value packed with [`DICTIONARY_V1`].
const TAG_V1: u8 = 1;

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
pub fn pack(json: Vec<u8>) -> Vec<u8> {
    if json.len() < MIN_PACKED {
        return json;
    }
    let mut out = Vec::with_capacity(1 + 5 + lz4_flex::block::get_maximum_output_size(json.len()));
    out.push(TAG_V1);
    write_len(&mut out, json.len());
    let header = out.len();
    out.resize(
        header + lz4_flex::block::get_maximum_output_size(json.len()),
        0,
    );
    let Ok(written) =
        lz4_flex::block::compress_into_with_dict(&json, &mut out[header..], DICTIONARY_V1)
    else {
        // The buffer is the block's maximum size, so this does not happen; plain JSON is
        // still a correct value.
        return json;
    };
    out.truncate(header + written);
    if out.len() >= json.len() {
        return json;
    }
    out
}

/// The JSON of a stored value: unpacked, or borrowed as it is when it was stored plain.
pub fn unpack(stored: &[u8]) -> Result<Cow<'_, [u8]>, UnpackError> {
    let Some((&TAG_V1, rest)) = stored.split_first() else {
        return Ok(Cow::Borrowed(stored));
    };
    let (len, block) = read_len(rest)?;
    if len > MAX_UNPACKED {
        return Err(UnpackError(format!("claims {len} bytes")));
    }
    let mut json = vec![0; len];
    let written = lz4_flex::block::decompress_into_with_dict(block, &mut json, DICTIONARY_V1)
        .map_err(|e| UnpackError(e.to_string()))?;
    if written != len {
        return Err(UnpackError(format!("holds {written} bytes, not {len}")));
    }
    Ok(Cow::Owned(json))
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
    fn dictionary_is_fixed() {
        // Every packed value in every store depends on these bytes.
        let hash = Sha256::digest(DICTIONARY_V1);
        assert_eq!(
            base16(&hash),
            "8e32217f7c37fe9ebf9718bb6a9c504801764ba002602cada6d2fd247c2c24ee",
            "the dictionary of version 1 changed: stored values would no longer read"
        );
    }

    #[test]
    fn a_record_packs_smaller_and_reads_back() {
        let record = br#"{"lead_id":"0193a2b4-0000-7000-8000-000000000001","rep":"de-1","pool":"dach","attempt":1,"policy_version":3,"assigned_at":"2026-12-01T09:00:00Z","sla_due":"2026-12-01T09:15:00Z","status":"open"}"#;
        let packed = pack(record.to_vec());
        assert_eq!(packed[0], TAG_V1);
        assert!(packed.len() * 2 < record.len(), "{} bytes", packed.len());
        assert_eq!(unpack(&packed).unwrap().as_ref(), record);
    }

    #[test]
    fn values_that_would_not_shrink_stay_plain() {
        for plain in [&b"{}"[..], b"\"short\"", &[b'x'; 23]] {
            assert_eq!(pack(plain.to_vec()), plain);
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
        assert_eq!(pack(noise.clone()), noise);
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
        );
        // A length that disagrees with the block, a truncated block, a length past the cap.
        let mut longer = packed.clone();
        longer[1] += 1;
        let truncated = &packed[..packed.len() - 3];
        let mut huge = vec![TAG_V1];
        write_len(&mut huge, MAX_UNPACKED + 1);
        for bad in [
            &longer[..],
            truncated,
            &huge,
            &[TAG_V1, 0x80, 0x80, 0x80, 0x80],
        ] {
            assert!(unpack(bad).is_err(), "{bad:?}");
        }
    }

    fn base16(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
