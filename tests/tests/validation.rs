//! Policy validation: every problem is reported with the exact path into the document, so
//! an editor can point at the line; parse errors carry a path too; the JSON Schema is sane.

use switchboard_routing::policy::Issue;
use switchboard_routing::{CompiledPolicy, PolicyDocument, PolicyError};

/// The issues of a policy that must not compile.
fn issues(yaml: &str) -> Vec<Issue> {
    match CompiledPolicy::from_yaml(yaml, 1) {
        Ok(_) => panic!("policy should be invalid:\n{yaml}"),
        Err(PolicyError::Invalid(v)) => v,
        Err(e @ PolicyError::Parse { .. }) => {
            panic!("expected validation issues, got a parse error: {e}")
        }
    }
}

/// Asserts that exactly one issue sits at `path` and that its message contains `needle`.
#[track_caller]
fn assert_issue(all: &[Issue], path: &str, needle: &str) {
    let at: Vec<&Issue> = all.iter().filter(|i| i.path == path).collect();
    assert_eq!(at.len(), 1, "expected one issue at `{path}`, got {all:#?}");
    assert!(
        at[0].message.contains(needle),
        "issue at `{path}` should mention `{needle}`: {}",
        at[0].message
    );
}

/// A valid base policy with `extra` appended to the rules list, or a whole replacement.
const REPS_POOLS: &str = "triage_pool: triage
reps:
  - { id: ann }
  - { id: bob }
pools:
  - { id: sales, members: [ann, bob] }
  - { id: backup, strategy: round_robin, members: [bob] }
";

fn with_rules(rules: &str) -> String {
    format!("{REPS_POOLS}rules:\n{rules}")
}

/// One test per row: a policy that must not compile, the issues it must report (exactly one
/// at each path, its message containing the text) and, with `total`, how many in all.
macro_rules! invalid_policies {
    ($($name:ident: $yaml:expr => [$(($path:expr, $needle:expr)),+ $(,)?] $(, total $n:expr)?;)+) => {
        $(
            #[test]
            fn $name() {
                let all = issues(&$yaml);
                $(assert_issue(&all, $path, $needle);)+
                $(assert_eq!(all.len(), $n, "{all:#?}");)?
            }
        )+
    };
}

#[test]
fn the_base_policy_is_valid() {
    // Guards every test below: each one breaks exactly one thing in a valid policy.
    CompiledPolicy::from_yaml(
        &with_rules("  - { id: r, pool: sales, fallbacks: [backup] }\n"),
        1,
    )
    .expect("valid");
}

invalid_policies! {
    // ---- references ----
    unknown_pool_in_a_rule_and_its_fallbacks:
        with_rules(
            "  - { id: r, pool: salse, fallbacks: [backup, nobody] }\n",
        ) => [
        ("rules[0].pool", "unknown pool `salse`"),
        ("rules[0].fallbacks[1]", "unknown pool `nobody`"),
    ], total 2;
    unknown_rep_in_a_pool_and_as_manager:
        "triage_pool: triage
reps:
  - { id: ann, manager: boss }
pools:
  - { id: p, members: [ann, { rep: zed, weight: 2 }] }
rules: [{ id: r, pool: p }]
" => [
        ("pools[0].members[1]", "unknown rep `zed`"),
        ("reps[0].manager", "unknown rep `boss`"),
    ], total 2;
    park_in_must_not_be_a_routing_pool:
        with_rules("  - { id: r, pool: sales, park_in: backup }\n") => [
        ("rules[0].park_in", "routing pool"),
    ];
    // ---- settings ----
    sla_reminder_beyond_the_deadline:
        format!("sla_warning_percent: 100\n{}", with_rules("  - { id: r, pool: sales }\n")) => [
        ("sla_warning_percent", "from 1 to 99"),
    ], total 1;
    // ---- duplicates and empties ----
    duplicate_rep_pool_and_rule_ids:
        "triage_pool: triage
reps: [{ id: ann }, { id: bob }, { id: ann }]
pools:
  - { id: p, members: [ann, bob, ann] }
  - { id: p, members: [bob] }
rules:
  - { id: r, when: { field: country, eq: DE }, pool: p }
  - { id: r, pool: p }
" => [
        ("reps[2].id", "duplicate rep id `ann`"),
        ("pools[0].members[2]", "listed twice"),
        ("pools[1].id", "duplicate pool id `p`"),
        ("rules[1].id", "duplicate rule id `r`"),
    ];
    empty_pool_and_empty_ids:
        "triage_pool: triage
