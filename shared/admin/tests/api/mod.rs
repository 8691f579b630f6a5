//! The admin API's suite, run against each store by the files beside it: requests go
//! through the router the runtimes serve, with the caller a runtime would recognize.

use std::sync::Arc;

use axum::Router as Http;
use axum::body::Body;
use futures_util::future::BoxFuture;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use switchboard_admin::{AdminState, AdminStore, Caller, Role};
use switchboard_routing::Lead;
use switchboard_store::WorkQueue;
use switchboard_store::embedded::MemoryEvents;
use switchboard_store::{AccountDirectory, NewLead, Router};
use switchboard_testkit::activate;
use tower::ServiceExt;

/// Two reps in one pool: ana works every hour with a cap of 2 open leads, bo is out of
/// office for the century (so is never available).
pub const POLICY: &str = r#"
name: admin-suite
triage_pool: triage
reps:
  - { id: ana, name: Ana, time_zone: UTC, caps: { max_open: 2, max_per_day: 5 } }
  - id: bo
    name: Bo
    time_zone: Europe/Berlin
    away: [{ from: "2000-01-01T00:00:00Z", until: "2100-01-01T00:00:00Z", reason: sabbatical }]
pools:
  - id: inbound
    strategy: round_robin
    members: [ana, bo]
rules:
  - { id: default, pool: inbound }
"#;

pub struct Api {
    router: Http,
    /// Routes leads into the same store, as the pipeline would.
    route: Box<dyn Fn(&'static str, Timestamp) -> BoxFuture<'static, ()> + Send + Sync>,
}

/// Who calls in each request of the matrix: a runtime puts the caller in the request's
/// extensions; `None` is a request no credential was recognized for.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    Nobody,
    Viewer,
    Admin,
}

impl Api {
    pub async fn new<S, Q>(store: S, queue: Option<Q>) -> Api
    where
        S: AdminStore + AccountDirectory + Clone,
        Q: WorkQueue + 'static,
    {
        activate(&store, POLICY).await;
        let router = Arc::new(Router::new(store.clone(), MemoryEvents::default()));
        let route = Box::new(move |id: &'static str, received_at: Timestamp| {
            let router = router.clone();
            let fut: BoxFuture<'static, ()> = Box::pin(async move {
                let lead = Lead::new(id, received_at).with_country("DE");
                router
                    .store
                    .insert_if_absent(&NewLead::new(lead, format!("key:{id}")), received_at)
                    .await
                    .expect("insert lead");
                router
                    .route_lead(id, Timestamp::now())
                    .await
                    .expect("route lead");
            });
            fut
        });
        let state = Arc::new(AdminState {
            store,
            routing_queue: queue,
        });
        Api {
            router: switchboard_admin::router(state),
            route,
        }
    }

    /// Stores a lead received at `at` and routes it now.
    pub async fn route(&self, id: &'static str, at: Timestamp) {
        (self.route)(id, at).await
    }

    pub async fn call(
        &self,
        who: Who,
        method: &str,
        path: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let caller = match who {
            Who::Nobody => None,
            Who::Viewer => Some(Caller::new("vera", Role::Viewer)),
            Who::Admin => Some(Caller::new("adam", Role::Admin)),
        };
        if let Some(c) = caller {
            request.extensions_mut().insert(c);
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let is_problem = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v == "application/problem+json");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            assert!(
                is_problem,
                "{method} {path}: {status} is not a problem document"
            );
        }
        (status, value)
    }
}

