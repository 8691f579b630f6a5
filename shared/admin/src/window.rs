//! The time window of a listing or a report, from query parameters: `since=7d` (days,
//! hours or minutes before now), or `from` and `to` as RFC 3339 instants.

use jiff::{SignedDuration, Timestamp};

use crate::error::AdminError;

/// The default window when none is given: the last seven days.
pub const DEFAULT_SINCE: SignedDuration = SignedDuration::from_hours(7 * 24);

/// `[from, to)` from `since`, or `from`/`to` (each defaulting: `to` to now, `from` to
/// [`DEFAULT_SINCE`] before `to`).
pub fn window(
    since: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), AdminError> {
    if since.is_some() && from.is_some() {
        return Err(AdminError::invalid_param(
            "since",
            "give `since` or `from`, not both",
        ));
    }
    let to = match to {
        Some(t) => instant("to", t)?,
        None => now,
    };
    let from = match (since, from) {
        (Some(s), _) => to - duration("since", s)?,
        (None, Some(f)) => instant("from", f)?,
        (None, None) => to - DEFAULT_SINCE,
    };
    if to < from {
        return Err(AdminError::invalid_param(
            "to",
            format!("the window ends ({to}) before it starts ({from})"),
        ));
    }
    Ok((from, to))
}

fn instant(field: &str, text: &str) -> Result<Timestamp, AdminError> {
    text.parse().map_err(|e| {
        AdminError::invalid_param(field, format!("`{text}` is not an RFC 3339 instant: {e}"))
    })
}

/// `30m`, `24h`, `7d`: a whole number and one unit.
pub fn duration(field: &str, text: &str) -> Result<SignedDuration, AdminError> {
    let bad = || {
        AdminError::invalid_param(
            field,
            format!("`{text}` is not a duration like 30m, 24h or 7d"),
        )
    };
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    if n <= 0 || n > 366 * 24 * 60 {
        return Err(bad());
    }
    let minutes = match unit {
        "m" => n,
        "h" => n * 60,
        "d" => n * 24 * 60,
        _ => return Err(bad()),
    };
    Ok(SignedDuration::from_mins(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_come_from_since_or_from_and_to() {
        let now: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let ok = [
            (
                Some("7d"),
                None,
                None,
                "2026-11-27T12:00:00Z",
                "2026-12-04T12:00:00Z",
            ),
            (
                Some("90m"),
                None,
                None,
                "2026-12-04T10:30:00Z",
                "2026-12-04T12:00:00Z",
            ),
            (
                None,
                Some("2026-12-01T00:00:00Z"),
                Some("2026-12-02T00:00:00Z"),
                "2026-12-01T00:00:00Z",
                "2026-12-02T00:00:00Z",
            ),
            (
                None,
                None,
                None,
                "2026-11-27T12:00:00Z",
                "2026-12-04T12:00:00Z",
            ),
            (
                Some("24h"),
                None,
                Some("2026-12-02T00:00:00Z"),
                "2026-12-01T00:00:00Z",
                "2026-12-02T00:00:00Z",
            ),
        ];
        for (since, from, to, want_from, want_to) in ok {
            let (f, t) = window(since, from, to, now).unwrap();
            assert_eq!(
                (f.to_string(), t.to_string()),
                (want_from.to_owned(), want_to.to_owned())
            );
        }
        let refused = [
            (Some("7"), None, None),
            (Some("7w"), None, None),
            (Some("-1d"), None, None),
            (Some("0h"), None, None),
            (Some("1d"), Some("2026-12-01T00:00:00Z"), None),
            (None, Some("yesterday"), None),
            (
                None,
                Some("2026-12-03T00:00:00Z"),
                Some("2026-12-02T00:00:00Z"),
            ),
        ];
        for (since, from, to) in refused {
            assert!(
                window(since, from, to, now).is_err(),
                "{since:?} {from:?} {to:?}"
            );
        }
    }
}
