//! `spread` on a lead import: instead of routing every row at once, each new lead is
//! stored `scheduled` with a `route_at` planned by [`switchboard_routing::spread`] over the
//! working hours of the reps the active policy would send it to, and the sweep hands it
//! to routing when that time comes. Caps and fairness are checked then, as for any lead.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::spread::{self, MAX_SPREAD, Target};
use switchboard_routing::{CompiledPolicy, Lead};
use switchboard_store::{AccountDirectory, PolicyStore};

use crate::error::AdminError;

/// The period an import's routing is spread over, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Period {
    /// From the request's `spread` (`90m`, `36h`, `2d`; at most 30 days) and
    /// `spread_from` (default `now`). Planning starts at `now` when `spread_from` is
    /// earlier (a later chunk of one file), so nothing is planned in the past.
    pub fn of(
        spread: &str,
        spread_from: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Period, AdminError> {
        let length = crate::window::duration("spread", spread).map_err(|_| {
            AdminError::invalid_body(
                "spread",
                format!("`{spread}` is not a duration like 90m, 36h or 2d"),
            )
        })?;
        if length > MAX_SPREAD {
            return Err(AdminError::invalid_body(
                "spread",
                format!("at most {}d", MAX_SPREAD.as_hours() / 24),
            ));
        }
        let start = spread_from.unwrap_or(now);
        if start > now.saturating_add(MAX_SPREAD).unwrap_or(Timestamp::MAX) {
            return Err(AdminError::invalid_body(
                "spread_from",
                format!("at most {}d ahead", MAX_SPREAD.as_hours() / 24),
            ));
        }
        let to = start.saturating_add(length).unwrap_or(Timestamp::MAX);
        if to <= now {
            return Err(AdminError::invalid_body(
                "spread_from",
                format!("the period ended at {to}"),
            ));
        }
        Ok(Period {
            from: start.max(now),
            to,
        })
    }
}

/// When each of `leads` goes to routing (`None`: at once), and the label of its target.
pub struct Planned {
    pub route_at: Vec<Option<Timestamp>>,
    pub targets: Vec<Option<String>>,
}

/// Plans `leads` over `period` under the active policy, each with its matched account.
pub async fn plan<S: PolicyStore + AccountDirectory>(
    store: &S,
    leads: &[&Lead],
    period: Period,
) -> Result<Planned, AdminError> {
    let policy = active(store).await?;
    let mut targets = Vec::with_capacity(leads.len());
    for lead in leads {
        let account = store.match_lead(lead).await?;
        targets.push(spread::target(
            &policy,
            lead,
            account.as_ref().map(|(a, _)| a),
        ));
    }
    Ok(Planned {
        route_at: spread::plan(&policy, &targets, period.from, period.to),
        targets: targets
            .iter()
            .map(|t| t.map(|t: Target| t.label(&policy)))
            .collect(),
    })
}

async fn active<S: PolicyStore>(store: &S) -> Result<CompiledPolicy, AdminError> {
    let none = || AdminError::Conflict("no active policy to plan the spread by".into());
    let active = store.get_active().await?.ok_or_else(none)?;
    let stored = store.get_version(active.version).await?.ok_or_else(none)?;
    CompiledPolicy::compile(stored.document, active.version)
        .map_err(|e| AdminError::Conflict(format!("the active policy does not compile: {e}")))
}

/// How a spread import's new leads were planned: per target (a pool, or `owner:REP` for a
/// sticky account owner), how many and their first and last planned times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SpreadSummary {
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub from: Timestamp,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub to: Timestamp,
    pub targets: Vec<TargetPlan>,
    /// New leads routed at once: no rule would take them, the kill switch is on, or their
    /// reps have no working time in the period.
    pub at_once: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TargetPlan {
    pub target: String,
    pub leads: usize,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub first: Timestamp,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub last: Timestamp,
}

impl SpreadSummary {
    pub fn new(period: Period) -> Self {
        SpreadSummary {
            from: period.from,
            to: period.to,
            targets: Vec::new(),
            at_once: 0,
        }
    }

    /// Counts a new lead planned for `target` at `at` (`None`: routed at once).
    pub fn add(&mut self, target: Option<&str>, at: Option<Timestamp>) {
        let (Some(target), Some(at)) = (target, at) else {
            self.at_once += 1;
            return;
        };
        match self.targets.iter_mut().find(|t| t.target == target) {
            Some(t) => {
                t.leads += 1;
                t.first = t.first.min(at);
                t.last = t.last.max(at);
            }
            None => self.targets.push(TargetPlan {
                target: target.to_owned(),
                leads: 1,
                first: at,
                last: at,
            }),
        }
    }

    /// Joins another chunk's summary of the same import (the CLI's total).
    pub fn merge(&mut self, other: &SpreadSummary) {
        self.from = self.from.min(other.from);
        self.to = self.to.max(other.to);
        self.at_once += other.at_once;
        for t in &other.targets {
            match self.targets.iter_mut().find(|mine| mine.target == t.target) {
                Some(mine) => {
                    mine.leads += t.leads;
                    mine.first = mine.first.min(t.first);
                    mine.last = mine.last.max(t.last);
                }
                None => self.targets.push(t.clone()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_is_checked_and_starts_no_earlier_than_now() {
        let now = ts("2026-12-07T08:00:00Z");
        let ok = Period::of("2d", None, now).unwrap();
        assert_eq!((ok.from, ok.to), (now, ts("2026-12-09T08:00:00Z")));
        // A later chunk of the same file keeps the period's end.
        let later = Period::of("2d", Some(ts("2026-12-07T07:55:00Z")), now).unwrap();
        assert_eq!((later.from, later.to), (now, ts("2026-12-09T07:55:00Z")));
        let refused = [
            ("0d", None, "spread"),
            ("2 days", None, "spread"),
            ("31d", None, "spread"),
            ("1h", Some(ts("2026-12-07T06:00:00Z")), "spread_from"),
            ("1d", Some(ts("2027-02-07T06:00:00Z")), "spread_from"),
        ];
        for (spread, from, field) in refused {
            match Period::of(spread, from, now) {
                Err(AdminError::InvalidBody { field: f, .. }) => assert_eq!(f, field, "{spread}"),
                other => panic!("{spread} {from:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_summary_counts_per_target_and_merges_chunks() {
        let period = Period {
            from: ts("2026-12-07T08:00:00Z"),
            to: ts("2026-12-09T08:00:00Z"),
        };
        let mut one = SpreadSummary::new(period);
        one.add(Some("emea"), Some(ts("2026-12-07T10:00:00Z")));
        one.add(Some("emea"), Some(ts("2026-12-07T09:00:00Z")));
        one.add(None, None);
        let mut two = SpreadSummary::new(period);
        two.add(Some("emea"), Some(ts("2026-12-08T16:00:00Z")));
        two.add(Some("us"), Some(ts("2026-12-07T15:00:00Z")));
        one.merge(&two);
        let got: Vec<_> = one
            .targets
            .iter()
            .map(|t| (t.target.as_str(), t.leads, t.first, t.last))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "emea",
                    3,
                    ts("2026-12-07T09:00:00Z"),
                    ts("2026-12-08T16:00:00Z")
                ),
                (
                    "us",
                    1,
                    ts("2026-12-07T15:00:00Z"),
                    ts("2026-12-07T15:00:00Z")
                ),
            ]
        );
        assert_eq!(one.at_once, 1);
    }
}
