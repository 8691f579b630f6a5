//! Constraints, one at a time: availability (away, out of office, holidays, working hours),
//! caps (open, per day and per week in the rep's time zone, with window rollover), skills,
//! territory tags built from the lead, bounced reps, and the strategies' tie-breaks.

mod common;

use common::{Call, assigned, decide_at, decide_with, lead, path, skip};
use jiff::civil::date;
use switchboard_routing::decision::{RequirementRef, Skip, Verdict};
use switchboard_routing::{AwayStatus, Outcome, ParkReason, RepId, Snapshot};
use switchboard_testkit::ts;

/// Two reps in one round-robin pool; `a` is tried first from an empty state.
fn pair(rep_a: &str) -> switchboard_routing::CompiledPolicy {
    common::policy(&format!(
        "triage_pool: triage
reps:
  - {rep_a}
  - {{ id: b }}
pools: [{{ id: p, strategy: round_robin, members: [a, b] }}]
rules: [{{ id: all, pool: p }}]
"
    ))
}

// ---- availability ----

#[test]
fn away_without_until_skips_the_rep_until_cleared() {
    let policy = pair("{ id: a }");
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    state.rep_mut(&policy, "a").unwrap().away = Some(AwayStatus {
        since: ts("2026-05-01T00:00:00Z"),
        until: None,
    });
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(skip(&policy, &d, "a"), Skip::Away { until: None });
    assert_eq!(assigned(&policy, &d), Some("b"));
    // Open-ended away never expires by itself.
    let d = decide_at(&policy, &state, &lead("l"), ts("2030-01-01T00:00:00Z"));
    assert_eq!(assigned(&policy, &d), Some("b"));

    state.rep_mut(&policy, "a").unwrap().away = None;
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(assigned(&policy, &d), Some("a"));
}

#[test]
fn away_with_until_ends_exactly_at_until() {
    let policy = pair("{ id: a }");
    let mut state = Snapshot::empty(&policy);
    let until = ts("2026-06-01T12:00:00Z");
    state.rep_mut(&policy, "a").unwrap().away = Some(AwayStatus {
        since: ts("2026-06-01T09:00:00Z"),
        until: Some(until),
    });
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-06-01T11:59:59Z"));
    assert_eq!(skip(&policy, &d, "a"), Skip::Away { until: Some(until) });
    let d = decide_at(&policy, &state, &lead("l"), until);
    assert_eq!(assigned(&policy, &d), Some("a"));
}

#[test]
fn planned_out_of_office_is_a_half_open_window() {
    let policy = pair(
        "{ id: a, away: [{ from: '2026-06-01T00:00:00Z', until: '2026-06-05T00:00:00Z', reason: vacation }] }",
    );
    let state = Snapshot::empty(&policy);
    let until = ts("2026-06-05T00:00:00Z");
    let before = decide_at(&policy, &state, &lead("l"), ts("2026-05-31T23:59:59Z"));
    assert_eq!(assigned(&policy, &before), Some("a"));
    for during in ["2026-06-01T00:00:00Z", "2026-06-04T23:59:59Z"] {
        let d = decide_at(&policy, &state, &lead("l"), ts(during));
        assert_eq!(
            skip(&policy, &d, "a"),
            Skip::OutOfOffice { until },
            "at {during}"
        );
        assert_eq!(assigned(&policy, &d), Some("b"));
    }
    let after = decide_at(&policy, &state, &lead("l"), until);
    assert_eq!(assigned(&policy, &after), Some("a"));
}

