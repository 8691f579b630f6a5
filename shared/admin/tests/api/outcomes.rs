//! `GET /outcomes`, `POST /outcomes/import` and `POST /outcomes/rebuild`: imported history
//! per rep and segment, refused rows listed, an import replacing the one before.

use http::StatusCode;
use serde_json::{Value, json};

use super::{Api, Who};

const FIT: &str = "
name: fit
triage_pool: triage
outcomes: { segment: [industry, country] }
reps: [ { id: ana }, { id: bo } ]
pools:
  - { id: main, strategy: best_fit, best_fit: { base: round_robin }, members: [ana, bo] }
rules: [ { id: all, pool: main } ]
";

/// `(rep, closes, won, segments as (key, closes, won))` of a `GET /outcomes` answer.
type Shown = Vec<(String, u64, u64, Vec<(String, u64, u64)>)>;

fn shown(v: &Value) -> Shown {
    v["reps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let segments = r["segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["segment"].as_str().unwrap().to_owned(),
                        s["closes"].as_u64().unwrap(),
                        s["won"].as_u64().unwrap(),
                    )
                })
                .collect();
            (
                r["rep"].as_str().unwrap().to_owned(),
                r["closes"].as_u64().unwrap(),
                r["won"].as_u64().unwrap(),
                segments,
            )
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_owned()
}

pub async fn outcomes_are_imported_shown_and_rebuilt(api: &Api) {
    api.apply(FIT).await;
    let rows = json!({ "rows": [
        { "rep": "ana", "outcome": "won", "industry": "SaaS", "country": "de" },
        { "rep": "ana", "outcome": "lost", "industry": " saas", "country": "DE" },
        { "rep": "bo", "outcome": "Won", "industry": "retail" },
        { "rep": "bo", "outcome": "unqualified", "industry": "retail" },
        { "rep": "zed", "outcome": "won" },
        { "rep": "ana", "outcome": "maybe" },
        { "outcome": "won" },
    ]})
    .to_string();
    let (st, v) = api
        .call(Who::Viewer, "POST", "/v1/admin/outcomes/import", &rows)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let want_shown: Shown = vec![
        (s("ana"), 2, 1, vec![(s("industry=saas|country=de"), 2, 1)]),
        (s("bo"), 1, 1, vec![(s("industry=retail|country="), 1, 1)]),
    ];
    // Twice: the second import replaces the first, so nothing doubles.
    for _ in 0..2 {
        let (st, done) = api
            .call(Who::Admin, "POST", "/v1/admin/outcomes/import", &rows)
            .await;
        assert_eq!(st, StatusCode::OK, "{done}");
        assert_eq!(
            (
                &done["rows"],
                &done["closes"],
                &done["unqualified"],
                &done["reps"]
            ),
            (&json!(7), &json!(3), &json!(1), &json!(2)),
            "{done}"
        );
        let refused: Vec<(u64, &str)> = done["refused"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["row"].as_u64().unwrap(), r["problem"].as_str().unwrap()))
            .collect();
        assert_eq!(
            refused,
            [
                (5, "rep zed is not in the active policy"),
                (6, "outcome \"maybe\" is not won, lost or unqualified"),
                (7, "no rep"),
            ]
        );
        let (st, v) = api.call(Who::Viewer, "GET", "/v1/admin/outcomes", "").await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(shown(&v), want_shown, "{v}");
        assert_eq!(v["segment_fields"], json!(["industry", "country"]));
        assert_eq!(v["reps"][0]["win_rate"], json!(0.5));
        assert_eq!(v["reps"][0]["imported"]["closes"], json!(2));
        assert_eq!(v["reps"][0]["recorded"]["closes"], json!(0));
    }

    // One rep.
    let (st, v) = api
        .call(Who::Viewer, "GET", "/v1/admin/outcomes?rep=bo", "")
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(shown(&v), want_shown[1..]);

    // A rebuild recounts recorded closes (none here) and keeps the imported history.
    let (st, v) = api
        .call(Who::Viewer, "POST", "/v1/admin/outcomes/rebuild", "")
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (st, done) = api
        .call(Who::Admin, "POST", "/v1/admin/outcomes/rebuild", "")
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["closes"], json!(0), "{done}");
    let (_, v) = api.call(Who::Viewer, "GET", "/v1/admin/outcomes", "").await;
    assert_eq!(shown(&v), want_shown);

    // A file with bo's rows only: ana's imported history is gone.
    let only_bo =
        json!({ "rows": [{ "rep": "bo", "outcome": "lost", "industry": "retail" }] }).to_string();
    let (st, _) = api
        .call(Who::Admin, "POST", "/v1/admin/outcomes/import", &only_bo)
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, v) = api.call(Who::Viewer, "GET", "/v1/admin/outcomes", "").await;
    assert_eq!(
        shown(&v),
        vec![
            (s("ana"), 0, 0, vec![]),
            (s("bo"), 1, 0, vec![(s("industry=retail|country="), 1, 0)]),
        ]
    );
    assert!(v["reps"][0].get("win_rate").is_none(), "{v}");
}
