//! `switchboard crm sync reps` against local servers answering as HubSpot's owners API and
//! Salesforce's token and query endpoints do (paged both), on a data directory's policy:
//! the proposal, then `--apply` storing it as the next version.

use std::net::SocketAddr;

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::common::{apply_policy, ok, path_str, scratch, serve_on_loopback as serve};

const POLICY: &str = "\
name: crm-sync
triage_pool: triage
reps:
  - { id: ana, email: Ana@Example.com }
  - { id: bo, email: bo@example.com, crm: { hubspot_owner_id: '11', salesforce_user_id: 005000000000011 } }
  - { id: dee, email: dee@example.com, crm: { hubspot_owner_id: '13' } }
pools: [ { id: p, members: [ana, bo, dee] } ]
rules: [ { id: r, pool: p } ]
";

fn bearer(headers: &HeaderMap, token: &str) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {token}"))
}

/// `GET /crm/v3/owners`: two pages of active owners.
async fn hubspot() -> SocketAddr {
    let owners = |headers: HeaderMap, RawQuery(q): RawQuery| async move {
        let q: std::collections::HashMap<String, String> =
            form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        assert!(bearer(&headers, "hub-token"), "the private app token");
        assert_eq!(q.get("archived").map(String::as_str), Some("false"));
        let page = match q.get("after").map(String::as_str) {
            None => json!({
                "results": [
                    {"id": "1", "email": "ana@example.com", "firstName": "Ana", "lastName": "Alves", "archived": false},
                    {"id": "11", "email": "bo@example.com", "firstName": "Bo", "archived": false}
                ],
                "paging": {"next": {"after": "2", "link": "https://api.hubapi.com/crm/v3/owners?after=2"}}
            }),
            Some("2") => json!({
                "results": [{"id": "99", "email": "new@example.com", "firstName": "Nia", "lastName": "New", "archived": false}]
            }),
            Some(other) => panic!("unexpected cursor {other}"),
        };
        Json(page)
    };
    serve(Router::new().route("/crm/v3/owners", get(owners))).await
}

/// The token endpoint and `query` with `nextRecordsUrl`.
async fn salesforce() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let token = move || {
        let base = base.clone();
        async move {
            Json(
                json!({"access_token": "sf-token", "instance_url": base, "issued_at": "1780000000000", "token_type": "Bearer"}),
            )
        }
    };
    let query = |headers: HeaderMap, RawQuery(q): RawQuery| async move {
        assert!(bearer(&headers, "sf-token"));
        let q = q.unwrap_or_default();
        assert!(q.contains("FROM+User") || q.contains("FROM%20User"), "{q}");
        Json(json!({
            "totalSize": 2, "done": false,
            "nextRecordsUrl": "/services/data/v62.0/query/01gNEXT-2000",
            "records": [{"attributes": {"type": "User"}, "Id": "005000000000001", "Email": "ana@example.com", "Name": "Ana Alves"}]
        }))
    };
    let next = |headers: HeaderMap| async move {
        assert!(bearer(&headers, "sf-token"));
        Json(json!({
            "totalSize": 2, "done": true,
            "records": [{"attributes": {"type": "User"}, "Id": "005000000000012", "Email": "bo@example.com", "Name": "Bo Berg"}]
        }))
    };
    let app: Router = Router::new()
        .route("/services/oauth2/token", post(token))
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/query/{cursor}", get(next));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn versions(data: &std::path::Path) -> Value {
    serde_json::from_str(&ok(&[
        "policy",
        "history",
        "--json",
        "--data-dir",
        path_str(data),
    ]))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reps_get_their_crm_ids_by_email_and_only_with_apply() {
    let dir = scratch("crm-sync");
    let data = dir.join("data");
    apply_policy(&dir, &data, POLICY);
    let hub = hubspot().await;
    let sf = salesforce().await;
    let config = dir.join("notify.yaml");
    std::fs::write(
        &config,
        format!(
            "channels:
  hub: {{ type: hubspot, token: hub-token, api_url: 'http://{hub}' }}
  sf: {{ type: salesforce, my_domain: 'http://{sf}', client_id: cid, client_secret: csecret }}
always: [hub, sf]
"
        ),
    )
    .unwrap();
    let run = |crm: &'static str, apply: bool| {
        let (data, config) = (data.clone(), config.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "crm",
                "sync",
                "reps",
                "--crm",
                crm,
                "--notify-config",
                path_str(&config),
                "--data-dir",
                path_str(&data),
            ];
            if apply {
                args.push("--apply");
            }
            ok(&args)
        })
    };

    let shown = run("hubspot", false).await.unwrap();
    assert!(
        shown.contains("HubSpot: 3 people; policy version 1 has 3 reps"),
        "{shown}"
    );
    assert!(shown.contains("+ ana: hubspot_owner_id 1"), "{shown}");
    assert!(
        shown.contains("! dee: hubspot_owner_id 13 is no longer an active HubSpot user"),
        "{shown}"
    );
    assert!(
        shown.contains("? Nia New (new@example.com, id 99) is in HubSpot but not a rep"),
        "{shown}"
    );
    assert!(shown.contains("--apply"), "{shown}");
    assert_eq!(
        versions(&data)["versions"].as_array().unwrap().len(),
        1,
        "nothing stored"
    );

    let applied = run("hubspot", true).await.unwrap();
    assert!(
        applied.contains("policy version 2 stored and active"),
        "{applied}"
    );
    let again = run("hubspot", false).await.unwrap();
    assert!(
        again.contains("The policy's ids are up to date."),
        "{again}"
    );

    // Salesforce, over two pages: ana's id filled, bo's corrected.
    let shown = run("salesforce", true).await.unwrap();
    assert!(
        shown.contains("+ ana: salesforce_user_id 005000000000001"),
        "{shown}"
    );
    assert!(
        shown.contains("~ bo: salesforce_user_id 005000000000011 → 005000000000012"),
        "{shown}"
    );
    let active = ok(&["policy", "show", "--data-dir", path_str(&data)]);
    assert!(
        active.contains("hubspot_owner_id: '1'") || active.contains("hubspot_owner_id: \"1\""),
        "{active}"
    );
    assert!(active.contains("005000000000012"), "{active}");
    assert!(!active.contains("005000000000011"), "{active}");
}

