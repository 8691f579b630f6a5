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
use std::time::Duration;
use switchboard_admin::{AdminState, AdminStore, Caller, Role};
use switchboard_intake::import::ImportIntake;
use switchboard_intake::{IntakeConfig, PortReception, SystemClock};
use switchboard_routing::Lead;
use switchboard_store::embedded::MemoryEvents;
use switchboard_store::{AccountDirectory, NewLead, ReleaseOutcome, RouteRequest, Router};
use switchboard_store::{DeliveryKey, WorkQueue};
use switchboard_testkit::activate;
use tower::ServiceExt;

mod coverage;
mod delivery_failures;
mod documented;
mod import;
mod lead_filters;
mod outcomes;
pub use coverage::coverage_reads_stored_arrivals_and_away_flags;
pub use delivery_failures::failed_crm_writes_are_shown_on_the_lead;
pub use documented::answers_are_as_documented;
pub use import::{
    a_spread_import_schedules_the_new_leads, bad_imports_are_refused,
    leads_are_imported_once_and_routed,
};
pub use lead_filters::leads_are_filtered;
pub use outcomes::outcomes_are_imported_shown_and_rebuilt;

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
    /// Stores a lead and routes it at the given time, as the pipeline would.
    route: Box<dyn Fn(Lead, Timestamp) -> BoxFuture<'static, ()> + Send + Sync>,
    /// Closes a lead's assignment, freeing its rep's capacity.
    close: Box<dyn Fn(&'static str) -> BoxFuture<'static, ()> + Send + Sync>,
    /// Takes the lead ids of the route requests on the routing queue, and routes them.
    drain: Box<dyn Fn() -> BoxFuture<'static, Vec<String>> + Send + Sync>,
    /// Records a delivery's failure, or with no error its delivery, as the notifier does.
    delivery: Box<dyn Fn(Delivery) -> BoxFuture<'static, ()> + Send + Sync>,
    /// What the admin routes published (`rep.away`, `rep.back`).
    events: Arc<MemoryEvents>,
}

