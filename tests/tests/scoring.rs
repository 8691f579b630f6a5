//! The lead score: points from fit and intent rules, bounds per group, grades, rules that
//! route on `score` and `grade`, the breakdown in the decision record, and the lead's own
//! `score` field with and without a model.

use switchboard_routing::score::{GroupTotal, Score, ScorePart};
use switchboard_routing::{CompiledPolicy, Lead, PolicyError, Snapshot};

mod common;

const POLICY: &str = r#"
triage_pool: triage
scoring:
  rules:
    - { id: big, when: { field: employees, gte: 500 }, points: 30, group: fit }
    - { id: mid, when: { field: employees, gte: 100 }, points: 15, group: fit }
    - { id: target-country, when: { field: country, in: [DE, AT, CH] }, points: 20, group: fit }
    - { id: free-mail, when: { field: free_mail, eq: true }, points: -25, group: fit }
    - { id: pricing, when: { field: page, contains: pricing }, points: 25, group: intent }
    - { id: demo, when: { field: form, eq: demo }, points: 30, group: intent }
    - { id: partner, when: { field: source, eq: partner-portal }, points: 5 }
  groups:
    fit: { max: 50, min: -10 }
    intent: { max: 40 }
  grades:
    - { grade: A, min: 70 }
    - { grade: B, min: 40 }
    - { grade: C, min: 10 }
    - { grade: D }
reps: [ { id: ann }, { id: bob } ]
pools:
  - { id: hot, members: [ann] }
  - { id: rest, members: [bob] }
rules:
  - { id: a-leads, when: { field: grade, eq: A }, pool: hot }
  - { id: high, when: { field: score, gte: 40 }, pool: hot }
  - { id: other, pool: rest }
"#;

fn part(rule: &str, group: Option<&str>, points: i64) -> ScorePart {
    ScorePart {
        rule: rule.into(),
        group: group.map(str::to_owned),
        points,
    }
}

fn total(group: &str, points: i64, counted: i64) -> GroupTotal {
    GroupTotal {
        group: group.into(),
        points,
        counted,
    }
}

#[test]
fn scores_add_up_within_group_bounds_and_grade() {
    let policy = common::policy(POLICY);
    let big_german_demo = common::lead("l1")
        .with_country("DE")
        .with_attr("employees", 800.0)
        .with_attr("page", "/pricing/enterprise")
        .with_attr("form", "demo");
    // fit 30 + 15 + 20 = 65, capped at 50; intent 25 + 30 = 55, capped at 40.
    let expected = Score {
        points: 90,
        grade: Some("A".into()),
        parts: vec![
            part("big", Some("fit"), 30),
            part("mid", Some("fit"), 15),
            part("target-country", Some("fit"), 20),
            part("pricing", Some("intent"), 25),
            part("demo", Some("intent"), 30),
        ],
        groups: vec![total("fit", 65, 50), total("intent", 55, 40)],
    };
    assert_eq!(policy.score(&big_german_demo, None), Some(expected));

    // A free-mail sign-up from a small US company: fit -25 is bounded at -10; the partner
    // source's 5 points are in no group.
    let mut small = common::lead("l2")
        .with_country("US")
        .with_attr("employees", 20.0);
    small.free_mail = true;
    small.source = Some("partner-portal".into());
    let score = policy.score(&small, None).unwrap();
    assert_eq!(
        score.parts,
        vec![
            part("free-mail", Some("fit"), -25),
            part("partner", None, 5)
        ]
    );
    assert_eq!(score.groups, vec![total("fit", -25, -10)]);
    assert_eq!((score.points, score.grade.as_deref()), (-5, Some("D")));

    // (employees, country, points, grade): each grade's threshold is inclusive.
    let cases = [
        (100.0, "DE", 35, "C"),
        (500.0, "US", 45, "B"),
        (500.0, "DE", 50, "B"),
        (10.0, "US", 0, "D"),
    ];
    for (employees, country, points, grade) in cases {
        let lead = common::lead("l")
            .with_country(country)
            .with_attr("employees", employees);
        let s = policy.score(&lead, None).unwrap();
        assert_eq!(
            (s.points, s.grade.as_deref()),
            (points, Some(grade)),
            "{employees} {country}"
        );
    }
}

