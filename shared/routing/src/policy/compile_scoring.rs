//! Validation and compilation of the `scoring` model (`crate::score`).

use std::collections::HashSet;

use super::document::ScoringDoc;
use crate::condition::{Condition, FieldTable, Matcher};
use crate::score::{GroupSpec, ScoreRuleSpec, Scoring};

/// `(path, message)` of each problem.
pub(super) type Problems = Vec<(String, String)>;

pub(super) fn compile(doc: &ScoringDoc, fields: &mut FieldTable) -> Result<Scoring, Problems> {
    let mut problems: Problems = Vec::new();
    let mut err = |path: String, message: String| problems.push((path, message));
    let mut groups: Vec<GroupSpec> = doc
        .groups
        .iter()
        .map(|(name, g)| GroupSpec {
            name: name.clone(),
            min: g.min,
            max: g.max,
        })
        .collect();
    for g in &groups {
        if let (Some(min), Some(max)) = (g.min, g.max)
            && min > max
        {
            err(
                format!("scoring.groups.{}", g.name),
                format!("min {min} is above max {max}"),
            );
        }
    }
    let mut ids = HashSet::new();
    let mut rules = Vec::with_capacity(doc.rules.len());
    for (i, r) in doc.rules.iter().enumerate() {
        let p = format!("scoring.rules[{i}]");
        if r.id.trim().is_empty() {
            err(
                format!("{p}.id"),
                "scoring rule id must not be empty".into(),
            );
        } else if !ids.insert(r.id.as_str()) {
            err(
                format!("{p}.id"),
                format!("duplicate scoring rule id `{}`", r.id),
            );
        }
        if tests_score(&r.when) {
            err(
                format!("{p}.when"),
                "scoring rules cannot test `score` or `grade`: they are what the rules compute \
                 (the lead's own fields are `attributes.score` and `attributes.grade`)"
                    .into(),
            );
        }
        // A group named by a rule but not bounded in `groups` simply has no bounds.
        let group = r.group.as_ref().map(|name| {
            groups
                .iter()
                .position(|g| &g.name == name)
                .unwrap_or_else(|| {
                    groups.push(GroupSpec {
                        name: name.clone(),
                        min: None,
                        max: None,
                    });
                    groups.len() - 1
                })
        });
        match Matcher::compile(&r.when, &format!("{p}.when"), fields) {
            Ok(matcher) => rules.push(ScoreRuleSpec {
                id: r.id.clone(),
                matcher,
                points: r.points,
                group,
            }),
            Err(errors) => {
                for e in errors {
                    err(e.path, e.message);
                }
            }
        }
    }
    let mut grades = Vec::with_capacity(doc.grades.len());
    let mut names = HashSet::new();
    let mut last_min: Option<i64> = None;
    for (i, g) in doc.grades.iter().enumerate() {
        let p = format!("scoring.grades[{i}]");
        if g.grade.trim().is_empty() {
            err(format!("{p}.grade"), "grade must not be empty".into());
        } else if !names.insert(g.grade.as_str()) {
            err(
                format!("{p}.grade"),
                format!("duplicate grade `{}`", g.grade),
            );
        }
        match g.min {
            None if i + 1 != doc.grades.len() => err(
                format!("{p}.min"),
                "only the last grade may leave out `min` (it takes every lower score)".into(),
            ),
            Some(min) if last_min.is_some_and(|before| min >= before) => err(
                format!("{p}.min"),
                format!("grades go from the highest down: {min} is not below the grade before"),
            ),
            _ => {}
        }
        last_min = g.min.or(last_min);
        grades.push((g.grade.clone(), g.min));
    }
    if problems.is_empty() {
        Ok(Scoring {
            rules,
            groups,
            grades,
        })
    } else {
        Err(problems)
    }
}

fn tests_score(c: &Condition) -> bool {
    match c {
        Condition::All(a) => a.all.iter().any(tests_score),
        Condition::Any(a) => a.any.iter().any(tests_score),
        Condition::Not(n) => tests_score(&n.not),
        Condition::Test(t) => matches!(t.field.trim(), "score" | "grade"),
    }
}
