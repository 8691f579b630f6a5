//! `switchboard outcomes import|show|rebuild` on a data directory's store: a history file
//! with a bad row, imported twice, shown per rep and segment, kept by a rebuild.

use serde_json::{Value, json};

use switchboard_testkit::moto::{block_on, moto_blocking};

use crate::common::{ok, path_str, run, scratch};

const POLICY: &str = "\
name: fit
triage_pool: triage
outcomes: { segment: [industry] }
reps: [ { id: ana }, { id: bo } ]
pools:
  - { id: main, strategy: best_fit, best_fit: { base: round_robin }, members: [ana, bo] }
rules: [ { id: all, pool: main } ]
";

const HISTORY: &str = "\
rep,outcome,industry,country
ana,won,SaaS,DE
ana,won,saas,FR
ana,lost,Retail,DE
bo,lost,saas,DE
bo,unqualified,saas,DE
cy,won,saas,DE
";

#[test]
fn history_is_imported_shown_and_kept_by_a_rebuild() {
    let dir = scratch("outcomes");
    let data = dir.join("data");
    history_round_trip(&dir, &["--data-dir", path_str(&data)]);
}

/// The same on a deployment's table (`--table`), on moto; skipped without it.
#[test]
fn history_is_imported_on_a_deployments_table() {
    let Some(aws) = moto_blocking() else { return };
    let table = block_on(aws.table("cli-outcomes"));
    history_round_trip(&scratch("outcomes-table"), &["--table", &table]);
}