#[test]
fn rules_route_on_score_and_grade_and_the_record_shows_the_breakdown() {
    let policy = common::policy(POLICY);
    let state = Snapshot::empty(&policy);
    let route = |lead: &Lead| {
        let d = common::decide_at(&policy, &state, lead, switchboard_testkit::monday());
        let record = common::record(&policy, lead, &d);
        (record.rule.clone().unwrap_or_default(), record)
    };
    let a = common::lead("a")
        .with_country("AT")
        .with_attr("employees", 600.0)
        .with_attr("form", "demo");
    let (rule, record) = route(&a);
    assert_eq!(rule, "a-leads");
    let score = record.score.as_ref().unwrap();
    assert_eq!((score.points, score.grade.as_deref()), (80, Some("A")));
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["score"]["parts"][0]["rule"], "big");
    assert_eq!(json["score"]["groups"][0]["counted"], 50);

    let b = common::lead("b")
        .with_country("US")
        .with_attr("employees", 500.0);
    assert_eq!(route(&b).0, "high");
    let d = common::lead("d").with_country("US");
    assert_eq!(route(&d).0, "other");
}

#[test]
fn the_leads_own_score_is_a_field_with_or_without_a_model() {
    let with_model = common::policy(&POLICY.replace(
        "  - { id: other, pool: rest }",
        "  - { id: form-score, when: { field: attributes.score, gte: 90 }, pool: rest }\n  - { id: other, pool: rest }",
    ));
    let lead = common::lead("x")
        .with_country("US")
        .with_attr("score", 95.0);
    let state = Snapshot::empty(&with_model);
    let d = common::decide_at(&with_model, &state, &lead, switchboard_testkit::monday());
    // The model's score is 0 (grade D); the form's own 95 is `attributes.score`.
    assert_eq!(
        common::record(&with_model, &lead, &d).rule.as_deref(),
        Some("form-score")
    );

    // Without a model `score` is the lead's own field, as it always was.
    let plain = common::policy(
        "triage_pool: triage
reps: [ { id: ann } ]
pools: [ { id: hot, members: [ann] } ]
rules: [ { id: high, when: { field: score, gte: 90 }, pool: hot } ]
",
    );
    assert_eq!(plain.score(&lead, None), None);
    let d = common::decide_at(
        &plain,
        &Snapshot::empty(&plain),
        &lead,
        switchboard_testkit::monday(),
    );
    let record = common::record(&plain, &lead, &d);
    assert_eq!(record.rule.as_deref(), Some("high"));
    assert!(record.score.is_none());
}

#[test]
fn a_broken_model_is_refused_with_paths() {
    // (the scoring section, the path the issue names)
    let cases = [
        (
            "scoring: { rules: [ { id: s, when: { field: score, gte: 1 }, points: 1 } ] }",
            "scoring.rules[0].when",
        ),
        (
            "scoring: { rules: [ { id: s, when: { field: x, exists: true }, points: 1 }, { id: s, when: { field: y, exists: true }, points: 2 } ] }",
            "scoring.rules[1].id",
        ),
        (
            "scoring: { rules: [], grades: [ { grade: A, min: 10 }, { grade: B, min: 20 } ] }",
            "scoring.grades[1].min",
        ),
        (
            "scoring: { rules: [], grades: [ { grade: D }, { grade: A, min: 10 } ] }",
            "scoring.grades[0].min",
        ),
        (
            "scoring: { rules: [], groups: { fit: { min: 10, max: 5 } } }",
            "scoring.groups.fit",
        ),
        (
            "scoring: { rules: [ { id: s, when: { field: x, regex: '(' }, points: 1 } ] }",
            "scoring.rules[0].when.regex",
        ),
    ];
    for (scoring, path) in cases {
        let yaml = format!(
            "triage_pool: triage\n{scoring}\nreps: [ {{ id: ann }} ]\npools: [ {{ id: p, members: [ann] }} ]\nrules: [ {{ id: r, pool: p }} ]\n"
        );
        match CompiledPolicy::from_yaml(&yaml, 1) {
            Err(PolicyError::Invalid(issues)) => assert!(
                issues.iter().any(|i| i.path == path),
                "{path} expected in {issues:#?}"
            ),
            other => panic!("{scoring}: {other:?}"),
        }
    }
}
