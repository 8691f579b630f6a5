//! Rule conditions, one operator at a time: each test routes a lead through a one-rule
//! policy and checks whether the rule matched (a miss parks the lead as `no_rule_matched`).

mod common;

use common::{Call, decide_with, lead};
use switchboard_routing::{Account, CompiledPolicy, Lead, Outcome, ParkReason, Scalar, Snapshot};

/// A policy whose only rule has the given condition (YAML flow syntax).
fn one_rule(cond: &str) -> CompiledPolicy {
    common::policy(&format!(
        "triage_pool: triage
reps: [{{ id: a }}]
pools: [{{ id: p, members: [a] }}]
rules:
  - id: r
    when: {cond}
    pool: p
"
    ))
}

fn matches_with(cond: &str, lead: &Lead, account: Option<&Account>) -> bool {
    let policy = one_rule(cond);
    let state = Snapshot::empty(&policy);
    let d = decide_with(
        &policy,
        &state,
        lead,
        Call {
            account,
            ..Call::default()
        },
    );
    match d.outcome {
        Outcome::Assigned { .. } => {
            assert_eq!(d.rule, Some(0));
            true
        }
        Outcome::Parked { reason } => {
            // The only way this policy parks is a miss: the single rep is always free.
            assert_eq!(reason, ParkReason::NoRuleMatched);
            assert_eq!(d.rule, None);
            false
        }
    }
}

fn matches(cond: &str, lead: &Lead) -> bool {
    matches_with(cond, lead, None)
}

fn with_attr(key: &str, v: impl Into<Scalar>) -> Lead {
    lead("l").with_attr(key, v)
}

/// One condition against a table of leads, each row saying whether the rule must match.
#[track_caller]
fn assert_table(cond: &str, rows: &[(Lead, bool)]) {
    for (i, (lead, want)) in rows.iter().enumerate() {
        assert_eq!(matches(cond, lead), *want, "row {i} of `{cond}`: {lead:?}");
    }
}

// ---- eq ----

#[test]
fn eq_text_ignores_ascii_case_by_default() {
    let de = lead("l").with_country("DE");
    assert!(matches("{ field: country, eq: de }", &de));
    assert!(matches("{ field: country, eq: DE }", &de));
    assert!(!matches("{ field: country, eq: AT }", &de));
    assert!(matches(
        "{ field: industry, eq: fintech }",
        &with_attr("industry", "FinTech")
    ));
    // ASCII folding only: a different letter is not a case variant.
    assert!(!matches(
        "{ field: industry, eq: fintech }",
        &with_attr("industry", "FinTecz")
    ));
}

#[test]
fn eq_and_in_operands_are_trimmed_when_the_policy_is_compiled() {
    // A stray space typed into the policy must not make a rule silently dead.
    let de = lead("l").with_country("DE");
    assert!(matches("{ field: country, eq: ' DE ' }", &de));
    assert!(matches("{ field: country, in: [' AT', 'DE '] }", &de));
}

#[test]
fn eq_text_with_case_sensitive_compares_exactly() {
    let lead = with_attr("plan", "Pro");
    assert!(matches(
        "{ field: plan, eq: Pro, case_sensitive: true }",
        &lead
    ));
    assert!(!matches(
        "{ field: plan, eq: pro, case_sensitive: true }",
        &lead
    ));
    assert!(!matches(
        "{ field: plan, eq: PRO, case_sensitive: true }",
        &lead
    ));
}

#[test]
fn eq_number_accepts_numbers_and_numeric_text() {
    assert!(matches(
        "{ field: employees, eq: 50 }",
        &with_attr("employees", 50.0)
    ));
    // Form providers send numbers as text; numeric text is coerced.
    assert!(matches(
        "{ field: employees, eq: 50 }",
        &with_attr("employees", "50")
    ));
    assert!(matches(
        "{ field: employees, eq: 50 }",
        &with_attr("employees", " 50.0 ")
    ));
    assert!(!matches(
        "{ field: employees, eq: 50 }",
        &with_attr("employees", "fifty")
    ));
    assert!(!matches(
        "{ field: employees, eq: 50 }",
        &with_attr("employees", 51.0)
    ));
}

