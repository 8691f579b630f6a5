//! Spreading an imported batch over its reps' working hours (`switchboard_routing::spread`):
//! every planned time is inside the period and inside the working hours of a rep of the
//! lead's target pool (checked against the generated hours, not the engine's reading of
//! them), each pool's leads are spread (no hour gets more than its even share plus one),
//! a lead is left unplanned only when its pool has no working time in the period, and the
//! same batch always gets the same plan.

mod common;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use switchboard_routing::spread::{self, Target};
use switchboard_routing::{CompiledPolicy, Lead};
use switchboard_testkit::monday;

/// Zones without daylight saving, so a generated local hour is never skipped or repeated
/// (the planner maps those like the SLA clock does; the oracle here would not).
const ZONES: [&str; 5] = [
    "UTC",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Asia/Kathmandu",
];

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A rep's generated hours: per weekday (Monday first) at most one `[start, end)` in
/// minutes since local midnight; `None` for a rep without hours (always working).
#[derive(Debug, Clone)]
struct RepHours {
    zone: usize,
    days: Option<[Option<(u16, u16)>; 7]>,
}

impl RepHours {
    fn works_at(&self, t: Timestamp) -> bool {
        let Some(days) = &self.days else {
            return true;
        };
        let local = TimeZone::get(ZONES[self.zone]).unwrap().to_datetime(t);
        let day = local.weekday().to_monday_zero_offset() as usize;
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        days[day].is_some_and(|(s, e)| minute >= s && minute < e)
    }

