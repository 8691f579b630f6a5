//! `POST /leads/import`: every row created, found a duplicate or refused with its
//! problems, the new leads routed, and the same batch again creating nothing; with
//! `spread`, the new leads scheduled instead, and the same batch again rescheduling
//! nothing.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

use http::StatusCode;
use serde_json::{Value, json};

use super::{Api, POLICY, Who};

pub async fn leads_are_imported_once_and_routed(api: &Api) {
    api.apply(POLICY).await;
    let batch = json!({
        "source": "fair-2026",
        "rows": [
            { "email": "Ana.Lima@Acme.example", "first_name": "Ana", "country": "Germany" },
            { "email": "bo@beta.example", "company": "Beta", "booth": "B12" },
            { "email": "not-an-address", "first_name": "Cy" },
            { "company": "Nobody Ltd" },
            // Row 1 again: the same content is the same lead.
            { "email": "Ana.Lima@Acme.example", "first_name": "Ana", "country": "Germany" },
            // Another row from row 2's address: the same-email dedupe links it.
            { "email": "BO@beta.example", "first_name": "Bo", "company": "Beta" },
            { "phone": "+49 30 901820", "last_name": "Dietz", "country": "DE" },
        ],
    })
    .to_string();
    let (s, first) = api
        .call(Who::Admin, "POST", "/v1/admin/leads/import", &batch)
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(
        (
            &first["rows"],
            &first["created"],
            &first["duplicates"],
            &first["refused"]
        ),
        (&json!(7), &json!(3), &json!(2), &json!(2)),
        "{first}"
    );
    let results = first["results"].as_array().expect("results");
    let kinds: Vec<(&str, u64)> = results
        .iter()
        .map(|r| (r["result"].as_str().unwrap(), r["row"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", 1),
            ("created", 2),
            ("refused", 3),
            ("refused", 4),
            ("duplicate", 5),
            ("duplicate", 6),
            ("created", 7),
        ],
        "{first}"
    );
    let id = |i: usize| results[i]["lead_id"].as_str().unwrap().to_owned();
    assert_eq!(id(4), id(0), "row 5 is row 1's lead");
    assert_eq!(id(5), id(1), "row 6 links to row 2's lead");
    assert_eq!(results[2]["problems"][0]["field"], "email", "{first}");
    let fields: Vec<&Value> = results[3]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["field"])
        .collect();
    assert_eq!(fields, [&json!("email"), &json!("phone")], "{first}");

    // Stored as intake stores a lead from the generic API, and handed to routing.
    let (s, lead) = api
        .call(
            Who::Viewer,
            "GET",
            &format!("/v1/admin/leads/{}", id(0)),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{lead}");
    assert_eq!(
        lead["lead"]["lead"]["email"], "ana.lima@acme.example",
        "{lead}"
    );
    assert_eq!(lead["lead"]["lead"]["country"], "DE", "{lead}");
    assert_eq!(lead["lead"]["lead"]["source"], "fair-2026", "{lead}");
    let created: BTreeSet<String> = [id(0), id(1), id(6)].into();
    let routed: BTreeSet<String> = (api.drain)().await.into_iter().collect();
    assert_eq!(routed, created, "exactly the created leads were queued");
    for lead_id in &created {
        let (s, report) = api
            .call(
                Who::Viewer,
                "GET",
                &format!("/v1/admin/leads/{lead_id}"),
                "",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{report}");
        assert!(
            !report["decisions"].as_array().unwrap().is_empty(),
            "{lead_id} was decided: {report}"
        );
    }

    // The same batch again: nothing new, nothing queued, the same lead ids.
    let (s, again) = api
        .call(Who::Admin, "POST", "/v1/admin/leads/import", &batch)
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        (&again["created"], &again["duplicates"], &again["refused"]),
        (&json!(0), &json!(5), &json!(2)),
        "{again}"
    );
    let again_ids: Vec<&Value> = again["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.get("lead_id"))
        .collect();
    let first_ids: Vec<Value> = [0, 1, 4, 5, 6].iter().map(|&i| json!(id(i))).collect();
    assert_eq!(again_ids, first_ids.iter().collect::<Vec<_>>(), "{again}");
    assert!((api.drain)().await.is_empty(), "nothing queued again");

    // Both imports are audited with their counts, and no row's data.
    let (s, audit) = api.call(Who::Viewer, "GET", "/v1/admin/audit", "").await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    let imports: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "leads.imported")
        .collect();
    assert_eq!(imports.len(), 2, "{audit}");
    assert_eq!(imports[0]["target"], "source:fair-2026");
    assert_eq!(imports[0]["actor"], "adam");
    assert_eq!(
        imports[0]["detail"],
        json!({ "first_row": 1, "rows": 7, "created": 0, "duplicates": 5, "refused": 2 })
    );
    assert!(!audit.to_string().contains("acme.example"), "{audit}");
}

/// A request the route cannot take is refused whole, naming the field; a viewer may not
/// import.
pub async fn bad_imports_are_refused(api: &Api) {
    api.apply(POLICY).await;
    let row = json!({ "email": "eve@example.org" });
    let too_many = vec![row.clone(); 1001];
    let cases = [
        (json!({ "source": " ", "rows": [row] }), "source"),
        (json!({ "source": "fair", "rows": too_many }), "rows"),
        (
            json!({ "source": "fair", "rows": [row], "first_row": 0 }),
            "first_row",
        ),
        (
            json!({ "source": "fair", "rows": [row], "spread": "0d" }),
            "spread",
        ),
        (
            json!({ "source": "fair", "rows": [row], "spread": "31d" }),
            "spread",
        ),
        (
            json!({ "source": "fair", "rows": [row], "spread": "two days" }),
            "spread",
        ),
        (
            json!({ "source": "fair", "rows": [row], "spread_from": "2026-12-07T00:00:00Z" }),
            "spread_from",
        ),
        (
            json!({ "source": "fair", "rows": [row], "spread": "1h",
                    "spread_from": "2000-01-01T00:00:00Z" }),
            "spread_from",
        ),
        (json!({ "rows": [row] }), "source"),
    ];
    for (body, field) in cases {
        let (s, problem) = api
            .call(
                Who::Admin,
                "POST",
                "/v1/admin/leads/import",
                &body.to_string(),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let body = json!({ "source": "fair", "rows": [row] }).to_string();
    let (s, _) = api
        .call(Who::Viewer, "POST", "/v1/admin/leads/import", &body)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Nothing of the refused requests was stored or queued.
    assert!((api.drain)().await.is_empty());
    let (s, page) = api.call(Who::Viewer, "GET", "/v1/admin/leads", "").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["items"], json!([]), "{page}");
}

/// With `spread`, each new lead is stored `scheduled` at a planned time inside the period
/// and nothing is queued; the same batch again creates, reschedules and queues nothing.
pub async fn a_spread_import_schedules_the_new_leads(api: &Api) {
    api.apply(POLICY).await;
    let batch = json!({
        "source": "expo",
        "spread": "1d",
        "rows": [
            { "email": "a@one.example" },
            { "email": "b@two.example" },
            { "email": "c@three.example" },
            { "email": "a@one.example" },
        ],
    })
    .to_string();
    let before = Timestamp::now();
    let (s, first) = api
        .call(Who::Admin, "POST", "/v1/admin/leads/import", &batch)
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(
        (&first["created"], &first["duplicates"]),
        (&json!(3), &json!(1)),
        "{first}"
    );
    let spread = &first["spread"];
    assert_eq!(spread["targets"][0]["target"], "inbound", "{first}");
    assert_eq!(spread["targets"][0]["leads"], 3, "{first}");
    assert_eq!(spread["at_once"], 0, "{first}");
    assert!((api.drain)().await.is_empty(), "nothing routed at once");

    let end = before + SignedDuration::from_hours(25);
    let mut planned = Vec::new();
    for r in first["results"].as_array().unwrap() {
        if r["result"] != "created" {
            continue;
        }
        let id = r["lead_id"].as_str().unwrap();
        let at: Timestamp = r["route_at"].as_str().unwrap().parse().unwrap();
        assert!(before <= at && at < end, "{r}");
        let (s, lead) = api
            .call(Who::Viewer, "GET", &format!("/v1/admin/leads/{id}"), "")
            .await;
        assert_eq!(s, StatusCode::OK, "{lead}");
        assert_eq!(lead["lead"]["status"], "scheduled", "{lead}");
        assert_eq!(lead["lead"]["route_at"], r["route_at"], "{lead}");
        assert!(lead["decisions"].as_array().unwrap().is_empty(), "{lead}");
        planned.push((id.to_owned(), r["route_at"].clone()));
    }
    // Spread over the period: three different times.
    let times: BTreeSet<String> = planned.iter().map(|(_, at)| at.to_string()).collect();
    assert_eq!(times.len(), 3, "{planned:?}");

    let (s, again) = api
        .call(Who::Admin, "POST", "/v1/admin/leads/import", &batch)
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        (&again["created"], &again["duplicates"]),
        (&json!(0), &json!(4)),
        "{again}"
    );
    assert_eq!(again["spread"]["targets"], json!([]), "{again}");
    assert!((api.drain)().await.is_empty(), "nothing queued again");
    for (id, at) in &planned {
        let (_, lead) = api
            .call(Who::Viewer, "GET", &format!("/v1/admin/leads/{id}"), "")
            .await;
        assert_eq!(
            (&lead["lead"]["status"], &lead["lead"]["route_at"]),
            (&json!("scheduled"), at),
            "{lead}"
        );
    }
}