#[test]
fn eq_text_does_not_coerce_numbers_to_text() {
    // `eq: "50"` is a text test; a numeric attribute is not text.
    assert!(!matches(
        "{ field: employees, eq: \"50\" }",
        &with_attr("employees", 50.0)
    ));
    assert!(matches(
        "{ field: employees, eq: \"50\" }",
        &with_attr("employees", "50")
    ));
}

#[test]
fn eq_bool_matches_booleans_and_boolean_text() {
    let mut free = lead("l");
    free.free_mail = true;
    assert!(matches("{ field: free_mail, eq: true }", &free));
    assert!(!matches("{ field: free_mail, eq: true }", &lead("l")));
    assert!(matches("{ field: free_mail, eq: false }", &lead("l")));
    assert!(matches(
        "{ field: newsletter, eq: true }",
        &with_attr("newsletter", "true")
    ));
    assert!(!matches(
        "{ field: newsletter, eq: true }",
        &with_attr("newsletter", "yes")
    ));
    assert!(!matches(
        "{ field: newsletter, eq: true }",
        &with_attr("newsletter", 1.0)
    ));
}

// ---- in ----

#[test]
fn in_text_is_case_insensitive_unless_asked() {
    let at = lead("l").with_country("AT");
    assert!(matches("{ field: country, in: [de, at, ch] }", &at));
    assert!(!matches("{ field: country, in: [de, ch] }", &at));
    assert!(!matches(
        "{ field: country, in: [de, at], case_sensitive: true }",
        &at
    ));
    assert!(matches(
        "{ field: country, in: [DE, AT], case_sensitive: true }",
        &at
    ));
}

#[test]
fn in_numbers_accepts_numeric_text() {
    assert!(matches(
        "{ field: seats, in: [5, 10, 25] }",
        &with_attr("seats", "10")
    ));
    assert!(matches(
        "{ field: seats, in: [5, 10, 25] }",
        &with_attr("seats", 25.0)
    ));
    assert!(!matches(
        "{ field: seats, in: [5, 10, 25] }",
        &with_attr("seats", 11.0)
    ));
}

#[test]
fn in_on_a_missing_field_does_not_match() {
    assert!(!matches("{ field: country, in: [DE] }", &lead("l")));
}

// ---- prefix / suffix / contains ----

#[test]
fn prefix_matches_start_ignoring_case() {
    let l = lead("l").with_email("Max@Beispiel.de");
    assert!(matches("{ field: email, prefix: MAX@ }", &l));
    assert!(!matches("{ field: email, prefix: beispiel }", &l));
    let l = with_attr("campaign", "Spring-2026");
    assert!(matches("{ field: campaign, prefix: spring }", &l));
    assert!(!matches(
        "{ field: campaign, prefix: spring, case_sensitive: true }",
        &l
    ));
    assert!(matches(
        "{ field: campaign, prefix: Spring, case_sensitive: true }",
        &l
    ));
    // A prefix longer than the value cannot match (and must not panic).
    assert!(!matches(
        "{ field: campaign, prefix: spring-2026-extra }",
        &l
    ));
}

#[test]
fn suffix_matches_end_ignoring_case() {
    let l = lead("l").with_email("max@beispiel.de");
    assert!(matches("{ field: email_domain, suffix: .DE }", &l));
    // `domain` is an alias of `email_domain`.
    assert!(matches("{ field: domain, suffix: .de }", &l));
    assert!(!matches("{ field: email_domain, suffix: .com }", &l));
    assert!(!matches(
        "{ field: email_domain, suffix: .DE, case_sensitive: true }",
        &l
    ));
}

#[test]
fn contains_finds_substrings_ignoring_case() {
    let l = lead("l").with_company("Northwind Traders");
    assert!(matches("{ field: company, contains: WIND }", &l));
    assert!(!matches(
        "{ field: company, contains: WIND, case_sensitive: true }",
        &l
    ));
    assert!(matches(
        "{ field: company, contains: wind, case_sensitive: true }",
        &l
    ));
    assert!(!matches("{ field: company, contains: contoso }", &l));
}

#[test]
fn string_operators_do_not_match_numbers() {
    let l = with_attr("employees", 1000.0);
    assert!(!matches("{ field: employees, prefix: \"1\" }", &l));
    assert!(!matches("{ field: employees, contains: \"00\" }", &l));
}

// ---- numeric ranges ----