#[test]
fn holiday_is_a_date_in_the_reps_own_time_zone() {
    let policy = common::policy(
        "triage_pool: triage
reps:
  - { id: tokyo, time_zone: Asia/Tokyo, holidays: ['2026-12-25'] }
  - { id: la, time_zone: America/Los_Angeles, holidays: ['2026-12-25'] }
pools: [{ id: p, strategy: round_robin, members: [tokyo, la] }]
rules: [{ id: all, pool: p }]
",
    );
    let state = Snapshot::empty(&policy);
    let christmas = date(2026, 12, 25);
    // 15:00Z on the 24th: already Christmas in Tokyo, still the 24th in Los Angeles.
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-12-24T15:00:00Z"));
    assert_eq!(
        skip(&policy, &d, "tokyo"),
        Skip::Holiday { date: christmas }
    );
    assert_eq!(assigned(&policy, &d), Some("la"));
    // 14:59Z on the 24th: Tokyo is at 23:59 on the 24th, no holiday yet.
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-12-24T14:59:00Z"));
    assert_eq!(assigned(&policy, &d), Some("tokyo"));
    // 15:00Z on the 25th: over in Tokyo, Christmas morning in Los Angeles.
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-12-25T15:00:00Z"));
    assert_eq!(assigned(&policy, &d), Some("tokyo"));
    assert_eq!(skip(&policy, &d, "la"), Skip::Holiday { date: christmas });
}

#[test]
fn working_hours_are_local_with_breaks_and_weekends() {
    let policy = pair(
        "{ id: a, time_zone: Europe/Berlin, working_hours: { mon-fri: ['09:00-12:00', '13:00-17:00'] } }",
    );
    let state = Snapshot::empty(&policy);
    // Monday 2026-06-01; Berlin is UTC+2 in summer.
    let cases = [
        ("2026-06-01T06:59:00Z", false, (8, 59)),
        ("2026-06-01T07:00:00Z", true, (9, 0)),
        ("2026-06-01T09:59:00Z", true, (11, 59)),
        ("2026-06-01T10:00:00Z", false, (12, 0)),
        ("2026-06-01T11:00:00Z", true, (13, 0)),
        ("2026-06-01T14:59:00Z", true, (16, 59)),
        ("2026-06-01T15:00:00Z", false, (17, 0)),
        // Saturday 2026-06-06, mid-morning.
        ("2026-06-06T08:00:00Z", false, (10, 0)),
    ];
    for (at, open, (h, m)) in cases {
        let d = decide_at(&policy, &state, &lead("l"), ts(at));
        if open {
            assert_eq!(assigned(&policy, &d), Some("a"), "at {at}");
        } else {
            match skip(&policy, &d, "a") {
                Skip::OutsideHours { local } => {
                    assert_eq!((local.hour(), local.minute()), (h, m), "local time at {at}");
                }
                other => panic!("at {at}: expected outside_hours, got {other:?}"),
            }
            assert_eq!(assigned(&policy, &d), Some("b"), "at {at}");
        }
    }
}

#[test]
fn a_rep_without_working_hours_is_always_available() {
    let policy = pair("{ id: a, time_zone: Pacific/Kiritimati }");
    let state = Snapshot::empty(&policy);
    for at in [
        "2026-06-06T03:00:00Z",
        "2026-06-07T23:30:00Z",
        "2026-06-03T12:00:00Z",
    ] {
        assert_eq!(
            assigned(&policy, &decide_at(&policy, &state, &lead("l"), ts(at))),
            Some("a")
        );
    }
}

// ---- caps ----

/// Rep `a` alone in the target pool, `b` in the fallback: a capped `a` sends leads to `b`.
fn capped(caps: &str, tz: &str) -> switchboard_routing::CompiledPolicy {
    common::policy(&format!(
        "triage_pool: triage
reps:
  - {{ id: a, time_zone: {tz}, caps: {caps} }}
  - {{ id: b }}
pools:
  - {{ id: main, members: [a] }}
  - {{ id: overflow, members: [b] }}
rules: [{{ id: all, pool: main, fallbacks: [overflow] }}]
"
    ))
}