reps: [{ id: ann }, { id: ' ' }]
pools:
  - { id: p, members: [ann] }
  - { id: empty, members: [] }
  - { id: '', members: [ann] }
rules: [{ id: '', pool: p }]
" => [
        ("pools[1].members", "no members"),
        ("reps[1].id", "must not be empty"),
        ("pools[2].id", "must not be empty"),
        ("rules[0].id", "must not be empty"),
    ];
    empty_triage_pool_name:
        "triage_pool: ''\nreps: [{ id: a }]\npools: [{ id: p, members: [a] }]\nrules: []\n" => [
        ("triage_pool", "must not be empty"),
    ];
    // ---- caps and weights ----
    caps_must_be_positive:
        "triage_pool: triage
reps:
  - { id: a, caps: { max_open: 0, max_per_day: -1, max_per_week: 0 } }
  - { id: b, caps: { max_open: 1, max_per_day: 1, max_per_week: 1 } }
pools: [{ id: p, members: [a, b] }]
rules: [{ id: r, pool: p }]
" => [
        ("reps[0].caps.max_open", "positive"),
        ("reps[0].caps.max_per_day", "got -1"),
        ("reps[0].caps.max_per_week", "positive"),
    ], total 3;
    weights_must_be_positive:
        "triage_pool: triage
reps: [{ id: a }, { id: b }, { id: c }]
pools: [{ id: p, members: [{ rep: a, weight: 0 }, { rep: b, weight: -2 }, { rep: c, weight: 3 }] }]
rules: [{ id: r, pool: p }]
" => [
        ("pools[0].members[0].weight", "got 0"),
        ("pools[0].members[1].weight", "got -2"),
    ], total 2;
    // An explicit weight of 1 is fine anywhere: only the other two are issues.
    weights_need_a_weighted_pool:
        "triage_pool: triage
reps: [{ id: a }, { id: b }]
pools:
  - { id: rr, strategy: round_robin, members: [a, { rep: b, weight: 2 }] }
  - { id: ll, strategy: least_loaded, members: [{ rep: a, weight: 5 }] }
  - { id: ok, strategy: round_robin, members: [{ rep: a, weight: 1 }] }
rules: [{ id: r, pool: rr }]
" => [
        ("pools[0].members[1].weight", "weighted_round_robin"),
        ("pools[1].members[0].weight", "weighted_round_robin"),
    ], total 2;
    catch_up_needs_a_weighted_pool:
        "triage_pool: triage
reps: [{ id: a }]
pools: [{ id: p, strategy: least_loaded, catch_up: true, members: [a] }]
rules: [{ id: r, pool: p }]
" => [
        ("pools[0].catch_up", "weighted_round_robin"),
    ];
    // ---- time ----
    unknown_time_zone:
        "triage_pool: triage
reps: [{ id: a, time_zone: Europe/Berlin }, { id: b, time_zone: Mars/Olympus_Mons }, { id: c, time_zone: CEST+2 }]
pools: [{ id: p, members: [a, b, c] }]
rules: [{ id: r, pool: p }]
" => [
        ("reps[1].time_zone", "Mars/Olympus_Mons"),
        ("reps[2].time_zone", "unknown time zone"),
    ], total 2;
    invalid_away_windows_and_holidays:
        "triage_pool: triage
reps:
  - id: a
    away:
      - { from: '2026-06-05T00:00:00Z', until: '2026-06-01T00:00:00Z' }
      - { from: 'next tuesday', until: '2026-06-01T00:00:00Z' }
      - { from: '2026-06-01T00:00:00Z', until: '2026-06-31T00:00:00Z' }
    holidays: ['2026-12-25', '25.12.2026']
