//! `switchboard policy shadow`: a stored version decides every lead beside the active one
//! on a running `switchboard serve`, changes nothing, and the report compares the two.

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::Value;

use crate::common::{ok, path_str, run, scratch};
use crate::serve::NIGHT_POLICY;
use crate::server::{Server, intake_config, lead, lead_id, rep};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shadow_version_decides_beside_the_active_one_and_changes_nothing() {
    let dir = scratch("serve-shadow");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(
        &data,
        &[
            "--intake-config",
            path_str(&config),
            "--sweep-interval",
            "200ms",
        ],
    );
    let d = path_str(&data);
    // Version 2 stored, version 1 (the demo policy) active again.
    let candidate = dir.join("candidate.yaml");
    // Every lead to desk-3, who is not in the demo policy's pools.
    std::fs::write(&candidate, NIGHT_POLICY).unwrap();
    ok(&["policy", "apply", path_str(&candidate), "--data-dir", d]);
    ok(&["policy", "rollback", "--data-dir", d]);

    assert!(ok(&["policy", "shadow", "show", "--data-dir", d]).contains("no shadow runs"));
    let refused = run(&["policy", "shadow", "start", "1", "--data-dir", d]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is the active one"));
    let started = ok(&[
        "policy",
        "shadow",
        "start",
        "2",
        "--note",
        "night trial",
        "--data-dir",
        d,
    ]);
    assert!(
        started.contains("version 2 shadows the active version 1")
            && started.contains("night trial"),
        "{started}"
    );
    // The next lead is decided twice: the setting is on the active pointer routing reads.

    let mut active = Vec::new();
    for i in 0..3 {
        let (_, answer) = server
            .post_lead(&lead(&format!("shadow-{i}@shadow-e2e.com"), "BR"), None)
            .await;
        let view = server.routed(&lead_id(&answer)).await;
        // The active policy decided and assigned; the shadow's desk-3 took nothing.
        assert!(
            ["desk-1", "desk-2"].contains(&rep(&view).as_str()),
            "{view}"
        );
        active.push(rep(&view));
    }
    let report: Value = serde_json::from_str(&ok(&[
        "policy",
        "shadow",
        "report",
        "--since",
        "1h",
        "--json",
        "--data-dir",
        d,
    ]))
    .unwrap();
    assert_eq!(report["leads"], 3, "{report}");
    assert_eq!(report["agreed"], 0, "{report}");
    assert_eq!(report["shadow_versions"], serde_json::json!([2]));
    let desk_3 = report["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rep"] == "desk-3")
        .expect("desk-3 row");
    assert_eq!(
        (desk_3["active"].as_u64(), desk_3["shadow"].as_u64()),
        (Some(0), Some(3))
    );
    let text = ok(&[
        "policy",
        "shadow",
        "report",
        "--since",
        "1h",
        "--data-dir",
        d,
    ]);
    assert!(text.contains("3 leads, agreed on 0 (0.0%)"), "{text}");

    let stopped = ok(&["policy", "shadow", "stop", "--data-dir", d]);
    assert!(
        stopped.contains("no shadow runs beside the active version 1"),
        "{stopped}"
    );
    let auth = format!("Bearer {}", server.admin_token());
    let (status, audit) = server
        .call(
            Method::GET,
            "/v1/admin/audit?since=1h",
            &[("authorization", auth.as_str())],
            Bytes::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"policy.shadow_started") && actions.contains(&"policy.shadow_stopped"),
        "{audit}"
    );
    server.stop();
}