#[test]
fn max_open_stops_assignments_at_the_cap_and_release_frees_a_slot() {
    let policy = capped("{ max_open: 2 }", "UTC");
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    for _ in 0..2 {
        let d = decide_at(&policy, &state, &lead("l"), now);
        assert_eq!(assigned(&policy, &d), Some("a"));
        state.apply(&d.change);
    }
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(skip(&policy, &d, "a"), Skip::AtCap { open: 2, max: 2 });
    assert_eq!(assigned(&policy, &d), Some("b"));
    assert_eq!(path(&policy, &d), ["pool:main", "pool:overflow"]);

    state.release(policy.rep_index("a").unwrap());
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(assigned(&policy, &d), Some("a"));
    let rc = d.change.rep.expect("assignment changes the rep");
    assert_eq!(
        (rc.open_before, rc.open_after, rc.max_open),
        (1, 2, Some(2))
    );
}

#[test]
fn max_per_day_counts_the_reps_local_day_and_resets_at_local_midnight() {
    let policy = capped("{ max_per_day: 1 }", "America/New_York");
    let mut state = Snapshot::empty(&policy);
    // 19:30 on Sunday 31 May in New York (EDT, UTC-4).
    let d = decide_at(&policy, &state, &lead("l1"), ts("2026-05-31T23:30:00Z"));
    assert_eq!(assigned(&policy, &d), Some("a"));
    let rc = d.change.rep.unwrap();
    assert_eq!(
        (rc.day.start, rc.day.before, rc.day.after, rc.day.max),
        (date(2026, 5, 31), 0, 1, Some(1))
    );
    state.apply(&d.change);

    // A new UTC day, but still 31 May in New York: the cap holds.
    let d = decide_at(&policy, &state, &lead("l2"), ts("2026-06-01T00:30:00Z"));
    assert_eq!(skip(&policy, &d, "a"), Skip::DailyCap { count: 1, max: 1 });
    let d = decide_at(&policy, &state, &lead("l3"), ts("2026-06-01T03:59:59Z"));
    assert_eq!(skip(&policy, &d, "a"), Skip::DailyCap { count: 1, max: 1 });

    // Local midnight: a fresh day window.
    let d = decide_at(&policy, &state, &lead("l4"), ts("2026-06-01T04:00:00Z"));
    assert_eq!(assigned(&policy, &d), Some("a"));
    let rc = d.change.rep.unwrap();
    assert_eq!(
        (rc.day.start, rc.day.before, rc.day.after),
        (date(2026, 6, 1), 0, 1)
    );
}

#[test]
fn max_per_day_ignores_open_leads_and_max_open_ignores_the_day_count() {
    // Daily and open caps are independent: releasing does not give back a daily slot.
    let policy = capped("{ max_per_day: 2, max_open: 5 }", "UTC");
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    for _ in 0..2 {
        let d = decide_at(&policy, &state, &lead("l"), now);
        assert_eq!(assigned(&policy, &d), Some("a"));
        state.apply(&d.change);
        state.release(policy.rep_index("a").unwrap());
    }
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(skip(&policy, &d, "a"), Skip::DailyCap { count: 2, max: 2 });
}

#[test]
fn max_per_week_counts_the_reps_iso_week_and_resets_at_local_monday() {
    let policy = capped("{ max_per_week: 2 }", "Asia/Tokyo");
    let mut state = Snapshot::empty(&policy);
    // Tuesday and Sunday of the week of Monday 1 June, Tokyo time (UTC+9).
    for at in ["2026-06-02T01:00:00Z", "2026-06-07T05:00:00Z"] {
        let d = decide_at(&policy, &state, &lead("l"), ts(at));
        assert_eq!(assigned(&policy, &d), Some("a"), "at {at}");
        assert_eq!(d.change.rep.unwrap().week.start, date(2026, 6, 1));
        state.apply(&d.change);
    }
    // Sunday 23:59 in Tokyo: still the same week.
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-06-07T14:59:00Z"));
    assert_eq!(skip(&policy, &d, "a"), Skip::WeeklyCap { count: 2, max: 2 });
    // Monday 00:00 in Tokyo while it is still Sunday in UTC: a new week.
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-06-07T15:00:00Z"));
    assert_eq!(assigned(&policy, &d), Some("a"));
    let rc = d.change.rep.unwrap();
    assert_eq!(
        (rc.week.start, rc.week.before, rc.week.after),
        (date(2026, 6, 8), 0, 1)
    );
}

