//! The coverage forecast of the active policy or a draft (`switchboard_routing::coverage`):
//! arrivals averaged over the leads received in the last weeks
//! (`switchboard_store::coverage`), or a profile the caller gives; the reps' own away flags
//! from the live state.

use jiff::Timestamp;
use serde::Deserialize;
use switchboard_routing::coverage::{ArrivalProfile, CoverageReport, forecast};
use switchboard_routing::{CompiledPolicy, PolicyDocument};
use switchboard_store::{LeadIndex, PolicyStore, RoutingState};

use crate::error::AdminError;

pub const DEFAULT_WEEKS: u32 = 4;
pub const DEFAULT_DAYS: u32 = 7;

/// What to forecast (`POST /policy/coverage`, `switchboard policy coverage`).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CoverageRequest {
    /// A draft policy (YAML or JSON) instead of the active one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Weeks of received leads the expected arrivals are averaged over (1–26, default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks: Option<u32>,
    /// Days to forecast from `from` (1–28, default 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// The first hour (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub from: Option<Timestamp>,
    /// Expected arrivals given by hand instead of the stored leads' (rows add up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Vec<ProfileRow>>,
}

/// `leads` expected in each hour of `hours` (UTC, `"08-18"` is 08:00 to 18:00, `"9"` one
/// hour) on each of `days` (`"mon-fri"`, `"sat"`, `"mon,wed"`), for `pool`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileRow {
    pub pool: String,
    pub days: String,
    pub hours: String,
    pub leads: f64,
}

pub async fn coverage<S: LeadIndex + RoutingState + PolicyStore>(
    store: &S,
    request: &CoverageRequest,
    now: Timestamp,
) -> Result<CoverageReport, AdminError> {
    let weeks = request.weeks.unwrap_or(DEFAULT_WEEKS);
    if !(1..=26).contains(&weeks) {
        return Err(AdminError::invalid_field("weeks", "from 1 to 26"));
    }
    let days = request.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=28).contains(&days) {
        return Err(AdminError::invalid_field("days", "from 1 to 28"));
    }
    let policy = match &request.document {
        Some(text) => {
            let doc = PolicyDocument::from_yaml(text).map_err(crate::ops::invalid_policy)?;
            CompiledPolicy::compile(doc, 0).map_err(crate::ops::invalid_policy)?
        }
        None => crate::reps::active(store).await?,
    };
    let profile = match &request.profile {
        Some(rows) => profile_of(&policy, rows)?,
        None => switchboard_store::coverage::arrivals(store, &policy, weeks, now).await?,
    };
    let away = switchboard_store::coverage::away_flags(store, &policy).await?;
    let from = request.from.unwrap_or(now);
    Ok(forecast(&policy, &profile, &away, from, days * 24))
}

fn profile_of(policy: &CompiledPolicy, rows: &[ProfileRow]) -> Result<ArrivalProfile, AdminError> {
    let mut profile = ArrivalProfile::default();
    for (i, row) in rows.iter().enumerate() {
        let field = |name: &str| format!("profile[{i}].{name}");
        if policy.pool_index(&row.pool).is_none() {
            return Err(AdminError::invalid_field(
                &field("pool"),
                format!("the policy has no pool `{}`", row.pool),
            ));
        }
        if !(row.leads.is_finite() && row.leads >= 0.0) {
            return Err(AdminError::invalid_field(
                &field("leads"),
                "a number of leads, 0 or more",
            ));
        }
        let days = weekdays(&row.days).map_err(|m| AdminError::invalid_field(&field("days"), m))?;
        let hours = hours(&row.hours).map_err(|m| AdminError::invalid_field(&field("hours"), m))?;
        for d in &days {
            for h in hours.clone() {
                profile.add(&row.pool, d * 24 + h, row.leads);
            }
        }
    }
    Ok(profile)
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `mon-fri`, `sat`, `mon,wed,fri` → Monday-based day numbers.
fn weekdays(text: &str) -> Result<Vec<usize>, String> {
    let day = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        WEEKDAYS
            .iter()
            .position(|d| s.starts_with(d))
            .ok_or_else(|| format!("`{s}` is not a weekday (mon, tue, ... sun)"))
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if a > b {
                    return Err(format!("`{part}` runs backwards"));
                }
                out.extend(a..=b);
            }
            None => out.push(day(part)?),
        }
    }
    Ok(out)
}

/// `08-18` → 8..18; `9` → 9..10 (UTC hours).
fn hours(text: &str) -> Result<std::ops::Range<usize>, String> {
    let hour = |s: &str| {
        s.trim()
            .parse::<usize>()
            .ok()
            .filter(|h| *h <= 24)
            .ok_or_else(|| format!("`{}` is not an hour from 0 to 24", s.trim()))
    };
    let range = match text.split_once('-') {
        Some((a, b)) => hour(a)?..hour(b)?,
        None => {
            let h = hour(text)?;
            h..h + 1
        }
    };
    if range.is_empty() || range.end > 24 {
        return Err(format!("`{text}` is not a range of hours within a day"));
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::{hours, weekdays};

    #[test]
    fn profile_rows_name_days_and_hours() {
        assert_eq!(weekdays("mon-fri").unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(weekdays("sat,Sun").unwrap(), vec![5, 6]);
        assert!(weekdays("fri-mon").is_err());
        assert!(weekdays("someday").is_err());
        assert_eq!(hours("08-18").unwrap(), 8..18);
        assert_eq!(hours("23").unwrap(), 23..24);
        assert!(hours("18-08").is_err());
        assert!(hours("25").is_err());
    }
}
