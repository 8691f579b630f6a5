//! Contract of the audit log (`AuditLog`): windows newest first, paging across UTC days,
//! exact round trips, append-only records and refused requests.

use jiff::{SignedDuration, Timestamp};
use switchboard_store::{AuditCursor, AuditEntry, AuditLog, AuditPage, StoreError};
use switchboard_testkit::ts;

use super::Harness;

fn ns(n: i64) -> SignedDuration {
    SignedDuration::from_nanos(n)
}

/// An entry with a chosen id, so ties at one instant have a known order.
fn entry(id: &str, at: Timestamp) -> AuditEntry {
    AuditEntry {
        id: id.to_owned(),
        ..AuditEntry::new("admin@example.org", "rep.away", "rep:ana", at)
    }
}

fn ids(page: &AuditPage) -> Vec<String> {
    page.entries.iter().map(|e| e.id.clone()).collect()
}

/// Reads a whole window page by page, passing each cursor through its string form as an
/// HTTP client would, and checks the shape of every page: full pages until the last, a
/// `next` exactly when a page follows, naming the page's last entry.
async fn read_all<S: AuditLog>(
    store: &S,
    from: Timestamp,
    to: Timestamp,
    limit: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<AuditCursor> = None;
    for _ in 0..1000 {
        let page = store
            .audit_between(from, to, after.as_ref(), limit)
            .await
            .expect("audit");
        assert!(page.entries.len() <= limit, "page over the limit {limit}");
        out.extend(ids(&page));
        match page.next {
            Some(cursor) => {
                assert_eq!(page.entries.len(), limit, "a page before the last is full");
                let last = page.entries.last().expect("an entry");
                assert_eq!((cursor.at(), cursor.id()), (last.at, last.id.as_str()));
                after = Some(cursor.to_string().parse().expect("cursor parses"));
            }
            None => return out,
        }
    }
    panic!("paging did not end");
}

pub async fn audit_windows_list_newest_first<H: Harness>(h: &H) {
    let store = h.store().await;
    // (entry, at): across four UTC days, one of them empty, three entries at one instant
    // recorded out of id order, and entries on the very boundaries the windows use.
    let entries = [
        ("a", "2026-06-01T21:00:00Z"),
        ("b", "2026-06-01T22:00:00Z"),
        ("c2", "2026-06-01T23:59:59.999999999Z"),
        ("c3", "2026-06-01T23:59:59.999999999Z"),
        ("c1", "2026-06-01T23:59:59.999999999Z"),
        ("d", "2026-06-02T00:00:00Z"),
        ("e", "2026-06-03T12:00:00Z"),
        ("f", "2026-06-05T00:00:00.5Z"),
    ];
    for (id, at) in entries {
        store.record(&entry(id, ts(at))).await.expect("record");
    }
    let b = ts("2026-06-01T22:00:00Z");
    let d = ts("2026-06-02T00:00:00Z");
    let f = ts("2026-06-05T00:00:00.5Z");
    // (from, to, the entries listed)
    let cases: [(Timestamp, Timestamp, &[&str]); 10] = [
        (b, d, &["c3", "c2", "c1", "b"]),
        (b + ns(1), d + ns(1), &["d", "c3", "c2", "c1"]),
        (
            ts("2026-06-01T00:00:00Z"),
            ts("2026-06-06T00:00:00Z"),
            &["f", "e", "d", "c3", "c2", "c1", "b", "a"],
        ),
        (d, ts("2026-06-04T00:00:00Z"), &["e", "d"]),
        (d, d, &[]),
        (ts("2026-06-03T00:00:00Z"), d, &[]),
        (ts("2026-06-04T00:00:00Z"), ts("2026-06-05T00:00:00Z"), &[]),
        (ts("2026-06-05T00:00:00Z"), f, &[]),
        (ts("2026-06-05T00:00:00Z"), f + ns(1), &["f"]),
        (f + ns(1), ts("2026-06-07T00:00:00Z"), &[]),
    ];
    for (from, to, want) in cases {
        for limit in [1, 2, 3, 100] {
            let got = read_all(&store, from, to, limit).await;
            assert_eq!(got, want, "[{from}, {to}) by {limit}");
        }
    }
    // A cursor after the window's end lists the whole window; one before its start, nothing.
    let all = store
        .audit_between(b, f + ns(1), None, 100)
        .await
        .expect("audit");
    let newest = AuditCursor::of(&all.entries[0]);
    let oldest = AuditCursor::of(all.entries.last().expect("an entry"));
    let later = store
        .audit_between(b, d, Some(&newest), 10)
        .await
        .expect("audit");
    assert_eq!(ids(&later), ["c3", "c2", "c1", "b"]);
    let none = store
        .audit_between(d, f + ns(1), Some(&oldest), 10)
        .await
        .expect("audit");
    assert_eq!((none.entries.len(), none.next), (0, None));
}