#[test]
fn weekly_window_spans_a_month_and_year_boundary() {
    // Thursday 31 Dec 2026 and Friday 1 Jan 2027 share the ISO week starting Monday 28 Dec.
    let policy = capped("{ max_per_week: 1 }", "UTC");
    let mut state = Snapshot::empty(&policy);
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-12-31T10:00:00Z"));
    assert_eq!(d.change.rep.unwrap().week.start, date(2026, 12, 28));
    state.apply(&d.change);
    let d = decide_at(&policy, &state, &lead("l"), ts("2027-01-01T10:00:00Z"));
    assert_eq!(skip(&policy, &d, "a"), Skip::WeeklyCap { count: 1, max: 1 });
    let d = decide_at(&policy, &state, &lead("l"), ts("2027-01-04T00:00:00Z"));
    assert_eq!(assigned(&policy, &d), Some("a"));
}

#[test]
fn everyone_at_cap_parks_in_the_rules_park_in_pool() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: a, caps: { max_open: 1 } }]
pools: [{ id: p, members: [a] }]
rules: [{ id: all, pool: p, park_in: overflow-queue }]
",
    );
    let mut state = Snapshot::empty(&policy);
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-06-01T10:00:00Z"));
    state.apply(&d.change);
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-06-01T10:00:00Z"));
    assert_eq!(
        d.outcome,
        Outcome::Parked {
            reason: ParkReason::AllAtCap
        }
    );
    assert_eq!(d.park_in.as_deref(), Some("overflow-queue"));
    assert_eq!(
        d.change,
        Default::default(),
        "a parked lead changes no state"
    );
}

// ---- skills and territory ----

fn skilled(require: &str) -> switchboard_routing::CompiledPolicy {
    common::policy(&format!(
        "triage_pool: triage
reps:
  - {{ id: a, skills: [fintech] }}
  - {{ id: b, skills: [FinTech, 'territory:DE'], languages: [DE] }}
  - {{ id: c, skills: [enterprise, 'territory:AT'], languages: [de, en] }}
pools: [{{ id: p, strategy: round_robin, members: [a, b, c] }}]
rules: [{{ id: r, pool: p, require: {require} }}]
"
    ))
}

#[test]
fn required_skills_all_of_needs_every_tag_case_insensitively() {
    let policy = skilled("{ all: [fintech, 'LANG:de'] }");
    let d = decide_at(
        &policy,
        &Snapshot::empty(&policy),
        &lead("l"),
        ts("2026-06-01T10:00:00Z"),
    );
    // a lacks the second requirement (lang:de), c the first (fintech).
    assert_eq!(
        skip(&policy, &d, "a"),
        Skip::LacksSkill(RequirementRef::All(1))
    );
    assert_eq!(
        skip(&policy, &d, "c"),
        Skip::LacksSkill(RequirementRef::All(0))
    );
    assert_eq!(assigned(&policy, &d), Some("b"));
}

#[test]
fn required_skills_any_of_needs_one_tag() {
    let policy = skilled("{ any: [enterprise, mid-market] }");
    let d = decide_at(
        &policy,
        &Snapshot::empty(&policy),
        &lead("l"),
        ts("2026-06-01T10:00:00Z"),
    );
    assert_eq!(
        skip(&policy, &d, "a"),
        Skip::LacksSkill(RequirementRef::Any)
    );
    assert_eq!(
        skip(&policy, &d, "b"),
        Skip::LacksSkill(RequirementRef::Any)
    );
    assert_eq!(assigned(&policy, &d), Some("c"));
}

