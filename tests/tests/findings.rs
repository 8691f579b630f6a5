//! The policy checks' findings: each code on a policy that triggers it and on one that
//! must not, none on the demo and scenario policies, and properties that hold for every
//! generated policy: a shadowed rule's leads always match an earlier rule, a contradictory
//! rule matches no lead, and every example lead shows what its finding says.

use std::collections::BTreeMap;

use proptest::prelude::*;
use switchboard_routing::policy::lint::{self, Finding, Severity};
use switchboard_routing::{CompiledPolicy, Lead, Scalar};

mod common;

const REPS: &str = "triage_pool: triage
reps:
  - { id: ann, skills: [territory:de] }
  - { id: bob }
  - { id: cy }
pools:
  - { id: dach, members: [ann] }
  - { id: world, members: [bob] }
";

fn findings(rest: &str) -> Vec<Finding> {
    let yaml = format!("{REPS}{rest}");
    CompiledPolicy::from_yaml(&yaml, 1)
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"))
        .findings()
}

#[test]
fn each_check_fires_on_its_case_and_not_on_the_fixed_one() {
    // (code, path, policy that triggers it, the same policy fixed)
    let cases = [
        (
            "shadowed-rule",
            "rules[1]",
            "rules:
  - { id: dach, when: { field: country, in: [DE, AT] }, pool: dach }
  - { id: de, when: { field: country, eq: DE }, pool: world }
  - { id: rest, pool: world }",
            "rules:
  - { id: de, when: { field: country, eq: DE }, pool: world }
  - { id: dach, when: { field: country, in: [DE, AT] }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "shadowed-rule",
            "rules[1]",
            "rules:
  - { id: big, when: { field: employees, gte: 100 }, pool: dach }
  - { id: bigger, when: { all: [{ field: employees, gte: 500, lt: 5000 }, { field: country, eq: DE }] }, pool: world }",
            "rules:
  - { id: big, when: { field: employees, gte: 100 }, pool: dach }
  - { id: bigger, when: { all: [{ field: employees, gte: 50, lt: 5000 }, { field: country, eq: DE }] }, pool: world }",
        ),
        (
            "shadowed-rule",
            "rules[2]",
            "rules:
  - { id: de, when: { field: country, eq: DE }, pool: dach }
  - { id: at, when: { field: country, eq: AT }, pool: world }
  - { id: dach, when: { field: country, in: [AT, DE] }, pool: world }",
            "rules:
  - { id: de, when: { field: country, eq: DE }, pool: dach }
  - { id: at, when: { field: country, eq: AT }, pool: world }
  - { id: dach, when: { field: country, in: [AT, DE, CH] }, pool: world }",
        ),
        (
            "partly-shadowed-rule",
            "rules[1]",
            "rules:
  - { id: big, when: { field: employees, gte: 500 }, pool: dach }
  - { id: de, when: { field: country, eq: DE }, pool: world }",
            "rules:
  - { id: big, when: { all: [{ field: employees, gte: 500 }, { field: country, eq: US }] }, pool: dach }
  - { id: de, when: { field: country, eq: DE }, pool: world }",
        ),
        (
            "contradictory-condition",
            "rules[0].when",
            "rules:
  - { id: odd, when: { all: [{ field: employees, gte: 500 }, { field: employees, lt: 100 }] }, pool: dach }
  - { id: rest, pool: world }",
            "rules:
  - { id: odd, when: { any: [{ field: employees, gte: 500 }, { field: employees, lt: 100 }] }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "unreachable-pool",
            "pools[0]",
            "rules:
  - { id: rest, pool: world }",
            "rules:
  - { id: rest, pool: world, fallbacks: [dach] }",
        ),
        (
            "unreachable-pool",
            "pools[0]",
            "rules:
  - { id: never, when: { all: [{ field: country, eq: DE }, { field: country, eq: FR }] }, pool: dach }
  - { id: rest, pool: world }",
            "rules:
  - { id: never, when: { any: [{ field: country, eq: DE }, { field: country, eq: FR }] }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "unreachable-rep",
            "reps[0]",
            "rules:
  - { id: rest, pool: world }",
            "rules:
  - { id: de, when: { field: country, eq: DE }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "unmeetable-requirement",
            "rules[0].require",
            "rules:
  - { id: fintech, pool: dach, fallbacks: [world], require: { all: [fintech] } }",
            "rules:
  - { id: fintech, pool: dach, fallbacks: [world], require: { all: [\"territory:de\"] } }",
        ),
        (
            "unmeetable-requirement",
            "rules[0].require",
            "rules:
  - { id: either, pool: world, require: { any: [fintech, banking] } }",
            "rules:
  - { id: either, pool: world, fallbacks: [dach], require: { any: [fintech, \"territory:de\"] } }",
        ),
        (
            "unmeetable-lead-tag",
            "rules[0].require.from_lead[0]",
            "rules:
  - { id: rest, pool: dach, fallbacks: [world], require: { from_lead: [{ field: country, prefix: 'region:' }] } }",
            "rules:
  - { id: rest, pool: dach, fallbacks: [world], require: { from_lead: [{ field: country, prefix: 'territory:' }] } }",
        ),
        (
            "value-never-matches",
            "rules[0].when.in[1]",
            "rules:
  - { id: de, when: { field: country, in: [DE, Germany] }, pool: dach }
  - { id: rest, pool: world }",
            "rules:
  - { id: de, when: { field: country, in: [DE, de] }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "value-never-matches",
            "rules[0].when.eq",
            "rules:
  - { id: acme, when: { field: email_domain, eq: '@acme.com' }, pool: dach }
  - { id: rest, pool: world }",
            "rules:
  - { id: acme, when: { field: email_domain, eq: acme.com }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "value-never-matches",
            "rules[0].when",
            "rules:
  - { id: free, when: { field: free_mail, eq: 'yes' }, pool: dach }
  - { id: rest, pool: world }",
            "rules:
  - { id: free, when: { field: free_mail, eq: true }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "value-never-matches",
            "rules[0].when.eq",
            "scoring: { rules: [ { id: big, when: { field: employees, gte: 500 }, points: 50 } ], grades: [ { grade: A, min: 50 }, { grade: B } ] }
rules:
  - { id: hot, when: { field: grade, eq: AA }, pool: dach }
  - { id: rest, pool: world }",
            "scoring: { rules: [ { id: big, when: { field: employees, gte: 500 }, points: 50 } ], grades: [ { grade: A, min: 50 }, { grade: B } ] }
rules:
  - { id: hot, when: { field: grade, eq: a }, pool: dach }
  - { id: rest, pool: world }",
        ),
        (
            "regex-never-matches",
            "rules[0].when.regex",
            "rules:
  - { id: de, when: { field: country, regex: '^de$', case_sensitive: true }, pool: dach }
  - { id: rest, pool: world }",
            "rules:
  - { id: de, when: { field: country, regex: '^de$' }, pool: dach }
  - { id: rest, pool: world }",
        ),
    ];
    for (code, path, triggers, fixed) in cases {
        let found = findings(triggers);
        assert!(
            found.iter().any(|f| f.code == code && f.path == path),
            "{code} at {path} expected in {found:#?}\n{triggers}"
        );
        let after = findings(fixed);
        assert!(
            !after.iter().any(|f| f.code == code),
            "{code} not expected in {after:#?}\n{fixed}"
        );
    }
    for code in lint::CODES {
        assert!(
            cases.iter().any(|c| c.0 == code),
            "{code} has no case in this table"
        );
    }
}

#[test]
fn a_shadowed_rule_names_its_taker_and_shows_a_lead() {
    let found = findings(
        "rules:
  - { id: dach, when: { field: country, in: [DE, AT] }, pool: dach }
  - { id: de, when: { field: country, eq: DE }, pool: world }
  - { id: rest, pool: world }",
    );
    let f = found.iter().find(|f| f.code == "shadowed-rule").unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("`dach` (rules[0])"), "{}", f.message);
    let example = f.example.as_ref().expect("example");
    assert_eq!(example.get("country"), Some(&Scalar::Text("DE".into())));
    assert!(!f.hint.is_empty());
}

/// Every policy the product ships or tests with is written as intended: no warnings.
#[test]
fn no_warnings_on_the_demo_and_scenario_policies() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut policies = vec![
        std::fs::read_to_string(root.join("../cli/demo/policy.yaml")).unwrap(),
        std::fs::read_to_string(root.join("../cli/demo/load-policy.yaml")).unwrap(),
    ];
    for entry in std::fs::read_dir(root.join("scenarios")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let scenario: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        // A scenario without its own policy runs the demo policy.
        if let Some(policy) = scenario.get("policy") {
            policies.push(serde_yaml_ng::to_string(policy).unwrap());
        }
    }
    for yaml in &policies {
        let policy = CompiledPolicy::from_yaml(yaml, 1).unwrap();
        let warnings: Vec<Finding> = policy
            .findings()
            .into_iter()
            .filter(|f| f.severity == Severity::Warning)
            .collect();
        assert!(warnings.is_empty(), "{warnings:#?}\n{yaml}");
    }
}

// ---- properties -------------------------------------------------------------------

fn test_strategy() -> impl Strategy<Value = String> {
    let countries = prop::sample::select(vec!["DE", "AT", "CH", "FR", "de"]);
    let bound = prop::sample::select(vec![10, 100, 250, 500, 1000]);
    prop_oneof![
        countries
            .clone()
            .prop_map(|c| format!("{{ field: country, eq: {c} }}")),
        prop::collection::vec(countries, 1..4)
            .prop_map(|cs| format!("{{ field: country, in: [{}] }}", cs.join(", "))),
        (
            bound.clone(),
            prop::sample::select(vec!["gt", "gte", "lt", "lte"])
        )
            .prop_map(|(b, op)| format!("{{ field: employees, {op}: {b} }}")),
        (bound.clone(), bound)
            .prop_map(|(a, b)| format!("{{ field: employees, gte: {a}, lt: {b} }}")),
        prop::sample::select(vec!["ac", "acme", "glo", "Acme"])
            .prop_map(|p| format!("{{ field: company, prefix: {p} }}")),
        prop::sample::select(vec!["saas", "retail"])
            .prop_map(|v| format!("{{ field: industry, eq: {v} }}")),
        Just("{ field: industry, exists: false }".to_owned()),
        Just("{ not: { field: country, eq: DE } }".to_owned()),
    ]
}

fn condition_strategy() -> impl Strategy<Value = String> {
    test_strategy().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3)
                .prop_map(|v| format!("{{ all: [{}] }}", v.join(", "))),
            prop::collection::vec(inner, 1..3)
                .prop_map(|v| format!("{{ any: [{}] }}", v.join(", "))),
        ]
    })
}

fn policy_strategy() -> impl Strategy<Value = CompiledPolicy> {
    prop::collection::vec(condition_strategy(), 1..5).prop_filter_map("a valid policy", |conds| {
        let rules: Vec<String> = conds
            .iter()
            .enumerate()
            .map(|(i, c)| format!("  - {{ id: r{i}, when: {c}, pool: world }}"))
            .collect();
        let yaml = format!("{REPS}rules:\n{}\n", rules.join("\n"));
        // Validation refuses some generated conditions (an empty range).
        CompiledPolicy::from_yaml(&yaml, 1).ok()
    })
}

fn lead_strategy() -> impl Strategy<Value = Lead> {
    (
        prop::option::of(prop::sample::select(vec!["DE", "AT", "CH", "FR", "US"])),
        prop::option::of(prop::sample::select(vec![
            5.0, 10.0, 99.0, 100.0, 101.0, 250.0, 499.0, 500.0, 999.0, 1000.0, 5000.0,
        ])),
        prop::option::of(prop::sample::select(vec![
            "Acme",
            "acme corp",
            "Globex",
            "AC",
        ])),
        prop::option::of(prop::sample::select(vec!["saas", "retail", "SaaS"])),
    )
        .prop_map(|(country, employees, company, industry)| {
            let mut lead = common::lead("generated");
            lead.country = country.map(str::to_owned);
            lead.company = company.map(str::to_owned);
            if let Some(n) = employees {
                lead.attributes
                    .insert("employees".into(), Scalar::Number(n));
            }
            if let Some(i) = industry {
                lead.attributes
                    .insert("industry".into(), Scalar::Text(i.into()));
            }
            lead
        })
}

/// The rule index of a finding at `rules[N]` or `rules[N].when`.
fn rule_of(f: &Finding) -> usize {
    let rest = f.path.strip_prefix("rules[").unwrap();
    rest[..rest.find(']').unwrap()].parse().unwrap()
}

fn example_lead(example: &BTreeMap<String, Scalar>) -> Lead {
    let mut lead = common::lead("example");
    for (field, value) in example {
        match (field.as_str(), value) {
            ("country", Scalar::Text(t)) => lead.country = Some(t.clone()),
            ("company", Scalar::Text(t)) => lead.company = Some(t.clone()),
            (name, v) => {
                lead.attributes.insert(name.to_owned(), v.clone());
            }
        }
    }
    lead
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn findings_hold_for_every_lead(
        policy in policy_strategy(),
        leads in prop::collection::vec(lead_strategy(), 64),
    ) {
        for f in policy.findings() {
            let j = match f.code.as_str() {
                "shadowed-rule" | "partly-shadowed-rule" | "contradictory-condition" => rule_of(&f),
                _ => continue,
            };
            for lead in &leads {
                if !policy.rule_matches(j, lead, None) {
                    continue;
                }
                match f.code.as_str() {
                    "contradictory-condition" => {
                        prop_assert!(false, "{} matched {lead:?}", f.message)
                    }
                    "shadowed-rule" => prop_assert!(
                        (0..j).any(|i| policy.rule_matches(i, lead, None)),
                        "{}: no earlier rule takes {lead:?}", f.message
                    ),
                    _ => {}
                }
            }
            if let Some(example) = &f.example {
                let lead = example_lead(example);
                prop_assert!(policy.rule_matches(j, &lead, None), "{f:?}");
                prop_assert!((0..j).any(|i| policy.rule_matches(i, &lead, None)), "{f:?}");
            }
        }
    }
}

/// The generators above produce every finding the property checks, so the property is
/// not true by having nothing to check.
#[test]
fn generated_policies_exercise_every_rule_finding() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..256 {
        let policy = policy_strategy().new_tree(&mut runner).unwrap().current();
        for f in policy.findings() {
            *seen.entry(f.code).or_default() += 1;
        }
    }
    for code in [
        "shadowed-rule",
        "partly-shadowed-rule",
        "contradictory-condition",
    ] {
        assert!(
            seen.get(code).copied().unwrap_or(0) >= 5,
            "{code}: {seen:?}"
        );
    }
}
