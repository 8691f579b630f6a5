//! `GET /metrics`: after a few leads, the exposition counts exactly what happened to them
//! (received and duplicates by source, assigned by pool, parked by pool and reason), parses
//! as the Prometheus text format, and is refused without a viewer or admin token.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use serde_json::Value;
use switchboard_cli::http_client;

use crate::common::{apply_policy, path_str, scratch};
use crate::exposition::{parse_exposition, sample_key};
use crate::server::{API_KEY, OTHER_KEY, Server, intake_config, lead, lead_id};

/// `desk-1` (pool `dach`) takes two open leads at most; `desk-2` (pool `inbound`) takes
/// the rest. Neither has working hours, so nothing depends on the time of day.
const POLICY: &str = "\
name: metrics
triage_pool: triage
reps:
  - { id: desk-1, time_zone: UTC, caps: { max_open: 2 } }
  - { id: desk-2, time_zone: UTC }
pools:
  - { id: dach, strategy: round_robin, members: [desk-1] }
  - { id: inbound, strategy: round_robin, members: [desk-2] }
rules:
  - { id: dach, when: { field: country, in: [DE, AT, CH] }, pool: dach }
  - { id: default, pool: inbound }
";

/// A sample's name, labels and value.
type Expected<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

const SCRAPE_TOKEN: &str = "scrape-token-for-tests";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened_to_the_leads() {
    let dir = scratch("serve-metrics");
    let data = dir.join("data");
    let config = intake_config(&dir);
    apply_policy(&dir, &data, POLICY);
    // As Prometheus's `credentials_file` holds it: with a trailing line feed.
    let token_file = dir.join("metrics.token");
    std::fs::write(&token_file, format!("{SCRAPE_TOKEN}\n")).unwrap();
    let server = Server::start(
        &data,
        &[
            "--intake-config",
            path_str(&config),
            "--no-demo",
            "--metrics-token-file",
            path_str(&token_file),
        ],
    );

    // One after the other, so the third DACH lead finds desk-1 at its cap.
    let posts = [
        (API_KEY, "a@one-metrics.com", "DE", "Ada"),
        (API_KEY, "b@two-metrics.com", "AT", "Bo"),
        (API_KEY, "c@three-metrics.com", "CH", "Cy"),
        (API_KEY, "d@four-metrics.com", "US", "Di"),
        // The same address in another submission: stored as a duplicate, not routed.
        (API_KEY, "d@four-metrics.com", "US", "Dee"),
        (OTHER_KEY, "e@five-metrics.com", "GB", "Ed"),
    ];
    let mut statuses = Vec::new();
    for (key, email, country, first_name) in posts {
        let auth = format!("Bearer {key}");
        let mut body = lead(email, country);
        body["first_name"] = first_name.into();
        let (status, answer) = server
            .call(
                Method::POST,
                "/v1/leads",
                &[
                    ("authorization", auth.as_str()),
                    ("content-type", "application/json"),
                ],
                body.to_string().into(),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let view = server.routed(&lead_id(&answer)).await;
        statuses.push(view["status"].as_str().unwrap().to_owned());
    }
    let expected = [
        "assigned",
        "assigned",
        "parked",
        "assigned",
        "duplicate",
        "assigned",
    ];
    assert_eq!(statuses, expected);

    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("serve.json")).unwrap()).unwrap();
    let viewer = info["viewer_token"].as_str().unwrap();
    // A decision is visible once committed; the worker counts it, then finishes the
    // route request. Five finished route requests (the duplicate has none) mean every
    // count is in.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (body, samples) = loop {
        let (content_type, body) = scrape(&server, Some(viewer)).await;
        assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
        let samples = parse_exposition(&body);
        if samples[&sample_key("switchboard_routed_total", &[])] == 5.0 {
            break (body, samples);
        }
        assert!(
            Instant::now() < deadline,
            "route requests unfinished:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let key = sample_key(name, labels);
        *samples
            .get(&key)
            .unwrap_or_else(|| panic!("no sample {key} in\n{body}"))
    };
    let expected: &[Expected] = &[
        (
            "switchboard_leads_received_total",
            &[("source", "api")],
            5.0,
        ),
        (
            "switchboard_leads_received_total",
            &[("source", "other")],
            1.0,
        ),
        (
            "switchboard_leads_duplicate_total",
            &[("source", "api")],
            1.0,
        ),
        (
            "switchboard_leads_duplicate_total",
            &[("source", "other")],
            0.0,
        ),
        ("switchboard_leads_assigned_total", &[("pool", "dach")], 2.0),
        (
            "switchboard_leads_assigned_total",
            &[("pool", "inbound")],
            2.0,
        ),
        // A parked lead counts under the pool it waits in: the triage pool.
        (
            "switchboard_leads_parked_total",
            &[("pool", "triage"), ("reason", "all_at_cap")],
            1.0,
        ),
        (
            "switchboard_time_to_assign_seconds_count",
            &[("pool", "dach")],
            2.0,
        ),
        (
            "switchboard_time_to_assign_seconds_bucket",
            &[("pool", "inbound"), ("le", "+Inf")],
            2.0,
        ),
        ("switchboard_route_failures_total", &[], 0.0),
        ("switchboard_sla_expired_total", &[], 0.0),
        ("switchboard_routing_dead_letters", &[], 0.0),
    ];
    for (name, labels, want) in expected {
        assert_eq!(value(name, labels), *want, "{name} {labels:?} in\n{body}");
    }
    // Nothing else was counted: no other pool, source or reason appears.
    let count = |prefix: &str| samples.keys().filter(|k| k.starts_with(prefix)).count();
    assert_eq!(count("switchboard_leads_received_total{"), 2, "{body}");
    assert_eq!(count("switchboard_leads_assigned_total{"), 2, "{body}");
    assert_eq!(count("switchboard_leads_parked_total{"), 1, "{body}");
    assert_eq!(count("switchboard_leads_reassigned_total{"), 0, "{body}");

    // The admin token and the scrape token read it too; no token, a wrong one or an
    // intake key do not. The scrape token opens nothing else.
    let admin = info["admin_token"].as_str().unwrap();
    assert_eq!(scrape_status(&server, Some(admin)).await, StatusCode::OK);
    assert_eq!(
        scrape_status(&server, Some(SCRAPE_TOKEN)).await,
        StatusCode::OK
    );
    let auth = format!("Bearer {SCRAPE_TOKEN}");
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/admin/stats",
            &[("authorization", auth.as_str())],
            Default::default(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for token in [None, Some("nope"), Some(API_KEY)] {
        assert_eq!(
            scrape_status(&server, token).await,
            StatusCode::UNAUTHORIZED,
            "{token:?}"
        );
    }
    server.stop();
}

async fn get_metrics(server: &Server, token: Option<&str>) -> http_client::Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    http_client::request(
        Method::GET,
        &format!("{}/metrics", server.url),
        &headers,
        bytes::Bytes::new(),
    )
    .await
    .expect("server answers")
}

async fn scrape(server: &Server, token: Option<&str>) -> (String, String) {
    let r = get_metrics(server, token).await;
    assert_eq!(r.status, StatusCode::OK);
    let content_type = r.headers[http::header::CONTENT_TYPE].to_str().unwrap();
    (
        content_type.to_owned(),
        String::from_utf8(r.body.to_vec()).unwrap(),
    )
}

async fn scrape_status(server: &Server, token: Option<&str>) -> StatusCode {
    let r = get_metrics(server, token).await;
    if r.status != StatusCode::OK {
        let content_type = r.headers[http::header::CONTENT_TYPE].to_str().unwrap();
        assert_eq!(content_type, "application/problem+json");
    }
    r.status
}