/// Every route with each caller: a viewer reads and never changes, an admin does both,
/// nobody does neither.
pub async fn authorization_matrix(api: &Api) {
    let reads = [
        ("GET", "/v1/admin/policy/active", ""),
        ("GET", "/v1/admin/policy/history", ""),
        ("GET", "/v1/admin/policy/versions/1", ""),
        ("GET", "/v1/admin/reps", ""),
        ("GET", "/v1/admin/reps/ana", ""),
        (
            "POST",
            "/v1/admin/policy/validate",
            &json!({ "document": POLICY }).to_string(),
        ),
    ];
    let changes = [
        ("POST", "/v1/admin/reps/bo/away", ""),
        ("POST", "/v1/admin/reps/bo/back", ""),
        ("POST", "/v1/admin/accounts", "[]"),
        (
            "POST",
            "/v1/admin/policy",
            &json!({ "document": POLICY, "note": "again" }).to_string(),
        ),
    ];
    for (method, path, body) in reads {
        let (s, _) = api.call(Who::Nobody, method, path, body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "nobody {method} {path}");
        for who in [Who::Viewer, Who::Admin] {
            let (s, v) = api.call(who, method, path, body).await;
            assert_eq!(s, StatusCode::OK, "{who:?} {method} {path}: {v}");
        }
    }
    for (method, path, body) in changes {
        let (s, _) = api.call(Who::Nobody, method, path, body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "nobody {method} {path}");
        let (s, v) = api.call(Who::Viewer, method, path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "viewer {method} {path}: {v}");
        let (s, v) = api.call(Who::Admin, method, path, body).await;
        assert_eq!(s, StatusCode::OK, "admin {method} {path}: {v}");
    }
}

/// The rep view: caps and counters, availability with its reason, away set and cleared,
/// unknown reps a 404.
pub async fn reps_live_state(api: &Api) {
    let (s, reps) = api.call(Who::Viewer, "GET", "/v1/admin/reps", "").await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = reps
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ana", "bo"]);
    let ana = &reps[0];
    assert_eq!(ana["max_open"], 2);
    assert_eq!(ana["max_per_day"], 5);
    assert_eq!(ana["open"], 0);
    assert_eq!(ana["pools"], json!(["inbound"]));
    assert_eq!(ana["available"], true, "{ana}");
    assert!(
        ana["local_time"].as_str().unwrap().ends_with("[UTC]"),
        "{ana}"
    );
    let bo = &reps[1];
    assert_eq!(bo["available"], false, "{bo}");
    assert_eq!(bo["unavailable"], "out_of_office", "{bo}");
    assert!(
        bo["local_time"]
            .as_str()
            .unwrap()
            .ends_with("[Europe/Berlin]")
    );

    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let body = json!({ "until": until }).to_string();
    let (s, ana) = api
        .call(Who::Admin, "POST", "/v1/admin/reps/ana/away", &body)
        .await;
    assert_eq!(s, StatusCode::OK, "{ana}");
    assert_eq!(ana["available"], false);
    assert_eq!(ana["unavailable"], "away");
    assert_eq!(ana["away"]["until"], json!(until));
    let (_, again) = api.call(Who::Viewer, "GET", "/v1/admin/reps/ana", "").await;
    assert_eq!(
        again["unavailable"], "away",
        "the change is stored: {again}"
    );
    let (s, ana) = api
        .call(Who::Admin, "POST", "/v1/admin/reps/ana/back", "")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ana["available"], true, "{ana}");
    assert!(ana.get("away").is_none(), "{ana}");

    let refusals = [
        ("GET", "/v1/admin/reps/nobody", "", StatusCode::NOT_FOUND),
        (
            "POST",
            "/v1/admin/reps/nobody/away",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/v1/admin/reps/nobody/back",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/v1/admin/reps/ana/away",
            r#"{"untill": null}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/v1/admin/reps/ana/away",
            r#"{"until": "2001-01-01T00:00:00Z"}"#,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (method, path, body, want) in refusals {
        let (s, p) = api.call(Who::Admin, method, path, body).await;
        assert_eq!(s, want, "{method} {path} {body}: {p}");
    }
    let (_, ana) = api.call(Who::Viewer, "GET", "/v1/admin/reps/ana", "").await;
    assert_eq!(
        ana["available"], true,
        "a refused change changes nothing: {ana}"
    );
}

