//! Closed deals from HubSpot against a fake of CRM v3's deal search that evaluates the
//! filters it is sent as HubSpot does: `hs_is_closed` and `closedate` (epoch
//! milliseconds), the ascending sort on the close date, `after` paging, the 10,000-result
//! limit of one search, and the error answers.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use switchboard_notifier::channels::ChannelError;
use switchboard_notifier::channels::crm::Crm;
use switchboard_notifier::channels::crm::accounts::{Source, SyncError};
use switchboard_notifier::channels::crm::closes::{self, CloseQuery, Closes, ClosesReport};
use switchboard_notifier::channels::crm::hubspot::Hubspot;
use switchboard_notifier::http::HttpClient;

use crate::common::*;

const TOKEN: &str = "pat-na1-test-token";
/// What one search pages through at most, as HubSpot documents it.
const SEARCH_LIMIT: usize = 10_000;
const ANA: &str = "111";
const BO: &str = "222";
/// A HubSpot user who is not a rep.
const NOBODY: &str = "333";

/// A property value as the portal types it; the API writes every one as text.
#[derive(Clone)]
enum Prop {
    Text(String),
    Bool(bool),
    Date(Timestamp),
}

impl Prop {
    fn wire(&self) -> Value {
        match self {
            Prop::Text(s) => json!(s),
            Prop::Bool(b) => json!(b.to_string()),
            Prop::Date(t) => json!(t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Bool,
    Date,
}

/// The deal properties this portal defines, and their types.
const SCHEMA: [(&str, Kind); 11] = [
    ("dealname", Kind::Text),
    ("dealstage", Kind::Text),
    ("pipeline", Kind::Text),
    ("closedate", Kind::Date),
    ("createdate", Kind::Date),
    ("hs_lastmodifieddate", Kind::Date),
    ("hs_object_id", Kind::Text),
    ("hs_is_closed", Kind::Bool),
    ("hs_is_closed_won", Kind::Bool),
    ("hubspot_owner_id", Kind::Text),
    ("deal_industry", Kind::Text),
];

fn kind_of(name: &str) -> Option<(&'static str, Kind)> {
    SCHEMA.iter().copied().find(|(n, _)| *n == name)
}

/// What the search returns of every result, asked for or not.
const ALWAYS: [&str; 3] = ["createdate", "hs_lastmodifieddate", "hs_object_id"];

struct Deal {
    id: u64,
    /// Set properties only.
    props: HashMap<&'static str, Prop>,
}

#[derive(Clone, Copy)]
enum Stage {
    Open,
    Won,
    Lost,
}

#[derive(Default)]
struct Portal {
    journal: Journal,
    deals: Mutex<Vec<Deal>>,
}

#[derive(Clone)]
struct Fake(Arc<Portal>);

impl Fake {
    async fn start() -> (Fake, Hubspot) {
        let fake = Fake(Arc::new(Portal::default()));
        let app = axum::Router::new()
            .route("/crm/v3/objects/deals/search", post(search))
            .with_state(fake.clone());
        let hubspot = hubspot_at(TOKEN, format!("http://{}", serve(app).await), false);
        (fake, hubspot)
    }

    /// A deal closing (or, when open, expected to close) at `close`.
    fn add(&self, owner: Option<&str>, stage: Stage, close: Timestamp, industry: Option<&str>) {
        let mut deals = self.0.deals.lock().unwrap();
        let id = 7000 + deals.len() as u64;
        let (dealstage, closed, won) = match stage {
            Stage::Open => ("appointmentscheduled", false, false),
            Stage::Won => ("closedwon", true, true),
            Stage::Lost => ("closedlost", true, false),
        };
        let created = close
            .checked_sub(SignedDuration::from_hours(24 * 30))
            .unwrap();
        let mut props: HashMap<&'static str, Prop> = HashMap::from([
            ("dealname", Prop::Text(format!("Deal {id}"))),
            ("dealstage", Prop::Text(dealstage.into())),
            ("pipeline", Prop::Text("default".into())),
            ("closedate", Prop::Date(close)),
            ("createdate", Prop::Date(created)),
            ("hs_lastmodifieddate", Prop::Date(close)),
            ("hs_object_id", Prop::Text(id.to_string())),
            ("hs_is_closed", Prop::Bool(closed)),
            ("hs_is_closed_won", Prop::Bool(won)),
        ]);
        if let Some(o) = owner {
            props.insert("hubspot_owner_id", Prop::Text(o.into()));
        }
        if let Some(i) = industry {
            props.insert("deal_industry", Prop::Text(i.into()));
        }
        deals.push(Deal { id, props });
    }

    fn bodies(&self) -> Vec<Value> {
        self.0
            .journal
            .calls("search")
            .iter()
            .map(Request::json)
            .collect()
    }
}

fn error(status: u16, category: &str, message: &str) -> Response {
    let body = json!({"status": "error", "message": message, "correlationId": "b6f0c6d3-0000-4000-8000-000000000000", "category": category});
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

fn invalid(message: impl Into<String>) -> Response {
    error(400, "VALIDATION_ERROR", &message.into())
}

/// A filter as the search takes it: property, operator and value checked against the
/// property's type before any deal is looked at.
struct Filter {
    name: &'static str,
    op: String,
    /// The value as the property's type: none for HAS_PROPERTY and NOT_HAS_PROPERTY.
    value: Option<Prop>,
}

fn filter(f: &Value) -> Result<Filter, String> {
    let name = f["propertyName"]
        .as_str()
        .ok_or("a filter without propertyName")?;
    let (name, kind) = kind_of(name).ok_or_else(|| format!("Property {name:?} does not exist"))?;
    let op = f["operator"].as_str().ok_or("a filter without operator")?;
    if matches!(op, "HAS_PROPERTY" | "NOT_HAS_PROPERTY") {
        return Ok(Filter {
            name,
            op: op.to_owned(),
            value: None,
        });
    }
    if !matches!(op, "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE") {
        return Err(format!("unknown operator {op}"));
    }
    // The value is text whatever the property's type, as the API documents it.
    let text = f["value"]
        .as_str()
        .ok_or_else(|| format!("the {name} filter's value is not a string"))?;
    let ordered = !matches!(op, "EQ" | "NEQ");
    let value = match kind {
        Kind::Date => {
            let ms: i64 = text
                .parse()
                .map_err(|_| format!("{text:?} is not a time in epoch milliseconds"))?;
            Prop::Date(Timestamp::from_millisecond(ms).map_err(|e| e.to_string())?)
        }
        Kind::Bool if ordered => return Err(format!("{op} does not apply to the boolean {name}")),
        Kind::Bool => match text {
            "true" => Prop::Bool(true),
            "false" => Prop::Bool(false),
            _ => return Err(format!("{text:?} is not a boolean")),
        },
        Kind::Text if ordered => return Err(format!("{op} does not apply to the text {name}")),
        Kind::Text => Prop::Text(text.to_owned()),
    };
    Ok(Filter {
        name,
        op: op.to_owned(),
        value: Some(value),
    })
}

/// The filter groups of a search body: any group matches, when all its filters do.
fn filter_groups(groups: &[Value]) -> Result<Vec<Vec<Filter>>, String> {
    groups
        .iter()
        .map(|g| {
            g["filters"]
                .as_array()
                .ok_or("a filter group without filters")?
                .iter()
                .map(filter)
                .collect()
        })
        .collect()
}

fn passes(deal: &Deal, f: &Filter) -> bool {
    let prop = deal.props.get(f.name);
    let (Some(prop), Some(value)) = (prop, &f.value) else {
        return match f.op.as_str() {
            "HAS_PROPERTY" => prop.is_some(),
            "NOT_HAS_PROPERTY" => prop.is_none(),
            op => op == "NEQ",
        };
    };
    let ordering = match (prop, value) {
        (Prop::Date(a), Prop::Date(b)) => a.cmp(b),
        (Prop::Bool(a), Prop::Bool(b)) => a.cmp(b),
        (Prop::Text(a), Prop::Text(b)) if a.eq_ignore_ascii_case(b) => Ordering::Equal,
        (Prop::Text(_), Prop::Text(_)) => Ordering::Less,
        _ => unreachable!("checked against the schema"),
    };
    match f.op.as_str() {
        "EQ" => ordering == Ordering::Equal,
        "NEQ" => ordering != Ordering::Equal,
        "GT" => ordering == Ordering::Greater,
        "GTE" => ordering != Ordering::Less,
        "LT" => ordering == Ordering::Less,
        _ => ordering != Ordering::Greater,
    }
}

/// The deal search as HubSpot answers it: the filter groups evaluated, sorted on one
/// date property, the properties asked for (and those always given), `after` an offset
/// refused from 10,000 on, `total` every match.
async fn search(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    f.0.journal.log(
        "search",
        Request {
            method: "POST".into(),
            path: "/crm/v3/objects/deals/search".into(),
            query: None,
            headers: headers.clone(),
            body: body.clone(),
        },
    );
    if let Some(forced) = f.0.journal.forced("search") {
        return forced.into_response();
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found.",
        );
    }
    let Ok(q) = serde_json::from_str::<Value>(&body) else {
        return invalid("Invalid input JSON");
    };
    let groups = match &q["filterGroups"] {
        Value::Null => Vec::new(),
        Value::Array(g) if g.len() <= 5 => match filter_groups(g) {
            Ok(groups) => groups,
            Err(message) => return invalid(message),
        },
        _ => return invalid("filterGroups must be a list of at most 5"),
    };
    let sort = match q["sorts"].as_array().map(Vec::as_slice) {
        None | Some([]) => None,
        Some([s]) => match (s["propertyName"].as_str(), s["direction"].as_str()) {
            (Some(p), Some(d @ ("ASCENDING" | "DESCENDING")))
                if matches!(p, "closedate" | "createdate" | "hs_lastmodifieddate") =>
            {
                Some((p.to_owned(), d == "DESCENDING"))
            }
            _ => return invalid("sorts must name a date property and a direction"),
        },
        Some(_) => return invalid("only one sort is supported"),
    };
    let asked: Vec<&str> = match q["properties"].as_array() {
        Some(p) => p.iter().filter_map(Value::as_str).collect(),
        None => Vec::new(),
    };
    let limit = q["limit"].as_u64().unwrap_or(10) as usize;
    if limit > 200 {
        return invalid("limit must be at most 200");
    }
    let offset: usize = match &q["after"] {
        Value::Null => 0,
        Value::String(a) => match a.parse() {
            Ok(o) => o,
            Err(_) => return invalid("after is not a paging cursor"),
        },
        _ => return invalid("after must be a string"),
    };
    if offset >= SEARCH_LIMIT {
        return invalid("after must be less than 10000");
    }
    let deals = f.0.deals.lock().unwrap();
    let mut hits: Vec<&Deal> = deals
        .iter()
        .filter(|d| groups.is_empty() || groups.iter().any(|g| g.iter().all(|f| passes(d, f))))
        .collect();
    if let Some((property, descending)) = &sort {
        let at = |d: &Deal| match d.props.get(property.as_str()) {
            Some(Prop::Date(t)) => Some(*t),
            _ => None,
        };
        hits.sort_by_key(|d| (at(d), d.id));
        if *descending {
            hits.reverse();
        }
    } else {
        hits.sort_by_key(|d| d.id);
    }
    let total = hits.len();
    let page: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|d| {
            let mut properties = Map::new();
            for name in ALWAYS.iter().chain(&asked) {
                if kind_of(name).is_some() {
                    let value = d.props.get(name).map_or(Value::Null, Prop::wire);
                    properties.insert((*name).to_owned(), value);
                }
            }
            let created = d.props["createdate"].wire();
            let updated = d.props["hs_lastmodifieddate"].wire();
            json!({"id": d.id.to_string(), "properties": properties,
                   "createdAt": created, "updatedAt": updated, "archived": false})
        })
        .collect();
    let mut answer = json!({"total": total, "results": page});
    if offset + limit < total {
        let next = (offset + limit).to_string();
        answer["paging"] =
            json!({"next": {"after": next, "link": format!("?after={}", offset + limit)}});
    }
    Json(answer).into_response()
}