/// Applies the policy, then imports, shows and rebuilds on `target`.
fn history_round_trip(dir: &std::path::Path, data_dir: &[&str]) {
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();
    ok(&[&["policy", "apply", path_str(&policy)][..], data_dir].concat());
    let file = dir.join("history.csv");
    std::fs::write(&file, HISTORY).unwrap();

    for _ in 0..2 {
        let out = run(&[&["outcomes", "import", path_str(&file)][..], data_dir].concat());
        let stdout = String::from_utf8_lossy(&out.stdout);
        // A refused row is the file's to fix: listed, and the exit status says so.
        assert_eq!(out.status.code(), Some(2), "{stdout}");
        assert!(
            stdout.contains("6 rows: 4 won or lost closes imported for 2 reps, 1 unqualified not counted, 1 refused"),
            "{stdout}"
        );
        assert!(
            stdout.contains("row 6: rep cy is not in the active policy"),
            "{stdout}"
        );
    }
    let show = |extra: &[&str]| -> Value {
        let args = [
            &["outcomes", "show", "--format", "json"][..],
            extra,
            data_dir,
        ]
        .concat();
        serde_json::from_str(&ok(&args)).unwrap()
    };
    let shown = show(&[]);
    let summary: Vec<Value> = shown["reps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["rep"], r["closes"], r["won"], r["segments"]]))
        .collect();
    assert_eq!(
        summary,
        [
            json!(["ana", 3, 2, [
                { "segment": "industry=saas", "closes": 2, "won": 2, "win_rate": 1.0 },
                { "segment": "industry=retail", "closes": 1, "won": 0, "win_rate": 0.0 },
            ]]),
            json!(["bo", 1, 0, [
                { "segment": "industry=saas", "closes": 1, "won": 0, "win_rate": 0.0 },
            ]]),
        ]
    );

    let rebuilt = ok(&[&["outcomes", "rebuild"][..], data_dir].concat());
    assert!(
        rebuilt.contains("0 assigned leads read: 0 won or lost closes counted"),
        "{rebuilt}"
    );
    assert_eq!(show(&[]), shown, "the rebuild keeps imported history");

    let text = ok(&[&["outcomes", "show", "--rep", "ana"][..], data_dir].concat());
    assert!(text.contains("segments by industry"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("ana ") && l.contains("67%")),
        "{text}"
    );
    assert!(!text.contains("bo "), "{text}");
}

const CRM_POLICY: &str = "\
name: fit
triage_pool: triage
outcomes: { segment: [industry] }
reps:
  - { id: ana, crm: { hubspot_owner_id: '11' } }
  - { id: bo, crm: { hubspot_owner_id: '12' } }
pools:
  - { id: main, strategy: best_fit, best_fit: { base: round_robin }, members: [ana, bo] }
rules: [ { id: all, pool: main } ]
";

/// `POST /crm/v3/objects/deals/search` as HubSpot answers it, over six deals: closed won
/// and lost by ana (11) and bo (12), one closed by an owner who is no rep (99), one still
/// open. It applies the filters it is sent (closed only, closed since) and pages two at a
/// time.
async fn hubspot_deals() -> std::net::SocketAddr {
    use axum::Json;
    use axum::http::HeaderMap;
    let search = |headers: HeaderMap, Json(q): Json<Value>| async move {
        assert_eq!(
            headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer hub-token")
        );
        let deals = [
            ("1", "11", true, true, "2026-01-05T10:00:00Z", "SaaS"),
            ("2", "11", true, false, "2026-02-05T10:00:00Z", " Retail "),
            ("3", "12", true, false, "2026-03-05T10:00:00Z", "saas"),
            ("4", "99", true, true, "2026-04-05T10:00:00Z", "SaaS"),
            ("5", "11", false, false, "", "SaaS"),
            ("6", "12", true, true, "2026-05-05T10:00:00Z", ""),
        ];
        let mut closed_only = false;
        let mut since: Option<i64> = None;
        for f in q["filterGroups"][0]["filters"].as_array().unwrap() {
            match (f["propertyName"].as_str(), f["operator"].as_str()) {
                (Some("hs_is_closed"), Some("EQ")) => closed_only = f["value"] == "true",
                (Some("closedate"), Some("GTE")) => {
                    since = f["value"].as_str().and_then(|v| v.parse().ok())
                }
                other => panic!("unexpected filter {other:?}"),
            }
        }
        let asked: Vec<&str> = q["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(asked.contains(&"industry"), "{asked:?}");
        let hits: Vec<Value> = deals
            .iter()
            .filter(|d| !closed_only || d.2)
            .filter(|d| {
                since.is_none_or(|s| {
                    d.4.parse::<jiff::Timestamp>()
                        .is_ok_and(|t| t.as_millisecond() >= s)
                })
            })
            .map(|d| {
                json!({"id": d.0, "properties": {
                    "hubspot_owner_id": d.1, "hs_is_closed_won": d.3.to_string(),
                    "closedate": d.4, "industry": d.5, "hs_object_id": d.0}})
            })
            .collect();
        let offset: usize = q["after"].as_str().map_or(0, |a| a.parse().unwrap());
        let mut answer = json!({"total": hits.len(),
            "results": hits.iter().skip(offset).take(2).collect::<Vec<_>>()});
        if offset + 2 < hits.len() {
            answer["paging"] = json!({"next": {"after": (offset + 2).to_string()}});
        }
        Json(answer)
    };
    crate::common::serve_on_loopback(
        axum::Router::new().route("/crm/v3/objects/deals/search", axum::routing::post(search)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_deals_are_imported_from_the_crm() {
    let dir = scratch("outcomes-crm");
    let data = dir.join("data");
    crate::common::apply_policy(&dir, &data, CRM_POLICY);
    let hub = hubspot_deals().await;
    let config = dir.join("notify.yaml");
    std::fs::write(
        &config,
        format!(
            "channels:\n  hub: {{ type: hubspot, token: hub-token, api_url: 'http://{hub}' }}\n"
        ),
    )
    .unwrap();
    let import = |extra: &'static [&'static str]| {
        let (data, config) = (data.clone(), config.clone());
        tokio::task::spawn_blocking(move || {
            let args = [
                &["outcomes", "import", "--crm", "hubspot"][..],
                extra,
                &[
                    "--notify-config",
                    path_str(&config),
                    "--data-dir",
                    path_str(&data),
                ],
            ]
            .concat();
            run(&args)
        })
    };
    // HubSpot's deals carry no industry unless told which property holds it.
    let refused = import(&[]).await.unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--field industry=PROPERTY"), "{stderr}");

    let out = import(&["--field", "industry=industry"]).await.unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("HubSpot: read 5 closed deal(s), closed 2026-01-05 to 2026-05-05"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 won and 2 lost by reps; 1 owned by someone who is not a rep"),
        "{stderr}"
    );
    assert!(
        stdout.contains(
            "4 rows: 4 won or lost closes imported for 2 reps, 0 unqualified not counted, 0 refused"
        ),
        "{stdout}"
    );
    let data_dir = ["--data-dir", path_str(&data)];
    let shown: Value = serde_json::from_str(&ok(&[
        &["outcomes", "show", "--format", "json"][..],
        &data_dir,
    ]
    .concat()))
    .unwrap();
    let summary: Vec<Value> = shown["reps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!([
                r["rep"],
                r["closes"],
                r["won"],
                r["imported"]["closes"],
                r["segments"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!(["ana", 2, 1, 2, [
                { "segment": "industry=retail", "closes": 1, "won": 0, "win_rate": 0.0 },
                { "segment": "industry=saas", "closes": 1, "won": 1, "win_rate": 1.0 },
            ]]),
            json!(["bo", 2, 1, 2, [
                { "segment": "industry=", "closes": 1, "won": 1, "win_rate": 1.0 },
                { "segment": "industry=saas", "closes": 1, "won": 0, "win_rate": 0.0 },
            ]]),
        ]
    );

    // From a day on: the import replaces the history with the later closes only.
    let later = import(&[
        "--field",
        "industry=industry",
        "--since",
        "2026-03-01",
        "--format",
        "json",
    ])
    .await
    .unwrap();
    assert!(
        later.status.success(),
        "{}",
        String::from_utf8_lossy(&later.stderr)
    );
    let done: Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(
        (done["rows"].as_u64(), done["reps"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(
        String::from_utf8_lossy(&later.stderr)
            .contains("read 3 closed deal(s) closed since 2026-03-01"),
        "{}",
        String::from_utf8_lossy(&later.stderr)
    );
}
