//! Conditions as sets of leads, for the checks: a condition in disjunctive normal form
//! (an `any` of clauses, each an `all` of literals), whether one clause implies another,
//! and whether a clause can hold at all.
//!
//! Every answer is conservative in the direction that keeps findings true: "implies" and
//! "cannot hold" are said only when proven for every lead; anything the analysis does not
//! understand (a `not`, a mix of case-sensitive and case-insensitive text tests on one
//! field, a regex it would have to invert) counts as "may differ" and reports nothing.

use std::borrow::Cow;

use crate::condition::{Condition, FieldRef, FieldTest};
use crate::lead::Scalar;

/// Past this many clauses the normal form is not built (the product of several `any`s).
const MAX_CLAUSES: usize = 64;

/// One literal of a clause: a field test, or a sub-condition kept whole (a `not`).
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "a check holds at most a few hundred literals, briefly"
)]
pub(super) enum Lit<'a> {
    /// Owned for an `eq` made from one value of an `in`.
    Test(FieldRef, Cow<'a, FieldTest>),
    Opaque(&'a Condition),
}

pub(super) type Clause<'a> = Vec<Lit<'a>>;

/// The condition as clauses (`None`: too many to analyse). No clause: never holds.
pub(super) fn dnf(c: &Condition) -> Option<Vec<Clause<'_>>> {
    match c {
        Condition::Test(t) => {
            let field = FieldRef::parse(&t.field)?;
            // `in` alone is an `any` of `eq`s: so a rule on [AT, DE] is known to be taken
            // by one rule on AT and another on DE.
            let only_in = FieldTest {
                in_: t.in_.clone(),
                case_sensitive: t.case_sensitive,
                field: t.field.clone(),
                ..FieldTest::default()
            };
            match &t.in_ {
                Some(list) if **t == only_in && list.len() <= MAX_CLAUSES => Some(
                    list.iter()
                        .map(|v| {
                            let eq = FieldTest {
                                eq: Some(v.clone()),
                                in_: None,
                                ..only_in.clone()
                            };
                            vec![Lit::Test(field.clone(), Cow::Owned(eq))]
                        })
                        .collect(),
                ),
                _ => Some(vec![vec![Lit::Test(field, Cow::Borrowed(&**t))]]),
            }
        }
        Condition::Not(_) => Some(vec![vec![Lit::Opaque(c)]]),
        Condition::Any(a) => {
            let mut out = Vec::new();
            for sub in &a.any {
                out.extend(dnf(sub)?);
                if out.len() > MAX_CLAUSES {
                    return None;
                }
            }
            Some(out)
        }
        Condition::All(a) => {
            let mut out: Vec<Clause> = vec![Vec::new()];
            for sub in &a.all {
                let parts = dnf(sub)?;
                if out.len() * parts.len() > MAX_CLAUSES {
                    return None;
                }
                out = out
                    .iter()
                    .flat_map(|left| {
                        parts.iter().map(move |right| {
                            let mut both = left.clone();
                            both.extend(right.iter().cloned());
                            both
                        })
                    })
                    .collect();
            }
            Some(out)
        }
    }
}