    fn yaml(&self, id: usize) -> String {
        let hours = match &self.days {
            None => String::new(),
            Some(days) => {
                let listed: Vec<String> = days
                    .iter()
                    .zip(DAYS)
                    .filter_map(|(d, name)| {
                        d.map(|(s, e)| format!("{name}: [\"{}-{}\"]", hhmm(s), hhmm(e)))
                    })
                    .collect();
                format!(", working_hours: {{ {} }}", listed.join(", "))
            }
        };
        format!(
            "  - {{ id: r{id}, time_zone: {}{hours} }}\n",
            ZONES[self.zone]
        )
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn rep_hours() -> impl Strategy<Value = RepHours> {
    // Half-hour steps; a day off about a third of the time.
    let day = prop_oneof![
        1 => Just(None),
        2 => (0u16..47, 1u16..=16).prop_map(|(s, len)| {
            let start = s * 30;
            Some((start, (start + len * 30).min(24 * 60)))
        }),
    ];
    (
        0..ZONES.len(),
        prop_oneof![1 => Just(None), 4 => proptest::array::uniform7(day).prop_map(Some)],
    )
        .prop_map(|(zone, days)| RepHours { zone, days })
}

/// Pool `de` (the first `split` reps) takes German leads, pool `all` (every rep) the rest.
fn policy_of(reps: &[RepHours], split: usize) -> CompiledPolicy {
    let listed: String = reps.iter().enumerate().map(|(i, r)| r.yaml(i)).collect();
    let members = |n: usize| {
        (0..n)
            .map(|i| format!("r{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    common::policy(&format!(
        "triage_pool: triage
reps:
{listed}pools:
  - {{ id: de, members: [{}] }}
  - {{ id: all, members: [{}] }}
rules:
  - {{ id: german, when: {{ field: country, eq: DE }}, pool: de }}
  - {{ id: rest, pool: all }}
",
        members(split),
        members(reps.len())
    ))
}

#[derive(Debug, Clone)]
struct Batch {
    reps: Vec<RepHours>,
    split: usize,
    german: Vec<bool>,
    start_min: i64,
    length_min: i64,
}

fn batch() -> impl Strategy<Value = Batch> {
    (
        proptest::collection::vec(rep_hours(), 1..5),
        proptest::collection::vec(any::<bool>(), 1..300),
        0i64..7 * 24 * 60,
        60i64..10 * 24 * 60,
    )
        .prop_flat_map(|(reps, german, start_min, length_min)| {
            let n = reps.len();
            (1..=n).prop_map(move |split| Batch {
                reps: reps.clone(),
                split,
                german: german.clone(),
                start_min,
                length_min,
            })
        })
}

struct Planned {
    policy: CompiledPolicy,
    targets: Vec<Option<Target>>,
    at: Vec<Option<Timestamp>>,
    from: Timestamp,
    to: Timestamp,
}

fn plan(b: &Batch) -> Planned {
    let policy = policy_of(&b.reps, b.split);
    let leads: Vec<Lead> = b
        .german
        .iter()
        .enumerate()
        .map(|(i, de)| common::lead(&format!("L{i}")).with_country(if *de { "DE" } else { "FR" }))
        .collect();
    let targets: Vec<Option<Target>> = leads
        .iter()
        .map(|l| spread::target(&policy, l, None))
        .collect();
    let from = monday() + SignedDuration::from_mins(b.start_min);
    let to = from + SignedDuration::from_mins(b.length_min);
    let at = spread::plan(&policy, &targets, from, to);
    Planned {
        policy,
        targets,
        at,
        from,
        to,
    }
}

/// The reps (by index) of the pool a target names.
fn members(b: &Batch, policy: &CompiledPolicy, target: Target) -> Vec<usize> {
    match target.label(policy).as_str() {
        "de" => (0..b.split).collect(),
        "all" => (0..b.reps.len()).collect(),
        other => panic!("unexpected target {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn planned_times_are_inside_the_period_and_someones_hours(b in batch()) {
        let p = plan(&b);
        for (i, (target, at)) in p.targets.iter().zip(&p.at).enumerate() {
            let target = target.expect("every lead matches a rule");
            let Some(at) = at else {
                // Unplanned only when nobody in the pool works in the period.
                let reps = target.reps(&p.policy);
                prop_assert!(
                    spread::working_windows(&p.policy, &reps, p.from, p.to).is_empty(),
                    "lead {i} unplanned although its pool works"
                );
                continue;
            };
            prop_assert!(p.from <= *at && *at < p.to, "lead {i} at {at} outside the period");
            let working = members(&b, &p.policy, target)
                .into_iter()
                .any(|r| b.reps[r].works_at(*at));
            prop_assert!(working, "lead {i} at {at}: nobody in {} works", target.label(&p.policy));
        }
    }

    #[test]
    fn no_hour_gets_more_than_its_even_share_plus_one(b in batch()) {
        let p = plan(&b);
        let mut by_target: BTreeMap<Target, Vec<Timestamp>> = BTreeMap::new();
        for (t, at) in p.targets.iter().zip(&p.at) {
            if let (Some(t), Some(at)) = (t, at) {
                by_target.entry(*t).or_default().push(*at);
            }
        }
        for (target, mut times) in by_target {
            times.sort();
            let reps = target.reps(&p.policy);
            let windows = spread::working_windows(&p.policy, &reps, p.from, p.to);
            let working: i128 = windows.iter().map(|(s, e)| e.duration_since(*s).as_nanos()).sum();
            let hour = SignedDuration::from_hours(1).as_nanos();
            let n = times.len() as i128;
            // ceil(n / working hours) + 1
            let bound = (n * hour + working - 1) / working + 1;
            for (i, t) in times.iter().enumerate() {
                let end = *t + SignedDuration::from_hours(1);
                let in_hour = times[i..].iter().take_while(|u| **u < end).count() as i128;
                prop_assert!(
                    in_hour <= bound,
                    "{}: {in_hour} leads in the hour from {t}, bound {bound}",
                    target.label(&p.policy)
                );
            }
        }
    }

    #[test]
    fn the_same_batch_gets_the_same_plan(b in batch()) {
        let (one, two) = (plan(&b), plan(&b));
        prop_assert_eq!(one.at, two.at);
    }
}

/// A pool working 09:00–17:00 UTC on weekdays, 16 leads over Monday 00:00 to Wednesday
/// 00:00: two leads an hour, every hour of both days, none at night.
#[test]
fn a_two_day_spread_fills_both_working_days_evenly() {
    let policy = common::policy(
        "triage_pool: triage
reps:
  - { id: ana, time_zone: UTC, working_hours: { mon-fri: [\"09:00-17:00\"] } }
pools: [ { id: desk, members: [ana] } ]
rules: [ { id: all, pool: desk } ]
",
    );
    let from: Timestamp = "2026-12-07T00:00:00Z".parse().unwrap();
    let to = from + SignedDuration::from_hours(48);
    let lead = common::lead("L");
    let target = spread::target(&policy, &lead, None);
    let at = spread::plan(&policy, &vec![target; 32], from, to);
    let mut per_hour: BTreeMap<String, usize> = BTreeMap::new();
    for t in at.iter().map(|t| t.expect("planned")) {
        *per_hour.entry(t.strftime("%a %H").to_string()).or_default() += 1;
    }
    let want: BTreeMap<String, usize> = ["Mon", "Tue"]
        .iter()
        .flat_map(|d| (9..17).map(move |h| (format!("{d} {h:02}"), 2)))
        .collect();
    assert_eq!(per_hour, want);
}
