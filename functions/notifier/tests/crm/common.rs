//! A routed lead in a fresh embedded store, a notifier whose clock a test can move, and
//! what the fake CRMs share: a request log and answers a test forces.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use switchboard_notifier::channels::{LogDetail, Senders};
use switchboard_notifier::http::HttpClient;
use switchboard_notifier::secrets::{NoRemote, Resolver};
use switchboard_notifier::{Notifier, NotifyConfig, NotifyError, Origin, Setup};
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents};
use switchboard_store::{
    Assignment, LeadStore, NewLead, NotifyMessage, PolicyStore, ReleaseOutcome, Routed, Router,
    RoutingState,
};
pub use switchboard_testkit::monday;

/// Ana and Bo have ids in both CRMs; Cy in neither.
pub const POLICY: &str = "
name: crm-tests
triage_pool: triage
default_sla: 15m
reps:
  - id: ana
    name: Ana Alves
    crm: { hubspot_owner_id: '111', salesforce_user_id: 005000000000001AAA }
  - id: bo
    name: Bo Berg
    crm: { hubspot_owner_id: '222', salesforce_user_id: 005000000000002AAA }
  - { id: cy, name: Cy Cole }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo] }
  - { id: nobody-mapped, strategy: round_robin, members: [cy] }
rules:
  - { id: unmapped, pool: nobody-mapped, when: { field: company, eq: Unmapped } }
  - { id: everyone, pool: main }
";

thread_local! {
    /// The notifier's clock: each `#[tokio::test]` runs on its own thread.
    static NOW: Cell<Timestamp> = Cell::new(monday());
}

fn clock() -> Timestamp {
    NOW.with(Cell::get)
}

/// Moves the notifier's clock (of this test only) to `monday() + by`.
pub fn set_clock(by: SignedDuration) {
    NOW.with(|c| c.set(monday().checked_add(by).unwrap()));
}

pub fn lead(id: &str, email: &str) -> Lead {
    let mut lead = Lead::new(id, monday()).with_email(email).with_country("GB");
    lead.first_name = Some("Ada".into());
    lead.last_name = Some("Lovelace".into());
    lead.company = Some("Analytical Engines".into());
    lead.phone = Some("+441234567890".into());
    lead
}

pub fn store() -> EmbeddedStore {
    switchboard_testkit::embedded_store()
}

/// Stores the policy (once) and `lead`, and routes it.
pub async fn routed(store: &EmbeddedStore, lead: Lead) -> Assignment {
    if store.get_active().await.unwrap().is_none() {
        let doc = PolicyDocument::from_yaml(POLICY).unwrap();
        let v = store.put_version(&doc, None, monday()).await.unwrap();
        store.set_active(v.version, None, monday()).await.unwrap();
    }
    let id = lead.id.to_string();
    store
        .insert_if_absent(&NewLead::new(lead, format!("key:{id}")), monday())
        .await
        .unwrap();
    route(store, &id).await
}

async fn route(store: &EmbeddedStore, id: &str) -> Assignment {
    let router = Router::new(store.clone(), MemoryEvents::new());
    match router.route_lead(id, monday()).await.unwrap() {
        Routed::Decided {
            assignment: Some(a),
            ..
        } => a,
        other => panic!("lead {id} was not assigned: {other:?}"),
    }
}

/// The rep rejects the lead and it is routed again: the next attempt, another rep.
pub async fn reassigned(store: &EmbeddedStore, first: &Assignment) -> Assignment {
    store
        .release(&first.lead_id, ReleaseOutcome::Rejected, monday())
        .await
        .unwrap();
    let next = route(store, &first.lead_id).await;
    assert_eq!(next.attempt, first.attempt + 1);
    assert_ne!(next.rep, first.rep);
    next
}

pub fn message(a: &Assignment) -> NotifyMessage {
    NotifyMessage::for_assignment(a)
}

pub async fn notifier(store: EmbeddedStore, yaml: &str) -> Notifier<EmbeddedStore> {
    let config = NotifyConfig::parse(yaml, Origin::Local).expect("config");
    let setup = Setup::resolve(config, &mut Resolver::new(NoRemote))
        .await
        .expect("setup");
    let senders = Senders::http_only(HttpClient::new().unwrap()).with_log_detail(LogDetail::Ids);
    Notifier::new(store, Arc::new(setup), senders).with_clock(clock)
}

