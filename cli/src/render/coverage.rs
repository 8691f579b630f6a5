//! The coverage forecast as text: per pool a grid of days by hours (in UTC, or a time zone
//! the reader chooses, e.g. a rep's), then the gaps and the days over the caps in
//! sentences; and as CSV, one row per pool and hour (UTC).

use std::fmt::Write as _;
use std::io::Write;

use jiff::tz::TimeZone;
use switchboard_routing::coverage::{CoverageHour, CoverageReport, weekday_name};

fn day_label(tz: &TimeZone, t: jiff::Timestamp) -> String {
    let dt = tz.to_datetime(t);
    format!("{} {}", weekday_name(dt.weekday()), dt.date())
}

fn hour_label(tz: &TimeZone, t: jiff::Timestamp) -> String {
    let dt = tz.to_datetime(t);
    format!("{:02}:{:02}", dt.hour(), dt.minute())
}

/// `UTC`, or the zone's name.
fn zone_name(tz: &TimeZone) -> &str {
    tz.iana_name().unwrap_or("UTC")
}

/// `!`: leads expected and nobody in hours; `.`: nobody, and none expected; else how many
/// reps could take a lead (`+` for ten or more).
fn cell(h: &CoverageHour) -> char {
    match (h.in_hours, h.expected > 0.0) {
        (0, true) => '!',
        (0, false) => '.',
        (n @ 1..=9, _) => char::from_digit(n, 10).unwrap_or('+'),
        _ => '+',
    }
}

/// The report with its hours shown in `tz` (a day's row starts at the zone's midnight;
/// a day with a daylight saving change has 23 or 25 cells).
pub fn render_coverage(report: &CoverageReport, tz: &TimeZone) -> String {
    let mut out = String::new();
    let end = report.from + jiff::SignedDuration::from_hours(report.hours as i64);
    let _ = writeln!(
        out,
        "Coverage {} to {} ({}): reps who can take a lead, per hour",
        report.from,
        end,
        zone_name(tz)
    );
    let _ = writeln!(
        out,
        "  ! leads expected, nobody in hours   . nobody, none expected   1-9 reps (+ ten or more)\n"
    );
    let hours_header: String = (0..24).map(|h| format!("{:<3}", h % 24)).collect();
    for pool in &report.pools {
        let _ = writeln!(out, "pool {}", pool.pool);
        let _ = writeln!(out, "  {:<15} {}", "hour", hours_header.trim_end());
        let mut row = String::new();
        let mut label = String::new();
        for h in &pool.hours {
            let dt = tz.to_datetime(h.at);
            if dt.hour() == 0 && dt.minute() == 0 || label.is_empty() {
                if !label.is_empty() {
                    let _ = writeln!(out, "  {label:<15} {}", row.trim_end());
                }
                label = day_label(tz, h.at);
                // A forecast starting mid-day leaves the earlier hours blank.
                row = "   ".repeat(dt.hour() as usize);
            }
            row.push(cell(h));
            row.push_str("  ");
        }
        if !label.is_empty() {
            let _ = writeln!(out, "  {label:<15} {}", row.trim_end());
        }
        out.push('\n');
    }
    if report.gaps.is_empty() {
        let _ = writeln!(out, "No hour with leads expected and nobody to take them.");
    } else {
        let _ = writeln!(out, "Hours with leads expected and nobody in hours:");
        for g in &report.gaps {
            let why: Vec<String> = g
                .reasons
                .iter()
                .map(|(reason, n)| format!("{n} {}", reason.replace('_', " ")))
                .collect();
            // A gap past midnight names the day it ends on.
            let same_day = tz.to_datetime(g.from).date()
                == tz
                    .to_datetime(g.to - jiff::SignedDuration::from_secs(1))
                    .date();
            let to = if same_day && tz.to_datetime(g.to).hour() != 0 {
                hour_label(tz, g.to)
            } else if same_day {
                "24:00".to_owned()
            } else {
                format!("{} {}", day_label(tz, g.to), hour_label(tz, g.to))
            };
            let _ = writeln!(
                out,
                "  {} {}–{to} {}  pool {}: {:.1} leads expected; of {} reps: {}",
                day_label(tz, g.from),
                hour_label(tz, g.from),
                zone_name(tz),
                g.pool,
                g.expected,
                g.members,
                why.join(", ")
            );
        }
    }
    if !report.shortfalls.is_empty() {
        let _ = writeln!(out, "Days whose expected leads exceed the daily caps:");
    }
    for s in &report.shortfalls {
        let _ = writeln!(
            out,
            "  {} pool {}: {:.1} leads expected, the daily caps of its reps in hours allow {}",
            s.date, s.pool, s.expected, s.daily_capacity
        );
    }
    if report.unmatched_per_week > 0.0 {
        let _ = writeln!(
            out,
            "{:.1} leads a week match no rule; they park in triage whoever is in hours.",
            report.unmatched_per_week
        );
    }
    out
}

pub fn write_coverage_csv(out: impl Write, report: &CoverageReport) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "pool",
        "at",
        "in_hours",
        "members",
        "open_capacity",
        "expected",
    ])?;
    for pool in &report.pools {
        for h in &pool.hours {
            w.write_record([
                pool.pool.clone(),
                h.at.to_string(),
                h.in_hours.to_string(),
                h.members.to_string(),
                h.open_capacity.map(|c| c.to_string()).unwrap_or_default(),
                format!("{:.3}", h.expected),
            ])?;
        }
    }
    w.flush()
}
