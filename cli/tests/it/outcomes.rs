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
