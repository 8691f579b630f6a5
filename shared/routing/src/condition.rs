//! Rule conditions: a small structured matcher over lead (and matched account) fields.
//!
//! The document form ([`Condition`]) is what RevOps writes; [`Matcher`] is the form compiled
//! once per policy version, with field names resolved and regexes built, so evaluating a
//! rule does no parsing and no allocation.

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::lead::{Lead, Scalar};
use crate::score::Score;

/// A condition in the policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Condition {
    All(AllOf),
    Any(AnyOf),
    Not(NotOf),
    Test(Box<FieldTest>),
}

/// Every sub-condition holds (an empty list always holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllOf {
    pub all: Vec<Condition>,
}

/// At least one sub-condition holds (an empty list never holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnyOf {
    pub any: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotOf {
    pub not: Box<Condition>,
}

/// A test of one field. Several operators in one test must all hold (e.g. `gte` + `lt`).
///
/// Fields: `email`, `email_domain`, `free_mail`, `phone`, `country`, `company`,
/// `first_name`, `last_name`, `source`, `account.id`, `account.name`, `account.owner`,
/// `account.<attribute>`, and any other name is a lead attribute (`attributes.<name>` also works).
/// Text comparisons ignore ASCII case unless `case_sensitive` is true. Lead values are
/// compared as stored (intake trims and normalizes them), so the hot path never re-trims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldTest {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<Scalar>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Scalar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    /// `true`: the field is present; `false`: it is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
}

/// A field reference resolved at compile time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldRef {
    Email,
    EmailDomain,
    FreeMail,
    Phone,
    Country,
    Company,
    FirstName,
    LastName,
    Source,
    AccountId,
    AccountName,
    AccountOwner,
    AccountAttr(String),
    Attr(String),
    /// The policy's lead score, or the lead's own `score` attribute without a model.
    Score,
    /// The policy's grade, or the lead's own `grade` attribute without a model.
    Grade,
}

impl FieldRef {
    pub(crate) fn parse(name: &str) -> Option<FieldRef> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        Some(match name {
            "email" => FieldRef::Email,
            "email_domain" | "domain" => FieldRef::EmailDomain,
            "free_mail" => FieldRef::FreeMail,
            "phone" => FieldRef::Phone,
            "country" => FieldRef::Country,
            "company" => FieldRef::Company,
            "first_name" => FieldRef::FirstName,
            "last_name" => FieldRef::LastName,
            "source" => FieldRef::Source,
            "account.id" => FieldRef::AccountId,
            "account.name" => FieldRef::AccountName,
            "account.owner" => FieldRef::AccountOwner,
            "score" => FieldRef::Score,
            "grade" => FieldRef::Grade,
            other => {
                if let Some(attr) = other.strip_prefix("account.") {
                    FieldRef::AccountAttr(attr.to_owned())
                } else if let Some(attr) = other.strip_prefix("attributes.") {
                    FieldRef::Attr(attr.to_owned())
                } else {
                    FieldRef::Attr(other.to_owned())
                }
            }
        })
    }
}

/// A field value borrowed from the lead or account.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
}

impl<'a> From<&'a Scalar> for Value<'a> {
    fn from(s: &'a Scalar) -> Self {
        match s {
            Scalar::Text(t) => Value::Text(t),
            Scalar::Number(n) => Value::Number(*n),
            Scalar::Bool(b) => Value::Bool(*b),
        }
    }
}

impl<'a> Value<'a> {
    fn as_number(self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n),
            Value::Text(t) => t.trim().parse().ok(),
            Value::Bool(_) => None,
        }
    }
}

/// What a condition is evaluated against.
#[derive(Clone, Copy)]
pub struct MatchContext<'a> {
    pub lead: &'a Lead,
    pub account: Option<&'a Account>,
    /// The lead's score under the policy's model, once computed.
    pub score: Option<&'a Score>,
}

