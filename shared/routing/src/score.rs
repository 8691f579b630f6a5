//! The lead score of a policy's `scoring` model: every fit and intent rule whose condition
//! holds adds its points, each group's sum is clamped to the group's bounds, and the total
//! is graded by the first grade whose minimum it reaches. The rules' conditions can then
//! test `score` and `grade`; the decision record keeps the breakdown.

use serde::{Deserialize, Serialize};

use crate::condition::{FieldCache, Matcher};

/// A scoring rule, compiled.
#[derive(Debug)]
pub(crate) struct ScoreRuleSpec {
    pub id: String,
    pub matcher: Matcher,
    pub points: i64,
    /// Index into [`Scoring::groups`].
    pub group: Option<usize>,
}

/// A group's name and bounds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupSpec {
    pub name: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// The scoring model, compiled.
#[derive(Debug, Default)]
pub(crate) struct Scoring {
    pub rules: Vec<ScoreRuleSpec>,
    pub groups: Vec<GroupSpec>,
    /// From the highest; `None` is the catch-all, last.
    pub grades: Vec<(String, Option<i64>)>,
}

/// A lead's score with how it came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Score {
    pub points: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// Each rule that held, in policy order.
    pub parts: Vec<ScorePart>,
    /// Each group's sum before and after its bounds (only groups some rule scored in).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ScorePart {
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GroupTotal {
    pub group: String,
    /// The group's rules' points added up.
    pub points: i64,
    /// What counts toward the score: `points` within the group's bounds.
    pub counted: i64,
}

impl Scoring {
    pub(crate) fn score(&self, fields: &mut FieldCache<'_>) -> Score {
        let mut parts = Vec::new();
        let mut sums = vec![0i64; self.groups.len()];
        let mut ungrouped = 0i64;
        let mut scored = vec![false; self.groups.len()];
        for rule in &self.rules {
            if !rule.matcher.matches(fields) {
                continue;
            }
            match rule.group {
                Some(g) => {
                    sums[g] = sums[g].saturating_add(rule.points);
                    scored[g] = true;
                }
                None => ungrouped = ungrouped.saturating_add(rule.points),
            }
            parts.push(ScorePart {
                rule: rule.id.clone(),
                group: rule.group.map(|g| self.groups[g].name.clone()),
                points: rule.points,
            });
        }
        let mut points = ungrouped;
        let mut groups = Vec::new();
        for (g, spec) in self.groups.iter().enumerate() {
            let mut counted = sums[g];
            if let Some(max) = spec.max {
                counted = counted.min(max);
            }
            if let Some(min) = spec.min {
                counted = counted.max(min);
            }
            points = points.saturating_add(counted);
            if scored[g] || counted != 0 {
                groups.push(GroupTotal {
                    group: spec.name.clone(),
                    points: sums[g],
                    counted,
                });
            }
        }
        let grade = self
            .grades
            .iter()
            .find(|(_, min)| min.is_none_or(|m| points >= m))
            .map(|(g, _)| g.clone());
        Score {
            points,
            grade,
            parts,
            groups,
        }
    }
}
