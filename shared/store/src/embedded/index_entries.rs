//! The email dedupe and idempotency entries (`tables::EMAILS`, `tables::IDEMPOTENCY`) in a
//! compact binary form: a marker byte, a flags byte, a time as seconds and nanoseconds, and
//! the lead id as its 16 bytes when it is a UUID (every lead id intake makes), as text
//! otherwise. 30 bytes where the JSON of an email entry took 66 packed and an idempotency
//! entry's text 50: both tables are keyed by hashes, so every entry lands on a page of its
//! own choosing and each byte saved is saved about one and a half times on disk
//! (docs/BENCHMARKS.md, "Trained dictionaries and compact index entries").
//!
//! An email entry may also carry its lead's idempotency key ([`FoldedKey`]): 16 bytes of
//! the key's hash and, for a key that expires, 12 bytes of expiry, between the time and
//! the id. Entries without one are as they were.
//!
//! Entries written before read as they are: an email entry's packed or plain JSON, an
//! idempotency entry's `<lead id> NUL <expiry in ms>` text. Neither starts with the marker,
//! which is not valid UTF-8 on its own and so never the first byte of JSON or of text, nor
//! one of the packed values' tags (1 to 16).

use jiff::Timestamp;

use super::tables::decode_under;
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::EmailEntry;

/// The first byte of a compact entry.
const MARKER: u8 = 0xC1;
/// Flags: the entry has a time; the id is a UUID's 16 bytes (else UTF-8 text); the entry
/// carries a folded idempotency key; that key expires.
const HAS_TIME: u8 = 1;
const UUID_ID: u8 = 2;
const HAS_KEY: u8 = 4;
const KEY_EXPIRES: u8 = 8;
const KNOWN_FLAGS: u8 = HAS_TIME | UUID_ID | HAS_KEY | KEY_EXPIRES;

/// The idempotency key of an address's primary lead, kept in the address's email entry
/// instead of an entry of its own (`leads::insert_in`): a key derived from the lead's
/// content, so a delivery under it has the same address and finds it there. Both tables
/// are keyed by hashes, so every entry costs a commit a page of its own; one entry per lead
/// instead of two halves that (docs/BENCHMARKS.md, "One hashed entry per lead").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldedKey {
    /// The first 16 bytes of the key's SHA-256 (`tables::idempotency_hash`).
    pub hash: [u8; 16],
    pub expires_at: Option<Timestamp>,
}

/// A compact entry's parts.
struct Compact {
    lead_id: String,
    at: Option<Timestamp>,
    key: Option<FoldedKey>,
}

fn put_time(out: &mut Vec<u8>, at: Timestamp) {
    out.extend_from_slice(&at.as_second().to_be_bytes());
    out.extend_from_slice(&at.subsec_nanosecond().to_be_bytes());
}

fn encode(lead_id: &str, at: Option<Timestamp>, key: Option<&FoldedKey>) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 12 + 28 + 16);
    out.push(MARKER);
    let uuid = uuid::Uuid::try_parse(lead_id)
        .ok()
        // Only an id that reads back exactly as it was written (lower case, hyphens).
        .filter(|u| u.hyphenated().to_string() == lead_id);
    let flag = |on: bool, flag: u8| if on { flag } else { 0 };
    out.push(
        flag(at.is_some(), HAS_TIME)
            | flag(uuid.is_some(), UUID_ID)
            | flag(key.is_some(), HAS_KEY)
            | flag(key.is_some_and(|k| k.expires_at.is_some()), KEY_EXPIRES),
    );
    if let Some(at) = at {
        put_time(&mut out, at);
    }
    if let Some(key) = key {
        out.extend_from_slice(&key.hash);
        if let Some(expires_at) = key.expires_at {
            put_time(&mut out, expires_at);
        }
    }
    match uuid {
        Some(u) => out.extend_from_slice(u.as_bytes()),
        None => out.extend_from_slice(lead_id.as_bytes()),
    }
    out
}

