//! The coverage forecast: for each pool and each coming hour, who is in working hours (after
//! holidays, planned absences and the reps' own away flags), what they could take, and
//! how many leads are expected then; the hours where leads are expected and nobody can take
//! them, and the days where the expected leads exceed the pool's daily caps.
//!
//! Pure: the arrivals come in as a profile (from stored leads, or given by hand) and the
//! clock as `from`. The hours are real instants, so daylight saving changes, holidays and
//! absences fall where they fall.

use std::collections::BTreeMap;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::policy::CompiledPolicy;
use crate::state::{AwayStatus, RepState};
use crate::{Lead, rep_now};

/// Hours in a week; a profile has one value per pool and hour of the week (UTC).
pub const HOURS_PER_WEEK: usize = 168;

/// Expected leads per pool for each hour of the week in UTC (Monday 00:00 is hour 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArrivalProfile {
    pub pools: BTreeMap<String, Vec<f64>>,
    /// Expected leads per week no rule matches (they park in triage whatever the reps).
    #[serde(default)]
    pub unmatched_per_week: f64,
}

/// Hour of the week of `t` in UTC (Monday 00:00 is 0).
pub fn hour_of_week(t: Timestamp) -> usize {
    let dt = TimeZone::UTC.to_datetime(t);
    dt.weekday().to_monday_zero_offset() as usize * 24 + dt.hour() as usize
}

impl ArrivalProfile {
    /// The profile of `leads` received over `weeks` weeks: each lead counts for the pool
    /// of the first rule of `policy` its fields match (accounts are not looked up, so
    /// rules on `account.*` fields count as not matching), divided by `weeks`.
    pub fn from_leads<'a>(
        policy: &CompiledPolicy,
        leads: impl IntoIterator<Item = &'a Lead>,
        weeks: f64,
    ) -> ArrivalProfile {
        let mut profile = ArrivalProfile::default();
        for lead in leads {
            profile.add_lead(policy, lead, weeks);
        }
        profile
    }

    /// Counts `lead` as `1 / weeks` of an arrival (see [`ArrivalProfile::from_leads`]).
    pub fn add_lead(&mut self, policy: &CompiledPolicy, lead: &Lead, weeks: f64) {
        let share = 1.0 / weeks.max(1.0 / HOURS_PER_WEEK as f64);
        let rule = (0..policy.rules().len()).find(|&i| policy.rule_matches(i, lead, None));
        match rule.and_then(|i| policy.rules()[i].waterfall.first().copied()) {
            Some(p) => self.add(
                policy.pools()[p as usize].id.as_str(),
                hour_of_week(lead.received_at),
                share,
            ),
            None => self.unmatched_per_week += share,
        }
    }

    /// Adds `leads` expected leads to `pool` at `hour` of the week.
    pub fn add(&mut self, pool: &str, hour: usize, leads: f64) {
        let hours = self
            .pools
            .entry(pool.to_owned())
            .or_insert_with(|| vec![0.0; HOURS_PER_WEEK]);
        if let Some(h) = hours.get_mut(hour) {
            *h += leads;
        }
    }

    /// Expected leads for `pool` in the hour starting at `t`.
    pub fn expected(&self, pool: &str, t: Timestamp) -> f64 {
        self.pools
            .get(pool)
            .and_then(|h| h.get(hour_of_week(t)))
            .copied()
            .unwrap_or(0.0)
    }
}

/// One pool's hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CoverageHour {
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub at: Timestamp,
    /// Members who could take a lead (in hours, not on holiday, not away).
    pub in_hours: u32,
    pub members: u32,
    /// The open-lead caps of those in hours, summed; `None`: someone has no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_capacity: Option<u32>,
    pub expected: f64,
}

/// Hours in a row where leads are expected and nobody of the pool can take them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CoverageGap {
    pub pool: String,
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub from: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub to: Timestamp,
    pub expected: f64,
    /// Why the members could not, counted over the members at the gap's first hour
    /// (`outside_hours`, `holiday`, `out_of_office`, `away`).
    pub reasons: BTreeMap<String, u32>,
    pub members: u32,
}