pools: [{ id: p, members: [a] }]
rules: [{ id: r, pool: p }]
" => [
        ("reps[0].away[0]", "`until` must be after `from`"),
        ("reps[0].away[1].from", "next tuesday"),
        ("reps[0].away[2].until", "RFC 3339"),
        ("reps[0].holidays[1]", "25.12.2026"),
    ], total 4;
    invalid_and_non_positive_slas:
        format!(
            "default_sla: soon\n{}",
            with_rules(
                "  - { id: r, pool: sales, sla: 0m }\n  - { id: s, pool: backup, sla: 1 fortnight }\n"
            )
        ) => [
        ("default_sla", "soon"),
        ("rules[0].sla", "must be positive"),
        ("rules[1].sla", "not a duration"),
    ];
    // ---- conditions ----
    bad_regex_is_reported_at_its_path_even_when_nested:
        with_rules(
            "  - { id: r, when: { field: email, regex: '(unclosed' }, pool: sales }
  - id: s
    when: { all: [ { field: country, eq: DE }, { not: { field: company, regex: '[z-a]' } } ] }
    pool: backup
",
        ) => [
        ("rules[0].when.regex", "invalid regex"),
        ("rules[1].when.all[1].not.regex", "invalid regex"),
    ];
    malformed_condition_operands:
        with_rules(
            "  - id: r
    when:
      any:
        - { field: country, in: [] }
        - { field: country, in: [DE, 49] }
        - { field: country, in: [true] }
        - { field: company, prefix: '' }
        - { field: employees, gte: 1000, lte: 10 }
        - { field: employees, gt: .inf }
        - { field: country }
        - { field: '', exists: true }
    pool: sales
",
        ) => [
        ("rules[0].when.any[0].in", "at least one value"),
        ("rules[0].when.any[1].in", "mixes text and numbers"),
        ("rules[0].when.any[2].in", "not booleans"),
        ("rules[0].when.any[3].prefix", "must not be empty"),
        ("rules[0].when.any[4].gte", "empty range"),
        ("rules[0].when.any[5].gt", "finite"),
        ("rules[0].when.any[6].field", "no operator"),
        ("rules[0].when.any[7].field", "empty"),
    ];
    too_many_lead_derived_tags_and_an_empty_field:
        with_rules(
            "  - id: r
    pool: sales
    require:
      from_lead: [{ field: a }, { field: b }, { field: c }, { field: d }, { field: e }, { field: '' }]
",
        ) => [
        ("rules[0].require.from_lead", "at most 4"),
        ("rules[0].require.from_lead[5].field", "empty"),
    ];
}

// ---- references ----

#[test]
fn the_triage_pool_cannot_be_a_routing_target_or_a_pool_id() {
    let all = issues(
        "triage_pool: triage
reps: [{ id: ann }]
pools:
  - { id: p, members: [ann] }
  - { id: triage, members: [ann] }
rules: [{ id: r, pool: p, fallbacks: [triage] }]
",
    );
    assert_issue(&all, "pools[1].id", "triage pool");
    // With `triage` also declared as a pool, the fallback reference is valid.
    assert!(
        all.iter().all(|i| i.path != "rules[0].fallbacks[0]"),
        "{all:#?}"
    );

    let all = issues(&with_rules("  - { id: r, pool: triage }\n"));
    assert_issue(&all, "rules[0].pool", "triage pool");
}

// ---- shadowing and cycles ----

#[test]
fn a_rule_after_a_catch_all_is_reported_as_shadowed() {
    let all = issues(&with_rules(
        "  - { id: germany, when: { field: country, eq: DE }, pool: sales }
  - { id: everyone, pool: sales }
  - { id: france, when: { field: country, eq: FR }, pool: backup }
  - { id: spain, when: { field: country, eq: ES }, pool: backup }
",
    ));
    assert_issue(
        &all,
        "rules[2]",
        "rule `france` can never match: rule `everyone` (rules[1])",
    );
    assert_issue(&all, "rules[3]", "rule `spain` can never match");
    assert!(
        all.iter()
            .all(|i| i.path != "rules[1]" && i.path != "rules[0]"),
        "{all:#?}"
    );
}

#[test]
fn a_condition_that_always_holds_also_shadows_later_rules() {
    // `all: []` holds for every lead, and so does `any` with such a member.
    for when in [
        "{ all: [] }",
        "{ any: [ { field: x, eq: 1 }, { all: [] } ] }",
    ] {
        let all = issues(&with_rules(&format!(
            "  - {{ id: always, when: {when}, pool: sales }}\n  - {{ id: later, pool: backup }}\n"
        )));
        assert_issue(&all, "rules[1]", "rule `later` can never match");
    }
}

