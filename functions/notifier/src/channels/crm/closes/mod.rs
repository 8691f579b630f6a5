//! The CRM's closed deals as the reps' imported outcome history (docs/OUTCOMES.md,
//! "Importing from the CRM"): HubSpot deals and Salesforce Opportunities that are closed,
//! won or lost, with the deal's owner mapped to a rep as the account sync maps it and the
//! lead fields the policy segments by read from properties of the deal that the user names
//! (`industry=Account.Industry`).
//!
//! The result is the rows `switchboard outcomes import` takes from a file (`rep`,
//! `outcome`, the lead fields), oldest close first, so one import path tallies both. A deal
//! owned by someone who is not a rep is counted and left out: a CRM holds the closes of
//! people who never took a routed lead.

pub mod hubspot;
pub mod salesforce;

use std::collections::HashSet;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_routing::PolicyDocument;

use super::Crm;
use super::accounts::{
    MAX_PAGE_BYTES, Next, Source, SyncError, owner_key, owners, with_rate_limit_waits,
};
use crate::channels::ChannelError;
use crate::http::HttpClient;

/// A lead field read from a property of the deal: `industry=Account.Industry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSource {
    /// The lead field, as the policy's rules and `outcomes.segment` name it.
    pub field: String,
    /// The deal's property (HubSpot) or field, through a relationship or not (Salesforce).
    pub property: String,
}

impl FromStr for FieldSource {
    type Err = String;
    fn from_str(s: &str) -> Result<FieldSource, String> {
        let (field, property) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?} is not FIELD=PROPERTY (industry=Account.Industry)"))?;
        let (field, property) = (field.trim(), property.trim());
        if field.is_empty() || property.is_empty() {
            return Err(format!(
                "{s:?} is not FIELD=PROPERTY (industry=Account.Industry)"
            ));
        }
        Ok(FieldSource {
            field: field.to_owned(),
            property: property.to_owned(),
        })
    }
}

/// The sources used when the user names none for a field: Salesforce keeps a company's
/// industry and country on its Account. HubSpot's deals carry neither by default.
fn default_source(crm: Crm, field: &str) -> Option<&'static str> {
    match (crm, field) {
        (Crm::Salesforce, "industry") => Some("Account.Industry"),
        (Crm::Salesforce, "country") => Some("Account.BillingCountry"),
        _ => None,
    }
}

/// Segment fields the policy computes rather than reads (`score`, `grade`): they come from
/// the lead fields the scoring reads, which the user maps like any other.
const COMPUTED: [&str; 2] = ["score", "grade"];

/// The sources to read for `policy`'s segment: those `given`, then the defaults for the
/// segment's fields not given. An error names each segment field with neither, and a
/// property name the CRM could not take (it is written into a query).
pub fn sources(
    crm: Crm,
    policy: &PolicyDocument,
    given: &[FieldSource],
) -> Result<Vec<FieldSource>, String> {
    let mut all: Vec<FieldSource> = Vec::new();
    for g in given {
        if !valid_property(crm, &g.property) {
            return Err(format!(
                "{:?} is not a {} {} name",
                g.property,
                crm.name(),
                match crm {
                    Crm::Hubspot => "deal property",
                    Crm::Salesforce =>
                        "field (Opportunity fields, or Account.Field through the relationship)",
                }
            ));
        }
        match all.iter_mut().find(|a| a.field == g.field) {
            Some(a) => a.property.clone_from(&g.property),
            None => all.push(g.clone()),
        }
    }
    let segment = policy
        .outcomes
        .as_ref()
        .map(|o| o.segment.as_slice())
        .unwrap_or_default();
    let mut missing = Vec::new();
    for field in segment {
        if COMPUTED.contains(&field.as_str()) || all.iter().any(|a| &a.field == field) {
            continue;
        }
        match default_source(crm, field) {
            Some(property) => all.push(FieldSource {
                field: field.clone(),
                property: property.to_owned(),
            }),
            None => missing.push(field.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "the policy's outcomes.segment has {}, which no {} property is named for: add --field {}=PROPERTY for each",
            missing.join(", "),
            crm.name(),
            missing[0]
        ));
    }
    Ok(all)
}

