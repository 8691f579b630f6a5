//! Lead enrichment end to end on both stores (the embedded one, and DynamoDB on the
//! emulator in `AWS_ENDPOINT_URL`, skipped without it): the router asks a local fake
//! enrichment API (answers, a slow domain, 429s, 500s, a body that is not JSON, a 404)
//! through the HTTP enricher, the cache and the monthly budget, and each decision records
//! every field's source and what became of the lookup.
#![cfg(feature = "client")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use switchboard_http::client::HttpClient;
use switchboard_http::enricher::HttpEnricher;
use switchboard_http::secrets::{NoRemote, Resolver};
use switchboard_routing::enrichment::{FieldSource, ProviderOutcome};
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{Account, DecisionRecord, Lead, Scalar};
use switchboard_store::embedded::MemoryEvents;
use switchboard_store::enrichment::CachedProvider;
use switchboard_store::{
    AccountDirectory, EnrichmentCache, LeadStore, NewLead, PolicyStore, Routed, Router,
    RoutingState, month_of,
};
use switchboard_testkit::{activate, monday};

/// Every port the tests use; both stores have them all.
trait Store:
    LeadStore + RoutingState + PolicyStore + AccountDirectory + EnrichmentCache + Clone + 'static
{
}
impl<S> Store for S where
    S: LeadStore
        + RoutingState
        + PolicyStore
        + AccountDirectory
        + EnrichmentCache
        + Clone
        + 'static
{
}

/// Runs each test on the embedded store and on DynamoDB (when the emulator is there).
macro_rules! on_both_stores {
    ($($name:ident),+ $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(switchboard_testkit::embedded_store()).await
                }
            )+
        }
        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(moto) = switchboard_testkit::moto::moto().await else {
                        return;
                    };
                    super::$name(moto.store().await).await
                }
            )+
        }
    };
}

on_both_stores!(
    leads_are_enriched_and_routed_whatever_the_provider_does,
    without_a_client_or_a_section_leads_route_as_they_came,
    a_run_of_leads_enriches_each_and_asks_once_per_domain,
);

/// Domain → requests the fake saw.
type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// The fake provider: one behavior per domain, the bearer token checked.
async fn fake(hits: Hits, uri: Uri, headers: HeaderMap) -> Response {
    let domain = uri
        .query()
        .and_then(|q| q.strip_prefix("domain="))
        .unwrap_or_default()
        .to_owned();
    *hits.lock().unwrap().entry(domain.clone()).or_default() += 1;
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer s3cret") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let json =
        |body: &str| ([("content-type", "application/json")], body.to_owned()).into_response();
    match domain.as_str() {
        "acme.example" => json(
            r#"{"company":{"employees":5000,"industry":"Software","hq":{"country":"de"},"tech":["rust","postgres"]}}"#,
        ),
        "initech.example" | "newco.example" => {
            json(r#"{"company":{"employees":10,"industry":"Banking"}}"#)
        }
        "slow.example" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json(r#"{"company":{"employees":9000}}"#)
        }
        "busy.example" => StatusCode::TOO_MANY_REQUESTS.into_response(),
        "broken.example" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "garbage.example" => json("<html>oops</html>"),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts the fake on 127.0.0.1:0; returns its base URL and its hit counts.
async fn start_fake() -> (String, Hits) {
    let hits = Hits::default();
    let seen = hits.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let hits = seen.clone();
        async move { fake(hits, uri, headers).await }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), hits)
}

const BUDGET: u64 = 8;

fn policy(base: &str) -> String {
    format!(
        r#"
triage_pool: triage
reps: [{{ id: ea }}, {{ id: sa }}]
pools:
  - {{ id: enterprise, members: [ea] }}
  - {{ id: smb, members: [sa] }}
rules:
  - {{ id: big, when: {{ field: employees, gte: 1000 }}, pool: enterprise }}
  - {{ id: rest, pool: smb }}
enrichment:
  fields:
    employees: {{ from: [account, provider] }}
    industry: {{ from: [provider], prefer: enrichment }}
    country: {{ from: [provider] }}
    technologies: {{ from: [provider] }}
  provider:
    url: "{base}/v1/companies?domain={{domain}}"
    auth: {{ header: Authorization, secret: "env:ENRICH_TOKEN", prefix: "Bearer " }}
    map:
      employees: /company/employees
      industry: /company/industry
      country: /company/hq/country
      technologies: /company/tech
    timeout_ms: 300
    cache_ttl: 30d
    monthly_budget: {BUDGET}
"#
    )
}

fn enricher() -> HttpEnricher<NoRemote> {
    let secrets =
        Resolver::new(NoRemote).with_env(|n| (n == "ENRICH_TOKEN").then(|| "s3cret".into()));
    HttpEnricher::with_resolver(HttpClient::new().unwrap(), secrets)
}

async fn route<S: Store>(router: &Router<S, MemoryEvents>, lead: Lead) -> DecisionRecord {
    let id = lead.id.to_string();
    let key = format!("key:{id}");
    router
        .store
        .insert_if_absent(&NewLead::new(lead, key), monday())
        .await
        .unwrap();
    match router.route_lead(&id, monday()).await.unwrap() {
        Routed::Decided { record, .. } => *record,
        other => panic!("{id}: {other:?}"),
    }
}

fn pool(r: &DecisionRecord) -> &str {
    match &r.outcome {
        OutcomeRecord::Assigned { pool, .. } => pool.as_deref().unwrap_or("-"),
        OutcomeRecord::Parked { .. } => "parked",
    }
}

/// (field, source, value) of each filled field.
type Fields = Vec<(&'static str, FieldSource, Scalar)>;

struct Case {
    email: &'static str,
    free_mail: bool,
    form: &'static [(&'static str, f64)],
    outcome: ProviderOutcome,
    fields: Fields,
    pool: &'static str,
    /// The fake's requests for the email's domain after this lead.
    hits: usize,
}