impl<'a> MatchContext<'a> {
    pub(crate) fn get(&self, field: &FieldRef) -> Option<Value<'a>> {
        let lead = self.lead;
        let text = |o: &'a Option<String>| o.as_deref().map(Value::Text);
        match field {
            FieldRef::Email => lead.email.as_deref().map(Value::Text),
            FieldRef::EmailDomain => text(&lead.email_domain),
            FieldRef::FreeMail => Some(Value::Bool(lead.free_mail)),
            FieldRef::Phone => text(&lead.phone),
            FieldRef::Country => text(&lead.country),
            FieldRef::Company => text(&lead.company),
            FieldRef::FirstName => text(&lead.first_name),
            FieldRef::LastName => text(&lead.last_name),
            FieldRef::Source => text(&lead.source),
            FieldRef::AccountId => self.account.map(|a| Value::Text(&a.id)),
            FieldRef::AccountName => self.account.map(|a| Value::Text(&a.name)),
            FieldRef::AccountOwner => self
                .account
                .and_then(|a| a.owner.as_deref())
                .map(Value::Text),
            FieldRef::AccountAttr(k) => self
                .account
                .and_then(|a| a.attributes.get(k))
                .map(Value::from),
            FieldRef::Attr(k) => lead.attributes.get(k).map(Value::from),
            FieldRef::Score => match self.score {
                Some(s) => Some(Value::Number(s.points as f64)),
                None => lead.attributes.get("score").map(Value::from),
            },
            FieldRef::Grade => match self.score {
                Some(s) => s.grade.as_deref().map(Value::Text),
                None => lead.attributes.get("grade").map(Value::from),
            },
        }
    }
}

/// One compiled operator.
#[derive(Debug)]
pub(crate) enum Op {
    EqText(String),
    EqNumber(f64),
    EqBool(bool),
    InText(Vec<String>),
    InNumber(Vec<f64>),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// Inclusive/exclusive numeric bounds: (gt, gte, lt, lte).
    Range {
        gt: Option<f64>,
        gte: Option<f64>,
        lt: Option<f64>,
        lte: Option<f64>,
    },
    Exists(bool),
    Regex(Regex),
}

/// A condition compiled for evaluation.
#[derive(Debug)]
pub(crate) enum Matcher {
    All(Vec<Matcher>),
    Any(Vec<Matcher>),
    Not(Box<Matcher>),
    Test {
        field: FieldRef,
        /// Index of the field in the policy's [`FieldTable`], for the per-decision cache.
        slot: u16,
        ops: Vec<Op>,
        case_sensitive: bool,
    },
}

/// The distinct fields a policy's conditions read, so each is looked up once per decision.
#[derive(Debug, Default)]
pub(crate) struct FieldTable {
    fields: Vec<FieldRef>,
}

impl FieldTable {
    fn slot(&mut self, field: &FieldRef) -> u16 {
        match self.fields.iter().position(|f| f == field) {
            Some(i) => i as u16,
            None => {
                self.fields.push(field.clone());
                (self.fields.len() - 1) as u16
            }
        }
    }
}

/// Field values of one lead, looked up on first use (the first [`FieldCache::SLOTS`] fields
/// of the table are cached; later ones are looked up each time).
pub(crate) struct FieldCache<'a> {
    ctx: MatchContext<'a>,
    values: [Option<Value<'a>>; FieldCache::SLOTS],
    resolved: u32,
}

impl<'a> FieldCache<'a> {
    const SLOTS: usize = 24;

    pub(crate) fn new(ctx: MatchContext<'a>) -> Self {
        FieldCache {
            ctx,
            values: [None; FieldCache::SLOTS],
            resolved: 0,
        }
    }

    #[inline]
    fn get(&mut self, slot: u16, field: &FieldRef) -> Option<Value<'a>> {
        let i = slot as usize;
        if i >= Self::SLOTS {
            return self.ctx.get(field);
        }
        if self.resolved & (1 << i) == 0 {
            self.values[i] = self.ctx.get(field);
            self.resolved |= 1 << i;
        }
        self.values[i]
    }
}

/// A compile error inside a condition, with a path relative to the condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConditionError {
    pub path: String,
    pub message: String,
}

impl Matcher {
    /// True when the condition holds for every lead (used to detect shadowed rules).
    pub(crate) fn is_catch_all(&self) -> bool {
        match self {
            Matcher::All(v) => v.iter().all(Matcher::is_catch_all),
            Matcher::Any(v) => v.iter().any(Matcher::is_catch_all),
            Matcher::Not(_) | Matcher::Test { .. } => false,
        }
    }