#[test]
fn a_required_tag_nobody_has_parks_the_lead_and_is_a_finding() {
    let policy = skilled("{ all: [healthcare] }");
    let findings = policy.findings();
    assert!(
        findings.iter().any(|f| f.code == "unmeetable-requirement"
            && f.path == "rules[0].require"
            && f.message.contains("healthcare")),
        "{findings:?}"
    );
    let d = decide_at(
        &policy,
        &Snapshot::empty(&policy),
        &lead("l"),
        ts("2026-06-01T10:00:00Z"),
    );
    assert_eq!(
        d.outcome,
        Outcome::Parked {
            reason: ParkReason::NoSkilledRep
        }
    );
    assert_eq!(d.park_in.as_deref(), Some("triage"));
}

#[test]
fn from_lead_territory_requires_the_tag_built_from_the_leads_field() {
    let policy = skilled("{ from_lead: [{ field: country, prefix: 'territory:' }] }");
    let state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");

    let d = decide_at(&policy, &state, &lead("l").with_country("DE"), now);
    assert_eq!(
        skip(&policy, &d, "a"),
        Skip::LacksSkill(RequirementRef::FromLead(0))
    );
    assert_eq!(assigned(&policy, &d), Some("b"));
    assert_eq!(
        skip(&policy, &d, "c"),
        Skip::LacksSkill(RequirementRef::FromLead(0))
    );

    let d = decide_at(&policy, &state, &lead("l").with_country("at"), now);
    assert_eq!(assigned(&policy, &d), Some("c"));

    // Nobody holds territory:FR: the lead parks rather than going to anyone.
    let d = decide_at(&policy, &state, &lead("l").with_country("FR"), now);
    assert_eq!(
        d.outcome,
        Outcome::Parked {
            reason: ParkReason::NoSkilledRep
        }
    );

    // A lead without a country skips the requirement: everyone qualifies.
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(assigned(&policy, &d), Some("a"));
}

#[test]
fn from_lead_combines_with_all_of() {
    let policy =
        skilled("{ all: ['lang:de'], from_lead: [{ field: region, prefix: 'territory:' }] }");
    let state = Snapshot::empty(&policy);
    let l = lead("l").with_attr("region", "AT");
    let d = decide_at(&policy, &state, &l, ts("2026-06-01T10:00:00Z"));
    assert_eq!(
        skip(&policy, &d, "a"),
        Skip::LacksSkill(RequirementRef::All(0))
    );
    assert_eq!(
        skip(&policy, &d, "b"),
        Skip::LacksSkill(RequirementRef::FromLead(0))
    );
    assert_eq!(assigned(&policy, &d), Some("c"));
}

#[test]
fn sticky_owner_outranks_skill_requirements_but_not_availability() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: owner }, { id: expert, skills: [fintech] }]
pools: [{ id: p, members: [expert] }]
rules: [{ id: r, sticky: true, pool: p, require: { all: [fintech] } }]
",
    );
    let acc = switchboard_routing::Account {
        id: "acc".into(),
        owner: Some("owner".into()),
        ..Default::default()
    };
    let mut state = Snapshot::empty(&policy);
    let call = || Call {
        account: Some(&acc),
        ..Call::default()
    };
    let d = decide_with(&policy, &state, &lead("l"), call());
    assert_eq!(assigned(&policy, &d), Some("owner"));
    assert_eq!(
        d.outcome,
        Outcome::Assigned {
            rep: policy.rep_index("owner").unwrap(),
            pool: None
        }
    );
    assert_eq!(path(&policy, &d), ["account_owner"]);

    state.rep_mut(&policy, "owner").unwrap().away = Some(AwayStatus {
        since: ts("2026-05-01T00:00:00Z"),
        until: None,
    });
    let d = decide_with(&policy, &state, &lead("l"), call());
    assert_eq!(skip(&policy, &d, "owner"), Skip::Away { until: None });
    assert_eq!(assigned(&policy, &d), Some("expert"));
    assert_eq!(path(&policy, &d), ["account_owner", "pool:p"]);
}