#[test]
fn a_catch_all_last_is_fine_and_conditions_do_not_shadow() {
    CompiledPolicy::from_yaml(
        &with_rules(
            "  - { id: a, when: { not: { field: country, eq: DE } }, pool: sales }
  - { id: b, when: { any: [ { field: country, eq: DE } ] }, pool: sales }
  - { id: c, pool: backup }
",
        ),
        1,
    )
    .expect("no rule is shadowed");
}

#[test]
fn the_same_pool_twice_in_a_waterfall_is_a_fallback_cycle() {
    let all = issues(&with_rules(
        "  - { id: r, pool: sales, fallbacks: [sales] }\n",
    ));
    assert_issue(&all, "rules[0].fallbacks[0]", "appears twice");
    let all = issues(&with_rules(
        "  - { id: r, pool: sales, fallbacks: [backup, backup] }\n",
    ));
    assert_issue(&all, "rules[0].fallbacks[1]", "fallback cycle");
    assert!(
        all.iter().all(|i| i.path != "rules[0].fallbacks[0]"),
        "{all:#?}"
    );
}

// ---- time ----

#[test]
fn invalid_working_hours_name_the_day_key() {
    let cases = [
        (
            "{ mon: ['17:00-09:00'] }",
            "reps[0].working_hours.mon",
            "end before they start",
        ),
        (
            "{ funday: ['09:00-17:00'] }",
            "reps[0].working_hours.funday",
            "unknown day",
        ),
        (
            "{ fri-mon: ['09:00-17:00'] }",
            "reps[0].working_hours.fri-mon",
            "backwards",
        ),
        (
            "{ tue: ['9-5'] }",
            "reps[0].working_hours.tue",
            "HH:MM-HH:MM",
        ),
        (
            "{ wed: ['09:00-25:00'] }",
            "reps[0].working_hours.wed",
            "HH:MM-HH:MM",
        ),
        (
            "{ thu: ['09:60-10:00'] }",
            "reps[0].working_hours.thu",
            "HH:MM-HH:MM",
        ),
    ];
    for (hours, path, needle) in cases {
        let all = issues(&format!(
            "triage_pool: triage
reps: [{{ id: a, working_hours: {hours} }}]
pools: [{{ id: p, members: [a] }}]
rules: [{{ id: r, pool: p }}]
"
        ));
        assert_issue(&all, path, needle);
    }
}

#[test]
fn midnight_end_and_day_ranges_are_valid_hours() {
    CompiledPolicy::from_yaml(
        "triage_pool: triage
reps: [{ id: a, working_hours: { mon-fri: ['00:00-24:00'], sat: ['10:00-12:00', '13:00-14:00'] } }]
pools: [{ id: p, members: [a] }]
rules: [{ id: r, pool: p }]
",
        1,
    )
    .expect("valid hours");
}

// ---- all at once ----

#[test]
fn every_issue_is_reported_not_just_the_first() {
    let all = issues(
        "triage_pool: triage
reps:
  - { id: a, time_zone: Nowhere/City, caps: { max_open: 0 } }
pools:
  - { id: p, members: [a, ghost] }
rules:
  - { id: r, pool: q, when: { field: email, regex: '(' } }
",
    );
    let paths: Vec<&str> = all.iter().map(|i| i.path.as_str()).collect();
    for want in [
        "reps[0].time_zone",
        "reps[0].caps.max_open",
        "pools[0].members[1]",
        "rules[0].pool",
        "rules[0].when.regex",
    ] {
        assert!(paths.contains(&want), "missing {want} in {paths:?}");
    }
    // The error's text lists each issue as `path: message`.
    let text = CompiledPolicy::from_yaml(
        "triage_pool: t\nreps: [{ id: a }]\npools: [{ id: p, members: [a] }]\nrules: [{ id: r, pool: q }]\n",
        1,
    )
    .unwrap_err()
    .to_string();
    assert!(text.contains("rules[0].pool: unknown pool `q`"), "{text}");
}

// ---- warnings ----

#[test]
fn non_fatal_findings_are_warnings() {
    let p = CompiledPolicy::from_yaml(
        "triage_pool: triage
reps: [{ id: a }, { id: loner }]
pools: [{ id: p, members: [a] }]
rules: [{ id: r, pool: p, require: { any: [unicorn] } }]
",
        1,
    )
    .expect("warnings do not block a policy");
    let paths: Vec<&str> = p.warnings().iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["reps[1]"]);
    // A skill nobody in the rule's pools has is one of the static checks' findings.
    let findings: Vec<(String, String)> =
        p.findings().into_iter().map(|f| (f.code, f.path)).collect();
    assert_eq!(
        findings,
        [(
            "unmeetable-requirement".to_owned(),
            "rules[0].require".to_owned()
        )]
    );

    let p =
        CompiledPolicy::from_yaml("triage_pool: t\nreps: []\npools: []\nrules: []\n", 1).unwrap();
    assert_eq!(p.warnings().len(), 1);
    assert_eq!(p.warnings()[0].path, "rules");
}