/// `days` after 2026-01-01 09:30 UTC.
fn day(days: i64) -> Timestamp {
    "2026-01-01T09:30:00Z"
        .parse::<Timestamp>()
        .unwrap()
        .checked_add(SignedDuration::from_hours(24 * days))
        .unwrap()
}

/// Industry from the portal's own deal property; each deal's name too, to tell deals
/// apart.
fn query(since: Option<Date>) -> CloseQuery {
    let given = [
        "industry=deal_industry".parse().unwrap(),
        "deal=dealname".parse().unwrap(),
    ];
    CloseQuery {
        since,
        fields: closes::sources(Crm::Hubspot, &closes_policy(), &given).unwrap(),
    }
}

async fn read(hubspot: &Hubspot, query: &CloseQuery) -> Result<Closes, SyncError> {
    let http = HttpClient::new().unwrap();
    closes::read(
        Source::Hubspot(hubspot),
        &http,
        &closes_policy(),
        query,
        monday(),
    )
    .await
}

/// The deal names of the rows, in order.
fn names(closes: &Closes) -> Vec<String> {
    closes
        .rows
        .iter()
        .map(|r| r["deal"].as_str().unwrap().to_owned())
        .collect()
}

/// The owner of the `i`th of many deals: Ana, Bo, nobody in turn.
fn owner_of(i: usize) -> &'static str {
    [ANA, BO, NOBODY][i % 3]
}