/// The one failed channel's error.
pub fn failure(result: Result<switchboard_notifier::Notified, NotifyError>) -> (String, bool) {
    match result {
        Err(e @ NotifyError::Channels { .. }) => {
            let permanent = e.is_permanent();
            let NotifyError::Channels { failed, .. } = e else {
                unreachable!()
            };
            assert_eq!(failed.len(), 1, "{failed:?}");
            (failed[0].1.to_string(), permanent)
        }
        other => panic!("expected a channel failure, got {other:?}"),
    }
}

/// One request a fake CRM got.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An answer a test forces on the next call of one endpoint.
#[derive(Debug, Clone)]
pub struct Forced {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Forced {
    pub fn new(status: u16, body: &str) -> Forced {
        Forced {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Forced {
        self.headers.push((name, value.to_owned()));
        self
    }
}

impl IntoResponse for Forced {
    fn into_response(self) -> Response {
        let mut r = (StatusCode::from_u16(self.status).unwrap(), self.body).into_response();
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        for (name, value) in self.headers {
            r.headers_mut()
                .insert(name, HeaderValue::from_str(&value).unwrap());
        }
        r
    }
}

/// The request log and the forced answers by endpoint name.
#[derive(Default)]
pub struct Journal {
    requests: Mutex<Vec<(&'static str, Request)>>,
    forced: Mutex<HashMap<&'static str, VecDeque<Forced>>>,
}

impl Journal {
    pub fn log(&self, endpoint: &'static str, request: Request) {
        self.requests.lock().unwrap().push((endpoint, request));
    }

    /// The answer forced on `endpoint`'s next call, if any.
    pub fn forced(&self, endpoint: &'static str) -> Option<Forced> {
        self.forced
            .lock()
            .unwrap()
            .get_mut(endpoint)
            .and_then(VecDeque::pop_front)
    }

    pub fn force(&self, endpoint: &'static str, answer: Forced) {
        self.forced
            .lock()
            .unwrap()
            .entry(endpoint)
            .or_default()
            .push_back(answer);
    }

    pub fn calls(&self, endpoint: &str) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(e, _)| *e == endpoint)
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub fn endpoints(&self) -> Vec<&'static str> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|(e, _)| *e)
            .collect()
    }
}

pub async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// The HubSpot client of the fake-portal tests (accounts, closes): `token` against the
/// portal at `api_url`, default properties, no lead status or lifecycle stage.
pub fn hubspot_at(
    token: &str,
    api_url: String,
    sync_accounts: bool,
) -> switchboard_notifier::channels::crm::hubspot::Hubspot {
    switchboard_notifier::channels::crm::hubspot::Hubspot {
        token: token.into(),
        api_url,
        properties: switchboard_notifier::channels::crm::fields::hubspot_default(),
        lead_status: None,
        lifecycle_stage: None,
        sync_accounts,
    }
}

/// The Salesforce client of the fake-org tests (accounts, closes), against `base`.
pub fn salesforce_at(base: String) -> switchboard_notifier::channels::crm::salesforce::Salesforce {
    salesforce_as(base, "client", "secret")
}

/// The same with the connected app's `client_id` and `client_secret`, for a fake org that
/// checks them: API v62.0, default fields, 120 s timeout.
pub fn salesforce_as(
    base: String,
    client_id: &str,
    client_secret: &str,
) -> switchboard_notifier::channels::crm::salesforce::Salesforce {
    switchboard_notifier::channels::crm::salesforce::Salesforce::new(
        base,
        client_id.into(),
        client_secret.into(),
        "v62.0".into(),
        switchboard_notifier::channels::crm::fields::salesforce_default(),
        120,
    )
}

/// The lead the write-back linked `record` of `crm` to, for the touch webhooks.
pub async fn linked(store: &EmbeddedStore, crm: &str, record: &str) -> Option<String> {
    use switchboard_store::CrmLinks;
    store
        .lead_of_crm_record(crm, record)
        .await
        .unwrap()
        .map(|id| id.to_string())
}

/// Accounts stored by a sync, in memory: for runs too large to store for real.
#[derive(Default)]
pub struct MemorySink {
    pub accounts: Mutex<Vec<switchboard_routing::Account>>,
    /// Each import's size, in order.
    pub imports: Mutex<Vec<usize>>,
}

impl switchboard_notifier::channels::crm::accounts::AccountSink for MemorySink {
    type Error = std::convert::Infallible;
    async fn import(
        &self,
        accounts: &[switchboard_routing::Account],
    ) -> Result<switchboard_store::ImportSummary, Self::Error> {
        self.imports.lock().unwrap().push(accounts.len());
        self.accounts.lock().unwrap().extend_from_slice(accounts);
        Ok(switchboard_store::ImportSummary {
            accounts: accounts.len(),
            ..Default::default()
        })
    }
}

/// Sync marks in memory.
#[derive(Default)]
pub struct MemoryMarks(pub Mutex<HashMap<String, Timestamp>>);

impl switchboard_store::SyncMarks for MemoryMarks {
    async fn sync_mark(&self, sync: &str) -> switchboard_store::StoreResult<Option<Timestamp>> {
        Ok(self.0.lock().unwrap().get(sync).copied())
    }
    async fn set_sync_mark(
        &self,
        sync: &str,
        mark: Timestamp,
    ) -> switchboard_store::StoreResult<()> {
        self.0.lock().unwrap().insert(sync.to_owned(), mark);
        Ok(())
    }
}

/// The test policy's document.
pub fn policy() -> PolicyDocument {
    PolicyDocument::from_yaml(POLICY).unwrap()
}

/// The policy closed deals are read for: Ana's Salesforce id in its 15-character form,
/// Bo's in the 18-character one, Cy without CRM ids, and a segment by industry.
pub const CLOSES_POLICY: &str = "
name: closes-tests
triage_pool: triage
outcomes: { segment: [industry] }
reps:
  - { id: ana, crm: { hubspot_owner_id: '111', salesforce_user_id: 005000000000001 } }
  - { id: bo, crm: { hubspot_owner_id: '222', salesforce_user_id: 005000000000002AAA } }
  - { id: cy }
pools:
  - { id: main, strategy: best_fit, members: [ana, bo, cy] }
rules:
  - { id: everyone, pool: main }
";

pub fn closes_policy() -> PolicyDocument {
    PolicyDocument::from_yaml(CLOSES_POLICY).unwrap()
}

pub fn midnight(d: jiff::civil::Date) -> Timestamp {
    jiff::tz::Offset::UTC
        .to_timestamp(d.at(0, 0, 0, 0))
        .unwrap()
}

/// `[rep, outcome, industry]` of each row of a read of closes, industry "-" when it has
/// none.
pub fn summary(closes: &switchboard_notifier::channels::crm::closes::Closes) -> Vec<[String; 3]> {
    closes
        .rows
        .iter()
        .map(|r| {
            let text = |k: &str| {
                r.get(k)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("-")
                    .to_owned()
            };
            [text("rep"), text("outcome"), text("industry")]
        })
        .collect()
}

pub fn rows(expected: &[[&str; 3]]) -> Vec<[String; 3]> {
    expected.iter().map(|r| r.map(str::to_owned)).collect()
}

/// Salesforce's error answer: a list of `message` and `errorCode`.
pub fn salesforce_errors(status: u16, code: &str, message: &str) -> Response {
    let body = serde_json::json!([{"message": message, "errorCode": code, "fields": []}]);
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

/// A GET to a fake org's query endpoints, as each fake takes it first: logged under
/// `endpoint`; the answer to give at once, if any: the one a test forced, or Salesforce's
/// 401 when the bearer token is not `token`.
pub fn salesforce_get(
    journal: &Journal,
    endpoint: &'static str,
    path: String,
    query: Option<String>,
    headers: &HeaderMap,
    token: &str,
) -> Option<Response> {
    journal.log(
        endpoint,
        Request {
            method: "GET".into(),
            path,
            query,
            headers: headers.clone(),
            body: String::new(),
        },
    );
    if let Some(forced) = journal.forced(endpoint) {
        return Some(forced.into_response());
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {token}"))
    {
        return Some(salesforce_errors(
            401,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        ));
    }
    None
}

/// The SOQL of a query's `q` parameter (empty without one).
pub fn soql_of(query: Option<&str>) -> String {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