// ---- parse errors ----

/// The parse error of text that is not a policy document.
fn parse_error(yaml: &str) -> (String, String) {
    match PolicyDocument::from_yaml(yaml) {
        Err(PolicyError::Parse { path, message }) => (path, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn parse_errors_carry_the_path_and_line() {
    let (path, message) = parse_error(
        "triage_pool: triage
reps:
  - id: a
    caps: { max_opn: 3 }
pools: []
rules: []
",
    );
    assert_eq!(path, "reps[0].caps.max_opn");
    assert!(message.contains("unknown field `max_opn`"), "{message}");
    assert!(message.contains("line 4"), "{message}");

    let (path, message) = parse_error(
        "triage_pool: t\nreps: [{ id: a, caps: { max_open: ten } }]\npools: []\nrules: []\n",
    );
    assert_eq!(path, "reps[0].caps.max_open");
    assert!(message.contains("invalid type"), "{message}");

    let (path, _) = parse_error(
        "triage_pool: t\nreps: []\npools: [{ id: p, strategy: fastest, members: [] }]\nrules: []\n",
    );
    assert_eq!(path, "pools[0].strategy");
}

#[test]
fn parse_error_in_a_condition_points_at_the_condition() {
    // A misspelled operator matches no condition shape.
    let (path, _) = parse_error(
        "triage_pool: t\nreps: []\npools: []\nrules:\n  - id: r\n    pool: p\n    when: { field: country, equals: DE }\n",
    );
    assert_eq!(path, "rules[0].when");
}

#[test]
fn missing_required_field_is_a_parse_error_at_the_root() {
    let (path, message) = parse_error("reps: []\npools: []\nrules: []\n");
    assert_eq!(path, "$");
    assert!(message.contains("triage_pool"), "{message}");
}

#[test]
fn yaml_syntax_errors_are_parse_errors() {
    let err = PolicyDocument::from_yaml("triage_pool: [t\nreps: {").unwrap_err();
    assert!(matches!(err, PolicyError::Parse { .. }), "{err:?}");
    assert_eq!(err.issues().len(), 1);
}

// ---- schema and round trip ----

#[test]
fn json_schema_is_an_object_describing_the_document() {
    let schema = PolicyDocument::json_schema();
    let obj = schema.as_object().expect("schema is a JSON object");
    assert_eq!(obj.get("type").and_then(|t| t.as_str()), Some("object"));
    let props = obj["properties"].as_object().expect("properties");
    let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "default_sla",
            "enrichment",
            "escalation",
            "kill_switch",
            "name",
            "outcomes",
            "parked",
            "pools",
            "recycle",
            "reps",
            "rules",
            "scoring",
            "sla_clock",
            "sla_warning_percent",
            "triage_pool"
        ]
    );
    let required: Vec<&str> = obj["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for r in ["triage_pool", "reps", "pools", "rules"] {
        assert!(
            required.contains(&r),
            "{r} should be required: {required:?}"
        );
    }
    assert_eq!(
        obj.get("additionalProperties"),
        Some(&serde_json::Value::Bool(false))
    );
    // Nested types are described too (reps, pools, rules, conditions).
    let defs = obj.get("$defs").and_then(|d| d.as_object()).expect("$defs");
    for d in ["RepDoc", "PoolDoc", "RuleDoc", "Condition", "StrategyKind"] {
        assert!(
            defs.contains_key(d),
            "missing definition {d}: {:?}",
            defs.keys().collect::<Vec<_>>()
        );
    }
}

#[test]
fn demo_policy_round_trips_through_yaml() {
    let text = include_str!("../../cli/demo/policy.yaml");
    let doc = PolicyDocument::from_yaml(text).expect("demo parses");
    let again = PolicyDocument::from_yaml(&doc.to_yaml()).expect("re-serialized demo parses");
    assert_eq!(doc, again);
    CompiledPolicy::compile(again, 2).expect("and still compiles");
}
