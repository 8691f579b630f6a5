//! Static checks of a valid policy: what would go wrong with real leads that validation
//! cannot refuse, found from the document alone. Each [`Finding`] has a stable code, a
//! severity, the path in the document and a one-line fix. docs/POLICY.md ("Findings")
//! lists every code.
//!
//! A finding is only reported when it is proven for every lead (a shadowed rule's leads
//! all match the earlier rule; a contradiction holds whatever the values), and an example
//! lead is only shown after the engine's own matchers confirmed it, so a finding is never
//! a guess. What the analysis cannot decide (a `not`, a regex against a value set it
//! cannot enumerate) it leaves alone.

mod clauses;
mod example;
mod values;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use self::clauses::{Clause, dnf, fields_of, implies, impossible};
use self::example::example;
use super::CompiledPolicy;
use crate::lead::Scalar;

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Leads will not be routed the way the policy reads (a rule or pool that never
    /// gets a lead, a value that never matches).
    Warning,
    /// Worth knowing, often intended (rules that overlap; the earlier one wins).
    Info,
}

/// One thing the checks found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable identifier, e.g. `shadowed-rule`.
    pub code: String,
    pub severity: Severity,
    /// Path into the document, e.g. `rules[3].when.all[1].gte`.
    pub path: String,
    pub message: String,
    /// One line on how to fix it.
    pub hint: String,
    /// A lead (by its tested fields) that shows the finding, confirmed by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<BTreeMap<String, Scalar>>,
}

/// The finding codes, in the order docs/POLICY.md lists them.
pub const CODES: [&str; 9] = [
    SHADOWED_RULE,
    PARTLY_SHADOWED_RULE,
    CONTRADICTORY_CONDITION,
    UNREACHABLE_POOL,
    UNREACHABLE_REP,
    UNMEETABLE_REQUIREMENT,
    UNMEETABLE_LEAD_TAG,
    VALUE_NEVER_MATCHES,
    REGEX_NEVER_MATCHES,
];
pub const SHADOWED_RULE: &str = "shadowed-rule";
pub const PARTLY_SHADOWED_RULE: &str = "partly-shadowed-rule";
pub const CONTRADICTORY_CONDITION: &str = "contradictory-condition";
pub const UNREACHABLE_POOL: &str = "unreachable-pool";
pub const UNREACHABLE_REP: &str = "unreachable-rep";
pub const UNMEETABLE_REQUIREMENT: &str = "unmeetable-requirement";
pub const UNMEETABLE_LEAD_TAG: &str = "unmeetable-lead-tag";
pub const VALUE_NEVER_MATCHES: &str = "value-never-matches";
pub const REGEX_NEVER_MATCHES: &str = "regex-never-matches";

impl Finding {
    fn new(code: &str, severity: Severity, path: String, message: String, hint: &str) -> Self {
        Finding {
            code: code.to_owned(),
            severity,
            path,
            message,
            hint: hint.to_owned(),
            example: None,
        }
    }
}

/// Every finding of `policy`, warnings first, each group in document order.
pub fn check(policy: &CompiledPolicy) -> Vec<Finding> {
    let doc = policy.document();
    let mut out = Vec::new();
    let live = rules(policy, &mut out);
    reachability(policy, &live, &mut out);
    let grades: Option<Vec<String>> = doc
        .scoring
        .as_ref()
        .map(|s| s.grades.iter().map(|g| g.grade.clone()).collect());
    for (i, rule) in doc.rules.iter().enumerate() {
        if let Some(when) = &rule.when {
            values::check(
                when,
                &format!("rules[{i}].when"),
                grades.as_deref(),
                &mut out,
            );
        }
    }
    if let Some(scoring) = &doc.scoring {
        for (i, rule) in scoring.rules.iter().enumerate() {
            values::check(
                &rule.when,
                &format!("scoring.rules[{i}].when"),
                None,
                &mut out,
            );
        }
    }
    requirements(policy, &live, &mut out);
    lead_tags(policy, &mut out);
    out.sort_by_key(|f| f.severity);
    out
}