#[tokio::test]
async fn closed_deals_of_reps_become_rows_oldest_close_first() {
    let (fake, hubspot) = Fake::start().await;
    let adds: [(Option<&str>, Stage, i64, Option<&str>); 9] = [
        (Some(ANA), Stage::Won, 3, Some("Retail")),
        (Some(BO), Stage::Lost, 1, Some("Banking")),
        (Some(ANA), Stage::Lost, 2, None),
        // Open deals carry an expected close date: only the closed filter leaves them out.
        (Some(ANA), Stage::Open, 0, Some("Retail")),
        (Some(BO), Stage::Open, 5, Some("Banking")),
        (Some(NOBODY), Stage::Won, 4, Some("Retail")),
        (None, Stage::Lost, 6, Some("Retail")),
        (Some(BO), Stage::Won, 7, Some("Software")),
        (Some(ANA), Stage::Open, 8, None),
    ];
    for (owner, stage, at, industry) in adds {
        fake.add(owner, stage, day(at), industry);
    }
    let closes = read(&hubspot, &query(None)).await.unwrap();
    let expected = [
        ["bo", "lost", "Banking"],
        ["ana", "lost", "-"],
        ["ana", "won", "Retail"],
        ["bo", "won", "Software"],
    ];
    assert_eq!(summary(&closes), rows(&expected));
    // A row holds the rep, the outcome and the mapped fields that have a value.
    assert_eq!(
        Value::Object(closes.rows[2].clone()),
        json!({"rep": "ana", "outcome": "won", "industry": "Retail", "deal": "Deal 7000"})
    );
    assert_eq!(
        closes.report,
        ClosesReport {
            read: 6,
            won: 2,
            lost: 2,
            owner_not_a_rep: 2,
            first_close: Some(day(1)),
            last_close: Some(day(7)),
        }
    );

    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        bodies[0]["filterGroups"],
        json!([{"filters": [{"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"}]}])
    );
    assert_eq!(
        bodies[0]["sorts"],
        json!([{"propertyName": "closedate", "direction": "ASCENDING"}])
    );
    assert_eq!(bodies[0]["limit"], 100);
    let asked = bodies[0]["properties"].as_array().unwrap();
    for p in [
        "hubspot_owner_id",
        "hs_is_closed_won",
        "closedate",
        "deal_industry",
        "dealname",
    ] {
        assert!(asked.contains(&json!(p)), "{p} not asked for: {asked:?}");
    }
}

