//! Listing leads: every lead by the time it was received, and the parked (triage) queue.
//!
//! Both lists are read from indexes kept in the same atomic write as the lead itself, so a
//! listing never has to read every lead stored: a window of received times reads the
//! window, the parked queue reads the leads parked now.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use switchboard_routing::LeadId;

use crate::error::{StoreError, StoreResult};
use crate::ports::leads::StoredLead;

/// The most leads one page holds; a larger `limit` is lowered to it, so one call's reads
/// stay bounded whatever the caller asks for.
pub const MAX_PAGE: usize = 1000;

/// The longest window [`LeadIndex::received_between`] reads in one call. On DynamoDB each
/// UTC day of the window is one index partition, so this bounds the queries of a call.
pub const MAX_WINDOW: SignedDuration = SignedDuration::from_hours(366 * 24);

/// Which list a cursor belongs to: a position in one list means nothing in the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadList {
    /// Ordered by `received_at`, then lead id.
    Received,
    /// Ordered by the time the lead was parked (its `updated_at` while parked), then lead id.
    Parked,
}

impl LeadList {
    fn tag(self) -> char {
        match self {
            LeadList::Received => 'r',
            LeadList::Parked => 'p',
        }
    }
}

/// A position in a lead list: the last lead of a page. The next page starts after it.
///
/// Opaque to callers: it travels as a string (`Display`/`FromStr`, and serde as that
/// string) made of URL-safe characters only, so it fits a `?after=` parameter unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeadCursor {
    list: LeadList,
    at: Timestamp,
    lead_id: LeadId,
}

impl LeadCursor {
    /// The position of `lead` in the received-time list.
    pub fn received(lead: &StoredLead) -> LeadCursor {
        LeadCursor {
            list: LeadList::Received,
            at: lead.lead.received_at,
            lead_id: lead.lead.id.clone(),
        }
    }

    /// The position of `lead` in the parked queue (parked at its `updated_at`).
    pub fn parked(lead: &StoredLead) -> LeadCursor {
        LeadCursor {
            list: LeadList::Parked,
            at: lead.updated_at,
            lead_id: lead.lead.id.clone(),
        }
    }

    pub fn list(&self) -> LeadList {
        self.list
    }

    pub fn at(&self) -> Timestamp {
        self.at
    }

    pub fn lead_id(&self) -> &str {
        self.lead_id.as_str()
    }

    /// `Invalid` unless the cursor is a position in `list`.
    pub fn check(&self, list: LeadList) -> StoreResult<&LeadCursor> {
        if self.list == list {
            Ok(self)
        } else {
            Err(StoreError::Invalid(format!(
                "cursor of the {:?} list used for the {list:?} list",
                self.list
            )))
        }
    }

    /// Both stores order a list by `(time_key(at), lead id)`; this is that pair.
    pub(crate) fn position(&self) -> (String, &str) {
        (time_key(self.at), self.lead_id.as_str())
    }
}

/// Why a cursor string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("cursor is not base64url")]
    Encoding,
    #[error("cursor does not name a list position")]
    Malformed,
}

/// The text of a cursor: base64url of `<tag><time key>#<id>`. The tag names the list, so
/// a cursor of one list never parses as a position in another (the audit log's cursor
/// shares this form under its own tag).
pub(crate) fn encode_position(tag: char, at: Timestamp, id: &str) -> String {
    use base64::Engine as _;
    let plain = format!("{tag}{}#{id}", time_key(at));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(plain)
}

/// The tag, time and id of a cursor's text (see [`encode_position`]); the id is not empty.
pub(crate) fn decode_position(text: &str) -> Result<(char, Timestamp, String), CursorError> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| CursorError::Encoding)?;
    let plain = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
    let tag = plain.chars().next().ok_or(CursorError::Malformed)?;
    let (at, id) = plain[tag.len_utf8()..]
        .split_once('#')
        .ok_or(CursorError::Malformed)?;
    let at: Timestamp = at.parse().map_err(|_| CursorError::Malformed)?;
    if id.is_empty() {
        return Err(CursorError::Malformed);
    }
    Ok((tag, at, id.to_owned()))
}

impl fmt::Display for LeadCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_position(self.list.tag(), self.at, &self.lead_id))
    }
}

impl FromStr for LeadCursor {
    type Err = CursorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (tag, at, lead_id) = decode_position(s)?;
        let list = match tag {
            'r' => LeadList::Received,
            'p' => LeadList::Parked,
            _ => return Err(CursorError::Malformed),
        };
        Ok(LeadCursor {
            list,
            at,
            lead_id: LeadId::from(lead_id),
        })
    }
}