/// A draft is checked without being stored; a broken one lists its issues.
pub async fn drafts_are_checked_not_stored(api: &Api) {
    let (_, before) = api
        .call(Who::Viewer, "GET", "/v1/admin/policy/history", "")
        .await;
    let (s, ok) = api
        .call(
            Who::Viewer,
            "POST",
            "/v1/admin/policy/validate",
            &json!({ "document": POLICY }).to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ok["valid"], true);
    let broken = POLICY.replace("pool: inbound }", "pool: nowhere }");
    let (s, p) = api
        .call(
            Who::Viewer,
            "POST",
            "/v1/admin/policy/validate",
            &json!({ "document": broken }).to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    assert!(!p["errors"].as_array().unwrap().is_empty(), "{p}");
    let (_, after) = api
        .call(Who::Viewer, "GET", "/v1/admin/policy/history", "")
        .await;
    assert_eq!(before, after, "validation stores nothing");
}

/// Three leads, oldest first: two go to ana (her cap is 2), the third finds nobody and
/// parks. The lists page through them, the triage queue shows the parked one with its
/// reason, and the health report counts them.
pub async fn lists_triage_and_health(api: &Api) {
    let now = Timestamp::now();
    let ids = ["l1", "l2", "l3"];
    for (i, id) in ids.iter().enumerate() {
        api.route(id, now - SignedDuration::from_mins(3 - i as i64))
            .await;
    }
    let (s, all) = api
        .call(Who::Viewer, "GET", "/v1/admin/leads?since=1h", "")
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let got: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lead_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids, "{all}");
    assert!(all.get("next").is_none(), "one page: {all}");

    // Paging, two at a time, with the cursor.
    let (_, first) = api
        .call(Who::Viewer, "GET", "/v1/admin/leads?since=1h&limit=2", "")
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2, "{first}");
    let next = first["next"].as_str().expect("a next page");
    let (_, second) = api
        .call(
            Who::Viewer,
            "GET",
            &format!("/v1/admin/leads?since=1h&limit=2&after={next}"),
            "",
        )
        .await;
    assert_eq!(second["items"][0]["lead_id"], "l3", "{second}");

    let (_, parked) = api
        .call(
            Who::Viewer,
            "GET",
            "/v1/admin/leads?since=1h&status=parked",
            "",
        )
        .await;
    assert_eq!(parked["items"].as_array().unwrap().len(), 1, "{parked}");
    assert_eq!(parked["items"][0]["lead_id"], "l3");

    let (s, triage) = api.call(Who::Viewer, "GET", "/v1/admin/triage", "").await;
    assert_eq!(s, StatusCode::OK, "{triage}");
    let items = triage["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{triage}");
    assert_eq!(items[0]["lead_id"], "l3");
    // ana at her cap, bo out of office: a mix of reasons.
    assert_eq!(items[0]["reason"], "none_available", "{triage}");
    assert_eq!(items[0]["pool"], "triage");

    let (s, report) = api
        .call(Who::Viewer, "GET", "/v1/admin/reports/health?since=1h", "")
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let leads = &report["overall"]["leads"];
    assert_eq!(leads["received"], 3, "{report}");
    assert_eq!(leads["assigned"], 2, "{report}");
    assert_eq!(leads["parked"], 1, "{report}");
    // A window before the leads has none of them.
    let (_, empty) = api
        .call(
            Who::Viewer,
            "GET",
            "/v1/admin/reports/health?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z",
            "",
        )
        .await;
    assert_eq!(empty["overall"]["leads"]["received"], 0, "{empty}");

    let refusals = [
        "/v1/admin/leads?since=7w",
        "/v1/admin/leads?since=1d&from=2026-01-01T00:00:00Z",
        "/v1/admin/leads?limit=0",
        "/v1/admin/leads?limit=501",
        "/v1/admin/leads?status=lost",
        "/v1/admin/leads?after=not-a-cursor",
        "/v1/admin/triage?limit=x",
        "/v1/admin/reports/health?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    ];
    for path in refusals {
        let (s, p) = api.call(Who::Viewer, "GET", path, "").await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {s} {p}"
        );
    }
}