#[tokio::test]
async fn since_asks_for_deals_closed_from_that_day_on() {
    let (fake, hubspot) = Fake::start().await;
    let since = date(2026, 1, 11);
    let start = midnight(since);
    let just_before = start.checked_sub(SignedDuration::from_millis(1)).unwrap();
    fake.add(Some(ANA), Stage::Won, just_before, Some("Early"));
    fake.add(Some(BO), Stage::Lost, start, Some("Midnight"));
    for d in 0..20 {
        fake.add(Some(owner_of(d as usize)), Stage::Won, day(d), None);
    }
    // Open after the day: still not a close.
    fake.add(Some(ANA), Stage::Open, day(15), None);

    let closes = read(&hubspot, &query(Some(since))).await.unwrap();
    let filters = &fake.bodies()[0]["filterGroups"][0]["filters"];
    assert_eq!(
        filters[1],
        json!({"propertyName": "closedate", "operator": "GTE", "value": "1768089600000"})
    );
    assert_eq!(start.as_millisecond(), 1_768_089_600_000);
    assert_eq!(
        filters[0],
        json!({"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"})
    );
    // Days 10 to 19 from 09:30 (days 10..20 after 2026-01-01) and the one at midnight.
    assert_eq!(closes.report.read, 11);
    assert_eq!(closes.report.first_close, Some(start));
    assert_eq!(closes.report.last_close, Some(day(19)));
    assert_eq!(
        summary(&closes)[0],
        ["bo", "lost", "Midnight"].map(str::to_owned)
    );
    assert!(!summary(&closes).iter().any(|r| r[2] == "Early"));
    // Of days 10..20: Ana on 12, 15, 18; Bo on 10, 13, 16, 19; nobody on 11, 14, 17.
    assert_eq!(
        (
            closes.report.won,
            closes.report.lost,
            closes.report.owner_not_a_rep
        ),
        (7, 1, 3)
    );
}