impl Serialize for LeadCursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LeadCursor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One page of a lead list.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadPage {
    pub leads: Vec<StoredLead>,
    /// Where the next page starts; `None` when this page ends the list (as of the read).
    pub next: Option<LeadCursor>,
}

impl LeadPage {
    /// The page of the first `limit` of `found` (read in list order, up to `limit + 1` of
    /// them): the extra lead only says that another page follows.
    pub(crate) fn from_read(
        found: Vec<StoredLead>,
        limit: usize,
        cursor: fn(&StoredLead) -> LeadCursor,
    ) -> LeadPage {
        let (leads, next) = split_page(found, limit, cursor);
        LeadPage { leads, next }
    }
}

/// The first `limit` of `found` (read in list order, up to `limit + 1` of them) and the
/// cursor of the last one kept when more were read: the extra item only says that another
/// page follows.
pub(crate) fn split_page<T, C>(
    mut found: Vec<T>,
    limit: usize,
    cursor: impl FnOnce(&T) -> C,
) -> (Vec<T>, Option<C>) {
    let more = found.len() > limit;
    found.truncate(limit);
    let next = if more { found.last().map(cursor) } else { None };
    (found, next)
}

/// The sort key form of a time: RFC 3339 in UTC with nine fractional digits, so the text
/// order of keys is the time order. Times before year 0 (which no lead has) share the
/// first key, so the width stays fixed.
pub fn time_key(t: Timestamp) -> String {
    t.max(time_key_floor())
        .strftime("%Y-%m-%dT%H:%M:%S.%9fZ")
        .to_string()
}

/// The earliest time with a key of its own: [`time_key`] gives every earlier time this
/// one's key.
pub(crate) fn time_key_floor() -> Timestamp {
    "0000-01-01T00:00:00Z".parse().expect("year 0 is in range")
}

/// The page size for `limit`: `Invalid` for zero, at most [`MAX_PAGE`].
pub fn page_size(limit: usize) -> StoreResult<usize> {
    if limit == 0 {
        return Err(StoreError::Invalid("a page holds at least one item".into()));
    }
    Ok(limit.min(MAX_PAGE))
}

/// The checks every store makes of a `received_between` request: the window's length, the
/// page size (as the page holds it) and that the cursor is one of this list.
pub(crate) fn received_request(
    from: Timestamp,
    to: Timestamp,
    after: Option<&LeadCursor>,
    limit: usize,
) -> StoreResult<(usize, Option<&LeadCursor>)> {
    check_window(from, to)?;
    let limit = page_size(limit)?;
    let after = after.map(|c| c.check(LeadList::Received)).transpose()?;
    Ok((limit, after))
}

/// `Invalid` for a window longer than [`MAX_WINDOW`]; an empty or reversed window is
/// allowed (it lists nothing).
pub fn check_window(from: Timestamp, to: Timestamp) -> StoreResult<()> {
    if to.duration_since(from) > MAX_WINDOW {
        return Err(StoreError::Invalid(format!(
            "window {from} to {to} is longer than {} days",
            MAX_WINDOW.as_hours() / 24
        )));
    }
    Ok(())
}

/// Lead listings.
///
/// Contract:
/// - **Cost follows the answer.** Each list reads an index kept in the same atomic write
///   as the lead, never the whole leads table: a received-time window reads only the
///   window (on DynamoDB one index partition per UTC day in it, from the cursor's day on),
///   the parked queue only the leads parked now.
/// - **Order and paging.** Lists are ordered by time, then lead id. `after` is the `next`
///   of the previous page; the page holds the leads strictly after it, at most `limit`
///   (zero is `Invalid`; above [`MAX_PAGE`] is lowered to it). `next` is `None` when no
///   lead followed the page at the time of the read. A cursor of the other list is
///   `Invalid`.
/// - **Freshness.** On DynamoDB the indexes are eventually consistent: each listed lead is
///   the item as the index holds it, so a write may take a moment to show (a lead just
///   parked may be missing, one just routed on may still be listed as parked). The
///   embedded store's lists are exact as of the last commit.
pub trait LeadIndex: Send + Sync {
    /// Every lead (any status, duplicates included) with `from <= received_at < to`,
    /// oldest first. `Invalid` for a window longer than [`MAX_WINDOW`].
    fn received_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&LeadCursor>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<LeadPage>> + Send;

