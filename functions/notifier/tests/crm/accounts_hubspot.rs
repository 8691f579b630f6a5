//! The account sync from HubSpot against a fake of CRM v3's company search: the filter on
//! `hs_lastmodifieddate`, the ascending sort, `after` paging, the 10,000-result limit of
//! one search, and the error answers.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use switchboard_notifier::channels::crm::accounts::{
    self, Directory, Run, Source, SyncError, SyncReport,
};
use switchboard_notifier::channels::crm::hubspot::Hubspot;
use switchboard_notifier::http::HttpClient;
use switchboard_store::{AccountDirectory, SyncMarks};

use crate::common::*;

const TOKEN: &str = "pat-na1-test-token";
/// What one search pages through at most, as HubSpot documents it.
const SEARCH_LIMIT: usize = 10_000;

/// A company: id, name, domain, owner, last modified.
#[derive(Clone)]
struct Company {
    id: u64,
    name: String,
    domain: String,
    owner: Option<String>,
    modified: Timestamp,
}

#[derive(Default)]
struct Portal {
    journal: Journal,
    companies: Mutex<Vec<Company>>,
}

#[derive(Clone)]
struct Fake(Arc<Portal>);

impl Fake {
    async fn start() -> (Fake, Hubspot) {
        let fake = Fake(Arc::new(Portal::default()));
        let app = axum::Router::new()
            .route("/crm/v3/objects/companies/search", post(search))
            .with_state(fake.clone());
        let hubspot = hubspot_at(TOKEN, format!("http://{}", serve(app).await), true);
        (fake, hubspot)
    }

    fn add(&self, name: &str, domain: &str, owner: Option<&str>, modified: Timestamp) -> u64 {
        let mut companies = self.0.companies.lock().unwrap();
        let id = 9000 + companies.len() as u64;
        companies.push(Company {
            id,
            name: name.into(),
            domain: domain.into(),
            owner: owner.map(str::to_owned),
            modified,
        });
        id
    }