/// The tests of `clause` on `field`.
pub(super) fn tests_on<'c>(clause: &'c [Lit<'_>], field: &FieldRef) -> Vec<&'c FieldTest> {
    clause
        .iter()
        .filter_map(|l| match l {
            Lit::Test(f, t) if f == field => Some(t.as_ref()),
            _ => None,
        })
        .collect()
}

pub(super) fn fields_of(clause: &[Lit<'_>]) -> Vec<FieldRef> {
    let mut out: Vec<FieldRef> = Vec::new();
    for l in clause {
        if let Lit::Test(f, _) = l
            && !out.contains(f)
        {
            out.push(f.clone());
        }
    }
    out
}

fn has_text_op(t: &FieldTest) -> bool {
    t.prefix.is_some()
        || t.suffix.is_some()
        || t.contains.is_some()
        || t.regex.is_some()
        || matches!(t.eq, Some(Scalar::Text(_)))
        || t.in_
            .as_ref()
            .is_some_and(|l| l.iter().any(|s| matches!(s, Scalar::Text(_))))
}

fn has_positive_op(t: &FieldTest) -> bool {
    has_text_op(t)
        || t.eq.is_some()
        || t.in_.is_some()
        || t.gt.is_some()
        || t.gte.is_some()
        || t.lt.is_some()
        || t.lte.is_some()
        || t.exists == Some(true)
}

/// An `eq`/`in` value as the engine compares it: trimmed, folded unless case-sensitive.
fn fold(s: &str, case_sensitive: bool) -> String {
    fold_pattern(s.trim(), case_sensitive)
}

/// A `prefix`/`suffix`/`contains` operand as the engine compares it: as written, folded.
fn fold_pattern(s: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        s.to_owned()
    } else {
        s.to_ascii_lowercase()
    }
}

fn text_values(t: &FieldTest) -> Option<Vec<String>> {
    let cs = t.case_sensitive;
    match (&t.eq, &t.in_) {
        (Some(Scalar::Text(v)), _) => Some(vec![fold(v, cs)]),
        (_, Some(list)) if list.iter().all(|s| matches!(s, Scalar::Text(_))) => Some(
            list.iter()
                .filter_map(Scalar::as_text)
                .map(|v| fold(v, cs))
                .collect(),
        ),
        _ => None,
    }
}

fn number_values(t: &FieldTest) -> Option<Vec<f64>> {
    match (&t.eq, &t.in_) {
        (Some(Scalar::Number(n)), _) => Some(vec![*n]),
        (_, Some(list)) if list.iter().all(|s| matches!(s, Scalar::Number(_))) => Some(
            list.iter()
                .filter_map(|s| match s {
                    Scalar::Number(n) => Some(*n),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// A numeric interval; `None` ends are open.
#[derive(Debug, Clone, Copy)]
struct Interval {
    lo: Option<(f64, bool)>,
    hi: Option<(f64, bool)>,
}

impl Interval {
    const ALL: Interval = Interval { lo: None, hi: None };

    fn of(t: &FieldTest) -> Option<Interval> {
        if t.gt.is_none() && t.gte.is_none() && t.lt.is_none() && t.lte.is_none() {
            return None;
        }
        let mut i = Interval::ALL;
        for (bound, inclusive) in [(t.gt, false), (t.gte, true)] {
            if let Some(b) = bound {
                i = i.meet(Interval {
                    lo: Some((b, inclusive)),
                    hi: None,
                });
            }
        }
        for (bound, inclusive) in [(t.lt, false), (t.lte, true)] {
            if let Some(b) = bound {
                i = i.meet(Interval {
                    lo: None,
                    hi: Some((b, inclusive)),
                });
            }
        }
        Some(i)
    }

    fn meet(self, other: Interval) -> Interval {
        let lo = match (self.lo, other.lo) {
            (Some(a), Some(b)) => Some(if a.0 > b.0 || (a.0 == b.0 && !a.1) {
                a
            } else {
                b
            }),
            (a, b) => a.or(b),
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => Some(if a.0 < b.0 || (a.0 == b.0 && !a.1) {
                a
            } else {
                b
            }),
            (a, b) => a.or(b),
        };
        Interval { lo, hi }
    }

    fn is_empty(&self) -> bool {
        match (self.lo, self.hi) {
            (Some((lo, lo_in)), Some((hi, hi_in))) => lo > hi || (lo == hi && !(lo_in && hi_in)),
            _ => false,
        }
    }

    fn contains(&self, n: f64) -> bool {
        self.lo.is_none_or(|(b, inc)| n > b || (inc && n == b))
            && self.hi.is_none_or(|(b, inc)| n < b || (inc && n == b))
    }

    /// Every number in `self` is in `other`.
    fn within(&self, other: &Interval) -> bool {
        let lo_ok = match (other.lo, self.lo) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((o, o_in)), Some((s, s_in))) => s > o || (s == o && (o_in || !s_in)),
        };
        let hi_ok = match (other.hi, self.hi) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((o, o_in)), Some((s, s_in))) => s < o || (s == o && (o_in || !s_in)),
        };
        lo_ok && hi_ok
    }
}

/// What a clause's tests on one field allow, as far as the analysis knows it.
struct FieldFacts<'a> {
    tests: Vec<&'a FieldTest>,
    /// All text tests share this case mode (`None`: no text test; mixed modes: `mixed`).
    case_sensitive: Option<bool>,
    mixed_case: bool,
    /// The only text values allowed (folded to the case mode), when an `eq`/`in` says so.
    texts: Option<Vec<String>>,
    numbers: Option<Vec<f64>>,
    interval: Option<Interval>,
    present: bool,
    absent: bool,
    bools: Vec<bool>,
}

impl<'a> FieldFacts<'a> {
    fn of(tests: Vec<&'a FieldTest>) -> FieldFacts<'a> {
        let mut f = FieldFacts {
            tests: tests.clone(),
            case_sensitive: None,
            mixed_case: false,
            texts: None,
            numbers: None,
            interval: None,
            present: false,
            absent: false,
            bools: Vec::new(),
        };
        for t in &tests {
            if has_text_op(t) {
                match f.case_sensitive {
                    None => f.case_sensitive = Some(t.case_sensitive),
                    Some(cs) if cs != t.case_sensitive => f.mixed_case = true,
                    Some(_) => {}
                }
            }
            if let Some(values) = text_values(t) {
                f.texts = Some(match f.texts.take() {
                    None => values,
                    Some(before) => before.into_iter().filter(|v| values.contains(v)).collect(),
                });
            }
            if let Some(values) = number_values(t) {
                f.numbers = Some(match f.numbers.take() {
                    None => values,
                    Some(before) => before.into_iter().filter(|v| values.contains(v)).collect(),
                });
            }
            if let Some(i) = Interval::of(t) {
                f.interval = Some(f.interval.map_or(i, |before| before.meet(i)));
            }
            if let Some(Scalar::Bool(b)) = t.eq
                && !f.bools.contains(&b)
            {
                f.bools.push(b);
            }
            f.present |= has_positive_op(t);
            f.absent |= t.exists == Some(false);
        }
        f
    }

    /// True when no value (and no absence) passes every test.
    fn impossible(&self) -> bool {
        if self.absent && self.present {
            return true;
        }
        if self.bools.len() > 1 {
            return true;
        }
        if self.interval.is_some_and(|i| i.is_empty()) {
            return true;
        }
        if let Some(numbers) = &self.numbers {
            let in_range = |n: &f64| self.interval.is_none_or(|i| i.contains(*n));
            if !numbers.iter().any(in_range) {
                return true;
            }
        }
        if self.mixed_case {
            return false;
        }
        if let Some(texts) = &self.texts {
            let cs = self.case_sensitive.unwrap_or(false);
            return !texts.iter().any(|v| self.text_passes(v, cs));
        }
        false
    }

    /// Whether the text value `v` (folded to `cs`) passes the text operators of every test.
    fn text_passes(&self, v: &str, cs: bool) -> bool {
        self.tests.iter().all(|t| {
            let pattern = |p: &Option<String>| p.as_deref().map(|p| fold_pattern(p, cs));
            pattern(&t.prefix).is_none_or(|p| v.starts_with(&p))
                && pattern(&t.suffix).is_none_or(|p| v.ends_with(&p))
                && pattern(&t.contains).is_none_or(|p| v.contains(&p))
                && t.regex
                    .as_deref()
                    .is_none_or(|r| regex_matches(r, cs, v).unwrap_or(true))
        })
    }
}

/// `Some(matches)`, or `None` when the pattern does not compile (validation reports it).
pub(super) fn regex_matches(pattern: &str, case_sensitive: bool, v: &str) -> Option<bool> {
    let pattern = if case_sensitive {
        pattern.to_owned()
    } else {
        format!("(?i){pattern}")
    };
    regex::Regex::new(&pattern).ok().map(|r| r.is_match(v))
}

/// True when no lead can satisfy every literal of `clause`.
pub(super) fn impossible(clause: &[Lit<'_>]) -> bool {
    fields_of(clause)
        .iter()
        .any(|f| FieldFacts::of(tests_on(clause, f)).impossible())
}

/// True when every lead that satisfies `narrow` satisfies `wide`.
pub(super) fn implies(narrow: &[Lit<'_>], wide: &[Lit<'_>]) -> bool {
    wide.iter().all(|lit| match lit {
        Lit::Opaque(c) => narrow.iter().any(|l| matches!(l, Lit::Opaque(d) if d == c)),
        Lit::Test(field, test) => {
            let facts = FieldFacts::of(tests_on(narrow, field));
            facts_imply(&facts, test.as_ref())
        }
    })
}

fn facts_imply(j: &FieldFacts<'_>, i: &FieldTest) -> bool {
    let cs = i.case_sensitive;
    // Text operators are compared in one case mode only.
    let same_mode = !j.mixed_case && j.case_sensitive.is_none_or(|m| m == cs);
    let texts = if same_mode { j.texts.as_ref() } else { None };
    let all_texts = |p: &dyn Fn(&str) -> bool| texts.is_some_and(|t| t.iter().all(|v| p(v)));
    let patterns = |pick: fn(&FieldTest) -> &Option<String>| -> Vec<String> {
        if !same_mode {
            return Vec::new();
        }
        j.tests
            .iter()
            .filter_map(|t| pick(t).as_deref().map(|p| fold_pattern(p, cs)))
            .collect()
    };
    if i.exists == Some(true) && !j.present {
        return false;
    }
    if i.exists == Some(false) && !j.absent {
        return false;
    }
    let eq_implied = match &i.eq {
        None => true,
        Some(Scalar::Text(v)) => {
            let v = fold(v, cs);
            all_texts(&|s| s == v)
        }
        Some(Scalar::Number(v)) => j.numbers.as_ref().is_some_and(|n| n.iter().all(|x| x == v)),
        Some(Scalar::Bool(b)) => j.bools == [*b],
    };
    if !eq_implied {
        return false;
    }
    if let Some(list) = &i.in_ {
        let wide_texts: Vec<String> = list
            .iter()
            .filter_map(Scalar::as_text)
            .map(|v| fold(v, cs))
            .collect();
        let wide_numbers: Vec<f64> = list
            .iter()
            .filter_map(|s| match s {
                Scalar::Number(n) => Some(*n),
                _ => None,
            })
            .collect();
        let by_text = !wide_texts.is_empty() && all_texts(&|s| wide_texts.iter().any(|w| w == s));
        let by_number = !wide_numbers.is_empty()
            && j.numbers
                .as_ref()
                .is_some_and(|n| n.iter().all(|x| wide_numbers.contains(x)));
        if !(by_text || by_number) {
            return false;
        }
    }
    if let Some(p) = &i.prefix {
        let p = fold_pattern(p, cs);
        if !(all_texts(&|s| s.starts_with(&p))
            || patterns(|t| &t.prefix).iter().any(|q| q.starts_with(&p)))
        {
            return false;
        }
    }
    if let Some(p) = &i.suffix {
        let p = fold_pattern(p, cs);
        if !(all_texts(&|s| s.ends_with(&p))
            || patterns(|t| &t.suffix).iter().any(|q| q.ends_with(&p)))
        {
            return false;
        }
    }
    if let Some(c) = &i.contains {
        let c = fold_pattern(c, cs);
        let any_pattern = [
            patterns(|t| &t.contains),
            patterns(|t| &t.prefix),
            patterns(|t| &t.suffix),
        ]
        .concat();
        if !(all_texts(&|s| s.contains(&c)) || any_pattern.iter().any(|q| q.contains(&c))) {
            return false;
        }
    }
    if let Some(r) = &i.regex
        && !all_texts(&|s| regex_matches(r, cs, s) == Some(true))
    {
        return false;
    }
    if let Some(wide) = Interval::of(i) {
        let by_numbers = j
            .numbers
            .as_ref()
            .is_some_and(|n| n.iter().all(|x| wide.contains(*x)));
        let by_interval = j.interval.is_some_and(|narrow| narrow.within(&wide));
        if !(by_numbers || by_interval) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(yaml: &str) -> Condition {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn clause_implies(narrow: &str, wide: &str) -> bool {
        let (n, w) = (cond(narrow), cond(wide));
        let (n, w) = (dnf(&n).unwrap(), dnf(&w).unwrap());
        n.iter().all(|c| w.iter().any(|d| implies(c, d)))
    }

    #[test]
    fn implication_by_operator() {
        // (narrow, wide, implied)
        let cases = [
            (
                "{field: country, eq: DE}",
                "{field: country, in: [DE, AT]}",
                true,
            ),
            (
                "{field: country, eq: de}",
                "{field: country, in: [DE, AT]}",
                true,
            ),
            (
                "{field: country, in: [DE, FR]}",
                "{field: country, in: [DE, AT]}",
                false,
            ),
            (
                "{field: employees, gte: 500, lt: 1000}",
                "{field: employees, gte: 100}",
                true,
            ),
            (
                "{field: employees, gte: 50}",
                "{field: employees, gte: 100}",
                false,
            ),
            (
                "{field: employees, gt: 100}",
                "{field: employees, gte: 100}",
                true,
            ),
            (
                "{field: employees, gte: 100}",
                "{field: employees, gt: 100}",
                false,
            ),
            (
                "{field: employees, eq: 250}",
                "{field: employees, gte: 100, lte: 250}",
                true,
            ),
            (
                "{field: company, prefix: acme}",
                "{field: company, prefix: ac}",
                true,
            ),
            (
                "{field: company, eq: Acme Corp}",
                "{field: company, contains: corp}",
                true,
            ),
            (
                "{field: company, eq: Acme Corp}",
                "{field: company, regex: '^acme'}",
                true,
            ),
            (
                "{field: company, eq: Acme, case_sensitive: true}",
                "{field: company, eq: acme}",
                false,
            ),
            (
                "{field: industry, exists: true}",
                "{field: industry, exists: true}",
                true,
            ),
            (
                "{field: industry, eq: saas}",
                "{field: industry, exists: true}",
                true,
            ),
            (
                "{field: industry, exists: false}",
                "{field: industry, eq: saas}",
                false,
            ),
            (
                "{all: [{field: country, eq: DE}, {field: employees, gte: 500}]}",
                "{field: country, eq: DE}",
                true,
            ),
            (
                "{field: country, eq: DE}",
                "{all: [{field: country, eq: DE}, {field: employees, gte: 500}]}",
                false,
            ),
            (
                "{any: [{field: country, eq: DE}, {field: country, eq: AT}]}",
                "{field: country, in: [DE, AT, CH]}",
                true,
            ),
            (
                "{any: [{field: country, eq: DE}, {field: country, eq: US}]}",
                "{field: country, in: [DE, AT, CH]}",
                false,
            ),
            (
                "{not: {field: country, eq: DE}}",
                "{not: {field: country, eq: DE}}",
                true,
            ),
            (
                "{not: {field: country, eq: DE}}",
                "{not: {field: country, eq: AT}}",
                false,
            ),
            (
                "{field: free_mail, eq: true}",
                "{field: free_mail, eq: true}",
                true,
            ),
        ];
        for (narrow, wide, implied) in cases {
            assert_eq!(clause_implies(narrow, wide), implied, "{narrow} => {wide}");
        }
    }

    #[test]
    fn impossible_clauses() {
        let cases = [
            (
                "{all: [{field: employees, gte: 500}, {field: employees, lt: 100}]}",
                true,
            ),
            ("{field: employees, gte: 100, lt: 100}", true),
            ("{field: employees, gte: 100, lte: 100}", false),
            (
                "{all: [{field: country, eq: DE}, {field: country, eq: AT}]}",
                true,
            ),
            (
                "{all: [{field: country, eq: DE}, {field: country, eq: de}]}",
                false,
            ),
            (
                "{all: [{field: country, in: [DE, AT]}, {field: country, prefix: A}]}",
                false,
            ),
            (
                "{all: [{field: country, in: [DE, AT]}, {field: country, prefix: F}]}",
                true,
            ),
            (
                "{all: [{field: industry, exists: false}, {field: industry, eq: saas}]}",
                true,
            ),
            (
                "{all: [{field: employees, in: [5, 10]}, {field: employees, gte: 100}]}",
                true,
            ),
            (
                "{all: [{field: free_mail, eq: true}, {field: free_mail, eq: false}]}",
                true,
            ),
            (
                "{all: [{field: company, eq: Acme, case_sensitive: true}, {field: company, eq: acme}]}",
                false,
            ),
        ];
        for (c, expected) in cases {
            let c = cond(c);
            let clauses = dnf(&c).unwrap();
            let never = clauses.iter().all(|cl| impossible(cl));
            assert_eq!(never, expected, "{c:?}");
        }
    }
}
