//! An example lead for a clause: one value per field tested, picked from the operands
//! (an `eq` value, a prefix with a letter after it, a number inside a range). The checks
//! only show an example after the engine's own matchers confirmed it, so a pick that does
//! not fit (a regex, a `not`) costs a missing example, never a wrong one.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::clauses::{Lit, fields_of, tests_on};
use crate::account::Account;
use crate::condition::{
    Condition, FieldCache, FieldRef, FieldTable, FieldTest, MatchContext, Matcher,
};
use crate::ids::{Email, LeadId};
use crate::lead::{Lead, Scalar};

/// A lead (and the account it matched, when the clause tests account fields).
pub(super) struct Example {
    pub lead: Lead,
    pub account: Option<Account>,
}

impl Example {
    /// The values the example sets on `fields`, as a person would write them.
    pub(super) fn describe(&self, fields: &[FieldRef]) -> BTreeMap<String, Scalar> {
        let ctx = MatchContext {
            lead: &self.lead,
            account: self.account.as_ref(),
            score: None,
        };
        fields
            .iter()
            .filter_map(|f| {
                let value = match ctx.get(f)? {
                    crate::condition::Value::Text(t) => Scalar::Text(t.to_owned()),
                    crate::condition::Value::Number(n) => Scalar::Number(n),
                    crate::condition::Value::Bool(b) => Scalar::Bool(b),
                };
                Some((field_name(f), value))
            })
            .collect()
    }
}

pub(super) fn field_name(f: &FieldRef) -> String {
    match f {
        FieldRef::Email => "email".into(),
        FieldRef::EmailDomain => "email_domain".into(),
        FieldRef::FreeMail => "free_mail".into(),
        FieldRef::Phone => "phone".into(),
        FieldRef::Country => "country".into(),
        FieldRef::Company => "company".into(),
        FieldRef::FirstName => "first_name".into(),
        FieldRef::LastName => "last_name".into(),
        FieldRef::Source => "source".into(),
        FieldRef::AccountId => "account.id".into(),
        FieldRef::AccountName => "account.name".into(),
        FieldRef::AccountOwner => "account.owner".into(),
        FieldRef::AccountAttr(a) => format!("account.{a}"),
        FieldRef::Attr(a) => a.clone(),
        FieldRef::Score => "score".into(),
        FieldRef::Grade => "grade".into(),
    }
}

