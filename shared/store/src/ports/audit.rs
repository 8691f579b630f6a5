//! The audit log: who changed what through the admin surface, when, and why.
//!
//! Entries are append-only. A window of time reads only that window, newest first (what
//! an admin reads), paged the way the lead lists are (`lead_index`): the same bounds on
//! page size and window length and the same cursor text, under a tag of its own.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};
use crate::ports::lead_index::{
    CursorError, check_window, decode_position, encode_position, page_size, split_page,
    time_key_floor,
};

/// The largest entry [`AuditLog::record`] stores, as JSON. An entry is a note and a small
/// detail, not a document: the bound keeps one entry one small item on DynamoDB (whose
/// items stop at 400 KB) and the same entries storable on both stores.
pub const MAX_ENTRY_BYTES: usize = 16 * 1024;

/// The tag of an audit cursor's text; the lead lists use others.
const CURSOR_TAG: char = 'a';

/// One admin change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    /// Unique. [`AuditEntry::new`] makes a UUID v7: ids made later in a process sort
    /// after earlier ones, which orders entries recorded at one instant.
    pub id: String,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub at: Timestamp,
    /// Who made the change: a user, a token's name, an IAM principal.
    pub actor: String,
    /// What was done, as `<subject>.<verb>`: `policy.applied`, `rep.away`, `lead.assigned`.
    pub action: String,
    /// What it was done to, as `<kind>:<id>`: `policy:3`, `rep:ana`, `lead:<id>`.
    pub target: String,
    /// The reason the admin gave, if any.
    pub note: Option<String>,
    /// Anything else worth keeping (counts, previous values); `null` when nothing.
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// An entry with a fresh id, no note and no detail.
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        at: Timestamp,
    ) -> AuditEntry {
        AuditEntry {
            id: uuid::Uuid::now_v7().to_string(),
            at,
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            note: None,
            detail: serde_json::Value::Null,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> AuditEntry {
        self.note = Some(note.into());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> AuditEntry {
        self.detail = detail;
        self
    }

    /// `Invalid` unless the entry can be stored and listed: every name filled in, a time
    /// the keys can order (year 0 or later), and at most [`MAX_ENTRY_BYTES`] of JSON.
    pub fn check(&self) -> StoreResult<()> {
        let invalid = |why: String| Err(StoreError::Invalid(format!("audit entry: {why}")));
        for (field, value) in [
            ("id", &self.id),
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
        ] {
            if value.trim().is_empty() {
                return invalid(format!("{field} is empty"));
            }
        }
        if self.at < time_key_floor() {
            return invalid(format!("time {} is before year 0", self.at));
        }
        let size = serde_json::to_vec(self)
            .map_err(|e| StoreError::backend_from("cannot encode an audit entry", e))?
            .len();
        if size > MAX_ENTRY_BYTES {
            return invalid(format!("{size} bytes, over {MAX_ENTRY_BYTES}"));
        }
        Ok(())
    }
}

/// A position in the audit log: the last entry of a page. The next page holds the entries
/// before it (older, or at the same instant with a smaller id).
///
/// Opaque to callers: it travels as a string (`Display`/`FromStr`, and serde as that
/// string) made of URL-safe characters only, so it fits a `?after=` parameter unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct AuditCursor {
    at: Timestamp,
    id: String,
}

impl AuditCursor {
    /// The position of `entry`.
    pub fn of(entry: &AuditEntry) -> AuditCursor {
        AuditCursor {
            at: entry.at,
            id: entry.id.clone(),
        }
    }

    pub fn at(&self) -> Timestamp {
        self.at
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for AuditCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_position(CURSOR_TAG, self.at, &self.id))
    }
}

impl FromStr for AuditCursor {
    type Err = CursorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match decode_position(s)? {
            (CURSOR_TAG, at, id) => Ok(AuditCursor { at, id }),
            _ => Err(CursorError::Malformed),
        }
    }
}

impl From<AuditCursor> for String {
    fn from(cursor: AuditCursor) -> String {
        cursor.to_string()
    }
}