#[tokio::test]
async fn pages_are_followed_and_each_deal_read_once() {
    let (fake, hubspot) = Fake::start().await;
    let n = 250;
    // Added out of time order; open deals in between.
    for k in 0..n {
        let i = (k * 7) % n;
        let stage = if i % 2 == 0 { Stage::Won } else { Stage::Lost };
        let at = day(0)
            .checked_add(SignedDuration::from_mins(i as i64))
            .unwrap();
        fake.add(Some(owner_of(i)), stage, at, Some(&format!("I{i}")));
        if k % 10 == 0 {
            fake.add(Some(ANA), Stage::Open, at, Some("open"));
        }
    }
    let closes = read(&hubspot, &query(None)).await.unwrap();
    let afters: Vec<Value> = fake.bodies().iter().map(|b| b["after"].clone()).collect();
    assert_eq!(afters, [Value::Null, json!("100"), json!("200")]);
    let expected: Vec<String> = (0..n)
        .filter(|i| owner_of(*i) != NOBODY)
        .map(|i| format!("I{i}"))
        .collect();
    let industries: Vec<String> = summary(&closes).into_iter().map(|r| r[2].clone()).collect();
    assert_eq!(industries, expected, "every rep's close once, oldest first");
    let r = &closes.report;
    assert_eq!((r.read, r.owner_not_a_rep), (n, n / 3));
    assert_eq!(r.won + r.lost, expected.len());
}

