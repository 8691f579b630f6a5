use jiff::Timestamp;

/// Parses an RFC 3339 instant a test spells out, naming it when it is mistyped.
pub fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s}: {e}"))
}

/// A Monday, 10:00 UTC: inside every fixture rep's working hours, so tests that do not
/// care about the clock get no surprises from it.
pub fn monday() -> Timestamp {
    ts("2026-06-01T10:00:00Z")
}