impl TryFrom<String> for AuditCursor {
    type Error = CursorError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// One page of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Where the next page starts; `None` when this page ends the window (as of the read).
    pub next: Option<AuditCursor>,
}

impl AuditPage {
    pub(crate) fn empty() -> AuditPage {
        AuditPage {
            entries: Vec::new(),
            next: None,
        }
    }

    /// The page of the first `limit` of `found`, read newest first, up to `limit + 1`.
    pub(crate) fn from_read(found: Vec<AuditEntry>, limit: usize) -> AuditPage {
        let (entries, next) = split_page(found, limit, AuditCursor::of);
        AuditPage { entries, next }
    }
}

/// The checks every `audit_between` makes before reading: the window's length, the page
/// size (returned, bounded like the lead lists) and whether anything can be listed at all.
/// `None` when the window, or its part before the cursor, is empty.
pub(crate) fn audit_request(
    from: Timestamp,
    to: Timestamp,
    after: Option<&AuditCursor>,
    limit: usize,
) -> StoreResult<Option<usize>> {
    check_window(from, to)?;
    let limit = page_size(limit)?;
    let open = from < to && after.is_none_or(|c| c.at >= from);
    Ok(open.then_some(limit))
}

/// The audit log.
///
/// Contract:
/// - **Append only.** `record` stores an entry under its time and id, in one atomic
///   write, and never overwrites one: recording an identical entry again (a retry after a
///   lost reply) is `Ok` and stores nothing more; a different entry under the same time
///   and id is `Conflict`. An entry failing [`AuditEntry::check`] is `Invalid`.
/// - **Cost follows the answer.** A window reads only the window: on DynamoDB one day
///   partition per UTC day from the newest day the page can start in, stopping when the
///   page is full.
/// - **Order and paging.** Newest first: by time, then by id, both descending, so entries
///   at one instant keep one order on every read. `after` is the `next` of the previous
///   page; the page holds the entries strictly before it, at most `limit` (zero is
///   `Invalid`; above [`MAX_PAGE`](crate::ports::lead_index::MAX_PAGE) is lowered to it).
///   A window longer than [`MAX_WINDOW`](crate::ports::lead_index::MAX_WINDOW) is
///   `Invalid`; an empty or reversed one lists nothing.
/// - **Freshness.** Reads are strongly consistent on both stores: an entry is listed by
///   any read that starts after its `record` returned.
pub trait AuditLog: Send + Sync {
    fn record(&self, entry: &AuditEntry) -> impl Future<Output = StoreResult<()>> + Send;