/// A delivery of an `assigned` message to record: failed with `(error, permanent)`, or
/// made.
pub struct Delivery {
    lead_id: &'static str,
    assignment_id: &'static str,
    channel: &'static str,
    failed: Option<(&'static str, bool)>,
    at: Timestamp,
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
    pub async fn new<S, Q>(store: S, queue: Q) -> Api
    where
        S: AdminStore + AccountDirectory + Clone,
        Q: WorkQueue + 'static,
    {
        activate(&store, POLICY).await;
        let queue = Arc::new(queue);
        let router = Arc::new(Router::new(store.clone(), MemoryEvents::default()));
        let r = router.clone();
        let route = Box::new(move |lead: Lead, routed_at: Timestamp| {
            let router = r.clone();
            let fut: BoxFuture<'static, ()> = Box::pin(async move {
                let (id, received_at) = (lead.id.clone(), lead.received_at);
                router
                    .store
                    .insert_if_absent(&NewLead::new(lead, format!("key:{id}")), received_at)
                    .await
                    .expect("insert lead");
                router.route_lead(&id, routed_at).await.expect("route lead");
            });
            fut
        });
        let r = router.clone();
        let close = Box::new(move |id: &'static str| {
            let router = r.clone();
            let fut: BoxFuture<'static, ()> = Box::pin(async move {
                let ended = router
                    .release(id, ReleaseOutcome::Closed, Timestamp::now())
                    .await
                    .expect("close");
                assert!(ended.is_some(), "{id} had an open assignment");
            });
            fut
        });
        let (r, q) = (router.clone(), queue.clone());
        let drain = Box::new(move || {
            let (router, queue) = (r.clone(), q.clone());
            let fut: BoxFuture<'static, Vec<String>> = Box::pin(async move {
                let mut ids = Vec::new();
                loop {
                    let got = queue
                        .receive(10, Duration::from_secs(30), Duration::ZERO)
                        .await
                        .expect("receive");
                    if got.is_empty() {
                        break;
                    }
                    for m in got {
                        let req = RouteRequest::parse(&m.body).expect("a route request");
                        router
                            .route_lead(&req.lead_id, Timestamp::now())
                            .await
                            .expect("route");
                        queue.delete(&m.receipt).await.expect("delete");
                        ids.push(req.lead_id.to_string());
                    }
                }
                ids
            });
            fut
        });
        let deliveries = store.clone();
        let delivery = Box::new(move |d: Delivery| {
            let store = deliveries.clone();
            let fut: BoxFuture<'static, ()> = Box::pin(async move {
                let key = DeliveryKey {
                    lead_id: d.lead_id,
                    assignment_id: d.assignment_id,
                    kind: "assigned",
                    channel: d.channel,
                };
                match d.failed {
                    Some((error, permanent)) => store
                        .record_failure(key, error, permanent, d.at)
                        .await
                        .expect("record failure"),
                    None => {
                        store.record_delivered(key, d.at).await.expect("record");
                    }
                }
            });
            fut
        });
        let events = Arc::new(MemoryEvents::new());
        let (reception_store, reception_queue) = (store.clone(), queue.clone());
        let state = Arc::new(AdminState {
            store,
            routing_queue: Some(queue),
            events: events.clone(),
            intake: Some(Arc::new(ImportIntake::new(
                Arc::new(IntakeConfig::default()),
                // Intake's own reception: the store, then the routing queue.
                Arc::new(PortReception::new(
                    reception_store,
                    reception_queue,
                    Arc::new(SystemClock),
                )),
            ))),
        });
        Api {
            router: switchboard_admin::router(state),
            route,
            close,
            drain,
            delivery,
            events,
        }
    }

    /// Stores the failure of the `assigned` delivery on `channel`, as the notifier does
    /// when a CRM write fails.
    pub async fn fail_delivery(
        &self,
        lead_id: &'static str,
        assignment_id: &'static str,
        channel: &'static str,
        error: &'static str,
        permanent: bool,
        at: Timestamp,
    ) {
        (self.delivery)(Delivery {
            lead_id,
            assignment_id,
            channel,
            failed: Some((error, permanent)),
            at,
        })
        .await
    }

    /// Records the `assigned` delivery on `channel` as made.
    pub async fn deliver(
        &self,
        lead_id: &'static str,
        assignment_id: &'static str,
        channel: &'static str,
        at: Timestamp,
    ) {
        (self.delivery)(Delivery {
            lead_id,
            assignment_id,
            channel,
            failed: None,
            at,
        })
        .await
    }

    /// Stores a lead received at `at` and routes it now.
    pub async fn route(&self, id: &'static str, at: Timestamp) {
        (self.route)(Lead::new(id, at).with_country("DE"), Timestamp::now()).await
    }

    /// Stores `lead` and routes it at `routed_at`.
    pub async fn route_lead(&self, lead: Lead, routed_at: Timestamp) {
        (self.route)(lead, routed_at).await
    }

    /// Applies `policy` as the admin and requires it to be accepted.
    pub async fn apply(&self, policy: &str) {
        let body = json!({ "document": policy }).to_string();
        let (s, applied) = self
            .call(Who::Admin, "POST", "/v1/admin/policy", &body)
            .await;
        assert_eq!(s, StatusCode::OK, "{applied}");
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
        } else {
            // Every answer is as the OpenAPI document says, and so is every body a route
            // took.
            documented::check(method, path, documented::Side::Response, &value);
            if !body.trim().is_empty() {
                let sent: Value = serde_json::from_str(body).expect("a JSON request body");
                documented::check(method, path, documented::Side::Request, &sent);
            }
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
    // Announced as a rep's own away and back are, with the until.
    let published: Vec<(String, Value)> = api
        .events
        .events()
        .into_iter()
        .map(|e| (e.kind, e.detail))
        .collect();
    assert_eq!(
        published,
        [
            (
                "rep.away".to_owned(),
                json!({ "rep": "ana", "until": until })
            ),
            ("rep.back".to_owned(), json!({ "rep": "ana" })),
        ]
    );

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
    assert_eq!(
        api.events.events().len(),
        2,
        "a refused change announces nothing"
    );
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
    assert_eq!(ok["findings"], json!([]), "{ok}");
    // A valid draft with a rule that never gets a lead: the findings say which and why.
    let shadowed = POLICY.replace(
        "  - { id: default, pool: inbound }",
        "  - { id: dach, when: { field: country, in: [DE, AT] }, pool: inbound }
  - { id: late, when: { field: country, eq: DE }, pool: inbound }
  - { id: default, pool: inbound }",
    );
    let (s, checked) = api
        .call(
            Who::Viewer,
            "POST",
            "/v1/admin/policy/validate",
            &json!({ "document": shadowed }).to_string(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{checked}");
    assert_eq!(checked["findings"][0]["code"], "shadowed-rule", "{checked}");
    assert_eq!(checked["findings"][0]["path"], "rules[1]", "{checked}");
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
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {p}");
    }
}

/// The triage queue's way out: a parked lead is handed back to routing once someone can
/// take it, one by id or all matching a filter; only parked leads, only by an admin, and
/// each once.
pub async fn parked_leads_are_rerouted(api: &Api) {
    let now = Timestamp::now();
    for (i, id) in ["r1", "r2", "r3", "r4"].into_iter().enumerate() {
        api.route(id, now - SignedDuration::from_mins(4 - i as i64))
            .await;
    }
    // ana took r1 and r2 (cap 2); r3 and r4 parked.
    let refusals = [
        (
            Who::Viewer,
            "/v1/admin/triage/r3/reroute",
            "",
            StatusCode::FORBIDDEN,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/r1/reroute",
            "",
            StatusCode::CONFLICT,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/nobody/reroute",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/reroute",
            r#"{"reason": "tired"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/reroute",
            r#"{"max": 0}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/reroute",
            r#"{"maximum": 1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (who, path, body, want) in refusals {
        let (s, p) = api.call(who, "POST", path, body).await;
        assert_eq!(s, want, "{who:?} {path} {body}: {p}");
    }
    // A filter nothing matches re-routes nothing.
    let (s, none) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/triage/reroute",
            r#"{"reason": "kill_switch"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{none}");
    assert_eq!(none["rerouted"], 0);
    assert!((api.drain)().await.is_empty(), "nothing was queued");

    // ana closes r1: one seat. r3 goes back to routing and reaches her.
    (api.close)("r1").await;
    let (s, one) = api
        .call(Who::Admin, "POST", "/v1/admin/triage/r3/reroute", "")
        .await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(one["lead_ids"], json!(["r3"]));
    let (s, again) = api
        .call(Who::Admin, "POST", "/v1/admin/triage/r3/reroute", "")
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "queued once: {again}");
    assert_eq!((api.drain)().await, ["r3"]);
    let (_, r3) = api.call(Who::Viewer, "GET", "/v1/admin/leads/r3", "").await;
    assert_eq!(r3["assignment"]["rep"], "ana", "{r3}");
    assert_eq!(
        r3["decisions"].as_array().unwrap().len(),
        2,
        "parked, then assigned: {r3}"
    );

    // Everything still parked for the mixed reason, all at once: r4 parks again (ana is
    // full again), and stays in the queue with a fresh decision.
    let (s, all) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/triage/reroute",
            r#"{"reason": "none_available", "pool": "triage"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["lead_ids"], json!(["r4"]), "{all}");
    assert_eq!((api.drain)().await, ["r4"]);
    let (_, triage) = api.call(Who::Viewer, "GET", "/v1/admin/triage", "").await;
    let ids: Vec<&str> = triage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["lead_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["r4"], "{triage}");
}

/// A parked lead given to a named rep by an admin: the rep's caps and availability are
/// checked unless overridden, the decision names the admin and the reason, the rep's
/// counter moves with it, and the router's pass afterwards (the notification) decides
/// nothing new.
pub async fn parked_leads_are_assigned_by_hand(api: &Api) {
    let now = Timestamp::now();
    for (i, id) in ["h1", "h2", "h3"].into_iter().enumerate() {
        api.route(id, now - SignedDuration::from_mins(3 - i as i64))
            .await;
    }
    // ana holds h1 and h2 (cap 2); h3 parked. bo is out of office.
    let order = |rep: &str, over: bool| {
        json!({ "rep": rep, "reason": "speaks the customer's language", "override_caps": over })
            .to_string()
    };
    let refusals = [
        (
            Who::Viewer,
            "/v1/admin/triage/h3/assign",
            order("ana", false),
            StatusCode::FORBIDDEN,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/h3/assign",
            order("ana", false),
            StatusCode::CONFLICT,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/h3/assign",
            order("bo", false),
            StatusCode::CONFLICT,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/h3/assign",
            order("zed", false),
            StatusCode::NOT_FOUND,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/h1/assign",
            order("ana", true),
            StatusCode::CONFLICT,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/nope/assign",
            order("ana", true),
            StatusCode::NOT_FOUND,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/h3/assign",
            json!({ "rep": "ana", "reason": " " }).to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Who::Admin,
            "/v1/admin/triage/h3/assign",
            json!({ "rep": "ana" }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (who, path, body, want) in refusals {
        let (s, p) = api.call(who, "POST", path, &body).await;
        assert_eq!(s, want, "{who:?} {path} {body}: {p}");
    }
    let (_, p) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/triage/h3/assign",
            &order("ana", false),
        )
        .await;
    assert!(p["detail"].as_str().unwrap().contains("at_cap"), "{p}");
    let (_, h3) = api.call(Who::Viewer, "GET", "/v1/admin/leads/h3", "").await;
    assert_eq!(
        h3["lead"]["status"], "parked",
        "refusals changed nothing: {h3}"
    );

    // Over ana's cap, by the admin's explicit choice.
    let (s, done) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/triage/h3/assign",
            &order("ana", true),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["rep"], "ana");
    assert!(
        done["summary"]
            .as_str()
            .unwrap()
            .contains("by hand by adam"),
        "{done}"
    );
    let (_, h3) = api.call(Who::Viewer, "GET", "/v1/admin/leads/h3", "").await;
    assert_eq!(h3["lead"]["status"], "assigned", "{h3}");
    assert_eq!(h3["assignment"]["rep"], "ana");
    let last = h3["decisions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["by_hand"]["actor"], "adam", "{last}");
    assert_eq!(last["by_hand"]["reason"], "speaks the customer's language");
    assert_eq!(last["by_hand"]["overrode"], true);
    let (_, ana) = api.call(Who::Viewer, "GET", "/v1/admin/reps/ana", "").await;
    assert_eq!(ana["open"], 3, "{ana}");
    let (_, triage) = api.call(Who::Viewer, "GET", "/v1/admin/triage", "").await;
    assert!(triage["items"].as_array().unwrap().is_empty(), "{triage}");
    // The router's pass for the notification finds the assignment and decides nothing.
    assert_eq!((api.drain)().await, ["h3"]);
    let (_, h3) = api.call(Who::Viewer, "GET", "/v1/admin/leads/h3", "").await;
    assert_eq!(h3["decisions"].as_array().unwrap().len(), 2, "{h3}");
    let (s, again) = api
        .call(
            Who::Admin,
            "POST",
            "/v1/admin/triage/h3/assign",
            &order("ana", true),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "once: {again}");
}

/// Every change through the API is in the audit log, newest first, with who made it and
/// why; reads and refused changes leave nothing.
pub async fn changes_are_audited(api: &Api) {
    let (_, before) = api
        .call(Who::Viewer, "GET", "/v1/admin/audit?since=1h", "")
        .await;
    assert_eq!(before["entries"], json!([]), "{before}");
    let body = json!({ "document": POLICY, "note": "tighter caps" }).to_string();
    let (s, applied) = api
        .call(Who::Admin, "POST", "/v1/admin/policy", &body)
        .await;
    assert_eq!(s, StatusCode::OK, "{applied}");
    let (s, _) = api
        .call(Who::Admin, "POST", "/v1/admin/reps/ana/away", "")
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api
        .call(Who::Admin, "POST", "/v1/admin/reps/ana/back", "")
        .await;
    assert_eq!(s, StatusCode::OK);
    // Refused or read-only: not recorded.
    let (s, _) = api
        .call(Who::Viewer, "POST", "/v1/admin/reps/ana/away", "")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = api
        .call(Who::Admin, "POST", "/v1/admin/reps/zed/away", "")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api.call(Who::Admin, "GET", "/v1/admin/reps", "").await;
    assert_eq!(s, StatusCode::OK);

    let (s, log) = api
        .call(Who::Viewer, "GET", "/v1/admin/audit?since=1h", "")
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    let version = format!("policy:{}", applied["version"]);
    assert_eq!(
        seen,
        [
            ("rep.back", "rep:ana"),
            ("rep.away", "rep:ana"),
            ("policy.applied", version.as_str())
        ],
        "{log}"
    );
    assert!(entries.iter().all(|e| e["actor"] == "adam"), "{log}");
    assert_eq!(entries[2]["note"], "tighter caps");
    // Paged, newest first.
    let (_, first) = api
        .call(Who::Viewer, "GET", "/v1/admin/audit?since=1h&limit=2", "")
        .await;
    let next = first["next"].as_str().expect("a second page");
    let (_, second) = api
        .call(
            Who::Viewer,
            "GET",
            &format!("/v1/admin/audit?since=1h&limit=2&after={next}"),
            "",
        )
        .await;
    assert_eq!(second["entries"][0]["action"], "policy.applied", "{second}");
    let (s, _) = api.call(Who::Nobody, "GET", "/v1/admin/audit", "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// Two versions compared as a person reads them; bad requests are refused.
pub async fn policy_versions_are_diffed(api: &Api) {
    let (_, history) = api
        .call(Who::Viewer, "GET", "/v1/admin/policy/history", "")
        .await;
    let first = history["active"]["version"].as_u64().unwrap();
    let changed = POLICY.replace("max_open: 2", "max_open: 4");
    let body = json!({ "document": changed }).to_string();
    let (s, applied) = api
        .call(Who::Admin, "POST", "/v1/admin/policy", &body)
        .await;
    assert_eq!(s, StatusCode::OK, "{applied}");
    let (s, d) = api
        .call(
            Who::Viewer,
            "GET",
            &format!("/v1/admin/policy/diff?from={first}"),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        d["to"], applied["version"],
        "to defaults to the active version: {d}"
    );
    assert_eq!(d["reps"]["changed"][0]["id"], "ana", "{d}");
    assert_eq!(
        d["reps"]["changed"][0]["fields"][0]["after"]["max_open"], 4,
        "{d}"
    );
    assert_eq!(d["settings"], json!([]));
    for (path, want) in [
        ("/v1/admin/policy/diff", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/v1/admin/policy/diff?from=x",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/v1/admin/policy/diff?from=99", StatusCode::NOT_FOUND),
    ] {
        let (s, p) = api.call(Who::Viewer, "GET", path, "").await;
        assert_eq!(s, want, "{path}: {p}");
    }
}