/// HubSpot property names are letters, digits and underscores; Salesforce field names
/// the same, joined by dots through relationships (`Account.Industry`, `Region__c`).
fn valid_property(crm: Crm, property: &str) -> bool {
    let part = |p: &str| {
        p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match crm {
        Crm::Hubspot => part(property),
        Crm::Salesforce => property.split('.').all(part),
    }
}

/// One closed deal as read.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmClose {
    pub id: String,
    /// The CRM user who owns it now.
    pub owner: Option<String>,
    pub won: bool,
    /// When it closed (a Salesforce close date counts from its midnight, UTC).
    pub closed: Option<Timestamp>,
    /// The value of each property asked for, in the order asked.
    pub values: Vec<Option<Value>>,
}

/// One page of closed deals and what comes after it.
#[derive(Debug)]
pub struct ClosesPage {
    pub closes: Vec<CrmClose>,
    pub next: Next,
}

/// What is read.
#[derive(Debug, Clone, Default)]
pub struct CloseQuery {
    /// Only deals closed on or after this day (UTC); none: every closed deal.
    pub since: Option<Date>,
    /// The lead fields to read and where from ([`sources`]).
    pub fields: Vec<FieldSource>,
}

/// What a read found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClosesReport {
    /// Closed deals read (each once, though a restarted search may return it twice).
    pub read: usize,
    /// Of those, owned by a rep: rows made.
    pub won: usize,
    pub lost: usize,
    /// Owned by nobody, or by someone the policy has no rep for: left out.
    pub owner_not_a_rep: usize,
    /// The first and last close read.
    pub first_close: Option<Timestamp>,
    pub last_close: Option<Timestamp>,
}

/// The closed deals, as import rows.
#[derive(Debug, Clone, Default)]
pub struct Closes {
    /// `rep`, `outcome` and the lead fields, oldest close first.
    pub rows: Vec<Map<String, Value>>,
    pub report: ClosesReport,
}

/// Reads every closed deal the query names from the CRM, owners mapped through `policy`'s
/// reps.
pub async fn read(
    source: Source<'_>,
    http: &HttpClient,
    policy: &PolicyDocument,
    query: &CloseQuery,
    now: Timestamp,
) -> Result<Closes, SyncError> {
    let crm = source.crm();
    let http = &http.clone().with_max_body(MAX_PAGE_BYTES);
    let owners = owners(policy, crm);
    let properties: Vec<String> = query.fields.iter().map(|f| f.property.clone()).collect();
    let mut since: Option<Timestamp> = query
        .since
        .and_then(|d| jiff::tz::Offset::UTC.to_timestamp(d.at(0, 0, 0, 0)).ok());
    let mut seen: HashSet<String> = HashSet::new();
    let mut dated: Vec<(Option<Timestamp>, Map<String, Value>)> = Vec::new();
    let mut report = ClosesReport::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = with_rate_limit_waits(crm, || {
            page(source, http, &properties, since, cursor.as_deref(), now)
        })
        .await
        .map_err(|source| SyncError::Crm {
            crm: crm.name(),
            source,
        })?;
        let newest = page.closes.iter().filter_map(|c| c.closed).max();
        for close in page.closes {
            if !seen.insert(close.id.clone()) {
                continue;
            }
            report.read += 1;
            report.first_close = match (report.first_close, close.closed) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            report.last_close = report.last_close.max(close.closed);
            let rep = close
                .owner
                .as_deref()
                .and_then(|o| owners.get(&owner_key(crm, o)));
            let Some(rep) = rep else {
                report.owner_not_a_rep += 1;
                continue;
            };
            if close.won {
                report.won += 1;
            } else {
                report.lost += 1;
            }
            dated.push((close.closed, row(rep, &close, &query.fields)));
        }
        match page.next {
            Next::Cursor(c) => cursor = Some(c),
            Next::Restart => {
                // Searching again from the newest close read must get further than this
                // search did, or the same results come back forever.
                if newest.is_none() || newest <= since {
                    return Err(SyncError::Stuck(format!(
                        "{}: more than one search's worth of closed deals share the close time {}; import a narrower range with --since",
                        crm.name(),
                        since.map_or_else(|| "-".to_owned(), |t| t.to_string())
                    )));
                }
                since = newest;
                cursor = None;
            }
            Next::Done => break,
        }
    }
    // Oldest first (undated first of all), so a caller that must keep fewer keeps the
    // newest.
    dated.sort_by_key(|(closed, _)| *closed);
    Ok(Closes {
        rows: dated.into_iter().map(|(_, r)| r).collect(),
        report,
    })
}

