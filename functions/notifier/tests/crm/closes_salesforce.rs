//! Closed Opportunities from Salesforce against a fake org that runs the SOQL it is sent:
//! the client credentials token, the selected fields (through the Account relationship,
//! answered nested), the `IsClosed` and `CloseDate` conditions, the order, paging through
//! `nextRecordsUrl` query locators, and the refusal of a field the org does not have.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::civil::{Date, date};
use serde_json::{Map, Value, json};
use switchboard_notifier::channels::ChannelError;
use switchboard_notifier::channels::crm::Crm;
use switchboard_notifier::channels::crm::accounts::{Source, SyncError};
use switchboard_notifier::channels::crm::closes::{
    self, CloseQuery, Closes, ClosesReport, FieldSource,
};
use switchboard_notifier::channels::crm::salesforce::Salesforce;
use switchboard_notifier::http::HttpClient;

use crate::common::*;

const V: &str = "/services/data/v62.0";
/// Records a query answers at once, Salesforce's default batch size.
const BATCH: usize = 2000;
/// As the API writes user ids: 18 characters. The policy has Ana's in 15.
const ANA: &str = "005000000000001AAA";
const BO: &str = "005000000000002AAA";
const NOBODY: &str = "005000000000099AAA";
const ACCESS_TOKEN: &str = "00D5e000000TEST!AQ4AQ.token";

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Open,
    Won,
    Lost,
}

struct Account {
    id: String,
    name: String,
    industry: Option<String>,
    country: Option<String>,
}

struct Opportunity {
    id: String,
    name: String,
    owner: String,
    stage: Stage,
    close: Date,
    account: Option<String>,
}

#[derive(Default)]
struct Org {
    journal: Journal,
    accounts: Mutex<Vec<Account>>,
    opportunities: Mutex<Vec<Opportunity>>,
    /// Query locators: a query's records, the rest read from the offset the locator names.
    cursors: Mutex<HashMap<String, Vec<Value>>>,
    tokens: Mutex<u32>,
    /// The API host, which the token answer names.
    base: Mutex<String>,
}

#[derive(Clone)]
struct Fake(Arc<Org>);

impl Fake {
    async fn start() -> (Fake, Salesforce) {
        let fake = Fake(Arc::new(Org::default()));
        let app = axum::Router::new()
            .route("/services/oauth2/token", post(token))
            .route(&format!("{V}/query"), get(query))
            .route(&format!("{V}/query/{{locator}}"), get(more))
            .with_state(fake.clone());
        let base = format!("http://{}", serve(app).await);
        *fake.0.base.lock().unwrap() = base.clone();
        let sf = salesforce_at(base);
        (fake, sf)
    }

    fn account(&self, name: &str, industry: Option<&str>) -> String {
        let mut accounts = self.0.accounts.lock().unwrap();
        let id = format!("001{:012}AAA", accounts.len() + 1);
        accounts.push(Account {
            id: id.clone(),
            name: name.into(),
            industry: industry.map(str::to_owned),
            country: Some("United Kingdom".into()),
        });
        id
    }

    fn add(&self, owner: &str, stage: Stage, close: Date, account: Option<&str>) -> String {
        let mut opps = self.0.opportunities.lock().unwrap();
        let n = opps.len() + 1;
        let id = format!("006{n:012}AAA");
        opps.push(Opportunity {
            id: id.clone(),
            name: format!("Opportunity {n}"),
            owner: owner.into(),
            stage,
            close,
            account: account.map(str::to_owned),
        });
        id
    }

    fn soql(&self) -> Vec<String> {
        self.0
            .journal
            .calls("query")
            .iter()
            .map(|r| {
                form_urlencoded::parse(r.query.as_deref().unwrap_or("").as_bytes())
                    .find(|(k, _)| k == "q")
                    .map(|(_, v)| v.into_owned())
                    .unwrap()
            })
            .collect()
    }
}

/// Salesforce's refusal of a query: status, `errorCode` and message.
struct Refusal(u16, &'static str, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        salesforce_errors(self.0, self.1, &self.2)
    }
}

fn malformed(message: &str) -> Refusal {
    Refusal(400, "MALFORMED_QUERY", message.to_owned())
}

