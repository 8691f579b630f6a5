//! One routing decision against a large policy: 50 rules (the matching one is last),
//! 200 reps in 20 weighted pools with working hours and caps in 8 time zones, and
//! 10,000 accounts. Run: `cargo bench -p switchboard-routing --bench decide`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use switchboard_routing::condition::{AllOf, Condition, FieldTest};
use switchboard_routing::policy::{
    CapsDoc, MemberDoc, PolicyDocument, PoolDoc, RepDoc, RequireDoc, RuleDoc, StrategyKind,
};
use switchboard_routing::{
    Account, AccountIndex, CompiledPolicy, DecideInput, DecisionRecord, Lead, Scalar, Snapshot,
    decide, match_account,
};

const ZONES: [&str; 8] = [
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Australia/Sydney",
    "UTC",
];

fn big_policy() -> PolicyDocument {
    let reps = (0..200)
        .map(|i| RepDoc {
            id: format!("rep-{i:03}"),
            name: format!("Rep {i}"),
            email: None,
            manager: None,
            time_zone: ZONES[i % ZONES.len()].to_owned(),
            // Always inside hours for the benchmark clock, so every member is evaluated fully.
            working_hours: Some(
                [("mon-sun".to_owned(), vec!["00:00-24:00".to_owned()])]
                    .into_iter()
                    .collect(),
            ),
            skills: vec![format!("industry-{}", i % 5), "enterprise".into()],
            languages: vec!["en".into()],
            caps: CapsDoc {
                max_open: Some(1_000_000),
                max_per_day: Some(1_000_000),
                max_per_week: None,
            },
            away: vec![],
            holidays: vec!["2026-12-25".into()],
            crm: None,
            booking: None,
        })
        .collect();
    let pools = (0..20)
        .map(|p| PoolDoc {
            parked_retry: None,
            best_fit: None,
            id: format!("pool-{p:02}"),
            strategy: StrategyKind::WeightedRoundRobin,
            catch_up: false,
            members: (0..10)
                .map(|m| MemberDoc::Weighted {
                    rep: format!("rep-{:03}", p * 10 + m),
                    weight: 1 + (m as i64 % 3),
                })
                .collect(),
        })
        .collect();
    let test = |field: &str, f: &dyn Fn(&mut FieldTest)| {
        let mut t = FieldTest {
            field: field.into(),
            ..Default::default()
        };
        f(&mut t);
        Condition::Test(Box::new(t))
    };
    const CODES: [&str; 24] = [
        "DE", "FR", "GB", "IT", "ES", "NL", "BE", "AT", "CH", "SE", "NO", "DK", "FI", "PL", "PT",
        "IE", "JP", "AU", "NZ", "SG", "IN", "BR", "MX", "ZA",
    ];
    // 49 distinct rules that all fail (no two share a condition, so nothing can be reused):
    // even rules fail on the country clause, odd rules match the country and fail on size.
    let mut rules: Vec<RuleDoc> = (0..49)
        .map(|r| {
            let countries: Vec<Scalar> = if r % 2 == 0 {
                vec![CODES[r % 24].into(), CODES[(r + 7) % 24].into()]
            } else {
                vec!["US".into(), CODES[r % 24].into()]
            };
            RuleDoc {
                id: format!("rule-{r:02}"),
                when: Some(Condition::All(AllOf {
                    all: vec![
                        test("country", &|t| t.in_ = Some(countries.clone())),
                        test("employees", &|t| t.gte = Some(100_000.0 + r as f64)),
                    ],
                })),
                sticky: false,
                pool: format!("pool-{:02}", r % 20),
                require: None,
                sla: Some("10m".into()),
                fallbacks: vec![format!("pool-{:02}", (r + 1) % 20)],
                park_in: None,
            }
        })
        .collect();
    rules.push(RuleDoc {
        id: "rule-49".into(),
        when: Some(Condition::All(AllOf {
            all: vec![
                test("country", &|t| t.in_ = Some(vec!["US".into(), "CA".into()])),
                test("email_domain", &|t| t.suffix = Some(".com".into())),
                test("industry", &|t| t.eq = Some(Scalar::Text("fintech".into()))),
            ],
        })),
        sticky: false,
        pool: "pool-07".into(),
        require: Some(RequireDoc {
            all: vec!["enterprise".into()],
            ..Default::default()
        }),
        sla: Some("5m".into()),
        fallbacks: vec!["pool-08".into()],
        park_in: None,
    });
    PolicyDocument {
        name: "bench".into(),
        kill_switch: false,
        triage_pool: "triage".into(),
        default_sla: Some("15m".into()),
        sla_clock: Default::default(),
        sla_warning_percent: switchboard_routing::policy::DEFAULT_SLA_WARNING_PERCENT,
        escalation: None,
        parked: Default::default(),
        recycle: None,
        scoring: None,
        enrichment: None,
        outcomes: None,
        reps,
        pools,
        rules,
    }
}

fn accounts() -> AccountIndex {
    AccountIndex::new(
        (0..10_000)
            .map(|i| Account {
                id: format!("acc-{i:05}"),
                name: format!("Company {i}"),
                domains: vec![format!("company{i}.com")],
                owner: Some(format!("rep-{:03}", i % 200)),
                ..Default::default()
            })
            .collect(),
    )
}

fn bench(c: &mut Criterion) {
    let policy = CompiledPolicy::compile(big_policy(), 1).expect("bench policy is valid");
    let accounts = accounts();
    let now: Timestamp = "2026-11-24T15:00:00Z".parse().unwrap();
    let lead = Lead::new("lead-1", now)
        .with_email("jane@company4242.com")
        .with_country("US")
        .with_attr("industry", "fintech")
        .with_attr("employees", 250.0);
    // A warmed-up state: the pool has routed before, reps have open leads.
    let mut state = Snapshot::empty(&policy);
    for i in 0..500 {
        let l = Lead::new(format!("warm-{i}"), now)
            .with_email("x@example.com")
            .with_country("US")
            .with_attr("industry", "fintech");
        let d = decide(
            &policy,
            &state,
            &DecideInput {
                lead: &l,
                account: None,
                bounced: &[],
                now,
            },
        );
        state.apply(&d.change);
    }

    let mut g = c.benchmark_group("decide");
    g.bench_function("match_account+decide (rule 50 of 50, 10-rep pool)", |b| {
        b.iter(|| {
            let lead = black_box(&lead);
            let account = match_account(&accounts, lead);
            decide(
                &policy,
                black_box(&state),
                &DecideInput {
                    lead,
                    account,
                    bounced: &[],
                    now,
                },
            )
        })
    });
    let account = match_account(&accounts, &lead);
    let decision = decide(
        &policy,
        &state,
        &DecideInput {
            lead: &lead,
            account,
            bounced: &[],
            now,
        },
    );
    g.bench_function("render decision record", |b| {
        b.iter(|| DecisionRecord::new(&policy, black_box(&lead), black_box(&decision)))
    });
    g.bench_function("render decision record + serialize JSON", |b| {
        b.iter(|| {
            serde_json::to_vec(&DecisionRecord::new(
                &policy,
                black_box(&lead),
                black_box(&decision),
            ))
        })
    });
    let lead_fr = lead.clone().with_country("FR");
    g.bench_function("probe: 50 rules, none matches", |b| {
        b.iter(|| {
            decide(
                &policy,
                black_box(&state),
                &DecideInput {
                    lead: black_box(&lead_fr),
                    account: None,
                    bounced: &[],
                    now,
                },
            )
        })
    });
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    g.bench_function("probe: one time-zone conversion", |b| {
        b.iter(|| black_box(&tz).to_datetime(black_box(now)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
