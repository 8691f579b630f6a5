//! SLA deadlines: a duration counted on the wall clock or only in a rep's working hours.
//!
//! A working-hours clock walks the rep's weekly intervals day by day in the rep's time
//! zone. Each interval is turned into real instants before it is counted, so a day with a
//! daylight-saving change counts the minutes that really pass (a 01:00–04:00 shift on the
//! night clocks go forward is two hours long, on the night they go back four).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::hours::WeeklyHours;

/// The furthest ahead a working-hours deadline is searched (a rep with hours on one day a
/// year is not a realistic SLA; past this the wall clock is used).
const MAX_DAYS: usize = 366;

/// The deadline for `sla` started at `start`, counting only `hours` in `tz` and skipping
/// `holidays` (sorted). `None` when no working time is found within a year.
pub fn working_due(
    hours: &WeeklyHours,
    tz: &TimeZone,
    holidays: &[Date],
    start: Timestamp,
    sla: SignedDuration,
) -> Option<Timestamp> {
    let mut left = sla;
    let mut day = tz.to_datetime(start).date();
    for _ in 0..MAX_DAYS {
        if holidays.binary_search(&day).is_err() {
            for &(from, to) in hours.intervals(day.weekday()) {
                let (Some(open), Some(close)) = (instant(tz, day, from), instant(tz, day, to))
                else {
                    continue;
                };
                let begin = open.max(start);
                if begin >= close {
                    continue;
                }
                let available = close.duration_since(begin);
                if left <= available {
                    return begin.checked_add(left).ok();
                }
                left -= available;
            }
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// The instant of `minute` (since local midnight, 1440 = the next midnight) on `day`.
/// A local time skipped by a clock change maps to the instant after the gap; a repeated
/// one to its first occurrence.
pub(crate) fn instant(tz: &TimeZone, day: Date, minute: u16) -> Option<Timestamp> {
    let dt = if minute >= 24 * 60 {
        DateTime::from_parts(day.tomorrow().ok()?, Time::midnight())
    } else {
        day.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
    };
    tz.to_ambiguous_timestamp(dt).compatible().ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use jiff::civil::date;

    fn hours(pairs: &[(&str, &[&str])]) -> WeeklyHours {
        let spec: BTreeMap<String, Vec<String>> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        WeeklyHours::parse(&spec).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    #[test]
    fn inside_hours_it_is_the_wall_clock() {
        let h = hours(&[("mon-fri", &["09:00-17:00"])]);
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        // Monday 2026-11-23 10:00 CET = 09:00 UTC.
        let due = working_due(&h, &tz, &[], ts("2026-11-23T09:00:00Z"), mins(15));
        assert_eq!(due, Some(ts("2026-11-23T09:15:00Z")));
    }

    #[test]
    fn friday_evening_runs_into_monday_morning_in_the_reps_zone() {
        let h = hours(&[("mon-fri", &["09:00-17:00"])]);
        // New York: Friday 2026-11-27 16:50 EST = 21:50 UTC; 10 minutes left on Friday,
        // 5 on Monday from 09:00 EST (14:00 UTC).
        let ny = TimeZone::get("America/New_York").unwrap();
        let due = working_due(&h, &ny, &[], ts("2026-11-27T21:50:00Z"), mins(15));
        assert_eq!(due, Some(ts("2026-11-30T14:05:00Z")));
        // The same instant is Saturday 06:50 in Tokyo: the clock starts Monday 09:00 JST.
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let due = working_due(&h, &tokyo, &[], ts("2026-11-27T21:50:00Z"), mins(15));
        assert_eq!(due, Some(ts("2026-11-30T00:15:00Z")));
    }

    #[test]
    fn lunch_breaks_and_holidays_do_not_count() {
        let h = hours(&[("mon-fri", &["09:00-12:00", "13:00-17:00"])]);
        let utc = TimeZone::UTC;
        let due = working_due(&h, &utc, &[], ts("2026-11-23T11:50:00Z"), mins(20));
        assert_eq!(due, Some(ts("2026-11-23T13:10:00Z")));
        // Tuesday is a holiday: Monday 16:55 + 10 minutes ends Wednesday 09:05.
        let due = working_due(
            &h,
            &utc,
            &[date(2026, 11, 24)],
            ts("2026-11-23T16:55:00Z"),
            mins(10),
        );
        assert_eq!(due, Some(ts("2026-11-25T09:05:00Z")));
    }

    #[test]
    fn spring_forward_counts_the_hours_that_really_pass() {
        // Berlin, Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST. A 01:00-04:00 shift
        // is two real hours: 00:00-02:00 UTC.
        let h = hours(&[("mon-sun", &["01:00-04:00"])]);
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let start = ts("2026-03-29T00:30:00Z"); // 01:30 CET
        assert_eq!(
            working_due(&h, &tz, &[], start, mins(90)),
            Some(ts("2026-03-29T02:00:00Z"))
        );
        // Ten more minutes run into Monday 01:00 CEST (Sunday 23:00 UTC).
        assert_eq!(
            working_due(&h, &tz, &[], start, mins(100)),
            Some(ts("2026-03-29T23:10:00Z"))
        );
    }

    #[test]
    fn fall_back_counts_the_repeated_hour() {
        // Berlin, Sunday 2026-10-25: 03:00 CEST goes back to 02:00 CET. A 01:00-04:00
        // shift is four real hours: 23:00 UTC (Saturday) to 03:00 UTC.
        let h = hours(&[("mon-sun", &["01:00-04:00"])]);
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let start = ts("2026-10-24T23:00:00Z"); // 01:00 CEST
        assert_eq!(
            working_due(&h, &tz, &[], start, mins(240)),
            Some(ts("2026-10-25T03:00:00Z"))
        );
        // One hour more: Monday 01:00-02:00 CET = 00:00-01:00 UTC.
        assert_eq!(
            working_due(&h, &tz, &[], start, mins(300)),
            Some(ts("2026-10-26T01:00:00Z"))
        );
    }

    #[test]
    fn a_shift_ending_at_midnight_and_no_hours_at_all() {
        let h = hours(&[("sun", &["22:00-24:00"])]);
        let due = working_due(
            &h,
            &TimeZone::UTC,
            &[],
            ts("2026-11-29T23:30:00Z"),
            mins(60),
        );
        // 30 minutes on this Sunday, 30 on the next.
        assert_eq!(due, Some(ts("2026-12-06T22:30:00Z")));
        let never = WeeklyHours::default();
        assert_eq!(
            working_due(
                &never,
                &TimeZone::UTC,
                &[],
                ts("2026-11-29T23:30:00Z"),
                mins(1)
            ),
            None
        );
    }
}
