//! The policy's `recycle` settings: what follows when a rep recycles a lead, by default
//! and per reason, and their compiled form.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::PoolId;
use crate::recycle::{RecycleReason, RecycleThen};

/// `recycle:` in the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecycleDoc {
    /// What follows a recycle whose reason has no entry in `reasons` (default `close`).
    #[serde(default)]
    pub default: RecycleFollowUpDoc,
    /// Per reason (`bad_data`, `no_budget`, `student`, `competitor`, `job_seeker`,
    /// `not_decision_maker`, `other`), over `default`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<RecycleReason, RecycleFollowUpDoc>,
}

/// One follow-up: `{ then: close }`, `{ then: nurture, pool: nurture }` or
/// `{ then: reroute, after: 3d }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "then", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecycleFollowUpDoc {
    /// Close the lead (no outcome): it is finished. (A struct variant, so a stray field
    /// such as a `pool` is refused rather than ignored.)
    Close {},
    /// Park it in `pool`, a parking pool like `triage_pool` and a rule's `park_in` (a
    /// name, not one of `pools`), for a person to take up later.
    Nurture { pool: String },
    /// Park it, and route it again (not to the rep who recycled it) once `after` has
    /// passed, e.g. `3d`, `12h`.
    Reroute { after: String },
}

impl Default for RecycleFollowUpDoc {
    fn default() -> Self {
        RecycleFollowUpDoc::Close {}
    }
}

/// A compiled follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecycleFollowUp {
    Close,
    Nurture { pool: PoolId },
    Reroute { after: SignedDuration },
}

impl RecycleFollowUp {
    /// The follow-up as it is recorded for a recycle at `now`.
    pub fn at(&self, now: Timestamp) -> RecycleThen {
        match self {
            RecycleFollowUp::Close => RecycleThen::Close,
            RecycleFollowUp::Nurture { pool } => RecycleThen::Nurture { pool: pool.clone() },
            RecycleFollowUp::Reroute { after } => RecycleThen::Reroute {
                reroute_at: now + *after,
            },
        }
    }
}

/// The compiled `recycle` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecycleSettings {
    default: RecycleFollowUp,
    reasons: BTreeMap<RecycleReason, RecycleFollowUp>,
}

impl Default for RecycleSettings {
    fn default() -> Self {
        RecycleSettings {
            default: RecycleFollowUp::Close,
            reasons: BTreeMap::new(),
        }
    }
}

impl RecycleSettings {
    /// What follows a recycle for `reason`.
    pub fn follow_up(&self, reason: RecycleReason) -> &RecycleFollowUp {
        self.reasons.get(&reason).unwrap_or(&self.default)
    }
}

/// A re-route delay: a duration as everywhere in the policy, or in days and weeks (`3d`,
/// `2w`), which a nurture delay is usually counted in; a day is 24 hours.
pub(super) fn delay(text: &str) -> Result<SignedDuration, String> {
    super::compile::parse_duration(text).or_else(|first| {
        let span: jiff::Span = text.trim().parse().map_err(|_| first.clone())?;
        let d = span
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map_err(|_| first.clone())?;
        if d <= SignedDuration::ZERO {
            return Err(format!("duration `{text}` must be positive"));
        }
        Ok(d)
    })
}