    pub(crate) fn compile(
        cond: &Condition,
        path: &str,
        fields: &mut FieldTable,
    ) -> Result<Matcher, Vec<ConditionError>> {
        let mut errors = Vec::new();
        let m = compile_into(cond, path, fields, &mut errors);
        if errors.is_empty() {
            Ok(m)
        } else {
            Err(errors)
        }
    }

    pub(crate) fn matches(&self, fields: &mut FieldCache<'_>) -> bool {
        match self {
            Matcher::All(v) => v.iter().all(|m| m.matches(fields)),
            Matcher::Any(v) => v.iter().any(|m| m.matches(fields)),
            Matcher::Not(m) => !m.matches(fields),
            Matcher::Test {
                field,
                slot,
                ops,
                case_sensitive,
            } => {
                let value = fields.get(*slot, field);
                ops.iter().all(|op| op_holds(op, value, *case_sensitive))
            }
        }
    }
}

fn compile_into(
    cond: &Condition,
    path: &str,
    fields: &mut FieldTable,
    errors: &mut Vec<ConditionError>,
) -> Matcher {
    match cond {
        Condition::All(a) => Matcher::All(
            a.all
                .iter()
                .enumerate()
                .map(|(i, c)| compile_into(c, &format!("{path}.all[{i}]"), fields, errors))
                .collect(),
        ),
        Condition::Any(a) => Matcher::Any(
            a.any
                .iter()
                .enumerate()
                .map(|(i, c)| compile_into(c, &format!("{path}.any[{i}]"), fields, errors))
                .collect(),
        ),
        Condition::Not(n) => Matcher::Not(Box::new(compile_into(
            &n.not,
            &format!("{path}.not"),
            fields,
            errors,
        ))),
        Condition::Test(t) => compile_test(t, path, fields, errors),
    }
}

fn fold(s: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        s.to_owned()
    } else {
        s.to_ascii_lowercase()
    }
}

fn compile_test(
    t: &FieldTest,
    path: &str,
    fields: &mut FieldTable,
    errors: &mut Vec<ConditionError>,
) -> Matcher {
    let mut err = |field: &str, message: String| {
        errors.push(ConditionError {
            path: format!("{path}.{field}"),
            message,
        })
    };
    let field = FieldRef::parse(&t.field).unwrap_or_else(|| {
        err("field", "field name is empty".into());
        FieldRef::Attr(String::new())
    });
    let cs = t.case_sensitive;
    let mut ops = Vec::new();
    if let Some(eq) = &t.eq {
        ops.push(match eq {
            Scalar::Text(s) => Op::EqText(fold(s.trim(), cs)),
            Scalar::Number(n) => Op::EqNumber(*n),
            Scalar::Bool(b) => Op::EqBool(*b),
        });
    }
    if let Some(list) = &t.in_ {
        if list.is_empty() {
            err("in", "`in` needs at least one value".into());
        }
        let texts: Vec<String> = list
            .iter()
            .filter_map(Scalar::as_text)
            .map(|s| fold(s.trim(), cs))
            .collect();
        let numbers: Vec<f64> = list
            .iter()
            .filter_map(|s| match s {
                Scalar::Number(n) => Some(*n),
                _ => None,
            })
            .collect();
        if texts.len() + numbers.len() != list.len() {
            err("in", "`in` accepts text or numbers, not booleans".into());
        }
        if !texts.is_empty() && !numbers.is_empty() {
            err("in", "`in` mixes text and numbers; use one kind".into());
        }
        if numbers.is_empty() {
            ops.push(Op::InText(texts));
        } else {
            ops.push(Op::InNumber(numbers));
        }
    }
    for (name, v, make) in [
        ("prefix", &t.prefix, Op::Prefix as fn(String) -> Op),
        ("suffix", &t.suffix, Op::Suffix),
        ("contains", &t.contains, Op::Contains),
    ] {
        if let Some(s) = v {
            if s.is_empty() {
                err(name, format!("`{name}` must not be empty"));
            }
            ops.push(make(fold(s, cs)));
        }
    }
    if t.gt.is_some() || t.gte.is_some() || t.lt.is_some() || t.lte.is_some() {
        for (name, v) in [("gt", t.gt), ("gte", t.gte), ("lt", t.lt), ("lte", t.lte)] {
            if v.is_some_and(|x| !x.is_finite()) {
                err(name, "bound must be a finite number".into());
            }
        }
        let lo = t.gt.or(t.gte);
        let hi = t.lt.or(t.lte);
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            err(
                "gte",
                format!("empty range: lower bound {lo} is above upper bound {hi}"),
            );
        }
        ops.push(Op::Range {
            gt: t.gt,
            gte: t.gte,
            lt: t.lt,
            lte: t.lte,
        });
    }
    if let Some(e) = t.exists {
        ops.push(Op::Exists(e));
    }
    if let Some(re) = &t.regex {
        let pattern = if cs { re.clone() } else { format!("(?i){re}") };
        match Regex::new(&pattern) {
            Ok(r) => ops.push(Op::Regex(r)),
            Err(e) => err("regex", format!("invalid regex: {e}")),
        }
    }
    if ops.is_empty() {
        err(
            "field",
            format!(
                "test of `{}` has no operator (use eq, in, prefix, suffix, contains, gt, gte, lt, lte, exists or regex)",
                t.field
            ),
        );
    }
    Matcher::Test {
        slot: fields.slot(&field),
        field,
        ops,
        case_sensitive: cs,
    }
}