    /// Entries with `from <= at < to`, newest first, paged by an opaque cursor.
    fn audit_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&AuditCursor>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<AuditPage>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::lead_index::{LeadCursor, MAX_PAGE, MAX_WINDOW};

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn new_entries_have_distinct_ids_in_the_order_made() {
        let t = at("2026-06-01T10:00:00Z");
        let ids: Vec<String> = (0..100)
            .map(|_| AuditEntry::new("ana", "rep.away", "rep:ana", t).id)
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids);
    }

    #[test]
    fn the_builder_sets_note_and_detail() {
        let t = at("2026-06-01T10:00:00Z");
        let entry = AuditEntry::new("admin", "policy.applied", "policy:3", t)
            .note("holiday cover")
            .detail(serde_json::json!({"from": 2}));
        assert_eq!(
            (entry.note.as_deref(), &entry.detail),
            (Some("holiday cover"), &serde_json::json!({"from": 2}))
        );
        assert!(entry.check().is_ok());
    }

    #[test]
    fn entries_that_cannot_be_stored_are_refused() {
        let t = at("2026-06-01T10:00:00Z");
        let ok = || AuditEntry::new("admin", "policy.applied", "policy:3", t);
        let big = "x".repeat(MAX_ENTRY_BYTES);
        let cases = [
            (
                "no id",
                AuditEntry {
                    id: String::new(),
                    ..ok()
                },
            ),
            (
                "blank actor",
                AuditEntry {
                    actor: " ".into(),
                    ..ok()
                },
            ),
            (
                "no action",
                AuditEntry {
                    action: String::new(),
                    ..ok()
                },
            ),
            (
                "no target",
                AuditEntry {
                    target: String::new(),
                    ..ok()
                },
            ),
            (
                "before year 0",
                AuditEntry {
                    at: Timestamp::MIN,
                    ..ok()
                },
            ),
            ("too large", ok().note(big)),
        ];
        for (what, entry) in cases {
            assert!(
                matches!(entry.check(), Err(StoreError::Invalid(_))),
                "{what}"
            );
        }
    }

    #[test]
    fn a_cursor_round_trips_through_a_url_safe_string() {
        let t = at("2026-06-01T10:00:00.123456789Z");
        for id in ["0190a7c4-1b2c-7d3e-8f40-123456789abc", "a#b", "é/x?y=z"] {
            let mut entry = AuditEntry::new("admin", "rep.away", "rep:ana", t);
            entry.id = id.to_owned();
            let cursor = AuditCursor::of(&entry);
            let text = cursor.to_string();
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text}"
            );
            assert_eq!(text.parse::<AuditCursor>(), Ok(cursor.clone()));
            let json = serde_json::to_string(&cursor).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<AuditCursor>(&json).unwrap(), cursor);
        }
    }

    #[test]
    fn cursors_of_other_lists_and_garbage_are_refused() {
        use crate::ports::leads::{LeadStatus, StoredLead};
        let t = at("2026-06-01T10:00:00Z");
        let lead = StoredLead {
            lead: switchboard_routing::Lead::new("L1", t),
            idempotency_key: "k".into(),
            status: LeadStatus::Parked,
            duplicate_of: None,
            warnings: Vec::new(),
            raw: None,
            bounced: Vec::new(),
            recycles: Vec::new(),
            decisions: 1,
            route_at: None,
            updated_at: t,
        };
        let lead_cursor = LeadCursor::received(&lead).to_string();
        assert_eq!(
            lead_cursor.parse::<AuditCursor>(),
            Err(CursorError::Malformed)
        );
        let mut entry = AuditEntry::new("admin", "rep.away", "rep:ana", t);
        entry.id = "L1".into();
        let audit_cursor = AuditCursor::of(&entry).to_string();
        assert_eq!(
            audit_cursor.parse::<LeadCursor>(),
            Err(CursorError::Malformed)
        );
        assert_eq!(
            "not base64!".parse::<AuditCursor>(),
            Err(CursorError::Encoding)
        );
        assert!(serde_json::from_str::<AuditCursor>("\"\"").is_err());
    }

    #[test]
    fn requests_are_bounded_and_empty_windows_read_nothing() {
        let t = at("2026-06-01T10:00:00Z");
        let hour = jiff::SignedDuration::from_hours(1);
        let mut entry = AuditEntry::new("admin", "rep.away", "rep:ana", t - hour);
        let before_window = AuditCursor::of(&entry);
        entry.at = t;
        let at_from = AuditCursor::of(&entry);
        // (from, to, after, limit, the page size, or None for nothing to read)
        let cases = [
            (t, t + hour, None, 5, Some(5)),
            (t, t + hour, None, MAX_PAGE * 3, Some(MAX_PAGE)),
            (t, t + MAX_WINDOW, None, 5, Some(5)),
            (t, t, None, 5, None),
            (t, t - hour, None, 5, None),
            (t, t + hour, Some(&before_window), 5, None),
            (t, t + hour, Some(&at_from), 5, Some(5)),
        ];
        for (from, to, after, limit, want) in cases {
            let got = audit_request(from, to, after, limit).unwrap();
            assert_eq!(got, want, "[{from}, {to}) after {after:?} by {limit}");
        }
        let second = jiff::SignedDuration::from_secs(1);
        for (to, limit) in [(t + hour, 0), (t + MAX_WINDOW + second, 5)] {
            assert!(matches!(
                audit_request(t, to, None, limit),
                Err(StoreError::Invalid(_))
            ));
        }
    }
}
