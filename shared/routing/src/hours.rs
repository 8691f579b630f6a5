//! Weekly working hours in a rep's local time.

use std::collections::BTreeMap;

use jiff::civil::{DateTime, Weekday};

/// Working intervals per weekday, Monday first, as minutes since local midnight `[start, end)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WeeklyHours {
    days: [Vec<(u16, u16)>; 7],
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `mon` or a full English day name (`monday`), any case.
fn day_index(name: &str) -> Option<usize> {
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let n = name.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|d| *d == n)
        .or_else(|| FULL.iter().position(|d| *d == n))
}

fn parse_minute(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    // 24:00 is allowed as an end of day.
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

impl WeeklyHours {
    /// Parses `{"mon-fri": ["09:00-17:00"], "sat": ["10:00-12:00"]}`. Errors name the key.
    pub fn parse(spec: &BTreeMap<String, Vec<String>>) -> Result<WeeklyHours, (String, String)> {
        let mut hours = WeeklyHours::default();
        for (key, ranges) in spec {
            let days: Vec<usize> = match key.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = day_index(a)
                        .zip(day_index(b))
                        .ok_or_else(|| (key.clone(), format!("unknown day range `{key}`")))?;
                    if a > b {
                        return Err((key.clone(), format!("day range `{key}` runs backwards")));
                    }
                    (a..=b).collect()
                }
                None => vec![
                    day_index(key).ok_or_else(|| (key.clone(), format!("unknown day `{key}`")))?,
                ],
            };
            for range in ranges {
                let parsed = range
                    .split_once('-')
                    .and_then(|(a, b)| Some((parse_minute(a)?, parse_minute(b)?)));
                let Some((start, end)) = parsed else {
                    return Err((
                        key.clone(),
                        format!("hours `{range}` are not `HH:MM-HH:MM`"),
                    ));
                };
                if end <= start {
                    return Err((
                        key.clone(),
                        format!(
                            "hours `{range}` end before they start; split overnight shifts across two days"
                        ),
                    ));
                }
                for &d in &days {
                    hours.days[d].push((start, end));
                }
            }
        }
        for d in &mut hours.days {
            d.sort_unstable();
        }
        Ok(hours)
    }

    /// True when the local date-time falls inside a working interval.
    pub fn contains(&self, local: DateTime) -> bool {
        let day = local.weekday().to_monday_zero_offset() as usize;
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.contains_minute(day, minute)
    }

    /// As [`Self::contains`], with the weekday (Monday = 0) and minute already computed.
    pub fn contains_minute(&self, day: usize, minute: u16) -> bool {
        self.days[day]
            .iter()
            .any(|&(s, e)| minute >= s && minute < e)
    }

    /// Intervals for a weekday, minutes since midnight.
    pub fn intervals(&self, day: Weekday) -> &[(u16, u16)] {
        &self.days[day.to_monday_zero_offset() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn spec(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn weekday_ranges_and_lunch_breaks() {
        let h = WeeklyHours::parse(&spec(&[("mon-fri", &["09:00-12:00", "13:00-17:30"])])).unwrap();
        // 2026-11-23 is a Monday.
        assert!(h.contains(date(2026, 11, 23).at(9, 0, 0, 0)));
        assert!(!h.contains(date(2026, 11, 23).at(12, 30, 0, 0)));
        assert!(h.contains(date(2026, 11, 27).at(17, 29, 0, 0)));
        assert!(!h.contains(date(2026, 11, 27).at(17, 30, 0, 0)));
        assert!(!h.contains(date(2026, 11, 28).at(10, 0, 0, 0)));
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(WeeklyHours::parse(&spec(&[("funday", &["09:00-17:00"])])).is_err());
        assert!(WeeklyHours::parse(&spec(&[("monkey", &["09:00-17:00"])])).is_err());
        assert!(WeeklyHours::parse(&spec(&[("Monday-friday", &["09:00-17:00"])])).is_ok());
        assert!(WeeklyHours::parse(&spec(&[("fri-mon", &["09:00-17:00"])])).is_err());
        assert!(WeeklyHours::parse(&spec(&[("mon", &["17:00-09:00"])])).is_err());
        assert!(WeeklyHours::parse(&spec(&[("mon", &["9-5"])])).is_err());
        assert!(WeeklyHours::parse(&spec(&[("mon", &["09:60-10:00"])])).is_err());
        assert!(WeeklyHours::parse(&spec(&[("sun", &["00:00-24:00"])])).is_ok());
    }
}