/// A lead satisfying every field test of `clause`, if the simple picks find one.
pub(super) fn example(clause: &[Lit<'_>]) -> Option<Example> {
    let mut ex = Example {
        lead: blank_lead(),
        account: None,
    };
    for field in fields_of(clause) {
        let tests = tests_on(clause, &field);
        let fits = candidates(&tests)
            .into_iter()
            .find(|c| field_fits(&field, c, &tests))?;
        set(&mut ex, &field, fits);
    }
    Some(ex)
}

fn blank_lead() -> Lead {
    Lead {
        id: LeadId::new("example"),
        received_at: Timestamp::UNIX_EPOCH,
        source: None,
        email: None,
        email_domain: None,
        free_mail: false,
        phone: None,
        country: None,
        company: None,
        first_name: None,
        last_name: None,
        attributes: BTreeMap::new(),
    }
}

/// `None` stands for leaving the field out.
fn candidates(tests: &[&FieldTest]) -> Vec<Option<Scalar>> {
    let mut out: Vec<Option<Scalar>> = Vec::new();
    for t in tests {
        if let Some(v) = &t.eq {
            out.push(Some(v.clone()));
        }
        if let Some(list) = &t.in_ {
            out.extend(list.iter().cloned().map(Some));
        }
        if let Some(p) = &t.prefix {
            out.push(Some(Scalar::Text(format!("{p}x"))));
        }
        if let Some(p) = &t.suffix {
            out.push(Some(Scalar::Text(format!("x{p}"))));
        }
        if let Some(p) = &t.contains {
            out.push(Some(Scalar::Text(p.clone())));
        }
        for (bound, step) in [(t.gte, 0.0), (t.gt, 1.0), (t.lte, 0.0), (t.lt, -1.0)] {
            if let Some(b) = bound {
                out.push(Some(Scalar::Number(b + step)));
            }
        }
        if let (Some(lo), Some(hi)) = (t.gt.or(t.gte), t.lt.or(t.lte)) {
            out.push(Some(Scalar::Number((lo + hi) / 2.0)));
        }
    }
    // Combinations across tests (a prefix in one, a suffix in another) are rare in
    // policies; a plain value and absence cover `exists` and `not`.
    out.push(Some(Scalar::Text("example".into())));
    out.push(Some(Scalar::Bool(true)));
    out.push(Some(Scalar::Bool(false)));
    out.push(None);
    out
}

fn field_fits(field: &FieldRef, value: &Option<Scalar>, tests: &[&FieldTest]) -> bool {
    let mut ex = Example {
        lead: blank_lead(),
        account: None,
    };
    set(&mut ex, field, value.clone());
    let condition = Condition::All(crate::condition::AllOf {
        all: tests
            .iter()
            .map(|t| Condition::Test(Box::new((*t).clone())))
            .collect(),
    });
    matches(&condition, &ex)
}

/// Whether `condition` holds for the example, by the engine's own matcher.
pub(super) fn matches(condition: &Condition, ex: &Example) -> bool {
    let mut table = FieldTable::default();
    let Ok(m) = Matcher::compile(condition, "", &mut table) else {
        return false;
    };
    let mut cache = FieldCache::new(MatchContext {
        lead: &ex.lead,
        account: ex.account.as_ref(),
        score: None,
    });
    m.matches(&mut cache)
}

fn text(value: &Option<Scalar>) -> Option<String> {
    value.as_ref().map(|v| match v {
        Scalar::Text(t) => t.clone(),
        Scalar::Number(n) => n.to_string(),
        Scalar::Bool(b) => b.to_string(),
    })
}

fn account(ex: &mut Example) -> &mut Account {
    ex.account.get_or_insert_with(|| Account {
        id: "example-account".into(),
        name: String::new(),
        domains: Vec::new(),
        owner: None,
        attributes: BTreeMap::new(),
    })
}

fn set(ex: &mut Example, field: &FieldRef, value: Option<Scalar>) {
    let lead = &mut ex.lead;
    match field {
        FieldRef::Email => lead.email = text(&value).map(Email::new),
        FieldRef::EmailDomain => lead.email_domain = text(&value),
        FieldRef::FreeMail => lead.free_mail = matches!(value, Some(Scalar::Bool(true))),
        FieldRef::Phone => lead.phone = text(&value),
        FieldRef::Country => lead.country = text(&value),
        FieldRef::Company => lead.company = text(&value),
        FieldRef::FirstName => lead.first_name = text(&value),
        FieldRef::LastName => lead.last_name = text(&value),
        FieldRef::Source => lead.source = text(&value),
        // Without a scoring model these are the lead's own attributes; with one, the
        // example is confirmed against the computed score, so a wrong pick shows nothing.
        FieldRef::Score | FieldRef::Grade => {
            let name = field_name(field);
            match value {
                Some(v) => {
                    lead.attributes.insert(name, v);
                }
                None => {
                    lead.attributes.remove(&name);
                }
            }
        }
        FieldRef::Attr(name) => match value {
            Some(v) => {
                lead.attributes.insert(name.clone(), v);
            }
            None => {
                lead.attributes.remove(name);
            }
        },
        FieldRef::AccountId => {
            if let Some(id) = text(&value) {
                account(ex).id = id;
            }
        }
        FieldRef::AccountName => {
            if let Some(name) = text(&value) {
                account(ex).name = name;
            }
        }
        FieldRef::AccountOwner => account(ex).owner = text(&value),
        FieldRef::AccountAttr(name) => {
            let attributes = &mut account(ex).attributes;
            match value {
                Some(v) => {
                    attributes.insert(name.clone(), v);
                }
                None => {
                    attributes.remove(name);
                }
            }
        }
    }
}