#[test]
fn non_sticky_rules_ignore_the_account_owner() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: owner }, { id: other }]
pools: [{ id: p, members: [other] }]
rules: [{ id: r, pool: p }]
",
    );
    let acc = switchboard_routing::Account {
        id: "acc".into(),
        owner: Some("owner".into()),
        ..Default::default()
    };
    let d = decide_with(
        &policy,
        &Snapshot::empty(&policy),
        &lead("l"),
        Call {
            account: Some(&acc),
            ..Call::default()
        },
    );
    assert_eq!(assigned(&policy, &d), Some("other"));
    assert_eq!(path(&policy, &d), ["pool:p"]);
}

// ---- bounced reps ----

#[test]
fn bounced_rep_is_skipped_while_a_teammate_can_take_the_lead() {
    let policy = pair("{ id: a }");
    let bounced = [RepId::from("a")];
    let d = decide_with(
        &policy,
        &Snapshot::empty(&policy),
        &lead("l"),
        Call {
            bounced: &bounced,
            ..Call::default()
        },
    );
    assert_eq!(skip(&policy, &d, "a"), Skip::BouncedBefore);
    assert_eq!(assigned(&policy, &d), Some("b"));
    assert!(d.steps.iter().all(|s| !s.rebounce));
}

#[test]
fn bounced_rep_is_skipped_while_a_fallback_pool_can_take_the_lead() {
    let policy = capped("{ max_open: 9 }", "UTC");
    let bounced = [RepId::from("a")];
    let d = decide_with(
        &policy,
        &Snapshot::empty(&policy),
        &lead("l"),
        Call {
            bounced: &bounced,
            ..Call::default()
        },
    );
    assert_eq!(assigned(&policy, &d), Some("b"));
    assert_eq!(path(&policy, &d), ["pool:main", "pool:overflow"]);
}

#[test]
fn bounced_rep_is_offered_again_on_a_rebounce_pass_when_nobody_else_can() {
    let policy = capped("{ max_open: 9 }", "UTC");
    let mut state = Snapshot::empty(&policy);
    state.rep_mut(&policy, "b").unwrap().away = Some(AwayStatus {
        since: ts("2026-05-01T00:00:00Z"),
        until: None,
    });
    let bounced = [RepId::from("a")];
    let d = decide_with(
        &policy,
        &state,
        &lead("l"),
        Call {
            bounced: &bounced,
            ..Call::default()
        },
    );
    assert_eq!(assigned(&policy, &d), Some("a"));
    assert_eq!(
        path(&policy, &d),
        ["pool:main", "pool:overflow", "pool:main+rebounce"]
    );
    assert_eq!(skip(&policy, &d, "a"), Skip::BouncedBefore);
}

#[test]
fn every_rep_bounced_and_unavailable_parks_after_the_rebounce_pass() {
    let policy = pair("{ id: a, caps: { max_open: 1 } }");
    let mut state = Snapshot::empty(&policy);
    state.rep_mut(&policy, "a").unwrap().open = 1;
    state.rep_mut(&policy, "b").unwrap().away = Some(AwayStatus {
        since: ts("2026-05-01T00:00:00Z"),
        until: None,
    });
    let bounced = [RepId::from("a")];
    let d = decide_with(
        &policy,
        &state,
        &lead("l"),
        Call {
            bounced: &bounced,
            ..Call::default()
        },
    );
    assert_eq!(
        d.outcome,
        Outcome::Parked {
            reason: ParkReason::NoneAvailable
        }
    );
    assert_eq!(path(&policy, &d), ["pool:p", "pool:p+rebounce"]);
    let second = &d.steps[1];
    let a = d.step_candidates(second)[0];
    assert_eq!(a.verdict, Verdict::Skipped(Skip::AtCap { open: 1, max: 1 }));
}