async fn page(
    source: Source<'_>,
    http: &HttpClient,
    properties: &[String],
    since: Option<Timestamp>,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<ClosesPage, ChannelError> {
    match source {
        Source::Hubspot(h) => hubspot::page(h, http, properties, since, cursor, now).await,
        Source::Salesforce(s) => salesforce::page(s, http, properties, since, cursor, now).await,
    }
}

/// The import row of a close: its rep, its outcome and each field that has a value.
fn row(rep: &str, close: &CrmClose, fields: &[FieldSource]) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("rep".into(), Value::String(rep.to_owned()));
    let outcome = if close.won { "won" } else { "lost" };
    row.insert("outcome".into(), Value::String(outcome.into()));
    for (source, value) in fields.iter().zip(&close.values) {
        if let Some(v) = value
            && !v.is_null()
        {
            row.insert(source.field.clone(), v.clone());
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(segment: &str) -> PolicyDocument {
        PolicyDocument::from_yaml(&format!(
            "triage_pool: t
outcomes: {{ segment: [{segment}] }}
reps: [ {{ id: ana }} ]
pools: [ {{ id: p, strategy: best_fit, members: [ana] }} ]
rules: [ {{ id: r, pool: p }} ]
"
        ))
        .unwrap()
    }

    fn given(pairs: &[&str]) -> Vec<FieldSource> {
        pairs.iter().map(|p| p.parse().unwrap()).collect()
    }

    #[test]
    fn each_segment_field_needs_a_source_given_or_by_default() {
        let p = policy("industry, country, product, score");
        // Salesforce has defaults for industry and country; product must be named.
        let err = sources(Crm::Salesforce, &p, &[]).unwrap_err();
        assert!(
            err.contains("has product,") && err.contains("--field product="),
            "{err}"
        );
        let s = sources(Crm::Salesforce, &p, &given(&["product=Product_Line__c"])).unwrap();
        let pairs: Vec<(&str, &str)> = s
            .iter()
            .map(|f| (f.field.as_str(), f.property.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("product", "Product_Line__c"),
                ("industry", "Account.Industry"),
                ("country", "Account.BillingCountry"),
            ]
        );
        // HubSpot has none: every read field is named, a given one wins over a default.
        let err = sources(Crm::Hubspot, &p, &given(&["product=product_line"])).unwrap_err();
        assert!(err.contains("has industry, country,"), "{err}");
        let s = sources(
            Crm::Salesforce,
            &policy("industry"),
            &given(&["industry=Account.Sector__c", "industry=Industry__c"]),
        )
        .unwrap();
        assert_eq!(s, given(&["industry=Industry__c"]));
    }

    #[test]
    fn property_names_are_checked_before_they_go_into_a_query() {
        let p = policy("industry");
        for bad in ["industry=Account.Industry", "industry=x y", "industry=1abc"] {
            assert!(sources(Crm::Hubspot, &p, &given(&[bad])).is_err(), "{bad}");
        }
        for bad in [
            "industry=Industry FROM User",
            "industry=Account..Industry",
            "industry=Industry,Name",
        ] {
            assert!(
                sources(Crm::Salesforce, &p, &given(&[bad])).is_err(),
                "{bad}"
            );
        }
        assert!("industry".parse::<FieldSource>().is_err());
        assert!("=Industry".parse::<FieldSource>().is_err());
        assert!(sources(Crm::Hubspot, &p, &given(&["industry=industry_vertical"])).is_ok());
    }

    #[test]
    fn a_row_carries_the_fields_that_have_values() {
        let close = CrmClose {
            id: "1".into(),
            owner: Some("111".into()),
            won: false,
            closed: None,
            values: vec![
                Some(Value::String("Retail".into())),
                Some(Value::Null),
                None,
            ],
        };
        let r = row(
            "ana",
            &close,
            &given(&["industry=a", "country=b", "product=c"]),
        );
        assert_eq!(
            Value::Object(r),
            serde_json::json!({"rep": "ana", "outcome": "lost", "industry": "Retail"})
        );
    }
}