/// `POST /crm/v3/objects/companies/search`: two pages on the first run; from the second
/// run on (a `hs_lastmodifieddate` filter), only the company changed since.
async fn hubspot_companies() -> SocketAddr {
    let search = |headers: HeaderMap, Json(q): Json<Value>| async move {
        assert!(bearer(&headers, "hub-token"), "the private app token");
        let company = |id: &str, domain: &str, owner: &str, at: &str| {
            json!({"id": id, "properties": {"name": format!("Company {id}"), "domain": domain,
                   "hubspot_owner_id": owner, "hs_lastmodifieddate": at}})
        };
        let page = match (q.get("filterGroups"), q["after"].as_str()) {
            (None, None) => json!({"total": 2, "results": [
                company("7", "https://www.acme.example/", "1", "2026-06-01T10:00:00.000Z")],
                "paging": {"next": {"after": "1"}}}),
            (None, Some("1")) => json!({"total": 2, "results": [
                company("8", "beta.example", "11", "2026-06-01T11:00:00.000Z")]}),
            (Some(filter), None) => {
                let since = &filter[0]["filters"][0];
                assert_eq!(since["propertyName"], "hs_lastmodifieddate");
                assert_eq!(since["operator"], "GTE");
                // The mark of the first run: the newest time it read.
                assert_eq!(since["value"], "1780311600000");
                json!({"total": 1, "results": [
                    company("7", "acme.example", "11", "2026-06-02T09:00:00.000Z")]})
            }
            other => panic!("unexpected search {other:?}"),
        };
        Json(page)
    };
    serve(Router::new().route("/crm/v3/objects/companies/search", post(search))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_synced_into_the_data_directory_then_only_what_changed() {
    use switchboard_store::{AccountDirectory, SyncMarks};
    let dir = scratch("crm-sync-accounts");
    let data = dir.join("data");
    apply_policy(&dir, &data, POLICY);
    let hub = hubspot_companies().await;
    let config = dir.join("notify.yaml");
    std::fs::write(
        &config,
        format!(
            "channels:\n  hub: {{ type: hubspot, token: hub-token, api_url: 'http://{hub}' }}\nalways: [hub]\n"
        ),
    )
    .unwrap();
    let run = || {
        let (data, config) = (data.clone(), config.clone());
        tokio::task::spawn_blocking(move || {
            ok(&[
                "crm",
                "sync",
                "accounts",
                "--crm",
                "hubspot",
                "--notify-config",
                path_str(&config),
                "--data-dir",
                path_str(&data),
            ])
        })
    };
    let first = run().await.unwrap();
    assert!(
        first.contains("HubSpot: read 2 account(s), everything; policy version 1"),
        "{first}"
    );
    // Owner 1 is nobody's id in the policy; 11 is bo's.
    assert!(
        first.contains("stored 2: 1 owned by a rep, 1 with an owner who is not a rep"),
        "{first}"
    );
    {
        // The mark is kept in the store (closed again before the next run opens it).
        let store = switchboard_cli::admin::open_store(&data, false).unwrap();
        let mark = store.sync_mark("hubspot:companies").await.unwrap();
        assert_eq!(mark, Some("2026-06-01T11:00:00Z".parse().unwrap()));
    }
    assert!(!data.join("crm-sync.json").exists());

    let second = run().await.unwrap();
    assert!(
        second.contains("read 1 account(s), changed since 2026-06-01T11:00:00Z"),
        "{second}"
    );
    let store = switchboard_cli::admin::open_store(&data, false).unwrap();
    let acme = store.by_domain("acme.example").await.unwrap().unwrap();
    assert_eq!(
        (acme.id.as_str(), acme.owner.as_deref()),
        ("hubspot:7", Some("bo"))
    );
    let beta = store.by_domain("beta.example").await.unwrap().unwrap();
    assert_eq!(beta.owner.as_deref(), Some("bo"));
}