#[tokio::test]
async fn past_ten_thousand_results_the_search_starts_again_from_the_newest_close() {
    let (fake, hubspot) = Fake::start().await;
    let n = SEARCH_LIMIT + 150;
    let at = |i: usize| {
        day(0)
            .checked_add(SignedDuration::from_secs(i as i64))
            .unwrap()
    };
    for i in 0..n {
        let stage = if i % 4 == 0 { Stage::Won } else { Stage::Lost };
        fake.add(Some(owner_of(i)), stage, at(i), None);
        if i % 1000 == 0 {
            fake.add(Some(BO), Stage::Open, at(i), None);
        }
    }
    let closes = read(&hubspot, &query(None)).await.unwrap();

    let bodies = fake.bodies();
    // 100 pages to the limit, then two more from the newest close read.
    assert_eq!(bodies.len(), 102);
    assert!(bodies.iter().all(|b| {
        b["after"]
            .as_str()
            .is_none_or(|a| a.parse::<usize>().unwrap() < SEARCH_LIMIT)
    }));
    let restart = &bodies[100];
    assert!(restart.get("after").is_none());
    assert_eq!(
        restart["filterGroups"][0]["filters"],
        json!([
            {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"},
            {"propertyName": "closedate", "operator": "GTE",
             "value": at(SEARCH_LIMIT - 1).as_millisecond().to_string()},
        ])
    );
    assert_eq!(bodies[101]["after"], "100");

    // The deal at the restart's close time came back twice and counts once.
    let r = &closes.report;
    assert_eq!(r.read, n);
    assert_eq!(
        (r.first_close, r.last_close),
        (Some(at(0)), Some(at(n - 1)))
    );
    let ids: Vec<String> = names(&closes);
    let unique: HashSet<&String> = ids.iter().collect();
    let owned = (0..n).filter(|i| owner_of(*i) != NOBODY).count();
    assert_eq!((ids.len(), unique.len()), (owned, owned));
    assert_eq!(r.won + r.lost, owned);
    assert_eq!(r.owner_not_a_rep, n - owned);
}

#[tokio::test]
async fn more_than_one_search_at_a_single_close_time_is_an_error() {
    let (fake, hubspot) = Fake::start().await;
    for _ in 0..SEARCH_LIMIT + 1 {
        fake.add(Some(ANA), Stage::Won, day(3), None);
    }
    let err = read(&hubspot, &query(None)).await.unwrap_err();
    assert!(matches!(err, SyncError::Stuck(_)), "{err}");
    assert!(err.is_permanent());
    assert!(err.to_string().contains("--since"), "{err}");
    assert!(fake.bodies().len() <= 201, "{}", fake.bodies().len());
}

/// A read of 150 closed deals whose first search answer is `answer`, then the fake's.
async fn failing(answer: Forced) -> (Fake, Result<Closes, SyncError>) {
    let (fake, hubspot) = Fake::start().await;
    for i in 0..150 {
        fake.add(Some(owner_of(i)), Stage::Won, day(i as i64), None);
    }
    fake.0.journal.force("search", answer);
    let result = read(&hubspot, &query(None)).await;
    (fake, result)
}

const MISSING_SCOPES: &str = r#"{"status":"error","message":"This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.","correlationId":"4d2f1a8e-0000-4000-8000-000000000000","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["crm.objects.deals.read"]}}],"category":"MISSING_SCOPES"}"#;

#[tokio::test]
async fn error_answers_end_the_read_permanent_or_not() {
    let cases: [(&str, Forced, bool, &str); 4] = [
        (
            "missing scope",
            Forced::new(403, MISSING_SCOPES),
            true,
            "crm.objects.deals.read",
        ),
        (
            "server error",
            Forced::new(500, r#"{"status":"error","message":"internal error","category":"INTERNAL_ERROR"}"#),
            false,
            "500",
        ),
        (
            "bad gateway",
            Forced::new(502, "<html>Bad Gateway</html>"),
            false,
            "502",
        ),
        (
            "long rate limit",
            Forced::new(429, r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","category":"RATE_LIMITS"}"#)
                .with_header("retry-after", "60"),
            false,
            "retry after 60 s",
        ),
    ];
    for (case, answer, permanent, says) in cases {
        let (fake, result) = failing(answer).await;
        let err = result.expect_err(case);
        assert_eq!(err.is_permanent(), permanent, "{case}: {err}");
        assert!(err.to_string().contains(says), "{case}: {err}");
        assert!(
            matches!(err, SyncError::Crm { crm: "HubSpot", .. }),
            "{case}: {err:?}"
        );
        assert_eq!(fake.bodies().len(), 1, "{case}: not asked again");
    }
    let (_, result) = failing(Forced::new(403, MISSING_SCOPES)).await;
    match result {
        Err(SyncError::Crm {
            source: ChannelError::Config(message),
            ..
        }) => assert!(message.contains("crm.objects.deals.read"), "{message}"),
        other => panic!("a configuration error, not {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_token_is_a_configuration_error() {
    let (fake, mut hubspot) = Fake::start().await;
    fake.add(Some(ANA), Stage::Won, day(1), None);
    hubspot.token = "pat-na1-revoked".into();
    let err = read(&hubspot, &query(None)).await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert!(
        matches!(
            err,
            SyncError::Crm {
                source: ChannelError::Config(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn a_short_rate_limit_is_waited_out() {
    let started = std::time::Instant::now();
    let (fake, result) = failing(
        Forced::new(
            429,
            r#"{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}"#,
        )
        .with_header("retry-after", "1"),
    )
    .await;
    let closes = result.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(closes.report.read, 150);
    let bodies = fake.bodies();
    // The refused first page asked for again as it was, then the second.
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[2]["after"], "100");
}