fn text_eq(a: &str, b: &str, cs: bool) -> bool {
    if cs {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

fn starts_with(s: &str, p: &str, cs: bool) -> bool {
    s.len() >= p.len() && text_eq_bytes(&s.as_bytes()[..p.len()], p.as_bytes(), cs)
}

fn ends_with(s: &str, p: &str, cs: bool) -> bool {
    s.len() >= p.len() && text_eq_bytes(&s.as_bytes()[s.len() - p.len()..], p.as_bytes(), cs)
}

fn text_eq_bytes(a: &[u8], b: &[u8], cs: bool) -> bool {
    if cs {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

fn contains(s: &str, needle: &str, cs: bool) -> bool {
    if cs {
        s.contains(needle)
    } else {
        let (h, n) = (s.as_bytes(), needle.as_bytes());
        h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    }
}

/// Kept out of line so the common operators compile to a small, cheap function.
#[inline(never)]
fn regex_holds(r: &Regex, t: &str) -> bool {
    r.is_match(t)
}

fn op_holds(op: &Op, value: Option<Value<'_>>, cs: bool) -> bool {
    if let Op::Exists(want) = op {
        return value.is_some() == *want;
    }
    let Some(value) = value else {
        return false;
    };
    match op {
        Op::EqText(want) => match value {
            Value::Text(t) => text_eq(t, want, cs),
            Value::Number(_) | Value::Bool(_) => false,
        },
        Op::EqNumber(want) => value.as_number() == Some(*want),
        Op::EqBool(want) => match value {
            Value::Bool(b) => b == *want,
            Value::Text(t) => t.trim().parse::<bool>().ok() == Some(*want),
            Value::Number(_) => false,
        },
        Op::InText(list) => match value {
            Value::Text(t) => list.iter().any(|w| text_eq(t, w, cs)),
            _ => false,
        },
        Op::InNumber(list) => value.as_number().is_some_and(|n| list.contains(&n)),
        Op::Prefix(p) => matches!(value, Value::Text(t) if starts_with(t, p, cs)),
        Op::Suffix(p) => matches!(value, Value::Text(t) if ends_with(t, p, cs)),
        Op::Contains(p) => matches!(value, Value::Text(t) if contains(t, p, cs)),
        Op::Range { gt, gte, lt, lte } => value.as_number().is_some_and(|n| {
            gt.is_none_or(|b| n > b)
                && gte.is_none_or(|b| n >= b)
                && lt.is_none_or(|b| n < b)
                && lte.is_none_or(|b| n <= b)
        }),
        Op::Regex(r) => matches!(value, Value::Text(t) if regex_holds(r, t)),
        Op::Exists(_) => unreachable!("handled above"),
    }
}