fn acme(employees: (FieldSource, f64)) -> Fields {
    vec![
        ("country", FieldSource::Provider, "DE".into()),
        ("employees", employees.0, employees.1.into()),
        ("industry", FieldSource::Provider, "Software".into()),
        (
            "technologies",
            FieldSource::Provider,
            "rust, postgres".into(),
        ),
    ]
}

async fn leads_are_enriched_and_routed_whatever_the_provider_does<S: Store>(store: S) {
    use FieldSource::{Account as FromAccount, Form, Provider};
    use ProviderOutcome as O;
    let (base, hits) = start_fake().await;
    activate(&store, &policy(&base)).await;
    store
        .import(&[Account {
            id: "initech".into(),
            name: "Initech".into(),
            domains: vec!["initech.example".into()],
            attributes: [("employees".to_owned(), Scalar::Number(2000.0))].into(),
            ..Account::default()
        }])
        .await
        .unwrap();
    let router = Router::new(store.clone(), MemoryEvents::new())
        .with_enrichment(CachedProvider::new(store.clone(), Arc::new(enricher())));

    let cases = [
        // The provider answers; its values fill the lead and decide the rule.
        Case {
            email: "ann@acme.example",
            free_mail: false,
            form: &[],
            outcome: O::Ok,
            fields: acme((Provider, 5000.0)),
            pool: "enterprise",
            hits: 1,
        },
        // Same domain: the cached answer, no call; the form's employees stand.
        Case {
            email: "bob@acme.example",
            free_mail: false,
            form: &[("employees", 50.0)],
            outcome: O::Cached,
            fields: acme((Form, 50.0)),
            pool: "smb",
            hits: 1,
        },
        Case {
            email: "cy@gmail.com",
            free_mail: true,
            form: &[],
            outcome: O::FreeMailSkipped,
            fields: vec![],
            pool: "smb",
            hits: 0,
        },
        Case {
            email: "dee@slow.example",
            free_mail: false,
            form: &[],
            outcome: O::Timeout,
            fields: vec![],
            pool: "smb",
            hits: 1,
        },
        Case {
            email: "eve@busy.example",
            free_mail: false,
            form: &[],
            outcome: O::RateLimited,
            fields: vec![],
            pool: "smb",
            hits: 1,
        },
        Case {
            email: "fay@broken.example",
            free_mail: false,
            form: &[],
            outcome: O::Error,
            fields: vec![],
            pool: "smb",
            hits: 1,
        },
        Case {
            email: "gus@garbage.example",
            free_mail: false,
            form: &[],
            outcome: O::Error,
            fields: vec![],
            pool: "smb",
            hits: 1,
        },
        // "No such company" is cached too: the second lead costs nothing.
        Case {
            email: "hal@unknown.example",
            free_mail: false,
            form: &[],
            outcome: O::NotFound,
            fields: vec![],
            pool: "smb",
            hits: 1,
        },
        Case {
            email: "ian@unknown.example",
            free_mail: false,
            form: &[],
            outcome: O::Cached,
            fields: vec![],
            pool: "smb",
            hits: 1,
        },
        // The account's attribute comes before the provider's for employees.
        Case {
            email: "jo@initech.example",
            free_mail: false,
            form: &[],
            outcome: O::Ok,
            fields: vec![
                ("employees", FromAccount, 2000.0.into()),
                ("industry", Provider, "Banking".into()),
            ],
            pool: "enterprise",
            hits: 1,
        },
        // The budget's last call, then none.
        Case {
            email: "kim@newco.example",
            free_mail: false,
            form: &[],
            outcome: O::Ok,
            fields: vec![
                ("employees", Provider, 10.0.into()),
                ("industry", Provider, "Banking".into()),
            ],
            pool: "smb",
            hits: 1,
        },
        Case {
            email: "lu@later.example",
            free_mail: false,
            form: &[],
            outcome: O::BudgetExhausted,
            fields: vec![],
            pool: "smb",
            hits: 0,
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        let mut lead = Lead::new(format!("L{i}").as_str(), monday()).with_email(c.email);
        lead.free_mail = c.free_mail;
        for (k, v) in c.form {
            lead = lead.with_attr(k, *v);
        }
        let record = route(&router, lead).await;
        let e = record.enrichment.as_ref().expect("an enrichment record");
        let got: Fields = e
            .fields
            .iter()
            .map(|f| {
                let name = ["country", "employees", "industry", "technologies"]
                    .into_iter()
                    .find(|n| *n == f.field)
                    .unwrap();
                (name, f.source, f.value.clone())
            })
            .collect();
        assert_eq!((e.provider, &got), (c.outcome, &c.fields), "{}", c.email);
        assert_eq!(pool(&record), c.pool, "{}", c.email);
        let domain = c.email.split_once('@').unwrap().1;
        let seen = hits.lock().unwrap().get(domain).copied().unwrap_or(0);
        assert_eq!(seen, c.hits, "{}: requests for {domain}", c.email);
        // A failed lookup is said in the summary; a successful one is not.
        assert_eq!(
            record.summary.contains("Enrichment provider"),
            c.outcome.failed(),
            "{}: {}",
            c.email,
            record.summary
        );
    }
    assert_eq!(
        store.provider_calls(&month_of(monday())).await.unwrap(),
        BUDGET
    );
}

async fn without_a_client_or_a_section_leads_route_as_they_came<S: Store>(store: S) {
    let (base, hits) = start_fake().await;
    activate(&store, &policy(&base)).await;
    // The policy names a provider this process cannot reach: routed, and recorded so.
    let router = Router::new(store.clone(), MemoryEvents::new());
    let record = route(
        &router,
        Lead::new("L1", monday()).with_email("a@acme.example"),
    )
    .await;
    let e = record.enrichment.clone().unwrap();
    assert_eq!(e.provider, ProviderOutcome::Error);
    assert_eq!(
        e.detail.as_deref(),
        Some("this process has no enrichment client")
    );
    assert_eq!(pool(&record), "smb");
    assert!(hits.lock().unwrap().is_empty());

    // No enrichment section: no record, no lookup, no budget taken.
    let plain = "triage_pool: triage\nreps: [{ id: sa }]\npools: [{ id: smb, members: [sa] }]\nrules: [{ id: all, pool: smb }]\n";
    activate(&store, plain).await;
    let router = router.with_enrichment(CachedProvider::new(store.clone(), Arc::new(enricher())));
    let record = route(
        &router,
        Lead::new("L2", monday()).with_email("b@acme.example"),
    )
    .await;
    assert_eq!(record.enrichment, None);
    assert!(hits.lock().unwrap().is_empty());
    assert_eq!(store.provider_calls(&month_of(monday())).await.unwrap(), 0);
}

async fn a_run_of_leads_enriches_each_and_asks_once_per_domain<S: Store>(store: S) {
    let (base, hits) = start_fake().await;
    activate(&store, &policy(&base)).await;
    let router = Router::new(store.clone(), MemoryEvents::new())
        .with_enrichment(CachedProvider::new(store.clone(), Arc::new(enricher())));
    let ids = ["R1", "R2", "R3"];
    for (id, email) in ids
        .iter()
        .zip(["a@acme.example", "b@acme.example", "c@busy.example"])
    {
        let lead = Lead::new(*id, monday()).with_email(email);
        router
            .store
            .insert_if_absent(&NewLead::new(lead, format!("key:{id}")), monday())
            .await
            .unwrap();
    }
    let routed = router.route_run(&ids, monday()).await;
    let outcomes: Vec<(ProviderOutcome, String)> = routed
        .into_iter()
        .map(|r| match r.unwrap() {
            Routed::Decided { record, .. } => (
                record.enrichment.as_ref().unwrap().provider,
                pool(&record).to_owned(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (ProviderOutcome::Ok, "enterprise".to_owned()),
            (ProviderOutcome::Cached, "enterprise".to_owned()),
            (ProviderOutcome::RateLimited, "smb".to_owned()),
        ]
    );
    assert_eq!(hits.lock().unwrap().get("acme.example"), Some(&1));
}
