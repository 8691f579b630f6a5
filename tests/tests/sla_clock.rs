//! Invariants of working-hours SLA deadlines over random starts, durations, time zones and
//! shifts: working time never runs faster than the wall clock, a round-the-clock rep's
//! deadline is the wall-clock one, a longer SLA never ends earlier, and a deadline falls
//! inside (or at the end of) a working interval.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use switchboard_routing::hours::WeeklyHours;
use switchboard_routing::sla::working_due;

const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe", // half-hour DST shift
    "Asia/Kolkata",
];

fn hours(start: u16, len: u16) -> WeeklyHours {
    let end = (start + len).min(24 * 60);
    let fmt = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    let spec: BTreeMap<String, Vec<String>> = [(
        "mon-fri".to_owned(),
        vec![format!("{}-{}", fmt(start), fmt(end))],
    )]
    .into();
    WeeklyHours::parse(&spec).unwrap()
}

fn round_the_clock() -> WeeklyHours {
    let spec: BTreeMap<String, Vec<String>> =
        [("mon-sun".to_owned(), vec!["00:00-24:00".to_owned()])].into();
    WeeklyHours::parse(&spec).unwrap()
}

proptest! {
    #[test]
    fn working_deadlines_behave(
        // 2026-01-01 .. 2027-01-01, so every DST change of the year is crossed somewhere.
        start_s in 1_767_225_600i64..1_798_761_600,
        sla_mins in 1i64..(3 * 24 * 60),
        zone in 0usize..ZONES.len(),
        shift_start in 0u16..(20 * 60),
        shift_len in 30u16..(10 * 60),
    ) {
        let tz = TimeZone::get(ZONES[zone]).unwrap();
        let start = Timestamp::from_second(start_s).unwrap();
        let sla = SignedDuration::from_mins(sla_mins);
        let h = hours(shift_start, shift_len);

        let due = working_due(&h, &tz, &[], start, sla).expect("weekday hours always exist");
        prop_assert!(due >= start + sla, "working time cannot pass faster than wall time");

        let longer = working_due(&h, &tz, &[], start, sla + SignedDuration::from_mins(1)).unwrap();
        prop_assert!(longer > due);

        // The deadline is inside a working interval or at its very end.
        let just_before = tz.to_datetime(due - SignedDuration::from_secs(1));
        prop_assert!(h.contains(just_before), "due {due} is not at working time ({just_before})");

        let always = working_due(&round_the_clock(), &tz, &[], start, sla).unwrap();
        prop_assert_eq!(always, start + sla);
    }
}
