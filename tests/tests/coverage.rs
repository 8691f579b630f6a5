//! The coverage forecast against a generated history whose gaps are known exactly: a
//! Berlin rep working 09:00–17:00 local across the end of daylight saving time, a holiday,
//! planned and live absences, and daily caps.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::coverage::{ArrivalProfile, CoverageGap, forecast, hour_of_week};
use switchboard_routing::{AwayStatus, CompiledPolicy, Lead, Scalar};

mod common;

const POLICY: &str = r#"
triage_pool: triage
reps:
  - id: ann
    time_zone: Europe/Berlin
    working_hours: { mon-fri: ["09:00-17:00"] }
    holidays: ["2026-10-27"]
    caps: { max_open: 3, max_per_day: 8 }
  - id: bob
    time_zone: America/New_York
    working_hours: { mon-fri: ["09:00-17:00"] }
pools:
  - { id: emea, members: [ann] }
  - { id: us, members: [bob] }
rules:
  - { id: us, when: { field: country, eq: US }, pool: us }
  - { id: rest, when: { field: country, exists: true }, pool: emea }
"#;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Two weeks of history: a German lead every weekday hour 07:00–16:00 UTC, one lead with
/// no country (matches no rule) per weekday.
fn history() -> Vec<Lead> {
    let mut leads = Vec::new();
    let monday = t("2026-10-05T00:00:00Z");
    for day in 0..14 {
        let date = monday + SignedDuration::from_hours(24 * day);
        if day % 7 >= 5 {
            continue;
        }
        for hour in 7..17 {
            let mut lead = common::lead(&format!("l{day}-{hour}"));
            lead.received_at = date + SignedDuration::from_hours(hour);
            lead.country = Some("DE".into());
            leads.push(lead);
        }
        let mut unmatched = common::lead(&format!("u{day}"));
        unmatched.received_at = date + SignedDuration::from_hours(12);
        unmatched
            .attributes
            .insert("note".into(), Scalar::Text("x".into()));
        leads.push(unmatched);
    }
    leads
}

fn gap(from: &str, to: &str, expected: f64, reason: &str) -> (Timestamp, Timestamp, f64, String) {
    (t(from), t(to), expected, reason.to_owned())
}

fn summary(gaps: &[CoverageGap]) -> Vec<(Timestamp, Timestamp, f64, String)> {
    gaps.iter()
        .filter(|g| g.pool == "emea")
        .map(|g| {
            let reasons: Vec<String> = g.reasons.keys().cloned().collect();
            (g.from, g.to, g.expected, reasons.join(","))
        })
        .collect()
}

#[test]
fn the_profile_counts_each_lead_for_its_rules_pool_per_week() {
    let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
    let profile = ArrivalProfile::from_leads(&policy, &history(), 2.0);
    let emea = &profile.pools["emea"];
    let monday_7 = hour_of_week(t("2026-10-19T07:00:00Z"));
    assert_eq!(monday_7, 7);
    assert_eq!(emea[monday_7], 1.0);
    assert_eq!(emea[hour_of_week(t("2026-10-19T06:00:00Z"))], 0.0);
    assert_eq!(
        emea[hour_of_week(t("2026-10-24T10:00:00Z"))],
        0.0,
        "Saturday"
    );
    assert_eq!(emea.iter().sum::<f64>(), 50.0);
    assert!(!profile.pools.contains_key("us"));
    assert_eq!(profile.unmatched_per_week, 5.0);
}

#[test]
fn gaps_follow_daylight_saving_holidays_and_absences() {
    let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
    let profile = ArrivalProfile::from_leads(&policy, &history(), 2.0);
    // Monday 19 October to Sunday 1 November 2026; Berlin leaves summer time on the 25th.
    let report = forecast(
        &policy,
        &profile,
        &BTreeMap::new(),
        t("2026-10-19T00:20:00Z"),
        14 * 24,
    );
    assert_eq!(
        report.from,
        t("2026-10-19T00:00:00Z"),
        "rounded down to the hour"
    );
    let mut expected = Vec::new();
    // Summer time (UTC+2): ann works 07:00–15:00 UTC; the 15:00 and 16:00 leads wait.
    for d in 19..=23 {
        expected.push(gap(
            &format!("2026-10-{d}T15:00:00Z"),
            &format!("2026-10-{d}T17:00:00Z"),
            2.0,
            "outside_hours",
        ));
    }
    // Winter time (UTC+1): 08:00–16:00 UTC; the 07:00 and 16:00 leads wait. Tuesday the
    // 27th is her holiday: the whole day is a gap.
    for d in [26, 28, 29, 30] {
        expected.push(gap(
            &format!("2026-10-{d}T07:00:00Z"),
            &format!("2026-10-{d}T08:00:00Z"),
            1.0,
            "outside_hours",
        ));
        expected.push(gap(
            &format!("2026-10-{d}T16:00:00Z"),
            &format!("2026-10-{d}T17:00:00Z"),
            1.0,
            "outside_hours",
        ));
    }
    expected.push(gap(
        "2026-10-27T07:00:00Z",
        "2026-10-27T17:00:00Z",
        10.0,
        "holiday",
    ));
    expected.sort_by_key(|g| g.0);
    assert_eq!(summary(&report.gaps), expected);

    // The hour view agrees: in hours at 07:00 UTC in summer time, not in winter time.
    let emea = report.pools.iter().find(|p| p.pool == "emea").unwrap();
    let at = |s: &str| emea.hours.iter().find(|h| h.at == t(s)).unwrap();
    assert_eq!(at("2026-10-23T07:00:00Z").in_hours, 1);
    assert_eq!(at("2026-10-23T07:00:00Z").open_capacity, Some(3));
    assert_eq!(at("2026-10-26T07:00:00Z").in_hours, 0);
    assert_eq!(at("2026-10-26T07:00:00Z").expected, 1.0);

    // Ten leads a weekday against a daily cap of eight; the holiday is a gap, not a
    // shortfall.
    let shortfalls: Vec<(String, f64, u32)> = report
        .shortfalls
        .iter()
        .map(|s| (s.date.to_string(), s.expected, s.daily_capacity))
        .collect();
    let want: Vec<(String, f64, u32)> = [19, 20, 21, 22, 23, 26, 28, 29, 30]
        .iter()
        .map(|d| (format!("2026-10-{d}"), 10.0, 8))
        .collect();

    assert_eq!(shortfalls, want);
    // No leads are expected for the US pool, so it has no gap however its hours fall.
    assert!(report.gaps.iter().all(|g| g.pool == "emea"));
}

#[test]
fn a_reps_own_away_flag_opens_a_gap_until_it_ends() {
    let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
    let profile = ArrivalProfile::from_leads(&policy, &history(), 2.0);
    let away = BTreeMap::from([(
        "ann".to_owned(),
        AwayStatus {
            since: t("2026-10-19T00:00:00Z"),
            until: Some(t("2026-10-19T12:00:00Z")),
        },
    )]);
    let report = forecast(&policy, &profile, &away, t("2026-10-19T00:00:00Z"), 24);
    assert_eq!(
        summary(&report.gaps),
        vec![
            gap("2026-10-19T07:00:00Z", "2026-10-19T12:00:00Z", 5.0, "away"),
            gap(
                "2026-10-19T15:00:00Z",
                "2026-10-19T17:00:00Z",
                2.0,
                "outside_hours"
            ),
        ]
    );
}