/// Compiles `doc`; `routing_pool` says whether a name is one of the policy's routing
/// pools, which cannot hold leads parked for nurture. Problems come back as (path,
/// message).
pub(super) fn compile(
    doc: &RecycleDoc,
    routing_pool: impl Fn(&str) -> bool,
) -> Result<RecycleSettings, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut one = |path: String, d: &RecycleFollowUpDoc| -> Option<RecycleFollowUp> {
        match d {
            RecycleFollowUpDoc::Close {} => Some(RecycleFollowUp::Close),
            RecycleFollowUpDoc::Nurture { pool } if pool.trim().is_empty() => {
                problems.push((
                    format!("{path}.pool"),
                    "nurture pool name must not be empty".to_owned(),
                ));
                None
            }
            RecycleFollowUpDoc::Nurture { pool } if routing_pool(pool.trim()) => {
                problems.push((
                    format!("{path}.pool"),
                    format!("`{pool}` is a routing pool; a nurture pool is a parking pool that holds leads for people (use `then: reroute` to route again)"),
                ));
                None
            }
            RecycleFollowUpDoc::Nurture { pool } => Some(RecycleFollowUp::Nurture {
                pool: PoolId::from(pool.trim()),
            }),
            RecycleFollowUpDoc::Reroute { after } => match delay(after) {
                Ok(after) => Some(RecycleFollowUp::Reroute { after }),
                Err(m) => {
                    problems.push((format!("{path}.after"), m));
                    None
                }
            },
        }
    };
    let default = one("recycle.default".to_owned(), &doc.default);
    let mut reasons = BTreeMap::new();
    for (reason, d) in &doc.reasons {
        if let Some(f) = one(format!("recycle.reasons.{}", reason.as_str()), d) {
            reasons.insert(*reason, f);
        }
    }
    match default {
        Some(default) if problems.is_empty() => Ok(RecycleSettings { default, reasons }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};

    use crate::CompiledPolicy;
    use crate::policy::PolicyError;
    use crate::recycle::{RecycleReason, RecycleThen};

    use super::RecycleFollowUp;

    const BASE: &str = "triage_pool: triage
reps: [{ id: a }]
pools: [{ id: q, strategy: round_robin, members: [a] }]
rules: [{ id: all, pool: q }]
";

    fn with(recycle: &str) -> Result<CompiledPolicy, PolicyError> {
        CompiledPolicy::from_yaml(&format!("{BASE}recycle:\n{recycle}"), 1)
    }

    #[test]
    fn without_settings_a_recycled_lead_is_closed() {
        let p = CompiledPolicy::from_yaml(BASE, 1).unwrap();
        for r in RecycleReason::ALL {
            assert_eq!(p.recycle().follow_up(r), &RecycleFollowUp::Close);
        }
    }

    #[test]
    fn a_reason_overrides_the_default() {
        let p = with(
            "  default: { then: nurture, pool: nurture }
  reasons:
    bad_data: { then: close }
    no_budget: { then: reroute, after: 3d }
",
        )
        .unwrap();
        let r = p.recycle();
        assert_eq!(
            r.follow_up(RecycleReason::Student),
            &RecycleFollowUp::Nurture {
                pool: "nurture".into()
            }
        );
        assert_eq!(r.follow_up(RecycleReason::BadData), &RecycleFollowUp::Close);
        let now: Timestamp = "2026-12-04T09:00:00Z".parse().unwrap();
        assert_eq!(
            r.follow_up(RecycleReason::NoBudget).at(now),
            RecycleThen::Reroute {
                reroute_at: now + SignedDuration::from_hours(72)
            }
        );
    }

    #[test]
    fn the_triage_pool_may_be_the_nurture_pool() {
        let p = with("  default: { then: nurture, pool: triage }\n").unwrap();
        assert_eq!(
            p.recycle().follow_up(RecycleReason::Other),
            &RecycleFollowUp::Nurture {
                pool: "triage".into()
            }
        );
    }

    #[test]
    fn routing_pools_bad_delays_and_unknown_reasons_are_refused_with_their_paths() {
        let Err(PolicyError::Invalid(issues)) = with(
            "  default: { then: nurture, pool: q }
  reasons:
    student: { then: reroute, after: soon }
",
        ) else {
            panic!("expected a validation error");
        };
        let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            ["recycle.default.pool", "recycle.reasons.student.after"]
        );
        assert!(with("  reasons:\n    bored: { then: close }\n").is_err());
        assert!(with("  default: { then: close, pool: q }\n").is_err());
        assert!(with("  default: { then: reroute, after: -2d }\n").is_err());
        let weeks = with("  default: { then: reroute, after: 2w }\n").unwrap();
        assert_eq!(
            weeks.recycle().follow_up(RecycleReason::Student),
            &RecycleFollowUp::Reroute {
                after: SignedDuration::from_hours(14 * 24)
            }
        );
    }
}