pub async fn audit_pages_through_many_entries_across_days<H: Harness>(h: &H) {
    let store = h.store().await;
    // Three entries every five hours over three days and more: several per UTC day, pages
    // that end inside a day and pages that span a day's start.
    let start = ts("2026-06-01T00:00:00Z");
    let mut want = Vec::new();
    for i in 0..15 {
        let at = start + SignedDuration::from_hours(5 * i);
        for n in 0..3 {
            let id = format!("m{i:02}-{n}");
            store.record(&entry(&id, at)).await.expect("record");
            want.push(id);
        }
    }
    want.reverse();
    let end = start + SignedDuration::from_hours(75);
    for limit in [1, 4, 7, 45, 46] {
        let got = read_all(&store, start, end, limit).await;
        assert_eq!(got, want, "by {limit}");
    }
}

pub async fn audit_entries_round_trip_and_are_never_overwritten<H: Harness>(h: &H) {
    let store = h.store().await;
    let at = ts("2026-06-01T10:00:00.123456789Z");
    let full = AuditEntry::new("ops@example.org", "policy.applied", "policy:3", at)
        .note("Holiday cover — Zoë's pool \"EMEA\" takes Fridays")
        .detail(serde_json::json!({
            "from": 2,
            "to": 3,
            "ratio": 0.1,
            "big": u64::MAX,
            "reps": ["ana", "bo"],
            "nested": {"empty": {}, "none": null, "flag": true},
        }));
    let bare = AuditEntry::new("ops@example.org", "accounts.imported", "accounts", at);
    store.record(&full).await.expect("record");
    store.record(&bare).await.expect("record");
    let window = |limit| store.audit_between(at, at + ns(1), None, limit);
    let page = window(10).await.expect("audit");
    // Made later, so listed first at the same instant.
    assert_eq!(page.entries, [bare.clone(), full.clone()]);

    // The same entry again (a retry) is fine and stored once; another entry under the same
    // time and id is refused and changes nothing.
    store.record(&full).await.expect("record again");
    let changed = full.clone().note("something else");
    let refused = store.record(&changed).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(window(10).await.expect("audit").entries, [bare, full]);
}

pub async fn audit_refuses_bad_requests<H: Harness>(h: &H) {
    let store = h.store().await;
    let t = ts("2026-06-01T10:00:00Z");
    let year = SignedDuration::from_hours(367 * 24);
    let ok = entry("x", t);
    let refused_records = [
        (
            "no actor",
            AuditEntry {
                actor: String::new(),
                ..ok.clone()
            },
        ),
        (
            "no action",
            AuditEntry {
                action: " ".into(),
                ..ok.clone()
            },
        ),
        (
            "no target",
            AuditEntry {
                target: String::new(),
                ..ok.clone()
            },
        ),
        (
            "no id",
            AuditEntry {
                id: String::new(),
                ..ok.clone()
            },
        ),
        (
            "before year 0",
            AuditEntry {
                at: Timestamp::MIN,
                ..ok.clone()
            },
        ),
        (
            "too large",
            ok.clone().detail(serde_json::json!("x".repeat(64 * 1024))),
        ),
    ];
    for (what, bad) in refused_records {
        let result = store.record(&bad).await;
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{what}: {result:?}"
        );
    }
    let reads = [
        (
            "zero limit",
            store.audit_between(t, t + ns(1), None, 0).await,
        ),
        (
            "window over a year",
            store.audit_between(t, t + year, None, 10).await,
        ),
    ];
    for (what, result) in reads {
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{what}: {result:?}"
        );
    }
    // Nothing refused was stored.
    let page = store
        .audit_between(Timestamp::MIN, Timestamp::MIN + ns(1), None, 10)
        .await
        .expect("audit");
    assert_eq!(page.entries, []);
    let day = SignedDuration::from_hours(24);
    let page = store
        .audit_between(t - day, t + day, None, 10)
        .await
        .expect("audit");
    assert_eq!(page.entries, []);
}