/// Contradictions and shadowing, rule by rule; returns which rules can get a lead.
fn rules(policy: &CompiledPolicy, out: &mut Vec<Finding>) -> Vec<bool> {
    let doc = policy.document();
    let forms: Vec<Option<Vec<Clause>>> = doc
        .rules
        .iter()
        .map(|r| match &r.when {
            None => Some(vec![Vec::new()]),
            Some(c) => dnf(c),
        })
        .collect();
    let mut live = vec![true; doc.rules.len()];
    for (j, rule) in doc.rules.iter().enumerate() {
        let Some(form) = &forms[j] else { continue };
        let possible: Vec<&Clause> = form.iter().filter(|c| !impossible(c)).collect();
        if possible.is_empty() {
            live[j] = false;
            out.push(Finding::new(
                CONTRADICTORY_CONDITION,
                Severity::Warning,
                format!("rules[{j}].when"),
                format!(
                    "rule `{}` can never match: its conditions contradict each other (no value \
                     passes them all)",
                    rule.id
                ),
                "remove the test that cannot hold together with the others, or split the rule",
            ));
            continue;
        }
        // The earlier rules that take each of this rule's clauses.
        let mut takers: Vec<usize> = Vec::new();
        let covered = possible.iter().all(|c| {
            let taker = (0..j).filter(|&i| live[i]).find(|&i| {
                forms[i]
                    .as_ref()
                    .is_some_and(|f| f.iter().any(|d| implies(c, d)))
            });
            if let Some(i) = taker
                && !takers.contains(&i)
            {
                takers.push(i);
            }
            taker.is_some()
        });
        if covered {
            live[j] = false;
            let names: Vec<String> = takers
                .iter()
                .map(|&i| format!("`{}` (rules[{i}])", doc.rules[i].id))
                .collect();
            let mut f = Finding::new(
                SHADOWED_RULE,
                Severity::Warning,
                format!("rules[{j}]"),
                format!(
                    "rule `{}` never gets a lead: every lead it matches matches {} first",
                    rule.id,
                    names.join(" or ")
                ),
                "move the rule above the one that takes its leads, or narrow that rule",
            );
            f.example = confirmed_example(policy, possible[0], j, Some(takers[0]));
            out.push(f);
            continue;
        }
        // A catch-all overlaps every rule before it by design.
        if rule.when.is_some()
            && let Some(f) = partly_shadowed(policy, &forms, &live, &possible, j)
        {
            out.push(f);
        }
    }
    live
}

/// The first earlier rule that takes some of rule `j`'s leads, with an example lead.
fn partly_shadowed(
    policy: &CompiledPolicy,
    forms: &[Option<Vec<Clause>>],
    live: &[bool],
    possible: &[&Clause],
    j: usize,
) -> Option<Finding> {
    let doc = policy.document();
    for i in (0..j).filter(|&i| live[i]) {
        let Some(earlier) = &forms[i] else { continue };
        for c in possible {
            for d in earlier {
                let both: Clause = c.iter().chain(d.iter()).cloned().collect();
                if impossible(&both) {
                    continue;
                }
                let Some(ex) = confirmed_example(policy, &both, j, Some(i)) else {
                    continue;
                };
                let mut f = Finding::new(
                    PARTLY_SHADOWED_RULE,
                    Severity::Info,
                    format!("rules[{j}]"),
                    format!(
                        "some leads rule `{}` matches go to rule `{}` (rules[{i}]) first, \
                         like the example",
                        doc.rules[j].id, doc.rules[i].id
                    ),
                    "fine if intended (the earlier rule wins); otherwise reorder or narrow",
                );
                f.example = Some(ex);
                return Some(f);
            }
        }
    }
    None
}

/// An example lead of `clause`, if the engine agrees it matches rule `j` (and rule
/// `also`): the fields the clause tests, with their values.
fn confirmed_example(
    policy: &CompiledPolicy,
    clause: &Clause,
    j: usize,
    also: Option<usize>,
) -> Option<BTreeMap<String, Scalar>> {
    let ex = example(clause)?;
    // The policy's own matchers, with the example's score when the policy scores leads.
    let holds = |k: usize| policy.rule_matches(k, &ex.lead, ex.account.as_ref());
    (holds(j) && also.is_none_or(holds)).then(|| ex.describe(&fields_of(clause)))
}

