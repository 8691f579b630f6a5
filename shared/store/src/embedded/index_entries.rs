//! The email dedupe and idempotency entries (`tables::EMAILS`, `tables::IDEMPOTENCY`) in a
//! compact binary form: a marker byte, a flags byte, a time as seconds and nanoseconds, and
//! the lead id as its 16 bytes when it is a UUID (every lead id intake makes), as text
//! otherwise. 30 bytes where the JSON of an email entry took 66 packed and an idempotency
//! entry's text 50: both tables are keyed by hashes, so every entry lands on a page of its
//! own choosing and each byte saved is saved about one and a half times on disk
//! (docs/BENCHMARKS.md, "Trained dictionaries and compact index entries").
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
/// Flags: the entry has a time; the id is a UUID's 16 bytes (else UTF-8 text).
const HAS_TIME: u8 = 1;
const UUID_ID: u8 = 2;

fn encode(lead_id: &str, at: Option<Timestamp>) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 12 + 16);
    out.push(MARKER);
    let uuid = uuid::Uuid::try_parse(lead_id)
        .ok()
        // Only an id that reads back exactly as it was written (lower case, hyphens).
        .filter(|u| u.hyphenated().to_string() == lead_id);
    out.push(if at.is_some() { HAS_TIME } else { 0 } | if uuid.is_some() { UUID_ID } else { 0 });
    if let Some(at) = at {
        out.extend_from_slice(&at.as_second().to_be_bytes());
        out.extend_from_slice(&at.subsec_nanosecond().to_be_bytes());
    }
    match uuid {
        Some(u) => out.extend_from_slice(u.as_bytes()),
        None => out.extend_from_slice(lead_id.as_bytes()),
    }
    out
}

/// A compact entry's lead id and time; `None` when `stored` is not one.
fn decode(stored: &[u8]) -> Option<StoreResult<(String, Option<Timestamp>)>> {
    let (&marker, rest) = stored.split_first()?;
    if marker != MARKER {
        return None;
    }
    let bad = || StoreError::Invalid(format!("index entry of {} bytes is corrupt", stored.len()));
    Some((|| {
        let (&flags, mut rest) = rest.split_first().ok_or_else(bad)?;
        let at = if flags & HAS_TIME != 0 {
            let (seconds, tail) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
            let (nanos, tail) = tail.split_first_chunk::<4>().ok_or_else(bad)?;
            rest = tail;
            Some(
                Timestamp::new(i64::from_be_bytes(*seconds), i32::from_be_bytes(*nanos))
                    .map_err(|_| bad())?,
            )
        } else {
            None
        };
        let id = if flags & UUID_ID != 0 {
            let bytes: [u8; 16] = rest.try_into().map_err(|_| bad())?;
            uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
        } else {
            String::from_utf8(rest.to_vec()).map_err(|_| bad())?
        };
        Ok((id, at))
    })())
}

/// An email entry as stored.
pub fn encode_email_entry(entry: &EmailEntry) -> Vec<u8> {
    encode(&entry.lead_id, Some(entry.received_at))
}

/// An email entry stored under `key`, compact or as JSON.
pub fn decode_email_entry(key: &str, stored: &[u8]) -> StoreResult<EmailEntry> {
    match decode(stored) {
        Some(Ok((lead_id, Some(received_at)))) => Ok(EmailEntry {
            lead_id: lead_id.into(),
            received_at,
        }),
        Some(Ok((_, None))) => Err(StoreError::Invalid(format!(
            "email entry {key:?} has no time"
        ))),
        Some(Err(e)) => Err(e),
        None => decode_under(key, stored),
    }
}

/// An idempotency entry as stored: the lead id, and the key's expiry when it has one.
pub fn encode_key_entry(lead_id: &str, expires_at: Option<Timestamp>) -> Vec<u8> {
    encode(lead_id, expires_at)
}

/// An idempotency entry, compact or as text (`<lead id>`, or `<lead id> NUL <expiry in
/// ms>` for a key that expires).
pub fn decode_key_entry(stored: &[u8]) -> StoreResult<(String, Option<Timestamp>)> {
    if let Some(entry) = decode(stored) {
        return entry;
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
    fn entries_round_trip_in_thirty_bytes_or_fewer() {
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
        let stored = encode_email_entry(&entry);
        assert_eq!(stored.len(), 30);
        assert_eq!(decode_email_entry("k", &stored).unwrap(), entry);
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
            assert_eq!(decode_email_entry("k", &old).unwrap(), entry);
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
        ] {
            assert!(decode_key_entry(bad).is_err(), "{bad:?}");
        }
        assert!(decode_email_entry("k", &encode_key_entry(UUID, None)).is_err());
    }
}
