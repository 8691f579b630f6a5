//! The account sync from Salesforce against a fake org: the client credentials token, the
//! SOQL query on Account with its `SystemModstamp` filter, paging through
//! `nextRecordsUrl`, and the error answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use switchboard_notifier::channels::crm::accounts::{self, Directory, Run, Source, SyncError};
use switchboard_notifier::channels::crm::salesforce::Salesforce;
use switchboard_notifier::http::HttpClient;
use switchboard_store::{AccountDirectory, SyncMarks};

use crate::common::*;

const V: &str = "/services/data/v62.0";
/// Records per answer, unless a test sets `Org::batch`: small, so that paging shows.
const BATCH: usize = 2;
const ANA_15: &str = "005000000000001";
const BO_18: &str = "005000000000002AAA";

/// Accounts: id, name, website, owner, SystemModstamp.
type Row = (String, String, Option<String>, String, Timestamp);

#[derive(Default)]
struct Org {
    journal: Journal,
    accounts: Mutex<Vec<Row>>,
    /// Query locators: the rows still to answer.
    cursors: Mutex<HashMap<String, Vec<Row>>>,
    tokens: Mutex<u32>,
    /// Open Opportunities: Account id, owner, last modified.
    opportunities: Mutex<Vec<(String, String, Timestamp)>>,
    /// The API host, which the token answer names.
    base: Mutex<String>,
    /// Records per answer instead of [`BATCH`] (Salesforce's own default is 2,000).
    batch: std::sync::atomic::AtomicUsize,
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
        let sf = salesforce_at(base).with_account_sync(true, false);
        (fake, sf)
    }

    fn add(&self, name: &str, website: Option<&str>, owner: &str, at: Timestamp) -> String {
        let mut accounts = self.0.accounts.lock().unwrap();
        let id = format!("001{:015}", accounts.len() + 1);
        accounts.push((
            id.clone(),
            name.into(),
            website.map(str::to_owned),
            owner.into(),
            at,
        ));
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

async fn token(State(f): State<Fake>, body: String) -> Response {
    if let Some(forced) = f.0.journal.forced("token") {
        return forced.into_response();
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if form.get("client_secret").map(String::as_str) != Some("secret") {
        let body =
            json!({"error": "invalid_client", "error_description": "invalid client credentials"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    *f.0.tokens.lock().unwrap() += 1;
    let base = f.0.base.lock().unwrap().clone();
    Json(
        json!({"access_token": "00D!tok", "instance_url": base, "token_type": "Bearer",
                "issued_at": monday().as_millisecond().to_string(), "id": "x", "signature": "s"}),
    )
    .into_response()
}

fn record(r: &Row) -> Value {
    // Salesforce's own datetime form: milliseconds and an offset without a colon.
    let stamp = r.4.strftime("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    json!({"attributes": {"type": "Account", "url": format!("{V}/sobjects/Account/{}", r.0)},
           "Id": r.0, "Name": r.1, "Website": r.2, "OwnerId": r.3, "SystemModstamp": stamp})
}

fn answer(f: &Fake, total: usize, mut rest: Vec<Row>) -> Response {
    let batch = match f.0.batch.load(std::sync::atomic::Ordering::Relaxed) {
        0 => BATCH,
        n => n,
    };
    let now: Vec<Row> = rest.drain(..rest.len().min(batch)).collect();
    let records: Vec<Value> = now.iter().map(record).collect();
    let mut body = json!({"totalSize": total, "done": rest.is_empty(), "records": records});
    if !rest.is_empty() {
        let mut cursors = f.0.cursors.lock().unwrap();
        let locator = format!("01gD0000000Aaaa-{}", cursors.len() + 1);
        body["nextRecordsUrl"] = json!(format!("{V}/query/{locator}"));
        cursors.insert(locator, rest);
    }
    Json(body).into_response()
}

/// `SELECT Id, Name, Website, OwnerId, SystemModstamp FROM Account [WHERE SystemModstamp
/// >= <literal>] ORDER BY SystemModstamp ASC`, the only query this fake answers.
async fn query(State(f): State<Fake>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let soql = soql_of(q.as_deref());
    if let Some(answer) = salesforce_get(
        &f.0.journal,
        "query",
        format!("{V}/query"),
        q,
        &headers,
        "00D!tok",
    ) {
        return answer;
    }
    if let Some(r) = opportunities(&f, &soql) {
        return r;
    }
    let head = "SELECT Id, Name, Website, OwnerId, SystemModstamp FROM Account";
    let tail = " ORDER BY SystemModstamp ASC";
    let Some(middle) = soql.strip_prefix(head).and_then(|s| s.strip_suffix(tail)) else {
        return salesforce_errors(400, "MALFORMED_QUERY", "unexpected query");
    };
    let since = match middle.strip_prefix(" WHERE SystemModstamp >= ") {
        Some(literal) => match literal.parse::<Timestamp>() {
            Ok(t) if literal.ends_with('Z') && !literal.contains('.') => Some(t),
            _ => return salesforce_errors(400, "MALFORMED_QUERY", "invalid datetime literal"),
        },
        None if middle.is_empty() => None,
        None => return salesforce_errors(400, "MALFORMED_QUERY", "unexpected filter"),
    };
    let mut rows: Vec<Row> = f.0.accounts.lock().unwrap().clone();
    rows.retain(|r| since.is_none_or(|s| r.4 >= s));
    rows.sort_by_key(|r| r.4);
    answer(&f, rows.len(), rows)
}

async fn more(State(f): State<Fake>, headers: HeaderMap, Path(locator): Path<String>) -> Response {
    if let Some(answer) = salesforce_get(
        &f.0.journal,
        "more",
        locator.clone(),
        None,
        &headers,
        "00D!tok",
    ) {
        return answer;
    }
    let Some(rest) = f.0.cursors.lock().unwrap().remove(&locator) else {
        return salesforce_errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    };
    answer(&f, 0, rest)
}

/// `SELECT AccountId, OwnerId FROM Opportunity WHERE IsClosed = false AND AccountId IN
/// ('…', …) ORDER BY LastModifiedDate DESC`; `None` for another query.
fn opportunities(f: &Fake, soql: &str) -> Option<Response> {
    let rest = soql.strip_prefix(
        "SELECT AccountId, OwnerId FROM Opportunity WHERE IsClosed = false AND AccountId IN (",
    )?;
    let Some(list) = rest.strip_suffix(") ORDER BY LastModifiedDate DESC") else {
        return Some(salesforce_errors(
            400,
            "MALFORMED_QUERY",
            "unexpected Opportunity query",
        ));
    };
    let ids: Vec<&str> = list.split(", ").map(|id| id.trim_matches('\'')).collect();
    let mut opps: Vec<(String, String, Timestamp)> = f.0.opportunities.lock().unwrap().clone();
    opps.retain(|(account, _, _)| ids.contains(&account.as_str()));
    opps.sort_by_key(|o| std::cmp::Reverse(o.2));
    let records: Vec<Value> = opps
        .iter()
        .map(|(account, owner, _)| json!({"attributes": {"type": "Opportunity"}, "AccountId": account, "OwnerId": owner}))
        .collect();
    Some(
        Json(json!({"totalSize": records.len(), "done": true, "records": records})).into_response(),
    )
}

fn t(minutes: i64) -> Timestamp {
    monday()
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap()
}

async fn start() -> (Fake, Salesforce) {
    Fake::start().await
}

async fn run(
    sf: &Salesforce,
    sink: &impl accounts::AccountSink,
    marks: &MemoryMarks,
) -> Result<accounts::SyncReport, SyncError> {
    let run = Run {
        marks: Some(marks),
        full: false,
        stop_at: None,
    };
    let http = HttpClient::new().unwrap();
    accounts::sync(
        Source::Salesforce(sf),
        &http,
        &policy(),
        sink,
        run,
        monday(),
    )
    .await
}

#[tokio::test]
async fn accounts_are_read_through_next_records_url_with_reps_as_owners() {
    let (fake, sf) = start().await;
    fake.add(
        "Acme",
        Some("https://www.acme.com/en"),
        &format!("{ANA_15}AAA"),
        t(1),
    );
    fake.add("Beta GmbH", Some("beta.de"), BO_18, t(2));
    fake.add("Gamma", None, "005000000000099AAA", t(3));
    fake.add("Delta", Some("delta.io"), BO_18, t(4));
    fake.add("Epsilon", Some("http://epsilon.co.uk"), BO_18, t(5));
    let (store, marks) = (store(), MemoryMarks::default());
    let report = run(&sf, &Directory(&store), &marks).await.unwrap();
    assert_eq!(
        (report.read, report.stored, report.owned, report.complete),
        (5, 5, 4, true)
    );
    assert_eq!(report.mark, Some(t(5)));
    // One query, then two locators of two records each.
    assert_eq!(fake.0.journal.calls("query").len(), 1);
    assert_eq!(fake.0.journal.calls("more").len(), 2);
    assert!(!fake.soql()[0].contains("WHERE"), "{}", fake.soql()[0]);

    let acme = store.by_domain("acme.com").await.unwrap().unwrap();
    assert_eq!(
        acme.owner.as_deref(),
        Some("ana"),
        "an 18-character owner, a 15-character id in the policy"
    );
    assert_eq!(acme.id, "salesforce:001000000000000001");
    let gamma = store.by_normalized_name("gamma").await.unwrap().unwrap();
    assert_eq!(gamma.owner, None);
    assert_eq!(
        store
            .by_domain("epsilon.co.uk")
            .await
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("bo")
    );

    // The next run asks from the mark's whole second.
    fake.add("Zeta", Some("zeta.com"), BO_18, t(9));
    let next = run(&sf, &Directory(&store), &marks).await.unwrap();
    let soql = fake.soql();
    assert!(
        soql[1].contains(&format!(
            "WHERE SystemModstamp >= {}",
            t(5).strftime("%Y-%m-%dT%H:%M:%SZ")
        )),
        "{}",
        soql[1]
    );
    assert_eq!((next.read, next.mark), (2, Some(t(9))));
    assert!(store.by_domain("zeta.com").await.unwrap().is_some());
    assert_eq!(
        *fake.0.tokens.lock().unwrap(),
        1,
        "the token is kept between runs"
    );
}

/// Salesforce answers up to 2,000 records at a time: hundreds of KB of Accounts, far more
/// than the HTTP client takes of the channels' short answers.
#[tokio::test]
async fn full_batches_of_two_thousand_accounts_are_read() {
    let (fake, sf) = start().await;
    fake.0
        .batch
        .store(2_000, std::sync::atomic::Ordering::Relaxed);
    for i in 0..2_100 {
        fake.add(
            &format!("Company {i} Holdings"),
            Some(&format!("https://www.company-{i}.com/en")),
            BO_18,
            t(i),
        );
    }
    let (store, marks) = (store(), MemoryMarks::default());
    let report = run(&sf, &Directory(&store), &marks).await.unwrap();
    assert_eq!(
        (report.read, report.stored, report.owned, report.complete),
        (2_100, 2_100, 2_100, true)
    );
    assert_eq!(fake.0.journal.calls("more").len(), 1);
    assert!(store.by_domain("company-2099.com").await.unwrap().is_some());
}

async fn failing(endpoint: &'static str, answer: Forced) -> SyncError {
    let (fake, sf) = start().await;
    for i in 0..3 {
        fake.add(&format!("A{i}"), Some(&format!("a{i}.com")), BO_18, t(i));
    }
    fake.0.journal.force(endpoint, answer);
    let marks = MemoryMarks::default();
    let err = run(&sf, &MemorySink::default(), &marks).await.unwrap_err();
    if endpoint == "more" {
        // The first page was stored and marked.
        assert_eq!(
            marks.sync_mark("salesforce:accounts").await.unwrap(),
            Some(t(1))
        );
    }
    err
}

#[tokio::test]
async fn refused_credentials_and_permissions_are_configuration_salesforce_errors() {
    let err = failing(
        "token",
        Forced::new(
            400,
            r#"{"error":"invalid_client","error_description":"invalid client credentials"}"#,
        ),
    )
    .await;
    assert!(
        err.is_permanent() && err.to_string().contains("misconfigured"),
        "{err}"
    );
    let err = failing(
        "query",
        Forced::new(403, r#"[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]"#),
    )
    .await;
    assert!(
        err.is_permanent() && err.to_string().contains("API_DISABLED_FOR_ORG"),
        "{err}"
    );
}

#[tokio::test]
async fn limits_server_errors_and_malformed_answers_are_transient() {
    let err = failing(
        "query",
        Forced::new(
            403,
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        ),
    )
    .await;
    assert!(
        !err.is_permanent() && err.to_string().contains("rate limited"),
        "{err}"
    );
    let err = failing("more", Forced::new(503, "")).await;
    assert!(!err.is_permanent(), "{err}");
    let err = failing("more", Forced::new(200, r#"{"records": []}"#)).await;
    assert!(
        err.to_string().contains("not the documented shape"),
        "{err}"
    );
    let err = failing(
        "query",
        Forced::new(200, r#"{"totalSize": 1, "done": false, "records": []}"#),
    )
    .await;
    assert!(err.to_string().contains("no nextRecordsUrl"), "{err}");
    // A locator pointing elsewhere is not followed with the token.
    let err = failing(
        "query",
        Forced::new(200, r#"{"totalSize": 1, "done": false, "records": [], "nextRecordsUrl": "https://evil.example/x"}"#),
    )
    .await;
    assert!(err.to_string().contains("not a query locator"), "{err}");
    let err = failing(
        "query",
        Forced::new(200, r#"{"totalSize": 1, "done": true, "records": [{"Id": "001000000000000001", "Name": "A", "SystemModstamp": "soon"}]}"#),
    )
    .await;
    assert!(err.to_string().contains("SystemModstamp"), "{err}");
}

#[tokio::test]
async fn an_expired_session_gets_a_new_token_and_one_more_try() {
    let (fake, sf) = start().await;
    fake.add("Acme", Some("acme.com"), BO_18, t(1));
    fake.0.journal.force(
        "query",
        Forced::new(
            401,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        ),
    );
    let marks = MemoryMarks::default();
    // A 401 with a token just issued is a configuration error.
    let sink = MemorySink::default();
    let err = run(&sf, &sink, &marks).await.unwrap_err();
    assert!(err.is_permanent(), "a fresh token refused: {err}");
    // With a token held from an earlier run, a 401 gets a new one and the run goes on.
    fake.0.journal.force(
        "query",
        Forced::new(
            401,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        ),
    );
    let report = run(&sf, &sink, &marks).await.unwrap();
    assert_eq!(report.read, 1);
    assert_eq!(*fake.0.tokens.lock().unwrap(), 2);
}

#[tokio::test]
async fn an_account_not_owned_by_a_rep_takes_its_open_opportunitys_rep() {
    let (fake, sf) = start().await;
    let sf = sf.with_account_sync(true, true);
    let nobody = "005000000000099AAA";
    let acme = fake.add("Acme", Some("acme.com"), nobody, t(1));
    let beta = fake.add("Beta", Some("beta.com"), &format!("{ANA_15}AAA"), t(2));
    let gamma = fake.add("Gamma", Some("gamma.com"), nobody, t(3));
    {
        let mut opps = fake.0.opportunities.lock().unwrap();
        // Acme: the newest open Opportunity's owner is nobody either; the older one is Bo's.
        opps.push((acme.clone(), "005000000000098AAA".into(), t(30)));
        opps.push((acme, BO_18.into(), t(20)));
        // Beta's own owner is a rep: the Opportunity does not change that.
        opps.push((beta, BO_18.into(), t(40)));
        let _ = gamma;
    }
    let (store, marks) = (store(), MemoryMarks::default());
    let report = run(&sf, &Directory(&store), &marks).await.unwrap();
    assert_eq!((report.stored, report.owned), (3, 2));
    let owner = |d: &'static str| {
        let store = store.clone();
        async move { store.by_domain(d).await.unwrap().unwrap().owner }
    };
    assert_eq!(owner("acme.com").await.as_deref(), Some("bo"));
    assert_eq!(owner("beta.com").await.as_deref(), Some("ana"));
    assert_eq!(owner("gamma.com").await, None);
    // One Opportunity query per page of Accounts (two a page here).
    let soql = fake.soql();
    let opp_queries: Vec<&String> = soql
        .iter()
        .filter(|q| q.contains("FROM Opportunity"))
        .collect();
    assert_eq!(opp_queries.len(), 2, "{soql:?}");
    assert!(
        opp_queries[0].contains("AccountId IN ('001000000000000001', '001000000000000002')"),
        "{}",
        opp_queries[0]
    );
}

#[tokio::test]
async fn a_refusal_naming_a_short_wait_is_waited_out() {
    let (fake, sf) = start().await;
    for i in 0..3 {
        fake.add(&format!("A{i}"), Some(&format!("a{i}.com")), BO_18, t(i));
    }
    fake.0.journal.force(
        "more",
        Forced::new(
            429,
            r#"[{"message":"Too many concurrent requests","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        )
        .with_header("retry-after", "0"),
    );
    let report = run(&sf, &MemorySink::default(), &MemoryMarks::default())
        .await
        .unwrap();
    assert_eq!((report.read, report.complete), (3, true));
    assert_eq!(fake.0.journal.calls("more").len(), 2);
}