/// Pools no rule that can get a lead sends leads to, and reps only in such pools.
fn reachability(policy: &CompiledPolicy, live: &[bool], out: &mut Vec<Finding>) {
    let mut reached = vec![false; policy.pools().len()];
    let mut sticky = false;
    for (rule, _) in policy.rules().iter().zip(live).filter(|(_, l)| **l) {
        sticky |= rule.sticky;
        for &p in &rule.waterfall {
            reached[p as usize] = true;
        }
    }
    for (k, pool) in policy.pools().iter().enumerate() {
        if !reached[k] {
            out.push(Finding::new(
                UNREACHABLE_POOL,
                Severity::Warning,
                format!("pools[{k}]"),
                format!(
                    "no rule that can match sends leads to pool `{}`, not even as a fallback",
                    pool.id
                ),
                "name it in a rule's pool or fallbacks, or remove it",
            ));
        }
    }
    for (r, rep) in policy.reps().iter().enumerate() {
        let pools: Vec<usize> = (0..policy.pools().len())
            .filter(|&k| {
                policy.pools()[k]
                    .members
                    .iter()
                    .any(|m| m.rep as usize == r)
            })
            .collect();
        // A rep in no pool at all is a validation warning already.
        if pools.is_empty() || pools.iter().any(|&k| reached[k]) {
            continue;
        }
        let (severity, how) = if sticky {
            (
                Severity::Info,
                "only as the owner of a matched account (sticky rules)",
            )
        } else {
            (Severity::Warning, "never")
        };
        out.push(Finding::new(
            UNREACHABLE_REP,
            severity,
            format!("reps[{r}]"),
            format!(
                "rep `{}` gets leads {how}: every pool they are in is unreachable",
                rep.id
            ),
            "add the rep to a pool a rule routes to",
        ));
    }
}

/// Required skills no rep of a rule's waterfall has: every lead of the rule goes down the
/// whole fallback chain and parks (`require.all`: any such tag; `require.any`: all of them).
fn requirements(policy: &CompiledPolicy, live: &[bool], out: &mut Vec<Finding>) {
    for (i, (rule, _)) in policy
        .rules()
        .iter()
        .zip(live)
        .enumerate()
        .filter(|(_, (_, l))| **l)
    {
        let held = |t: &super::TagReq| {
            t.id.is_some_and(|id| {
                rule.waterfall.iter().any(|&p| {
                    policy.pools()[p as usize].members.iter().any(|m| {
                        policy.reps()[m.rep as usize]
                            .tags
                            .binary_search(&id)
                            .is_ok()
                    })
                })
            })
        };
        let missing: Vec<&str> = rule
            .require
            .all
            .iter()
            .filter(|t| !held(t))
            .map(|t| t.name.as_str())
            .collect();
        let any_missing = !rule.require.any.is_empty() && !rule.require.any.iter().any(held);
        if missing.is_empty() && !any_missing {
            continue;
        }
        let what = if missing.is_empty() {
            let names: Vec<&str> = rule.require.any.iter().map(|t| t.name.as_str()).collect();
            format!("any of `{}`", names.join("`, `"))
        } else {
            format!("`{}`", missing.join("`, `"))
        };
        out.push(Finding::new(
            UNMEETABLE_REQUIREMENT,
            Severity::Warning,
            format!("rules[{i}].require"),
            format!(
                "no rep in rule `{}`'s pools or fallbacks has {what}: every lead of the rule \
                 goes down the whole chain and parks",
                rule.id
            ),
            "give the skill to reps of those pools, add a pool whose reps have it, or fix the tag",
        ));
    }
}

/// `require.from_lead` prefixes no rep's tag starts with: every lead with that field set
/// needs a tag nobody has, so nobody in the waterfall is ever eligible for it.
fn lead_tags(policy: &CompiledPolicy, out: &mut Vec<Finding>) {
    let doc = policy.document();
    for (i, (rule, spec)) in doc.rules.iter().zip(policy.rules()).enumerate() {
        let docs = rule.require.iter().flat_map(|r| r.from_lead.iter());
        for (j, (from_lead, req)) in docs.zip(&spec.require.from_lead).enumerate() {
            if req.by_suffix.is_empty() {
                out.push(Finding::new(
                    UNMEETABLE_LEAD_TAG,
                    Severity::Warning,
                    format!("rules[{i}].require.from_lead[{j}]"),
                    format!(
                        "no rep has a tag starting with `{}`: every lead with `{}` set parks \
                         instead of being assigned",
                        from_lead.prefix, from_lead.field
                    ),
                    "give the reps their tags (skills like `territory:de`), or fix the prefix",
                ));
            }
        }
    }
}