#[test]
fn gte_and_lt_form_a_half_open_range() {
    assert_table(
        "{ field: employees, gte: 100, lt: 1000 }",
        &[
            (with_attr("employees", 99.0), false),
            (with_attr("employees", 100.0), true),
            (with_attr("employees", 999.5), true),
            (with_attr("employees", 1000.0), false),
        ],
    );
}

#[test]
fn gt_and_lte_form_the_other_half_open_range() {
    assert_table(
        "{ field: employees, gt: 100, lte: 1000 }",
        &[
            (with_attr("employees", 100.0), false),
            (with_attr("employees", 100.5), true),
            (with_attr("employees", 1000.0), true),
            (with_attr("employees", 1000.5), false),
        ],
    );
}

#[test]
fn ranges_coerce_numeric_text_and_reject_other_values() {
    assert_table(
        "{ field: employees, gte: 1000 }",
        &[
            (with_attr("employees", "5000"), true),
            (with_attr("employees", " 1000 "), true),
            (with_attr("employees", "999"), false),
            // Not numbers: thousands separators, words, booleans, a missing field.
            (with_attr("employees", "5,000"), false),
            (with_attr("employees", "many"), false),
            (with_attr("employees", true), false),
            (lead("l"), false),
        ],
    );
}

#[test]
fn ranges_accept_negative_and_fractional_bounds() {
    assert_table(
        "{ field: score, gt: -0.5, lt: 0.5 }",
        &[
            (with_attr("score", 0.0), true),
            (with_attr("score", "-0.25"), true),
            (with_attr("score", -0.5), false),
        ],
    );
}

// ---- exists ----

#[test]
fn exists_true_and_false() {
    let with_phone = Lead {
        phone: Some("+4930123456".into()),
        ..lead("l")
    };
    assert!(matches("{ field: phone, exists: true }", &with_phone));
    assert!(!matches("{ field: phone, exists: false }", &with_phone));
    assert!(!matches("{ field: phone, exists: true }", &lead("l")));
    assert!(matches("{ field: phone, exists: false }", &lead("l")));
    assert!(matches(
        "{ field: budget, exists: true }",
        &with_attr("budget", 0.0)
    ));
    assert!(matches("{ field: budget, exists: false }", &lead("l")));
}

// ---- regex ----

#[test]
fn regex_ignores_case_by_default() {
    let l = lead("l").with_email("cto@acme.io");
    assert!(matches("{ field: email, regex: '^(ceo|cto|cfo)@' }", &l));
    assert!(matches("{ field: email, regex: 'ACME\\.IO$' }", &l));
    assert!(!matches("{ field: email, regex: '^sales@' }", &l));
}

#[test]
fn regex_with_case_sensitive_respects_case() {
    let l = with_attr("sku", "PRO-123");
    assert!(matches(
        "{ field: sku, regex: '^PRO-\\d+$', case_sensitive: true }",
        &l
    ));
    assert!(!matches(
        "{ field: sku, regex: '^pro-\\d+$', case_sensitive: true }",
        &l
    ));
}

#[test]
fn regex_does_not_match_missing_or_non_text_fields() {
    assert!(!matches("{ field: sku, regex: '.*' }", &lead("l")));
    assert!(!matches(
        "{ field: sku, regex: '.*' }",
        &with_attr("sku", 5.0)
    ));
}

// ---- several operators, all / any / not ----

#[test]
fn several_operators_in_one_test_must_all_hold() {
    assert_table(
        "{ field: email_domain, suffix: .de, prefix: acme }",
        &[
            (lead("l").with_email("x@acme.de"), true),
            (lead("l").with_email("x@globex.de"), false),
            (lead("l").with_email("x@acme.com"), false),
        ],
    );
}

#[test]
fn all_any_not_nest() {
    // German or Austrian, not free mail, and either big or explicitly enterprise.
    let cond = "{ all: [
        { field: country, in: [DE, AT] },
        { not: { field: free_mail, eq: true } },
        { any: [ { field: employees, gte: 500 }, { field: segment, eq: enterprise } ] }
    ] }";
    let base = || lead("l").with_country("AT").with_email("x@firma.at");
    let mut free = base().with_attr("employees", 800.0);
    free.free_mail = true;
    assert_table(
        cond,
        &[
            (base().with_attr("employees", 800.0), true),
            (base().with_attr("segment", "Enterprise"), true),
            (base().with_attr("employees", 20.0), false),
            (
                base().with_country("FR").with_attr("employees", 800.0),
                false,
            ),
            (free, false),
        ],
    );
}

