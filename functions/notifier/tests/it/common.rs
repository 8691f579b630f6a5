//! A routed lead in a fresh embedded store, local HTTP receivers and a notifier over them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use switchboard_notifier::channels::Senders;
use switchboard_notifier::http::HttpClient;
use switchboard_notifier::secrets::{NoRemote, Resolver};
use switchboard_notifier::{Notifier, NotifyConfig, Origin, Setup};
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents};
use switchboard_store::{
    Assignment, LeadStore, NewLead, NotifyMessage, PolicyStore, Routed, Router,
};

// Decisions, links and signatures are made at `monday`.
pub use switchboard_testkit::monday;

/// Ana works in Berlin (CEST in June), Bo in New York; Mia manages both.
pub const POLICY: &str = "
name: notifier-tests
triage_pool: triage
default_sla: 15m
reps:
  - { id: ana, name: Ana Alves, email: ana@example.com, time_zone: Europe/Berlin, manager: mia }
  - { id: bo, name: Bo Berg, email: bo@example.com, time_zone: America/New_York, manager: mia }
  - { id: mia, name: Mia Moss, email: mia@example.com, time_zone: Europe/London }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo] }
rules:
  - { id: everyone, pool: main }
";

pub fn lead(id: &str) -> Lead {
    let mut lead = Lead::new(id, monday())
        .with_email("ada@analytical.example")
        .with_country("GB");
    lead.first_name = Some("Ada".into());
    lead.last_name = Some("Lovelace".into());
    lead.company = Some("Analytical <Engines> & Co".into());
    lead.phone = Some("+441234567890".into());
    lead.source = Some("typeform-demo".into());
    lead
}

/// Stores the policy, the lead, and routes it: a real assignment with its decision record.
pub async fn routed<S>(store: &S, lead_id: &str) -> Assignment
where
    S: LeadStore
        + PolicyStore
        + switchboard_store::RoutingState
        + switchboard_store::AccountDirectory
        + Clone,
{
    let doc = PolicyDocument::from_yaml(POLICY).unwrap();
    if store.get_active().await.unwrap().is_none() {
        let v = store.put_version(&doc, None, monday()).await.unwrap();
        store.set_active(v.version, None, monday()).await.unwrap();
    }
    store
        .insert_if_absent(
            &NewLead::new(lead(lead_id), format!("key:{lead_id}")),
            monday(),
        )
        .await
        .unwrap();
    let router = Router::new(store.clone(), MemoryEvents::new());
    match router.route_lead(lead_id, monday()).await.unwrap() {
        Routed::Decided {
            assignment: Some(a),
            ..
        } => a,
        other => panic!("lead {lead_id} was not assigned: {other:?}"),
    }
}

pub fn message(a: &Assignment) -> NotifyMessage {
    NotifyMessage::for_assignment(a)
}

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    /// Answers by path; 200 `ok` for others.
    answers: Mutex<HashMap<String, (u16, String)>>,
}

/// An HTTP server on loopback that records every request and answers as told.
#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<ReceiverState>,
}

async fn record(
    State(state): State<Arc<ReceiverState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let path = uri.path().to_owned();
    state.got.lock().unwrap().push(Received {
        path: path.clone(),
        headers,
        body,
    });
    let (status, text) = state
        .answers
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or((200, "ok".into()));
    (StatusCode::from_u16(status).unwrap(), text)
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let app = axum::Router::new()
            .fallback(record)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn answer(&self, path: &str, status: u16, body: &str) {
        self.state
            .answers
            .lock()
            .unwrap()
            .insert(path.to_owned(), (status, body.to_owned()));
    }

    pub fn got(&self, path: &str) -> Vec<Received> {
        self.state
            .got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

pub const ACTION_SECRET: &str = "action-secret-for-tests";
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";

/// Every channel type but email, each pointing at `r`; `routes` picks who gets what.
pub fn config_yaml(r: &Receiver, routes: &str) -> String {
    format!(
        r#"
public_url: https://leads.example.com
action_links: {{ secret: "{ACTION_SECRET}" }}
channels:
  slack: {{ type: slack_webhook, url: "{slack}" }}
  slack-dm: {{ type: slack_bot, token: xoxb-test-token, api_url: "{api}" }}
  slack-room: {{ type: slack_bot, token: xoxb-test-token, api_url: "{api}", channel: C0SALES }}
  teams: {{ type: teams_workflow, url: "{teams}" }}
  crm: {{ type: webhook, url: "{crm}", secret: "{WEBHOOK_SECRET}" }}
  audit: {{ type: log }}
{routes}
"#,
        slack = r.url("/slack"),
        api = r.url("/api"),
        teams = r.url("/teams"),
        crm = r.url("/crm"),
    )
}

pub async fn setup(yaml: &str) -> Setup {
    let config = NotifyConfig::parse(yaml, Origin::Local).expect("config");
    Setup::resolve(config, &mut Resolver::new(NoRemote))
        .await
        .expect("setup")
}

pub fn senders() -> Senders {
    Senders {
        http: HttpClient::new().expect("http client"),
        ses: None,
        log: switchboard_notifier::channels::LogDetail::Ids,
    }
}

pub async fn notifier(store: EmbeddedStore, yaml: &str) -> Notifier<EmbeddedStore> {
    Notifier::new(store, Arc::new(setup(yaml).await), senders()).with_clock(monday)
}

pub fn store() -> EmbeddedStore {
    switchboard_testkit::embedded_store()
}
