//! Routing state as storage keeps it: applying a decision's change, releasing leads, and
//! persisting pool state by rep id so it survives members being reordered, added or removed.

mod common;

use common::{assigned, decide_at, lead};
use jiff::civil::date;
use switchboard_routing::{PoolRecord, RepState, Snapshot, WindowCount};
use switchboard_testkit::ts;

fn pool_policy(members: &str, strategy: &str) -> switchboard_routing::CompiledPolicy {
    common::policy(&format!(
        "triage_pool: triage
reps: [{{ id: a }}, {{ id: b }}, {{ id: c }}, {{ id: d }}]
pools: [{{ id: p, strategy: {strategy}, members: {members} }}]
rules: [{{ id: r, pool: p }}]
"
    ))
}

#[test]
fn apply_moves_counters_to_the_values_the_decision_was_made_for() {
    let policy = pool_policy("[a]", "round_robin");
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-03T10:00:00Z");
    let d = decide_at(&policy, &state, &lead("l"), now);
    state.apply(&d.change);
    let a = state.rep(&policy, "a").unwrap();
    assert_eq!(a.open, 1);
    assert_eq!(
        a.day,
        WindowCount {
            start: Some(date(2026, 6, 3)),
            count: 1
        }
    );
    assert_eq!(
        a.week,
        WindowCount {
            start: Some(date(2026, 6, 1)),
            count: 1
        }
    );
    assert_eq!(a.last_assigned_at, Some(now));
    assert_eq!(state.pools[0].version, 1);

    // Releasing below zero is a no-op, not an underflow.
    let idx = policy.rep_index("a").unwrap();
    state.release(idx);
    state.release(idx);
    assert_eq!(state.rep(&policy, "a").unwrap().open, 0);
}

#[test]
fn weighted_credits_survive_reordering_and_new_members_by_rep_id() {
    let before = pool_policy(
        "[{ rep: a, weight: 3 }, { rep: b, weight: 1 }, { rep: c, weight: 2 }]",
        "weighted_round_robin",
    );
    let mut state = Snapshot::empty(&before);
    let now = ts("2026-06-01T10:00:00Z");
    for _ in 0..4 {
        let d = decide_at(&before, &state, &lead("l"), now);
        state.apply(&d.change);
    }
    let rec = state.pool_record(&before, "p").unwrap();
    assert_eq!(rec.version, 4);
    assert_eq!(rec.credits.values().sum::<i64>(), 0);

    // The new version lists the members in another order, drops c and adds d.
    let after = pool_policy(
        "[{ rep: d, weight: 2 }, { rep: b, weight: 1 }, { rep: a, weight: 3 }]",
        "weighted_round_robin",
    );
    let mut loaded = Snapshot::empty(&after);
    loaded.set_pool_record(&after, "p", &rec);
    let back = loaded.pool_record(&after, "p").unwrap();
    assert_eq!(back.version, 4);
    assert_eq!(back.credits.get("a"), rec.credits.get("a"));
    assert_eq!(back.credits.get("b"), rec.credits.get("b"));
    assert_eq!(back.credits.get("d"), None, "a new member starts at zero");
    assert!(!back.credits.contains_key("c"));
    assert_eq!(back.last_rep, rec.last_rep.filter(|r| r != "c"));
}

#[test]
fn round_robin_cursor_is_kept_by_rep_id() {
    let before = pool_policy("[a, b, c]", "round_robin");
    let mut state = Snapshot::empty(&before);
    let now = ts("2026-06-01T10:00:00Z");
    for _ in 0..2 {
        let d = decide_at(&before, &state, &lead("l"), now);
        state.apply(&d.change);
    }
    let rec = state.pool_record(&before, "p").unwrap();
    assert_eq!(rec.last_rep.as_deref(), Some("b"));

    // b now sits last: the rotation continues after b, which wraps to the first member.
    let after = pool_policy("[c, a, b]", "round_robin");
    let mut loaded = Snapshot::empty(&after);
    loaded.set_pool_record(&after, "p", &rec);
    assert_eq!(
        assigned(&after, &decide_at(&after, &loaded, &lead("l"), now)),
        Some("c")
    );

    // A record naming a rep that left the pool restarts the rotation at the top.
    let gone = PoolRecord {
        version: 9,
        last_rep: Some("zed".into()),
        ..Default::default()
    };
    let mut fresh = Snapshot::empty(&after);
    fresh.set_pool_record(&after, "p", &gone);
    assert_eq!(fresh.pools[0].cursor, None);
    assert_eq!(
        assigned(&after, &decide_at(&after, &fresh, &lead("l"), now)),
        Some("c")
    );
}

#[test]
fn rep_state_round_trips_through_json_with_defaults() {
    let rs: RepState = serde_json::from_str("{}").unwrap();
    assert_eq!(rs, RepState::default());
    let full = RepState {
        open: 3,
        day: WindowCount {
            start: Some(date(2026, 6, 2)),
            count: 2,
        },
        week: WindowCount {
            start: Some(date(2026, 6, 1)),
            count: 7,
        },
        last_assigned_at: Some(ts("2026-06-02T09:00:00Z")),
        away: None,
    };
    let json = serde_json::to_string(&full).unwrap();
    assert_eq!(serde_json::from_str::<RepState>(&json).unwrap(), full);
}

#[test]
fn a_stale_window_counts_as_zero() {
    let w = WindowCount {
        start: Some(date(2026, 6, 1)),
        count: 9,
    };
    assert_eq!(w.count_in(date(2026, 6, 1)), 9);
    assert_eq!(w.count_in(date(2026, 6, 2)), 0);
    assert_eq!(WindowCount::default().count_in(date(2026, 6, 1)), 0);
}