async fn token(State(f): State<Fake>, body: String) -> Response {
    if let Some(forced) = f.0.journal.forced("token") {
        return forced.into_response();
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("grant_type") != Some("client_credentials")
        || field("client_id") != Some("client")
        || field("client_secret") != Some("secret")
    {
        let body =
            json!({"error": "invalid_client", "error_description": "invalid client credentials"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    *f.0.tokens.lock().unwrap() += 1;
    let base = f.0.base.lock().unwrap().clone();
    Json(
        json!({"access_token": ACCESS_TOKEN, "instance_url": base, "token_type": "Bearer",
                "issued_at": monday().as_millisecond().to_string(), "id": "x", "signature": "s"}),
    )
    .into_response()
}

/// A field of the query: on the Opportunity, or on its Account.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Opp(&'static str),
    Account(&'static str),
}

const OPPORTUNITY_FIELDS: [&str; 8] = [
    "Id",
    "Name",
    "OwnerId",
    "IsClosed",
    "IsWon",
    "CloseDate",
    "StageName",
    "AccountId",
];
const ACCOUNT_FIELDS: [&str; 4] = ["Id", "Name", "Industry", "BillingCountry"];

/// The org's spelling of a field named in any case, or Salesforce's refusal.
fn field(name: &str, soql: &str) -> Result<Field, Refusal> {
    let find = |fields: &[&'static str], n: &str| {
        fields.iter().copied().find(|f| f.eq_ignore_ascii_case(n))
    };
    let no_such = |column: &str, entity: &str| {
        Refusal(
            400,
            "INVALID_FIELD",
            format!(
                "\n{soql}\n^\nERROR at Row:1:Column:8\nNo such column '{column}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
            ),
        )
    };
    match name.split_once('.') {
        None => find(&OPPORTUNITY_FIELDS, name)
            .map(Field::Opp)
            .ok_or_else(|| no_such(name, "Opportunity")),
        Some((relationship, rest)) if relationship.eq_ignore_ascii_case("Account") => {
            find(&ACCOUNT_FIELDS, rest)
                .map(Field::Account)
                .ok_or_else(|| no_such(rest, "Account"))
        }
        Some((relationship, _)) => Err(Refusal(
            400,
            "INVALID_FIELD",
            format!("Didn't understand relationship '{relationship}' in field path."),
        )),
    }
}

/// An Opportunity's field as the API writes it.
fn opp_value(o: &Opportunity, name: &str) -> Value {
    match name {
        "Id" => json!(o.id),
        "Name" => json!(o.name),
        "OwnerId" => json!(o.owner),
        "IsClosed" => json!(o.stage != Stage::Open),
        "IsWon" => json!(o.stage == Stage::Won),
        "CloseDate" => json!(o.close.to_string()),
        "StageName" => json!(match o.stage {
            Stage::Open => "Prospecting",
            Stage::Won => "Closed Won",
            Stage::Lost => "Closed Lost",
        }),
        "AccountId" => json!(o.account),
        other => unreachable!("{other}"),
    }
}

fn account_value(a: &Account, name: &str) -> Value {
    match name {
        "Id" => json!(a.id),
        "Name" => json!(a.name),
        "Industry" => json!(a.industry),
        "BillingCountry" => json!(a.country),
        other => unreachable!("{other}"),
    }
}

/// One condition of the WHERE clause; only those on IsClosed, IsWon and CloseDate are
/// answered by this fake.
struct Condition {
    field: &'static str,
    op: String,
    value: Value,
}

fn condition(text: &str, soql: &str) -> Result<Condition, Refusal> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [name, op, literal] = parts[..] else {
        return Err(malformed(&format!("unexpected token in WHERE: {text}")));
    };
    if !matches!(op, "=" | "!=" | "<" | "<=" | ">" | ">=") {
        return Err(malformed(&format!("unexpected token: '{op}'")));
    }
    let Field::Opp(field) = field(name, soql)? else {
        return Err(malformed("this org answers no condition on the Account"));
    };
    let value = match field {
        "IsClosed" | "IsWon" => match literal.to_ascii_lowercase().as_str() {
            "true" if matches!(op, "=" | "!=") => json!(true),
            "false" if matches!(op, "=" | "!=") => json!(false),
            _ => return Err(malformed(&format!("invalid boolean condition {text}"))),
        },
        "CloseDate" => match literal.parse::<Date>() {
            Ok(d) if literal.len() == 10 => json!(d.to_string()),
            _ => {
                return Err(Refusal(
                    400,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    format!(
                        "value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes: {literal}"
                    ),
                ));
            }
        },
        other => {
            return Err(malformed(&format!(
                "this org answers no condition on {other}"
            )));
        }
    };
    Ok(Condition {
        field,
        op: op.to_owned(),
        value,
    })
}

fn holds(o: &Opportunity, c: &Condition) -> bool {
    let v = opp_value(o, c.field);
    // Dates as YYYY-MM-DD order as text.
    let ordering = match (&v, &c.value) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        _ => return false,
    };
    match c.op.as_str() {
        "=" => ordering == Ordering::Equal,
        "!=" => ordering != Ordering::Equal,
        "<" => ordering == Ordering::Less,
        "<=" => ordering != Ordering::Greater,
        ">" => ordering == Ordering::Greater,
        ">=" => ordering != Ordering::Less,
        _ => false,
    }
}

/// `SELECT <fields> FROM Opportunity [WHERE <a> AND <b> …] [ORDER BY <field> [ASC|DESC],
/// …]`: the records, or Salesforce's refusal.
fn run_soql(f: &Fake, soql: &str) -> Result<Vec<Value>, Refusal> {
    let rest = soql
        .strip_prefix("SELECT ")
        .ok_or_else(|| malformed("unexpected token at the start"))?;
    let (list, rest) = rest
        .split_once(" FROM ")
        .ok_or_else(|| malformed("no FROM"))?;
    let (object, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if object != "Opportunity" {
        return Err(Refusal(
            400,
            "INVALID_TYPE",
            format!("sObject type '{object}' is not supported."),
        ));
    }
    let (filter, order) = match rest.split_once("ORDER BY ") {
        Some((filter, order)) => (filter.trim(), order.trim()),
        None => (rest.trim(), ""),
    };
    let mut fields: Vec<Field> = Vec::new();
    for name in list.split(',').map(str::trim) {
        let fd = field(name, soql)?;
        if fields.contains(&fd) {
            return Err(malformed(&format!("duplicate field selected: {name}")));
        }
        fields.push(fd);
    }
    let conditions = match filter.strip_prefix("WHERE ") {
        Some(c) => c
            .split(" AND ")
            .map(|c| condition(c, soql))
            .collect::<Result<Vec<_>, _>>()?,
        None if filter.is_empty() => Vec::new(),
        None => return Err(malformed(&format!("unexpected token: '{filter}'"))),
    };
    let mut keys: Vec<(&'static str, bool)> = Vec::new();
    if !order.is_empty() {
        for part in order.split(',') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (name, descending) = match words[..] {
                [name] | [name, "ASC"] => (name, false),
                [name, "DESC"] => (name, true),
                _ => return Err(malformed(&format!("unexpected token in ORDER BY: {part}"))),
            };
            match field(name, soql)? {
                Field::Opp(k @ ("Id" | "CloseDate" | "Name")) => keys.push((k, descending)),
                _ => return Err(malformed("this org orders by Id, CloseDate and Name only")),
            }
        }
    }

    let opps = f.0.opportunities.lock().unwrap();
    let accounts = f.0.accounts.lock().unwrap();
    let mut hits: Vec<&Opportunity> = opps
        .iter()
        .filter(|o| conditions.iter().all(|c| holds(o, c)))
        .collect();
    hits.sort_by(|a, b| {
        keys.iter()
            .map(|(k, descending)| {
                let ord = opp_value(a, k).as_str().cmp(&opp_value(b, k).as_str());
                if *descending { ord.reverse() } else { ord }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    let records = hits
        .iter()
        .map(|o| {
            let mut r = Map::new();
            r.insert(
                "attributes".into(),
                json!({"type": "Opportunity", "url": format!("{V}/sobjects/Opportunity/{}", o.id)}),
            );
            let account = o
                .account
                .as_ref()
                .and_then(|id| accounts.iter().find(|a| &a.id == id));
            for fd in &fields {
                match fd {
                    Field::Opp(name) => {
                        r.insert((*name).into(), opp_value(o, name));
                    }
                    Field::Account(name) => {
                        let Some(a) = account else {
                            r.insert("Account".into(), Value::Null);
                            continue;
                        };
                        let nested = r.entry("Account").or_insert_with(|| {
                            json!({"attributes": {"type": "Account", "url": format!("{V}/sobjects/Account/{}", a.id)}})
                        });
                        nested[*name] = account_value(a, name);
                    }
                }
            }
            Value::Object(r)
        })
        .collect();
    Ok(records)
}

/// The batch of `records` from `offset`, with the locator of the rest when there is more.
fn batch(f: &Fake, cursor: &str, records: &[Value], offset: usize) -> Response {
    let end = records.len().min(offset + BATCH);
    let done = end == records.len();
    let mut body =
        json!({"totalSize": records.len(), "done": done, "records": records[offset..end]});
    if !done {
        body["nextRecordsUrl"] = json!(format!("{V}/query/{cursor}-{end}"));
        f.0.cursors
            .lock()
            .unwrap()
            .insert(cursor.to_owned(), records.to_vec());
    }
    Json(body).into_response()
}

async fn query(State(f): State<Fake>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let soql = soql_of(q.as_deref());
    if let Some(answer) = salesforce_get(
        &f.0.journal,
        "query",
        format!("{V}/query"),
        q,
        &headers,
        ACCESS_TOKEN,
    ) {
        return answer;
    }
    match run_soql(&f, &soql) {
        Ok(records) => {
            let cursor = format!("01gD0000000{:04}AAA", f.0.journal.calls("query").len());
            batch(&f, &cursor, &records, 0)
        }
        Err(refusal) => refusal.into_response(),
    }
}

async fn more(State(f): State<Fake>, headers: HeaderMap, Path(locator): Path<String>) -> Response {
    if let Some(answer) = salesforce_get(
        &f.0.journal,
        "more",
        format!("{V}/query/{locator}"),
        None,
        &headers,
        ACCESS_TOKEN,
    ) {
        return answer;
    }
    let records = locator.split_once('-').and_then(|(cursor, offset)| {
        let records = f.0.cursors.lock().unwrap().get(cursor).cloned()?;
        let offset: usize = offset.parse().ok()?;
        (offset < records.len()).then(|| (cursor.to_owned(), records, offset))
    });
    match records {
        Some((cursor, records, offset)) => batch(&f, &cursor, &records, offset),
        None => salesforce_errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator"),
    }
}

/// A server elsewhere that only records whether anything reached it.
async fn elsewhere() -> (Arc<Journal>, String) {
    let journal = Arc::new(Journal::default());
    let app = axum::Router::new()
        .fallback(
            |State(j): State<Arc<Journal>>, uri: Uri, headers: HeaderMap, body: String| async move {
                j.log(
                    "elsewhere",
                    Request {
                        method: String::new(),
                        path: uri.path().to_owned(),
                        query: uri.query().map(str::to_owned),
                        headers,
                        body,
                    },
                );
                StatusCode::OK
            },
        )
        .with_state(journal.clone());
    let base = format!("http://{}", serve(app).await);
    (journal, base)
}

fn given(pairs: &[&str]) -> Vec<FieldSource> {
    pairs.iter().map(|p| p.parse().unwrap()).collect()
}

/// The policy's segment (industry) from its default, `Account.Industry`, and `given`.
fn query_of(since: Option<Date>, given: &[FieldSource]) -> CloseQuery {
    CloseQuery {
        since,
        fields: closes::sources(Crm::Salesforce, &closes_policy(), given).unwrap(),
    }
}

async fn read(sf: &Salesforce, query: &CloseQuery) -> Result<Closes, SyncError> {
    let http = HttpClient::new().unwrap();
    closes::read(
        Source::Salesforce(sf),
        &http,
        &closes_policy(),
        query,
        monday(),
    )
    .await
}

#[tokio::test]
async fn closed_opportunities_become_rows_with_the_accounts_industry() {
    let (fake, sf) = Fake::start().await;
    let acme = fake.account("Acme", Some("Retail"));
    let beta = fake.account("Beta", Some("Banking"));
    let gamma = fake.account("Gamma", None);
    let feb = |d| date(2026, 2, d);
    fake.add(ANA, Stage::Won, feb(3), Some(&acme));
    fake.add(BO, Stage::Lost, feb(1), Some(&beta));
    // Without an Account the answer has "Account": null.
    fake.add(ANA, Stage::Lost, feb(2), None);
    fake.add(BO, Stage::Won, feb(4), Some(&gamma));
    fake.add(NOBODY, Stage::Won, feb(2), Some(&acme));
    fake.add(ANA, Stage::Open, date(2026, 1, 15), Some(&acme));
    fake.add(BO, Stage::Open, feb(20), Some(&beta));

    let closes = read(&sf, &query_of(None, &[])).await.unwrap();
    assert_eq!(
        summary(&closes),
        rows(&[
            ["bo", "lost", "Banking"],
            ["ana", "lost", "-"],
            ["ana", "won", "Retail"],
            ["bo", "won", "-"],
        ])
    );
    assert_eq!(
        Value::Object(closes.rows[2].clone()),
        json!({"rep": "ana", "outcome": "won", "industry": "Retail"})
    );
    assert_eq!(
        closes.report,
        ClosesReport {
            read: 5,
            won: 2,
            lost: 2,
            owner_not_a_rep: 1,
            first_close: Some(midnight(feb(1))),
            last_close: Some(midnight(feb(4))),
        }
    );
    assert_eq!(
        fake.soql(),
        [
            "SELECT Id, OwnerId, IsWon, CloseDate, Account.Industry FROM Opportunity WHERE IsClosed = true ORDER BY CloseDate ASC, Id ASC"
        ]
    );
    assert_eq!(fake.0.journal.calls("more").len(), 0);
    assert_eq!(*fake.0.tokens.lock().unwrap(), 1);
}

#[tokio::test]
async fn since_is_a_close_date_condition_the_org_filters_on() {
    let (fake, sf) = Fake::start().await;
    let acme = fake.account("Acme", Some("Retail"));
    let start = date(2026, 2, 25);
    for i in 0..10 {
        let owner = [ANA, BO, NOBODY][i % 3];
        let stage = if i % 2 == 0 { Stage::Won } else { Stage::Lost };
        fake.add(
            owner,
            stage,
            start.checked_add(jiff::Span::new().days(i as i64)).unwrap(),
            Some(&acme),
        );
    }
    fake.add(ANA, Stage::Open, date(2026, 3, 2), Some(&acme));
    let since = date(2026, 3, 1);

    let closes = read(&sf, &query_of(Some(since), &[])).await.unwrap();
    let soql = &fake.soql()[0];
    assert!(
        soql.contains(
            " WHERE IsClosed = true AND CloseDate >= 2026-03-01 ORDER BY CloseDate ASC, Id ASC"
        ),
        "{soql}"
    );
    // 03-01 to 03-06: the 5th to the 10th; of them Ana's are the 7th and 10th (i 6, 9),
    // nobody's the 6th and 9th (i 5, 8).
    let r = &closes.report;
    assert_eq!(r.read, 6);
    assert_eq!(r.first_close, Some(midnight(since)));
    assert_eq!(r.last_close, Some(midnight(date(2026, 3, 6))));
    assert_eq!((r.won, r.lost, r.owner_not_a_rep), (2, 2, 2));
}

#[tokio::test]
async fn next_records_urls_are_followed_to_the_last_batch() {
    let (fake, sf) = Fake::start().await;
    let accounts: Vec<String> = (0..5)
        .map(|i| fake.account(&format!("A{i}"), Some(&format!("Industry {i}"))))
        .collect();
    let n = 2500;
    let mut expected = Vec::new();
    // Ten a day from 2025-01-01, so ties on the date are ordered by Id.
    for i in 0..n {
        let close = date(2025, 1, 1)
            .checked_add(jiff::Span::new().days((i / 10) as i64))
            .unwrap();
        let owner = if i % 5 == 4 { NOBODY } else { [ANA, BO][i % 2] };
        let stage = if i % 3 == 0 { Stage::Won } else { Stage::Lost };
        let id = fake.add(owner, stage, close, Some(&accounts[i % 5]));
        if owner != NOBODY {
            expected.push(format!("Opportunity {}", id[3..15].parse::<u64>().unwrap()));
        }
        if i % 100 == 0 {
            fake.add(ANA, Stage::Open, close, Some(&accounts[0]));
        }
    }

    let closes = read(&sf, &query_of(None, &given(&["deal=Name"])))
        .await
        .unwrap();
    assert_eq!(fake.0.journal.calls("query").len(), 1);
    let more = fake.0.journal.calls("more");
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].path, format!("{V}/query/01gD00000000001AAA-2000"));
    assert_eq!(
        more[0].header("authorization"),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );
    let soql = &fake.soql()[0];
    assert!(
        soql.starts_with("SELECT Id, OwnerId, IsWon, CloseDate, Name, Account.Industry FROM"),
        "{soql}"
    );

    let names: Vec<String> = closes
        .rows
        .iter()
        .map(|r| r["deal"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, expected, "every rep's close once, oldest first");
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
    let r = &closes.report;
    assert_eq!(
        (r.read, r.owner_not_a_rep, r.won + r.lost),
        (n, n / 5, expected.len())
    );
}

/// The read of one page answered with `next` as its `nextRecordsUrl`.
async fn followed(next: &str) -> (Fake, Result<Closes, SyncError>) {
    let (fake, sf) = Fake::start().await;
    let page = json!({"totalSize": 3, "done": false, "nextRecordsUrl": next, "records": [
        {"attributes": {"type": "Opportunity", "url": format!("{V}/sobjects/Opportunity/006000000000001AAA")},
         "Id": "006000000000001AAA", "OwnerId": ANA, "IsWon": true, "CloseDate": "2026-02-01",
         "Account": null}]});
    fake.0
        .journal
        .force("query", Forced::new(200, &page.to_string()));
    let result = read(&sf, &query_of(None, &[])).await;
    (fake, result)
}

#[tokio::test]
async fn a_next_records_url_that_is_not_a_query_locator_is_not_followed() {
    let (journal, there) = elsewhere().await;
    let cases = [
        "https://evil.example/x".to_owned(),
        format!("{there}{V}/query/01gD00000000001AAA-2000"),
        format!(
            "//{}{V}/query/01gD00000000001AAA-2000",
            &there["http://".len()..]
        ),
        format!("{V}/query/01gD00000000001AAA-2000/../../sobjects/User"),
        format!("{V}/query/01gD00000000001AAA-2000?q=x"),
        "/services/data/v61.0/query/01gD00000000001AAA-2000".to_owned(),
        format!("{V}/sobjects/Opportunity"),
        format!("{V}/query/"),
    ];
    for next in cases {
        let (fake, result) = followed(&next).await;
        let err = result.expect_err(&next);
        assert!(
            matches!(
                err,
                SyncError::Crm {
                    crm: "Salesforce",
                    source: ChannelError::Transport(_)
                }
            ),
            "{next}: {err:?}"
        );
        assert!(err.to_string().contains("nextRecordsUrl"), "{next}: {err}");
        assert!(fake.0.journal.calls("more").is_empty(), "{next}");
    }
    assert!(
        journal.calls("elsewhere").is_empty(),
        "the token went elsewhere"
    );
}

#[tokio::test]
async fn the_mapped_fields_are_selected_and_one_the_org_lacks_is_refused() {
    let cases: [(&str, Result<&str, &str>); 5] = [
        ("industry=Account.Industry", Ok("Account.Industry")),
        // The answer spells it as the org does.
        ("industry=account.industry", Ok("account.industry")),
        (
            "industry=Account.Sector__c",
            Err("'Sector__c' on entity 'Account'"),
        ),
        (
            "industry=Industry",
            Err("'Industry' on entity 'Opportunity'"),
        ),
        ("industry=Owner.Industry", Err("relationship 'Owner'")),
    ];
    for (source, expected) in cases {
        let (fake, sf) = Fake::start().await;
        let acme = fake.account("Acme", Some("Retail"));
        fake.add(BO, Stage::Won, date(2026, 2, 1), Some(&acme));
        let result = read(&sf, &query_of(None, &given(&[source]))).await;
        let soql = &fake.soql()[0];
        match expected {
            Ok(selected) => {
                assert!(
                    soql.contains(&format!("CloseDate, {selected} FROM")),
                    "{soql}"
                );
                let closes = result.unwrap();
                assert_eq!(
                    summary(&closes),
                    rows(&[["bo", "won", "Retail"]]),
                    "{source}"
                );
            }
            Err(says) => {
                let err = result.expect_err(source);
                assert!(err.is_permanent(), "{source}: {err}");
                assert!(
                    matches!(
                        err,
                        SyncError::Crm {
                            source: ChannelError::Rejected { status: 400, .. },
                            ..
                        }
                    ),
                    "{source}: {err:?}"
                );
                let text = err.to_string();
                assert!(
                    text.contains("INVALID_FIELD") && text.contains(says),
                    "{source}: {text}"
                );
            }
        }
    }
}