/// A compact entry's parts; `None` when `stored` is not one.
fn decode(stored: &[u8]) -> Option<StoreResult<Compact>> {
    let (&marker, rest) = stored.split_first()?;
    if marker != MARKER {
        return None;
    }
    let bad = || StoreError::Invalid(format!("index entry of {} bytes is corrupt", stored.len()));
    let time = |rest: &mut &[u8]| -> StoreResult<Timestamp> {
        let (seconds, tail) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let (nanos, tail) = tail.split_first_chunk::<4>().ok_or_else(bad)?;
        *rest = tail;
        Timestamp::new(i64::from_be_bytes(*seconds), i32::from_be_bytes(*nanos)).map_err(|_| bad())
    };
    Some((|| {
        let (&flags, mut rest) = rest.split_first().ok_or_else(bad)?;
        // A flag this code does not know is a later version's entry: refused, not misread.
        if flags & !KNOWN_FLAGS != 0 || (flags & HAS_KEY == 0 && flags & KEY_EXPIRES != 0) {
            return Err(bad());
        }
        let at = (flags & HAS_TIME != 0)
            .then(|| time(&mut rest))
            .transpose()?;
        let key = if flags & HAS_KEY != 0 {
            let (hash, tail) = rest.split_first_chunk::<16>().ok_or_else(bad)?;
            rest = tail;
            let expires_at = (flags & KEY_EXPIRES != 0)
                .then(|| time(&mut rest))
                .transpose()?;
            Some(FoldedKey {
                hash: *hash,
                expires_at,
            })
        } else {
            None
        };
        let lead_id = if flags & UUID_ID != 0 {
            let bytes: [u8; 16] = rest.try_into().map_err(|_| bad())?;
            uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
        } else {
            String::from_utf8(rest.to_vec()).map_err(|_| bad())?
        };
        Ok(Compact { lead_id, at, key })
    })())
}

/// An email entry as stored, with the primary lead's idempotency key when it is folded in.
pub fn encode_email_entry(entry: &EmailEntry, key: Option<&FoldedKey>) -> Vec<u8> {
    encode(&entry.lead_id, Some(entry.received_at), key)
}

/// An email entry stored under `key` (compact or as JSON) and the idempotency key folded
/// into it, if any.
pub fn decode_email_entry(
    key: &str,
    stored: &[u8],
) -> StoreResult<(EmailEntry, Option<FoldedKey>)> {
    match decode(stored) {
        Some(Ok(Compact {
            lead_id,
            at: Some(received_at),
            key: folded,
        })) => Ok((
            EmailEntry {
                lead_id: lead_id.into(),
                received_at,
            },
            folded,
        )),
        Some(Ok(_)) => Err(StoreError::Invalid(format!(
            "email entry {key:?} has no time"
        ))),
        Some(Err(e)) => Err(e),
        None => Ok((decode_under(key, stored)?, None)),
    }
}

/// An idempotency entry as stored: the lead id, and the key's expiry when it has one.
pub fn encode_key_entry(lead_id: &str, expires_at: Option<Timestamp>) -> Vec<u8> {
    encode(lead_id, expires_at, None)
}