#[test]
fn no_rebounce_pass_when_nobody_bounced() {
    let policy = pair("{ id: a, caps: { max_open: 1 } }");
    let mut state = Snapshot::empty(&policy);
    state.rep_mut(&policy, "a").unwrap().open = 1;
    state.rep_mut(&policy, "b").unwrap().away = Some(AwayStatus {
        since: ts("2026-05-01T00:00:00Z"),
        until: None,
    });
    let d = decide_at(&policy, &state, &lead("l"), ts("2026-06-01T10:00:00Z"));
    assert_eq!(path(&policy, &d), ["pool:p"]);
}

// ---- strategies ----

#[test]
fn round_robin_rotates_and_skips_unavailable_members() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b }, { id: c }]
pools: [{ id: p, strategy: round_robin, members: [a, b, c] }]
rules: [{ id: r, pool: p }]
",
    );
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    let mut got = Vec::new();
    for i in 0..7 {
        // b is away for leads 3 and 4 only.
        state.rep_mut(&policy, "b").unwrap().away = (i == 3 || i == 4).then_some(AwayStatus {
            since: now,
            until: None,
        });
        let d = decide_at(&policy, &state, &lead("l"), now);
        got.push(assigned(&policy, &d).unwrap().to_owned());
        state.apply(&d.change);
    }
    assert_eq!(got, ["a", "b", "c", "a", "c", "a", "b"]);
}

#[test]
fn least_loaded_picks_fewest_open_then_longest_idle_then_member_order() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b }, { id: c }]
pools: [{ id: p, strategy: least_loaded, members: [a, b, c] }]
rules: [{ id: r, pool: p }]
",
    );
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    // Nobody assigned yet: member order breaks the tie.
    assert_eq!(
        assigned(&policy, &decide_at(&policy, &state, &lead("l"), now)),
        Some("a")
    );

    let set = |state: &mut Snapshot, id: &str, open: u32, last: &str| {
        let r = state.rep_mut(&policy, id).unwrap();
        r.open = open;
        r.last_assigned_at = Some(ts(last));
    };
    set(&mut state, "a", 2, "2026-06-01T08:00:00Z");
    set(&mut state, "b", 1, "2026-06-01T09:00:00Z");
    set(&mut state, "c", 1, "2026-06-01T07:00:00Z");
    // b and c tie on open leads; c has been idle longer.
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(assigned(&policy, &d), Some("c"));
    // Least loaded keeps no pool state.
    assert_eq!(d.change.pool, None);
    set(&mut state, "c", 3, "2026-06-01T07:00:00Z");
    assert_eq!(
        assigned(&policy, &decide_at(&policy, &state, &lead("l"), now)),
        Some("b")
    );
}

#[test]
fn weighted_round_robin_gives_weight_two_twice_the_leads() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b }]
pools: [{ id: p, members: [{ rep: a, weight: 2 }, b] }]
rules: [{ id: r, pool: p }]
",
    );
    let mut state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    let mut a = 0;
    for _ in 0..300 {
        let d = decide_at(&policy, &state, &lead("l"), now);
        if assigned(&policy, &d) == Some("a") {
            a += 1;
        }
        state.apply(&d.change);
    }
    assert_eq!(a, 200);
}

// ---- SLA ----

#[test]
fn sla_due_uses_the_rules_sla_or_the_policy_default() {
    let policy = common::policy(
        "triage_pool: triage
default_sla: 15m
reps: [{ id: a }]
pools: [{ id: p, members: [a] }]
rules:
  - { id: fast, when: { field: hot, eq: true }, pool: p, sla: 5m }
  - { id: rest, pool: p }
",
    );
    let state = Snapshot::empty(&policy);
    let now = ts("2026-06-01T10:00:00Z");
    let d = decide_at(&policy, &state, &lead("l").with_attr("hot", true), now);
    assert_eq!(d.sla_due, Some(ts("2026-06-01T10:05:00Z")));
    let d = decide_at(&policy, &state, &lead("l"), now);
    assert_eq!(d.sla_due, Some(ts("2026-06-01T10:15:00Z")));
}
