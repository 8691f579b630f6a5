//! `GET /leads` with each filter: which leads of the window each one keeps, paging through
//! a filtered list, and the values each one refuses.

use http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use switchboard_routing::Lead;

use super::{Api, Who};

/// Ana takes the inbound pool's leads, Cy (one open lead at most) the enterprise plan's;
/// nobody lets an assignment run 15 minutes without a clock.
const POLICY: &str = r#"
name: lead-filters
triage_pool: triage
default_sla: 15m
reps:
  - { id: ana, name: Ana, time_zone: UTC, caps: { max_open: 5 } }
  - { id: cy, name: Cy, time_zone: UTC, caps: { max_open: 1 } }
pools:
  - { id: inbound, strategy: round_robin, members: [ana] }
  - { id: enterprise, strategy: round_robin, members: [cy] }
rules:
  - { id: big, when: { field: plan, eq: enterprise }, pool: enterprise }
  - { id: default, pool: inbound }
"#;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|l| l["lead_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Four leads in the last hour, oldest first:
/// - `n1` (ana@northwind.io, Northwind Robotics GmbH, enterprise) went to Cy 40 minutes
///   ago and is past its 15-minute SLA;
/// - `s1` (bo@southwind.com, Southwind Foods, website www.southwind.com) went to Ana now;
/// - `n2` (the same address as `n1`, Northwind Robotics, enterprise) parked: Cy is at
///   her cap;
/// - `w1` (a free-mail address, website westwind.io, no company) went to Ana now.
pub async fn leads_are_filtered(api: &Api) {
    api.apply(POLICY).await;
    let now = Timestamp::now();
    let ago = |m: i64| now - SignedDuration::from_mins(m);
    let leads = [
        (
            Lead::new("n1", ago(45))
                .with_email("ana@northwind.io")
                .with_company("Northwind Robotics GmbH")
                .with_attr("plan", "enterprise"),
            ago(40),
        ),
        (
            Lead::new("s1", ago(30))
                .with_email("bo@southwind.com")
                .with_company("Southwind Foods")
                .with_attr("website", "https://www.southwind.com/about"),
            now,
        ),
        (
            Lead::new("n2", ago(20))
                .with_email("ana@northwind.io")
                .with_company("Northwind Robotics")
                .with_attr("plan", "enterprise"),
            now,
        ),
        (
            Lead::new("w1", ago(10))
                .with_email("lee@gmail.com")
                .with_attr("website", "westwind.io"),
            now,
        ),
    ];
    for (lead, routed_at) in leads {
        api.route_lead(lead, routed_at).await;
    }

    // (query, the leads listed)
    let cases: [(&str, &[&str]); 21] = [
        ("", &["n1", "s1", "n2", "w1"]),
        ("pool=enterprise", &["n1"]),
        ("pool=triage", &["n2"]),
        ("pool=inbound", &["s1", "w1"]),
        ("pool=nowhere", &[]),
        ("rep=cy", &["n1"]),
        ("rep=ana", &["s1", "w1"]),
        ("reason=all_at_cap", &["n2"]),
        ("reason=kill_switch", &[]),
        ("overdue=true", &["n1"]),
        ("overdue=false", &["s1", "n2", "w1"]),
        ("email=%20ANA%40Northwind.io", &["n1", "n2"]),
        ("email=bo%40northwind.io", &[]),
        ("domain=northwind.io", &["n1", "n2"]),
        ("domain=https%3A%2F%2Fwww.southwind.com%2F", &["s1"]),
        ("domain=westwind.io", &["w1"]),
        ("company=ROBOTICS", &["n1", "n2"]),
        ("company=southwind", &["s1"]),
        ("email=ana%40northwind.io&status=parked", &["n2"]),
        ("rep=cy&overdue=true&company=northwind", &["n1"]),
        ("domain=gmail.com&rep=ana", &["w1"]),
    ];
    for (query, want) in cases {
        let path = format!("/v1/admin/leads?since=1h&{query}");
        let (s, page) = api.call(Who::Viewer, "GET", &path, "").await;
        assert_eq!(s, StatusCode::OK, "{query}: {page}");
        assert_eq!(ids(&page), want, "{query}: {page}");
        assert!(page.get("next").is_none(), "{query}: {page}");
    }

    // A filtered page holds the matches among the leads it read: fewer than `limit`, with
    // a next page all the same.
    let (_, first) = api
        .call(
            Who::Viewer,
            "GET",
            "/v1/admin/leads?since=1h&pool=inbound&limit=2",
            "",
        )
        .await;
    assert_eq!(ids(&first), ["s1"], "{first}");
    let next = first["next"].as_str().expect("a next page");
    let (_, second) = api
        .call(
            Who::Viewer,
            "GET",
            &format!("/v1/admin/leads?since=1h&pool=inbound&limit=2&after={next}"),
            "",
        )
        .await;
    assert_eq!(ids(&second), ["w1"], "{second}");
    assert!(second.get("next").is_none(), "{second}");

    // (query, the parameter the problem names)
    let refusals = [
        ("status=lost", "status"),
        ("pool=%20", "pool"),
        ("rep=", "rep"),
        ("reason=tired", "reason"),
        ("overdue=yes", "overdue"),
        ("email=ana", "email"),
        ("domain=ana%40northwind.io", "domain"),
        ("domain=northwind", "domain"),
        ("company=%2C.", "company"),
    ];
    for (query, field) in refusals {
        let path = format!("/v1/admin/leads?since=1h&{query}");
        let (s, problem) = api.call(Who::Viewer, "GET", &path, "").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    // Every listing's numeric parameters are checked the same way, never read as a default.
    let refusals = [
        ("/v1/admin/dlq?max=many", "max"),
        ("/v1/admin/dlq?max=-1", "max"),
        ("/v1/admin/leads?since=1h&limit=ten", "limit"),
        ("/v1/admin/triage?limit=1.5", "limit"),
        ("/v1/admin/audit?limit=x", "limit"),
    ];
    for (path, field) in refusals {
        let (s, problem) = api.call(Who::Viewer, "GET", path, "").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
}
