//! `switchboard serve` end to end: leads posted over HTTP are stored, routed, explained
//! and kept across restarts; policy versions change routing; poison messages reach the
//! dead letters and come back.

use http::{Method, StatusCode};
use serde_json::Value;

use crate::common::{ok, path_str, run, scratch};
use crate::server::{API_KEY, OTHER_KEY, READ_KEY, Server, intake_config, lead, lead_id, rep};

/// A policy whose only rule sends every lead to `desk-3`.
pub(crate) const NIGHT_POLICY: &str = "\
name: night
triage_pool: triage
reps:
  - { id: desk-3, name: Night Desk, time_zone: UTC }
pools:
  - { id: night-desk, strategy: round_robin, members: [desk-3] }
rules:
  - { id: default, pool: night-desk }
";

fn flags<'a>(config: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut f = vec!["--intake-config", config, "--sweep-interval", "200ms"];
    f.extend_from_slice(extra);
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_are_routed_explained_and_survive_a_restart() {
    let dir = scratch("serve-e2e");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let config = path_str(&config);
    let server = Server::start(&data, &flags(config, &[]));
    assert!(
        server.banner.contains("policy version 1 active"),
        "{}",
        server.banner
    );

    // Several markets: each goes through a different rule of the demo policy.
    let mut ids = Vec::new();
    for (i, country) in ["US", "DE", "BR", "GB", "SG"].iter().enumerate() {
        let (status, answer) = server
            .post_lead(&lead(&format!("buyer{i}@firm{i}-e2e.com"), country), None)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(answer["status"], "queued");
        ids.push(lead_id(&answer));
    }
    // Each lead is decided under version 1 and its decision stored: assigned, or parked
    // when the demo reps of its market are outside their working hours right now. The
    // inbound desk (Brazil) works around the clock.
    let mut views = Vec::new();
    for id in &ids {
        let view = server.routed(id).await;
        let decisions = view["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), 1, "{view}");
        assert_eq!(decisions[0]["policy_version"], 1);
        match view["status"].as_str().unwrap() {
            "assigned" => {
                assert_eq!(decisions[0]["outcome"]["rep"].as_str().unwrap(), rep(&view));
                assert_eq!(view["assignment"]["status"], "open");
            }
            "parked" => {
                assert_eq!(decisions[0]["outcome"]["status"], "parked");
                assert!(view["assignment"].is_null());
            }
            other => panic!("lead {id} is {other}"),
        }
        views.push(view);
    }
    assert_eq!(views[2]["status"], "assigned", "{}", views[2]);
    let desk = rep(&views[2]);
    assert!(["desk-1", "desk-2"].contains(&desk.as_str()));

    // The admin command reads the same through the running server.
    let shown = ok(&["lead", "show", &ids[2], "--data-dir", path_str(&data)]);
    assert!(
        shown.contains(&format!("lead {}: assigned", ids[2])),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("assignment  {desk} (pool inbound-desk)")),
        "{shown}"
    );
    assert!(shown.contains("Decision 1 (policy version 1)"), "{shown}");
    assert!(shown.contains("Step 1: pool inbound-desk"), "{shown}");

    // A retried POST with the same Idempotency-Key creates nothing new.
    let body = lead("retry@retry-e2e.com", "BR");
    let (s1, first) = server.post_lead(&body, Some("retry-1")).await;
    assert_eq!(s1, StatusCode::ACCEPTED);
    let retried_id = lead_id(&first);
    let before = server.routed(&retried_id).await;
    for _ in 0..3 {
        let (s, again) = server.post_lead(&body, Some("retry-1")).await;
        assert_eq!(s, StatusCode::ACCEPTED);
        assert_eq!(lead_id(&again), retried_id);
    }
    let (_, after) = server.decision(&retried_id, READ_KEY, 0).await;
    assert_eq!(after, before, "a retry changed the lead's routing");
    let (_, stats) = admin_get(&server, "/v1/admin/stats").await;
    assert_eq!(stats["routed"], ids.len() + 1, "{stats}");

    server.stop();
    assert!(!data.join("serve.json").exists(), "serve.json left behind");

    // Without a server the command opens the store itself.
    let offline: Value = serde_json::from_str(&ok(&[
        "lead",
        "show",
        &ids[2],
        "--json",
        "--data-dir",
        path_str(&data),
    ]))
    .unwrap();
    assert_eq!(offline["assignment"], views[2]["assignment"]);
    assert_eq!(offline["decisions"], views[2]["decisions"]);

    // After a restart every lead and decision is still there, and nothing was re-seeded.
    let server = Server::start(&data, &flags(config, &[]));
    assert!(!server.banner.contains("first start"), "{}", server.banner);
    for (id, before) in ids.iter().zip(&views) {
        let (status, view) = server.decision(id, READ_KEY, 0).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(view, *before);
    }
    let (s, again) = server.post_lead(&body, Some("retry-1")).await;
    assert_eq!((s, lead_id(&again)), (StatusCode::ACCEPTED, retried_id));
    let history = ok(&["policy", "history", "--json", "--data-dir", path_str(&data)]);
    let history: Value = serde_json::from_str(&history).unwrap();
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_policy_version_changes_routing_and_rollback_restores_it() {
    let dir = scratch("serve-policy");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(&data, &flags(path_str(&config), &[]));
    let d = path_str(&data);

    // Brazil matches no market rule of the demo policy: its inbound desk takes it.
    let route = |email: &'static str| {
        let server = &server;
        async move {
            let (_, answer) = server.post_lead(&lead(email, "BR"), None).await;
            server.routed(&lead_id(&answer)).await
        }
    };
    let v1 = route("first@policy-e2e.com").await;
    assert!(["desk-1", "desk-2"].contains(&rep(&v1).as_str()), "{v1}");
    assert_eq!(v1["decisions"][0]["policy_version"], 1);

    let night = dir.join("night.yaml");
    std::fs::write(&night, NIGHT_POLICY).unwrap();
    let applied = ok(&[
        "policy",
        "apply",
        path_str(&night),
        "--note",
        "nights",
        "--data-dir",
        d,
    ]);
    assert!(
        applied.contains("policy version 2 stored and active (replacing version 1)"),
        "{applied}"
    );
    let v2 = route("second@policy-e2e.com").await;
    assert_eq!(rep(&v2), "desk-3", "{v2}");
    assert_eq!(v2["decisions"][0]["policy_version"], 2);

    let history = ok(&["policy", "history", "--data-dir", d]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 3, "{history}");
    assert!(
        lines[1].trim_start().starts_with("1 ") && !lines[1].contains("active"),
        "{history}"
    );
    assert!(
        lines[2].contains("2  active") && lines[2].contains("nights"),
        "{history}"
    );
    assert!(ok(&["policy", "show", "2", "--data-dir", d]).contains("desk-3"));

    let rolled = ok(&["policy", "rollback", "--data-dir", d]);
    assert!(
        rolled.contains("policy version 1 is active (was 2)"),
        "{rolled}"
    );
    let v1_again = route("third@policy-e2e.com").await;
    assert!(
        ["desk-1", "desk-2"].contains(&rep(&v1_again).as_str()),
        "{v1_again}"
    );
    assert_eq!(v1_again["decisions"][0]["policy_version"], 1);
    let history: Value =
        serde_json::from_str(&ok(&["policy", "history", "--json", "--data-dir", d])).unwrap();
    assert_eq!(history["active"]["version"], 1);
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);

    // An invalid document is refused with its issues, and nothing is stored.
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "name: broken\nreps: []\n").unwrap();
    let out = run(&["policy", "apply", path_str(&bad), "--data-dir", d]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("triage_pool"));
    let history: Value =
        serde_json::from_str(&ok(&["policy", "history", "--json", "--data-dir", d])).unwrap();
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_that_cannot_be_routed_reaches_the_dead_letters_and_is_redriven() {
    let dir = scratch("serve-dlq");
    let data = dir.join("data");
    let config = intake_config(&dir);
    // No policy: routing fails for every lead, deterministically.
    let server = Server::start(
        &data,
        // Fast redelivery, so the failures reach the dead letters within a second.
        &flags(
            path_str(&config),
            &[
                "--no-demo",
                "--max-receives",
                "2",
                "--visibility-timeout",
                "100ms",
            ],
        ),
    );
    assert!(
        server.banner.contains("no policy active"),
        "{}",
        server.banner
    );
    let d = path_str(&data);

    let (status, answer) = server
        .post_lead(&lead("stuck@dlq-e2e.com", "US"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = lead_id(&answer);

    let dead = wait_for(|| {
        let listed: Value =
            serde_json::from_str(&ok(&["dlq", "list", "--json", "--data-dir", d])).unwrap();
        (!listed.as_array().unwrap().is_empty()).then_some(listed)
    });
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead}");
    assert_eq!(dead[0]["lead_id"].as_str(), Some(id.as_str()));
    assert!(ok(&["dlq", "list", "--data-dir", d]).contains(&id));
    let (_, view) = server.decision(&id, READ_KEY, 0).await;
    assert_eq!(
        view["status"], "queued",
        "the lead stays stored, awaiting routing: {view}"
    );
    let (_, stats) = admin_get(&server, "/v1/admin/stats").await;
    assert!(stats["route_failures"].as_u64().unwrap() >= 2, "{stats}");

    // Fix the cause, then re-drive.
    let policy = dir.join("night.yaml");
    std::fs::write(&policy, NIGHT_POLICY).unwrap();
    ok(&["policy", "apply", path_str(&policy), "--data-dir", d]);
    let moved = ok(&["dlq", "redrive", "--data-dir", d]);
    assert!(moved.contains("moved 1 dead letter(s)"), "{moved}");
    let view = server.routed(&id).await;
    assert_eq!(rep(&view), "desk-3");
    assert!(ok(&["dlq", "list", "--data-dir", d]).contains("no dead letters"));
    server.stop();

    // Dead letters live in the server process.
    let out = run(&["dlq", "list", "--data-dir", d]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("running `switchboard serve`"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_awaiting_routing_at_shutdown_are_routed_after_the_restart() {
    let dir = scratch("serve-recovery");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let d = path_str(&data);
    let server = Server::start(&data, &flags(path_str(&config), &["--no-demo"]));
    let mut ids = Vec::new();
    for i in 0..3 {
        let (_, answer) = server
            .post_lead(&lead(&format!("wait{i}@recovery-e2e.com"), "US"), None)
            .await;
        ids.push(lead_id(&answer));
    }
    server.stop();

    // The policy goes in while no server runs: the command opens the store itself.
    let policy = dir.join("night.yaml");
    std::fs::write(&policy, NIGHT_POLICY).unwrap();
    ok(&["policy", "apply", path_str(&policy), "--data-dir", d]);

    let server = Server::start(&data, &flags(path_str(&config), &["--no-demo"]));
    assert!(
        server.banner.contains("re-driving 3 stored lead(s)"),
        "{}",
        server.banner
    );
    for id in &ids {
        assert_eq!(rep(&server.routed(id).await), "desk-3");
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decision_route_and_admin_routes_check_keys() {
    let dir = scratch("serve-auth");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(&data, &flags(path_str(&config), &[]));
    let (_, answer) = server
        .post_lead(&lead("auth@auth-e2e.com", "US"), None)
        .await;
    let id = lead_id(&answer);

    // The source's own key reads its lead; another source's key gets 404, as for an
    // unknown id; a wrong key gets 401. Errors are problem documents.
    assert_eq!(server.decision(&id, API_KEY, 2000).await.0, StatusCode::OK);
    let (status, problem) = server.decision(&id, OTHER_KEY, 0).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["type"], "urn:switchboard:problem:lead-not-found");
    assert_eq!(
        server.decision(&id, "wrong", 0).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.decision("no-such-lead", READ_KEY, 0).await.0,
        StatusCode::NOT_FOUND
    );

    let (status, problem) = server
        .call(
            Method::GET,
            "/v1/admin/stats",
            &[("authorization", "Bearer test-read-key")],
            Default::default(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    let (status, problem) = admin_get(&server, "/v1/admin/policy/versions/9").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["type"], "urn:switchboard:problem:not-found");

    // The same address again within the dedupe window: linked, never routed.
    let mut again = lead("auth@auth-e2e.com", "US");
    again["first_name"] = "Same person, new submission".into();
    let (_, dup) = server.post_lead(&again, None).await;
    assert_eq!(dup["status"], "duplicate", "{dup}");
    assert_eq!(dup["duplicate_of"].as_str(), Some(id.as_str()));
    let (_, view) = server.decision(&lead_id(&dup), READ_KEY, 0).await;
    assert_eq!(view["status"], "duplicate");
    assert!(view["decisions"].as_array().unwrap().is_empty());
    server.stop();
}

/// A GET on an admin route with the token from `serve.json`.
async fn admin_get(server: &Server, path: &str) -> (StatusCode, Value) {
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(server.data_dir.join("serve.json")).unwrap())
            .unwrap();
    let auth = format!("Bearer {}", info["admin_token"].as_str().unwrap());
    server
        .call(
            Method::GET,
            path,
            &[("authorization", auth.as_str())],
            Default::default(),
        )
        .await
}

/// Polls `probe` until it yields, for at most 20 s.
fn wait_for<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_accounts_send_their_leads_to_the_owner() {
    let dir = scratch("serve-accounts");
    let data = dir.join("data");
    let d = path_str(&data);
    let config = intake_config(&dir);
    // Applied and imported before the first start: the commands create the store.
    let policy = dir.join("sticky.yaml");
    std::fs::write(
        &policy,
        "name: sticky\ntriage_pool: triage\nreps:\n  - { id: desk-3, time_zone: UTC }\n  \
         - { id: owner-1, time_zone: UTC }\npools:\n  \
         - { id: desk, strategy: round_robin, members: [desk-3] }\nrules:\n  \
         - { id: default, pool: desk, sticky: true }\n",
    )
    .unwrap();
    ok(&["policy", "apply", path_str(&policy), "--data-dir", d]);
    let accounts = dir.join("accounts.csv");
    std::fs::write(
        &accounts,
        "id,name,domains,owner\nACC-1,Owned Industries,owned-e2e.com,owner-1\n",
    )
    .unwrap();
    let imported = ok(&["accounts", "import", path_str(&accounts), "--data-dir", d]);
    assert!(imported.contains("imported 1 account(s)"), "{imported}");

    let server = Server::start(&data, &flags(path_str(&config), &[]));
    assert!(
        server.banner.contains("policy version 1 active"),
        "{}",
        server.banner
    );
    let (_, owned) = server
        .post_lead(&lead("cto@owned-e2e.com", "US"), None)
        .await;
    let view = server.routed(&lead_id(&owned)).await;
    assert_eq!(rep(&view), "owner-1", "{view}");
    assert!(view["assignment"]["pool"].is_null());
    assert_eq!(view["decisions"][0]["account"]["id"], "ACC-1");

    // Through the server: a second owner for a new domain.
    std::fs::write(
        &accounts,
        "id,name,domains,owner\nACC-2,Other Owned,other-owned-e2e.com,desk-3\n",
    )
    .unwrap();
    ok(&["accounts", "import", path_str(&accounts), "--data-dir", d]);
    let (_, other) = server
        .post_lead(&lead("cfo@other-owned-e2e.com", "US"), None)
        .await;
    let view = server.routed(&lead_id(&other)).await;
    assert_eq!(view["decisions"][0]["account"]["id"], "ACC-2", "{view}");
    server.stop();
}

#[test]
fn the_benchmark_policies_are_valid() {
    for file in ["demo/load-policy.yaml", "demo/contention-policy.yaml"] {
        let policy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let out = ok(&["policy", "validate", path_str(&policy)]);
        assert!(out.starts_with("OK "), "{file}: {out}");
    }
}

#[test]
fn the_load_tool_reports_when_the_last_decision_was_stored() {
    let dir = scratch("serve-bench-lag");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(&data, &flags(path_str(&config), &[]));
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("serve.json")).unwrap()).unwrap();
    let viewer = info["viewer_token"].as_str().unwrap();
    let out = ok(&[
        "bench-load",
        "--url",
        &server.url,
        "--api-key",
        API_KEY,
        "--rate",
        "200",
        "--duration",
        "1s",
        "--follow-every",
        "0",
        "--stats-token",
        viewer,
        "--json",
    ]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["accepted"], 200, "{report}");
    let lag = report["lag_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("{report}"));
    // The queue was read empty after the last 202, within the 10 s the tool waits.
    assert!((0.0..10_000.0).contains(&lag), "{report}");
    server.stop();
}