#[test]
fn not_of_a_test_on_a_missing_field_holds() {
    // "not German" is true for a lead without a country.
    assert!(matches("{ not: { field: country, eq: DE } }", &lead("l")));
    assert!(!matches(
        "{ not: { field: country, eq: DE } }",
        &lead("l").with_country("DE")
    ));
}

#[test]
fn empty_all_matches_everything_and_empty_any_matches_nothing() {
    assert!(matches("{ all: [] }", &lead("l")));
    assert!(!matches("{ any: [] }", &lead("l")));
    assert!(matches("{ not: { any: [] } }", &lead("l")));
}

// ---- field names ----

#[test]
fn account_fields_read_the_matched_account() {
    let acc = Account {
        id: "acc-7".into(),
        name: "Globex".into(),
        owner: Some("a".into()),
        attributes: [
            ("tier".to_owned(), Scalar::from("gold")),
            ("arr".to_owned(), Scalar::from(120000.0)),
        ]
        .into_iter()
        .collect(),
        ..Account::default()
    };
    let l = lead("l");
    assert!(matches_with(
        "{ field: account.id, eq: acc-7 }",
        &l,
        Some(&acc)
    ));
    assert!(matches_with(
        "{ field: account.name, eq: GLOBEX }",
        &l,
        Some(&acc)
    ));
    assert!(matches_with(
        "{ field: account.owner, eq: a }",
        &l,
        Some(&acc)
    ));
    assert!(matches_with(
        "{ field: account.tier, in: [gold, platinum] }",
        &l,
        Some(&acc)
    ));
    assert!(matches_with(
        "{ field: account.arr, gte: 100000 }",
        &l,
        Some(&acc)
    ));
    assert!(!matches_with(
        "{ field: account.tier, eq: silver }",
        &l,
        Some(&acc)
    ));
    // Without a matched account every account field is absent.
    assert!(!matches_with(
        "{ field: account.id, exists: true }",
        &l,
        None
    ));
    assert!(matches_with(
        "{ field: account.id, exists: false }",
        &l,
        None
    ));
    assert!(matches_with(
        "{ field: account.owner, exists: false }",
        &l,
        Some(&Account {
            owner: None,
            ..acc.clone()
        })
    ));
    // A lead attribute of the same name is not an account field.
    assert!(!matches_with(
        "{ field: account.tier, eq: gold }",
        &with_attr("tier", "gold"),
        None
    ));
}

#[test]
fn lead_attributes_are_reachable_with_or_without_the_attributes_prefix() {
    let l = with_attr("industry", "fintech");
    assert!(matches("{ field: industry, eq: fintech }", &l));
    assert!(matches("{ field: attributes.industry, eq: fintech }", &l));
    assert!(!matches("{ field: attributes.sector, exists: true }", &l));
}

#[test]
fn named_lead_fields_are_read_from_the_lead_not_its_attributes() {
    let l = Lead {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        source: Some("typeform-demo".into()),
        ..lead("l")
    };
    assert!(matches("{ field: first_name, eq: ada }", &l));
    assert!(matches("{ field: last_name, prefix: love }", &l));
    assert!(matches("{ field: source, suffix: -demo }", &l));
    // An attribute called `country` does not stand in for the normalized country.
    assert!(!matches(
        "{ field: country, eq: DE }",
        &with_attr("country", "DE")
    ));
}

#[test]
fn first_matching_rule_wins() {
    let policy = common::policy(
        "triage_pool: triage
reps: [{ id: a }, { id: b }]
pools: [{ id: pa, members: [a] }, { id: pb, members: [b] }]
rules:
  - { id: german, when: { field: country, eq: DE }, pool: pa }
  - { id: european, when: { field: country, in: [DE, FR] }, pool: pb }
",
    );
    let state = Snapshot::empty(&policy);
    let d = common::decide_with(
        &policy,
        &state,
        &lead("l").with_country("DE"),
        Call::default(),
    );
    assert_eq!(d.rule, Some(0));
    assert_eq!(common::assigned(&policy, &d), Some("a"));
    let d = common::decide_with(
        &policy,
        &state,
        &lead("l").with_country("FR"),
        Call::default(),
    );
    assert_eq!(d.rule, Some(1));
    assert_eq!(common::assigned(&policy, &d), Some("b"));
}