/// An idempotency entry, compact or as text (`<lead id>`, or `<lead id> NUL <expiry in
/// ms>` for a key that expires).
pub fn decode_key_entry(stored: &[u8]) -> StoreResult<(String, Option<Timestamp>)> {
    match decode(stored) {
        Some(Ok(Compact {
            lead_id,
            at,
            key: None,
        })) => return Ok((lead_id, at)),
        Some(Ok(_)) => {
            return Err(StoreError::Invalid(
                "idempotency entry carries a folded key".into(),
            ));
        }
        Some(Err(e)) => return Err(e),
        None => {}
    }
    let text = std::str::from_utf8(stored)
        .map_err(|_| StoreError::Invalid("idempotency entry is not UTF-8".into()))?;
    let Some((lead_id, ms)) = text.split_once('\0') else {
        return Ok((text.to_owned(), None));
    };
    let at = ms
        .parse::<i64>()
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .ok_or_else(|| StoreError::Invalid(format!("idempotency entry expiry {ms:?}")))?;
    Ok((lead_id.to_owned(), Some(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "01a249f9-bd52-773e-ae12-88e5654e5cd7";

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn entries_round_trip_at_their_sizes() {
        let received = at("2026-12-06T06:10:33.426129006Z");
        let cases: [(&str, Option<Timestamp>, usize); 5] = [
            (UUID, Some(received), 30),
            (UUID, None, 18),
            // Ids that are not canonical UUIDs stay text, exactly.
            ("L-00001", Some(received), 21),
            ("01A249F9-BD52-773E-AE12-88E5654E5CD7", None, 38),
            (
                "{01a249f9-bd52-773e-ae12-88e5654e5cd7}",
                Some(at("1969-07-20T20:17:40Z")),
                52,
            ),
        ];
        for (id, time, len) in cases {
            let stored = encode_key_entry(id, time);
            assert_eq!(stored.len(), len, "{id}");
            assert_eq!(decode_key_entry(&stored).unwrap(), (id.to_owned(), time));
        }
        let entry = EmailEntry {
            lead_id: UUID.into(),
            received_at: received,
        };
        let stored = encode_email_entry(&entry, None);
        assert_eq!(stored.len(), 30);
        assert_eq!(
            decode_email_entry("k", &stored).unwrap(),
            (entry.clone(), None)
        );

        // With the primary's idempotency key folded in: 16 bytes of hash, 12 of expiry.
        let hash = *b"0123456789abcdef";
        for (expires_at, len) in [(Some(at("2026-12-09T06:10:33.5Z")), 58), (None, 46)] {
            let key = FoldedKey { hash, expires_at };
            let stored = encode_email_entry(&entry, Some(&key));
            assert_eq!(stored.len(), len);
            assert_eq!(
                decode_email_entry("k", &stored).unwrap(),
                (entry.clone(), Some(key))
            );
            assert!(
                decode_key_entry(&stored).is_err(),
                "not an idempotency entry"
            );
        }
    }

    #[test]
    fn entries_written_before_read_as_they_were() {
        let entry = EmailEntry {
            lead_id: UUID.into(),
            received_at: at("2026-12-06T06:10:33.426129006Z"),
        };
        let json = serde_json::to_vec(&entry).unwrap();
        let packed = crate::packed::pack(json.clone(), crate::packed::Kind::General);
        for old in [json, packed] {
            assert_eq!(
                decode_email_entry("k", &old).unwrap(),
                (entry.clone(), None)
            );
        }
        let expiry = Timestamp::from_millisecond(1_780_000_000_123).unwrap();
        let text = format!("{UUID}\0{}", expiry.as_millisecond());
        assert_eq!(
            decode_key_entry(text.as_bytes()).unwrap(),
            (UUID.to_owned(), Some(expiry))
        );
        assert_eq!(
            decode_key_entry(UUID.as_bytes()).unwrap(),
            (UUID.to_owned(), None)
        );
    }

    #[test]
    fn corrupt_entries_are_refused_not_misread() {
        let good = encode_key_entry(UUID, Some(at("2026-12-06T06:10:33Z")));
        for bad in [
            &good[..1],
            &good[..2],
            &good[..10],
            &good[..29],
            &[MARKER, UUID_ID, 1, 2],
            // A flag this code does not know, and an expiry without a key.
            &[[MARKER, UUID_ID | 16].as_slice(), &[7; 16]].concat(),
            &[[MARKER, UUID_ID | KEY_EXPIRES].as_slice(), &[7; 28]].concat(),
        ] {
            assert!(decode_key_entry(bad).is_err(), "{bad:?}");
        }
        assert!(decode_email_entry("k", &encode_key_entry(UUID, None)).is_err());
    }
}