/// A UTC day where the expected leads exceed what the pool's reps may take that day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CapShortfall {
    pub pool: String,
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub date: jiff::civil::Date,
    pub expected: f64,
    /// The daily caps of the members in hours at some point that day, summed.
    pub daily_capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolCoverage {
    pub pool: String,
    pub hours: Vec<CoverageHour>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CoverageReport {
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub from: Timestamp,
    pub hours: u32,
    pub pools: Vec<PoolCoverage>,
    pub gaps: Vec<CoverageGap>,
    pub shortfalls: Vec<CapShortfall>,
    /// Expected leads per week that match no rule.
    pub unmatched_per_week: f64,
}

/// The forecast for `hours` hours from `from` (rounded down to the hour). `away` gives
/// reps' own away flags by rep id (from the live state); planned absences, holidays and
/// working hours come from the policy.
pub fn forecast(
    policy: &CompiledPolicy,
    profile: &ArrivalProfile,
    away: &BTreeMap<String, AwayStatus>,
    from: Timestamp,
    hours: u32,
) -> CoverageReport {
    let start = Timestamp::from_second(from.as_second().div_euclid(3600) * 3600).unwrap_or(from);
    let states: Vec<RepState> = policy
        .reps()
        .iter()
        .map(|r| RepState {
            away: away.get(r.id.as_str()).copied(),
            ..RepState::default()
        })
        .collect();
    let mut report = CoverageReport {
        from: start,
        hours,
        pools: Vec::new(),
        gaps: Vec::new(),
        shortfalls: Vec::new(),
        unmatched_per_week: profile.unmatched_per_week,
    };
    for pool in policy.pools() {
        let id = pool.id.as_str().to_owned();
        let mut rows = Vec::with_capacity(hours as usize);
        let mut open_gap: Option<CoverageGap> = None;
        // Per UTC day: expected leads, and the daily caps of reps in hours that day.
        let mut days: BTreeMap<jiff::civil::Date, (f64, BTreeMap<u32, Option<u32>>)> =
            BTreeMap::new();
        for h in 0..hours {
            let at = start + SignedDuration::from_hours(h as i64);
            let expected = profile.expected(&id, at);
            let mut in_hours = 0;
            let mut capacity = Some(0u32);
            let mut reasons: BTreeMap<String, u32> = BTreeMap::new();
            let day = days
                .entry(TimeZone::UTC.to_datetime(at).date())
                .or_insert((0.0, BTreeMap::new()));
            day.0 += expected;
            for m in &pool.members {
                let spec = &policy.reps()[m.rep as usize];
                match rep_now(policy, m.rep, &states[m.rep as usize], at).unavailable {
                    None => {
                        in_hours += 1;
                        capacity = capacity.zip(spec.caps.max_open).map(|(a, b)| a + b);
                        day.1.insert(m.rep, spec.caps.max_per_day);
                    }
                    Some(skip) => *reasons.entry(skip.code().to_owned()).or_default() += 1,
                }
            }
            rows.push(CoverageHour {
                at,
                in_hours,
                members: pool.members.len() as u32,
                open_capacity: capacity,
                expected,
            });
            let uncovered = in_hours == 0 && expected > 0.0;
            match (&mut open_gap, uncovered) {
                (Some(gap), true) => {
                    gap.to = at + SignedDuration::from_hours(1);
                    gap.expected += expected;
                }
                (None, true) => {
                    open_gap = Some(CoverageGap {
                        pool: id.clone(),
                        from: at,
                        to: at + SignedDuration::from_hours(1),
                        expected,
                        reasons,
                        members: pool.members.len() as u32,
                    })
                }
                (Some(_), false) => report.gaps.extend(open_gap.take()),
                (None, false) => {}
            }
        }
        report.gaps.extend(open_gap);
        for (date, (expected, reps)) in days {
            // A day nobody works is a gap already; reps without a daily cap take any number.
            if reps.is_empty() {
                continue;
            }
            let capacity: Option<u32> = reps
                .values()
                .try_fold(0u32, |sum, cap| cap.map(|c| sum + c));
            if let Some(capacity) = capacity
                && expected > capacity as f64
            {
                report.shortfalls.push(CapShortfall {
                    pool: id.clone(),
                    date,
                    expected,
                    daily_capacity: capacity,
                });
            }
        }
        report.pools.push(PoolCoverage {
            pool: id,
            hours: rows,
        });
    }
    report
        .gaps
        .sort_by(|a, b| (a.from, &a.pool).cmp(&(b.from, &b.pool)));
    report
}

/// `Mon`..`Sun`, for labels.
pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}