    fn change_owner(&self, id: u64, owner: &str, modified: Timestamp) {
        let mut companies = self.0.companies.lock().unwrap();
        let c = companies.iter_mut().find(|c| c.id == id).unwrap();
        c.owner = Some(owner.into());
        c.modified = modified;
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

/// The search as HubSpot answers it: `hs_lastmodifieddate GTE <ms>` the only filter this
/// fake takes, sorted ascending on it, `after` an offset refused from 10,000 on.
async fn search(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    f.0.journal.log(
        "search",
        Request {
            method: "POST".into(),
            path: "/crm/v3/objects/companies/search".into(),
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
        return error(400, "VALIDATION_ERROR", "Invalid input JSON");
    };
    if q["sorts"] != json!([{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]) {
        return error(400, "VALIDATION_ERROR", "unexpected sorts");
    }
    let since = match &q["filterGroups"] {
        Value::Null => None,
        groups => {
            let f = &groups[0]["filters"][0];
            if f["propertyName"] != "hs_lastmodifieddate" || f["operator"] != "GTE" {
                return error(400, "VALIDATION_ERROR", "unexpected filter");
            }
            let Some(ms) = f["value"].as_str().and_then(|v| v.parse::<i64>().ok()) else {
                return error(400, "VALIDATION_ERROR", "filter value is not a timestamp");
            };
            Some(Timestamp::from_millisecond(ms).unwrap())
        }
    };
    let limit = q["limit"].as_u64().unwrap_or(10) as usize;
    if limit > 200 {
        return error(400, "VALIDATION_ERROR", "limit must be at most 200");
    }
    let offset: usize = q["after"].as_str().map_or(0, |a| a.parse().unwrap());
    if offset >= SEARCH_LIMIT {
        return error(400, "VALIDATION_ERROR", "after must be less than 10000");
    }
    let mut hits: Vec<Company> = f.0.companies.lock().unwrap().clone();
    hits.retain(|c| since.is_none_or(|s| c.modified >= s));
    hits.sort_by_key(|c| (c.modified, c.id));
    let total = hits.len();
    let page: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| {
            json!({"id": c.id.to_string(), "properties": {
                "name": c.name, "domain": c.domain, "hubspot_owner_id": c.owner,
                "hs_lastmodifieddate": c.modified.to_string(), "hs_object_id": c.id.to_string()},
                "createdAt": "2026-01-01T00:00:00Z", "updatedAt": c.modified.to_string(), "archived": false})
        })
        .collect();
    let mut answer = json!({"total": total, "results": page});
    if offset + limit < total {
        let next = (offset + limit).to_string();
        answer["paging"] = json!({"next": {"after": next, "link": "?after="}});
    }
    Json(answer).into_response()
}

fn t(minutes: i64) -> Timestamp {
    monday()
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap()
}

async fn run<M: SyncMarks>(
    hubspot: &Hubspot,
    sink: &impl accounts::AccountSink,
    marks: &M,
    full: bool,
) -> Result<SyncReport, SyncError> {
    let run = Run {
        marks: Some(marks),
        full,
        stop_at: None,
    };
    let http = HttpClient::new().unwrap();
    accounts::sync(
        Source::Hubspot(hubspot),
        &http,
        &policy(),
        sink,
        run,
        monday(),
    )
    .await
}

#[tokio::test]
async fn companies_are_read_page_by_page_into_the_store_with_reps_as_owners() {
    let (fake, hubspot) = Fake::start().await;
    // 230 companies: three pages. Ana's id is 111, Bo's 222; 333 is nobody's.
    for i in 0..230 {
        let owner = ["111", "222", "333"][i % 3];
        fake.add(
            &format!("Company {i}"),
            &format!("https://www.company{i}.com/about"),
            Some(owner),
            t(i as i64),
        );
    }
    fake.add("No Domain Ltd", "", None, t(300));
    fake.add("", "", Some("111"), t(301));
    let (store, marks) = (store(), MemoryMarks::default());
    let report = run(&hubspot, &Directory(&store), &marks, false)
        .await
        .unwrap();
    assert_eq!(
        (report.read, report.stored, report.skipped, report.complete),
        (232, 231, 1, true)
    );
    assert_eq!((report.owned, report.owner_not_a_rep), (154, 77));
    assert_eq!(report.since, None);
    assert_eq!(report.mark, Some(t(301)));
    assert_eq!(
        marks.sync_mark("hubspot:companies").await.unwrap(),
        Some(t(301))
    );

    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies[0].get("filterGroups").is_none(),
        "the first run reads everything"
    );
    assert_eq!(bodies[0]["limit"], 100);
    assert!(bodies[0].get("after").is_none());
    assert_eq!(bodies[1]["after"], "100");
    assert_eq!(bodies[2]["after"], "200");
    let props = bodies[0]["properties"].as_array().unwrap();
    for p in ["name", "domain", "hubspot_owner_id", "hs_lastmodifieddate"] {
        assert!(props.contains(&json!(p)), "{p}");
    }

    // By the registrable domain of the website, with the owner mapped.
    let a = store.by_domain("company0.com").await.unwrap().unwrap();
    assert_eq!(
        (a.id.as_str(), a.name.as_str()),
        ("hubspot:9000", "Company 0")
    );
    assert_eq!(a.owner.as_deref(), Some("ana"));
    let b = store.by_domain("company1.com").await.unwrap().unwrap();
    assert_eq!(b.owner.as_deref(), Some("bo"));
    let nobody = store.by_domain("company2.com").await.unwrap().unwrap();
    assert_eq!(nobody.owner, None);
    // By name only.
    let named = store
        .by_normalized_name("no domain")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(named.id, "hubspot:9230");
}

#[tokio::test]
async fn the_next_run_asks_only_for_what_changed_since_the_mark() {
    let (fake, hubspot) = Fake::start().await;
    let first = fake.add("Acme", "acme.example", Some("111"), t(1));
    fake.add("Beta", "beta.example", Some("222"), t(2));
    let (store, marks) = (store(), MemoryMarks::default());
    run(&hubspot, &Directory(&store), &marks, false)
        .await
        .unwrap();
    // The owner of Acme changes to Bo in HubSpot.
    fake.change_owner(first, "222", t(10));
    let report = run(&hubspot, &Directory(&store), &marks, false)
        .await
        .unwrap();
    let bodies = fake.bodies();
    let filter = &bodies[1]["filterGroups"][0]["filters"][0];
    assert_eq!(filter["propertyName"], "hs_lastmodifieddate");
    assert_eq!(filter["operator"], "GTE");
    assert_eq!(filter["value"], t(2).as_millisecond().to_string());
    // Beta, at the mark, is read again; Acme changed.
    assert_eq!(
        (report.read, report.since, report.mark),
        (2, Some(t(2)), Some(t(10)))
    );
    let acme = store.by_domain("acme.example").await.unwrap().unwrap();
    assert_eq!(acme.owner.as_deref(), Some("bo"));

    // Nothing changed: the mark stays.
    let again = run(&hubspot, &Directory(&store), &marks, false)
        .await
        .unwrap();
    assert_eq!((again.read, again.mark), (1, Some(t(10))));
    // --full reads everything and keeps the newer mark.
    let full = run(&hubspot, &Directory(&store), &marks, true)
        .await
        .unwrap();
    assert_eq!((full.read, full.since, full.mark), (2, None, Some(t(10))));
    assert!(fake.bodies()[3].get("filterGroups").is_none());
}

#[tokio::test]
async fn past_ten_thousand_results_the_search_is_asked_again_from_the_mark() {
    let (fake, hubspot) = Fake::start().await;
    let n = SEARCH_LIMIT + 150;
    for i in 0..n {
        let at = monday()
            .checked_add(SignedDuration::from_secs(i as i64))
            .unwrap();
        fake.add(&format!("C{i}"), &format!("c{i}.example"), Some("111"), at);
    }
    let sink = MemorySink::default();
    let marks = MemoryMarks::default();
    let report = run(&hubspot, &sink, &marks, false).await.unwrap();
    assert!(report.complete);
    let newest = monday()
        .checked_add(SignedDuration::from_secs(n as i64 - 1))
        .unwrap();
    assert_eq!(report.mark, Some(newest));
    let bodies = fake.bodies();
    assert!(bodies.iter().all(|b| {
        b["after"]
            .as_str()
            .is_none_or(|a| a.parse::<usize>().unwrap() < SEARCH_LIMIT)
    }));
    // The 101st request starts again from the newest time read, without a cursor.
    let restart = &bodies[100];
    assert!(restart.get("after").is_none());
    let last_of_first = monday()
        .checked_add(SignedDuration::from_secs(SEARCH_LIMIT as i64 - 1))
        .unwrap();
    assert_eq!(
        restart["filterGroups"][0]["filters"][0]["value"],
        last_of_first.as_millisecond().to_string()
    );
    // Every company stored; the one at the restart's mark twice.
    let stored = sink.accounts.lock().unwrap();
    assert_eq!(stored.len(), n + 1);
    let mut ids: Vec<&str> = stored.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

#[tokio::test]
async fn more_than_one_search_at_a_single_time_is_an_error_not_a_loop() {
    let (fake, hubspot) = Fake::start().await;
    for i in 0..SEARCH_LIMIT + 1 {
        fake.add(&format!("C{i}"), &format!("c{i}.example"), None, t(5));
    }
    let sink = MemorySink::default();
    let marks = MemoryMarks::default();
    // The first search ends at the limit; the second, from t(5), would be the same.
    let err = run(&hubspot, &sink, &marks, false).await.unwrap_err();
    assert!(matches!(err, SyncError::Stuck(_)), "{err}");
    assert!(err.is_permanent());
    assert!(fake.bodies().len() <= 201, "{}", fake.bodies().len());
}

async fn failing(answers: &[Forced]) -> (SyncError, Option<Timestamp>) {
    let (fake, hubspot) = Fake::start().await;
    for i in 0..150 {
        fake.add(&format!("C{i}"), &format!("c{i}.example"), None, t(i));
    }
    // The first page is answered, then the forced answers.
    fake.0
        .journal
        .force("search", Forced::new(200, &first_page(&fake)));
    for a in answers {
        fake.0.journal.force("search", a.clone());
    }
    let sink = MemorySink::default();
    let marks = MemoryMarks::default();
    let err = run(&hubspot, &sink, &marks, false).await.unwrap_err();
    (err, marks.sync_mark("hubspot:companies").await.unwrap())
}

/// The fake's own first page, taken as a forced answer so the errors come second.
fn first_page(fake: &Fake) -> String {
    let companies = fake.0.companies.lock().unwrap();
    let results: Vec<Value> = companies
        .iter()
        .take(100)
        .map(|c| json!({"id": c.id.to_string(), "properties": {"name": c.name, "domain": c.domain, "hs_lastmodifieddate": c.modified.to_string()}}))
        .collect();
    json!({"total": companies.len(), "results": results, "paging": {"next": {"after": "100"}}})
        .to_string()
}

#[tokio::test]
async fn a_run_that_fails_part_way_keeps_the_mark_of_what_it_stored() {
    let (err, mark) = failing(&[Forced::new(502, "<html>Bad Gateway</html>")]).await;
    assert!(!err.is_permanent(), "{err}");
    assert!(err.to_string().contains("502"), "{err}");
    // The first page was stored: the next run starts at its newest.
    assert_eq!(mark, Some(t(99)));
}

#[tokio::test]
async fn refused_tokens_and_missing_scopes_are_configuration_errors() {
    let (err, _) = failing(&[Forced::new(
        401,
        r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#,
    )])
    .await;
    assert!(err.is_permanent());
    assert!(err.to_string().contains("misconfigured"), "{err}");
    let (err, _) = failing(&[Forced::new(
        403,
        r#"{"status":"error","message":"This app hasn't been granted all required scopes.","category":"MISSING_SCOPES"}"#,
    )])
    .await;
    assert!(err.is_permanent());
    assert!(
        err.to_string().contains("crm.objects.companies.read"),
        "{err}"
    );
}

const SECONDLY: &str = r#"{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}"#;

#[tokio::test]
async fn a_short_rate_limit_is_waited_out_and_a_long_one_ends_the_run() {
    let (fake, hubspot) = Fake::start().await;
    for i in 0..150 {
        fake.add(&format!("C{i}"), &format!("c{i}.example"), None, t(i));
    }
    // Twice refused for a moment: the page is asked for again.
    for _ in 0..2 {
        fake.0.journal.force(
            "search",
            Forced::new(429, SECONDLY).with_header("retry-after", "0"),
        );
    }
    let (sink, marks) = (MemorySink::default(), MemoryMarks::default());
    let report = run(&hubspot, &sink, &marks, false).await.unwrap();
    assert_eq!((report.read, report.complete), (150, true));
    assert_eq!(fake.bodies().len(), 4);
    // Refused more often than waited for, or for longer than is waited: transient.
    let (err, _) = failing(&[Forced::new(429, SECONDLY).with_header("retry-after", "60")]).await;
    assert!(!err.is_permanent());
    assert!(err.to_string().contains("retry after 60 s"), "{err}");
    let again = Forced::new(429, SECONDLY).with_header("retry-after", "0");
    let (err, _) = failing(&[again.clone(), again.clone(), again.clone(), again]).await;
    assert!(err.to_string().contains("rate limited"), "{err}");
}

#[tokio::test]
async fn server_errors_and_malformed_answers_are_transient() {
    let (err, _) = failing(&[Forced::new(500, "")]).await;
    assert!(!err.is_permanent(), "{err}");
    let (err, _) = failing(&[Forced::new(200, r#"{"results": "none"}"#)]).await;
    assert!(!err.is_permanent());
    assert!(
        err.to_string().contains("not the documented shape"),
        "{err}"
    );
    let (err, _) = failing(&[Forced::new(
        200,
        r#"{"results": [{"id": "1", "properties": {"name": "X"}}]}"#,
    )])
    .await;
    assert!(err.to_string().contains("hs_lastmodifieddate"), "{err}");
    // A wrong api_url: nothing a retry changes.
    let (err, _) = failing(&[Forced::new(
        404,
        r#"{"status":"error","message":"Not Found","category":"OBJECT_NOT_FOUND"}"#,
    )])
    .await;
    assert!(err.is_permanent(), "{err}");
}
