//! `policy validate` and `policy schema`.

use crate::common::{demo_policy, ok, path_str, run, scratch};

#[test]
fn validate_accepts_the_demo() {
    let out = ok(&["policy", "validate", path_str(&demo_policy())]);
    assert!(out.starts_with("OK "), "{out}");
    assert!(
        out.contains("15 reps, 7 pools, 6 rules, 0 warning(s)"),
        "{out}"
    );
}

#[test]
fn validate_rejects_a_broken_policy_with_paths_and_exit_code_1() {
    let dir = scratch("validate_broken");
    let demo = std::fs::read_to_string(demo_policy()).unwrap();
    let broken = demo
        .replacen(
            "fallbacks: [managers, inbound-desk]",
            "fallbacks: [managers, nowhere]",
            1,
        )
        .replace("time_zone: Europe/Vienna", "time_zone: Europe/Wien");
    assert_ne!(broken, demo, "the edits must apply");
    let file = dir.join("broken.yaml");
    std::fs::write(&file, broken).unwrap();

    let out = run(&["policy", "validate", path_str(&file)]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("INVALID "), "{text}");
    assert!(text.contains("2 issue(s)"), "{text}");
    assert!(
        text.contains("\nrules[0].fallbacks[1]: unknown pool `nowhere`\n"),
        "{text}"
    );
    assert!(
        text.contains("\nreps[2].time_zone: unknown time zone `Europe/Wien`"),
        "{text}"
    );

    let out = run(&["policy", "validate", path_str(&file), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let paths: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["reps[2].time_zone", "rules[0].fallbacks[1]"]);
}

#[test]
fn validate_reports_yaml_shape_errors_by_path() {
    let dir = scratch("validate_shape");
    let file = dir.join("typo.yaml");
    std::fs::write(
        &file,
        "triage_pool: triage\nreps: []\npools: []\nrulez: []\n",
    )
    .unwrap();
    let out = run(&["policy", "validate", path_str(&file)]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("rulez: unknown field `rulez`"), "{text}");
}

#[test]
fn validate_json_summarises_a_valid_policy() {
    let out = ok(&[
        "policy",
        "validate",
        path_str(&demo_policy()),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["summary"]["reps"], 15);
    assert_eq!(v["summary"]["pools"], 7);
    assert_eq!(v["summary"]["rules"], 6);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn schema_is_json_and_equals_the_shipped_copy() {
    let out = ok(&["policy", "schema"]);
    let schema: serde_json::Value = serde_json::from_str(&out).expect("schema is JSON");
    assert_eq!(schema["title"], "PolicyDocument");
    assert!(schema["properties"]["rules"].is_object(), "{out}");
    let shipped_path = demo_policy().with_file_name("policy.schema.json");
    let shipped = std::fs::read_to_string(&shipped_path).unwrap();
    assert!(
        out == shipped,
        "{} is stale: run `switchboard policy schema > cli/demo/policy.schema.json`",
        shipped_path.display()
    );
}

#[test]
fn demo_policy_points_editors_at_the_schema() {
    let demo = std::fs::read_to_string(demo_policy()).unwrap();
    assert_eq!(
        demo.lines().next(),
        Some("# yaml-language-server: $schema=./policy.schema.json")
    );
}

#[test]
fn diff_names_what_changed_between_versions_and_against_a_file() {
    let dir = scratch("policy_diff");
    let data = dir.join("data");
    let demo = std::fs::read_to_string(demo_policy()).unwrap();
    let second = demo
        .replacen("kill_switch: false", "kill_switch: true", 1)
        .replacen("time_zone: Europe/Vienna", "time_zone: Europe/Berlin", 1);
    assert_ne!(second, demo, "the edits must apply");
    let second_file = dir.join("second.yaml");
    std::fs::write(&second_file, &second).unwrap();
    let data_dir = path_str(&data);
    ok(&[
        "policy",
        "apply",
        path_str(&demo_policy()),
        "--data-dir",
        data_dir,
    ]);

    // Before it is applied: what the file would change.
    let draft = ok(&[
        "policy",
        "diff",
        "--file",
        path_str(&second_file),
        "--data-dir",
        data_dir,
    ]);
    ok(&[
        "policy",
        "apply",
        path_str(&second_file),
        "--data-dir",
        data_dir,
    ]);
    // After: the active version against the one before it.
    let stored = ok(&["policy", "diff", "--data-dir", data_dir]);
    for out in [&draft, &stored] {
        assert!(out.starts_with("policy 1 → 2\n"), "{out}");
        assert!(out.contains("kill_switch: false → true"), "{out}");
        assert!(
            out.contains("time_zone: Europe/Vienna → Europe/Berlin"),
            "{out}"
        );
        assert!(
            !out.contains("pools\n") && !out.contains("rules\n"),
            "{out}"
        );
    }

    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "policy",
        "diff",
        "--from",
        "2",
        "--to",
        "1",
        "--json",
        "--data-dir",
        data_dir,
    ]))
    .unwrap();
    assert_eq!(
        (json["from"].as_u64(), json["to"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(json["settings"][0]["before"], true);

    let same = ok(&[
        "policy",
        "diff",
        "--from",
        "2",
        "--to",
        "2",
        "--data-dir",
        data_dir,
    ]);
    assert_eq!(same, "policy 2 → 2\nno changes\n");
    // Version 1 has nothing before it; an unknown version is an error too.
    for args in [vec!["--to", "1"], vec!["--from", "9"]] {
        let mut all = vec!["policy", "diff", "--data-dir", data_dir];
        all.extend(args.iter().copied());
        let out = run(&all);
        assert!(!out.status.success(), "{args:?} should fail");
    }
}

#[test]
fn validate_lists_findings_with_codes_paths_fixes_and_examples() {
    let dir = scratch("validate_findings");
    let file = dir.join("shadowed.yaml");
    std::fs::write(
        &file,
        "triage_pool: triage
reps: [ { id: ann }, { id: bob } ]
pools:
  - { id: dach, members: [ann] }
  - { id: world, members: [bob] }
rules:
  - { id: dach, when: { field: country, in: [DE, AT] }, pool: dach }
  - { id: de, when: { field: country, eq: DE }, pool: world }
  - { id: rest, pool: dach }
",
    )
    .unwrap();
    // Findings never fail validation: the policy is valid, only likely wrong.
    let out = ok(&["policy", "validate", path_str(&file)]);
    // The shadowed rule was the only one sending leads to `world`, and so to bob.
    assert!(out.contains("3 finding(s)"), "{out}");
    assert!(out.contains("warning [unreachable-pool] pools[1]"), "{out}");
    assert!(out.contains("warning [unreachable-rep] reps[1]"), "{out}");
    assert!(
        out.contains("warning [shadowed-rule] rules[1]: rule `de` never gets a lead"),
        "{out}"
    );
    assert!(out.contains("fix: move the rule above"), "{out}");
    assert!(out.contains("e.g. a lead with country=DE"), "{out}");
    let json = ok(&["policy", "validate", path_str(&file), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["code"], "shadowed-rule");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["path"], "rules[1]");
    assert_eq!(f["example"]["country"], "DE");
}

#[test]
fn coverage_forecasts_gaps_from_a_profile_as_grid_and_json() {
    let dir = scratch("coverage");
    let data = dir.join("data");
    crate::common::apply_policy(
        &dir,
        &data,
        r#"triage_pool: triage
reps:
  - { id: ann, time_zone: Europe/Berlin, working_hours: { mon-fri: ["09:00-17:00"] }, caps: { max_per_day: 5 } }
pools: [ { id: emea, members: [ann] } ]
rules: [ { id: all, pool: emea } ]
"#,
    );
    let profile = dir.join("profile.csv");
    std::fs::write(&profile, "pool,days,hours,leads\nemea,mon-fri,07-09,1\n").unwrap();
    let args = [
        "policy",
        "coverage",
        "--data-dir",
        path_str(&data),
        "--profile",
        path_str(&profile),
        "--from",
        "2026-12-07T00:00:00Z",
        "--days",
        "1",
    ];
    let out = ok(&args);
    // Berlin is UTC+1 in December: ann starts at 08:00 UTC, so the 07:00 lead waits.
    assert!(
        out.contains("  Mon 2026-12-07  .  .  .  .  .  .  .  !  1  1"),
        "{out}"
    );
    assert!(
        out.contains("Mon 2026-12-07 07:00–08:00 UTC  pool emea: 1.0 leads expected; of 1 reps: 1 outside hours"),
        "{out}"
    );
    // The same hours in the rep's zone: her 09:00 start, the lead at 08:00 local.
    let local = ok(&[&args[..], &["--time-zone", "Europe/Berlin"]].concat());
    assert!(
        local.contains("Mon 2026-12-07 08:00–09:00 Europe/Berlin  pool emea"),
        "{local}"
    );
    let json = ok(&[&args[..], &["--format", "json"]].concat());
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["gaps"][0]["from"], "2026-12-07T07:00:00Z");
    assert_eq!(report["pools"][0]["hours"].as_array().unwrap().len(), 24);
    // A profile naming a pool the policy lacks is refused, naming the row.
    std::fs::write(&profile, "pool,days,hours,leads\napac,mon,9,1\n").unwrap();
    let refused = run(&args);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("profile[0].pool"), "{stderr}");
}