    /// The leads whose status is `parked` now, oldest parked first (by the time of the
    /// decision that parked them, which is their `updated_at` while parked). A lead parked
    /// again after a re-route is ordered by its latest parking.
    fn parked(
        &self,
        after: Option<&LeadCursor>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<LeadPage>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::leads::LeadStatus;
    use switchboard_routing::Lead;

    fn stored(id: &str, at: &str) -> StoredLead {
        let at: Timestamp = at.parse().unwrap();
        StoredLead {
            lead: Lead::new(id, at),
            idempotency_key: id.to_owned(),
            status: LeadStatus::Parked,
            duplicate_of: None,
            warnings: Vec::new(),
            raw: None,
            bounced: Vec::new(),
            recycles: Vec::new(),
            decisions: 1,
            route_at: None,
            updated_at: at,
        }
    }

    #[test]
    fn time_keys_have_one_width_and_sort_as_the_times() {
        // (earlier, later)
        let cases = [
            ("2026-06-01T09:59:59.999999999Z", "2026-06-01T10:00:00Z"),
            ("2026-06-01T10:00:00Z", "2026-06-01T10:00:00.000000001Z"),
            ("1999-12-31T23:59:59Z", "2026-01-01T00:00:00Z"),
            ("2026-06-01T10:00:00.5Z", "2026-06-01T10:00:00.75Z"),
        ];
        for (a, b) in cases {
            let (ka, kb) = (time_key(a.parse().unwrap()), time_key(b.parse().unwrap()));
            assert_eq!(ka.len(), 30, "{ka}");
            assert_eq!(ka.len(), kb.len(), "{ka} {kb}");
            assert!(ka < kb, "{ka} !< {kb}");
        }
        assert_eq!(
            time_key("2026-06-01T10:00:00.5Z".parse().unwrap()),
            "2026-06-01T10:00:00.500000000Z"
        );
    }

    #[test]
    fn a_cursor_round_trips_through_a_url_safe_string() {
        let ids = ["L1", "form:abc/12+x#y", "é-lead", "a b?c=d&e"];
        for id in ids {
            for cursor in [
                LeadCursor::received(&stored(id, "2026-06-01T10:00:00.123456789Z")),
                LeadCursor::parked(&stored(id, "2026-06-01T10:00:00Z")),
            ] {
                let text = cursor.to_string();
                assert!(
                    text.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                    "{text}"
                );
                assert_eq!(text.parse::<LeadCursor>(), Ok(cursor.clone()));
                let json = serde_json::to_string(&cursor).unwrap();
                assert_eq!(json, format!("\"{text}\""));
                assert_eq!(serde_json::from_str::<LeadCursor>(&json).unwrap(), cursor);
            }
        }
    }

    #[test]
    fn malformed_cursors_are_refused() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let cases = [
            ("not base64!".to_owned(), CursorError::Encoding),
            (
                b64("x2026-06-01T10:00:00.000000000Z#L1"),
                CursorError::Malformed,
            ),
            (
                b64("r2026-06-01T10:00:00.000000000Z"),
                CursorError::Malformed,
            ),
            (b64("rnot a time#L1"), CursorError::Malformed),
            (
                b64("é2026-06-01T10:00:00.000000000Z#L1"),
                CursorError::Malformed,
            ),
            (
                b64("r2026-06-01T10:00:00.000000000Z#"),
                CursorError::Malformed,
            ),
            (String::new(), CursorError::Malformed),
        ];
        for (text, error) in cases {
            assert_eq!(text.parse::<LeadCursor>(), Err(error), "{text:?}");
        }
    }

    #[test]
    fn a_cursor_of_one_list_is_refused_by_the_other() {
        let lead = stored("L1", "2026-06-01T10:00:00Z");
        assert!(LeadCursor::parked(&lead).check(LeadList::Parked).is_ok());
        assert!(matches!(
            LeadCursor::parked(&lead).check(LeadList::Received),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn a_page_names_a_next_cursor_only_when_a_lead_follows() {
        let leads: Vec<StoredLead> = (1..=3)
            .map(|i| stored(&format!("L{i}"), "2026-06-01T10:00:00Z"))
            .collect();
        // (leads read, limit, leads on the page, next names)
        let cases = [(3, 2, 2, Some("L2")), (2, 2, 2, None), (0, 2, 0, None)];
        for (read, limit, kept, next) in cases {
            let page = LeadPage::from_read(leads[..read].to_vec(), limit, LeadCursor::received);
            assert_eq!(page.leads.len(), kept, "{read} read, limit {limit}");
            assert_eq!(page.next.as_ref().map(LeadCursor::lead_id), next);
        }
    }

    #[test]
    fn limits_and_windows_are_bounded() {
        assert!(page_size(0).is_err());
        assert_eq!(page_size(5).unwrap(), 5);
        assert_eq!(page_size(MAX_PAGE * 10).unwrap(), MAX_PAGE);
        let t: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        assert!(check_window(t, t + MAX_WINDOW).is_ok());
        assert!(check_window(t, t).is_ok());
        assert!(check_window(t, t - SignedDuration::from_hours(1)).is_ok());
        assert!(check_window(t, t + MAX_WINDOW + SignedDuration::from_secs(1)).is_err());
    }
}
