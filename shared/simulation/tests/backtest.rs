//! Backtests on synthetic history whose truth is known.

use std::collections::HashMap;

use jiff::SignedDuration;
use switchboard_routing::{AccountIndex, CompiledPolicy, Lead, Scalar};
use switchboard_simulation::backtest::{Backtest, BacktestReport, Close, HistoryLead};
use switchboard_simulation::stats::Rng;
use switchboard_testkit::ts;

/// One pool of `members`, round robin (or best_fit over segments by industry).
fn policy(members: &[&str], best_fit: bool) -> CompiledPolicy {
    let reps: Vec<String> = ["r1", "r2", "r3", "r4"]
        .iter()
        .map(|r| format!("{{ id: {r} }}"))
        .collect();
    let strategy = if best_fit {
        "strategy: best_fit, best_fit: { base: round_robin }"
    } else {
        "strategy: round_robin"
    };
    CompiledPolicy::from_yaml(
        &format!(
            "triage_pool: t\noutcomes: {{ segment: [industry] }}\nreps: [{}]\npools: [{{ id: p, {strategy}, members: [{}] }}]\nrules: [{{ id: all, pool: p }}]\n",
            reps.join(", "),
            members.join(", ")
        ),
        1,
    )
    .unwrap()
}

/// `n` leads a day apart, each worked by a rep drawn uniformly from r1..r4 and won with
/// that rep's rate.
fn history(n: usize, rates: [f64; 4]) -> (Vec<HistoryLead>, HashMap<String, Close>) {
    let mut rng = Rng::new(7);
    let t0 = ts("2026-01-05T09:00:00Z");
    let mut leads = Vec::new();
    let mut closes = HashMap::new();
    for i in 0..n {
        let at = t0 + SignedDuration::from_hours(i as i64);
        let mut lead = Lead::new(format!("h{i}"), at);
        lead.attributes
            .insert("industry".into(), Scalar::Text("saas".into()));
        let r = rng.below(4) as usize;
        let rep = format!("r{}", r + 1);
        closes.insert(
            lead.id.to_string(),
            Close {
                won: rng.unit() < rates[r],
                rep: None,
                closed_at: Some(at + SignedDuration::from_hours(48)),
            },
        );
        leads.push(HistoryLead {
            lead,
            rep: Some(rep),
        });
    }
    (leads, closes)
}

fn run(policies: Vec<&CompiledPolicy>, n: usize, rates: [f64; 4], learn: bool) -> BacktestReport {
    let accounts = AccountIndex::new(Vec::new());
    let (leads, closes) = history(n, rates);
    Backtest {
        policies,
        accounts: &accounts,
        work_time: SignedDuration::from_hours(4),
        learn_until: learn
            .then(|| ts("2026-01-05T09:00:00Z") + SignedDuration::from_hours(n as i64 / 2)),
        resamples: 400,
        seed: 1,
    }
    .run(leads, &closes)
}

#[test]
fn the_replay_estimate_finds_a_better_rep() {
    // A always gives the lead to r1 (wins 60%), B to r2 (wins 20%).
    let (a, b) = (policy(&["r1"], false), policy(&["r2"], false));
    let r = run(vec![&a, &b], 2000, [0.6, 0.2, 0.4, 0.4], false);
    let (ea, eb) = (
        r.policies[0].estimate.as_ref().unwrap(),
        r.policies[1].estimate.as_ref().unwrap(),
    );
    assert!((ea.replay.value - 0.6).abs() < 0.06, "{ea:?}");
    assert!((eb.replay.value - 0.2).abs() < 0.06, "{eb:?}");
    // Uniform history: inverse propensity weighting agrees with the replay.
    assert!((ea.ipw.value - ea.replay.value).abs() < 1e-9);
    let u = r.uplift.as_ref().unwrap();
    assert!(u.replay.high < 0.0, "{u:?}");
    assert_eq!(u.verdict, "B wins credibly less often than A");
    // Every lead went to r1 under A and to r2 under B.
    let all = |rep: &str| {
        r.differences
            .iter()
            .find(|d| d.pool == "(all)" && d.rep == rep)
            .unwrap()
            .clone()
    };
    assert_eq!((all("r1").a, all("r1").b), (2000, 0));
    assert_eq!(all("r2").difference, 2000);
    assert_eq!(r.agreement, Some(0.0));
}

#[test]
fn the_same_policy_twice_is_no_credible_difference() {
    let a = policy(&["r1", "r2", "r3", "r4"], false);
    let r = run(vec![&a, &a], 800, [0.3, 0.3, 0.3, 0.3], false);
    let u = r.uplift.as_ref().unwrap();
    assert_eq!((u.replay.low, u.replay.high), (0.0, 0.0));
    assert_eq!(u.verdict, "no credible difference");
    assert_eq!(r.agreement, Some(1.0));
}

#[test]
fn closes_before_the_cut_train_and_leads_after_it_are_evaluated() {
    let a = policy(&["r1", "r2", "r3", "r4"], false);
    let b = policy(&["r1", "r2", "r3", "r4"], true);
    let r = run(vec![&a, &b], 2000, [0.7, 0.1, 0.1, 0.1], true);
    assert_eq!(r.evaluated, 1000);
    // Closes two days after the lead: those of the first 1000 - 48 leads are learned.
    assert_eq!(r.policies[1].learned_closes, 952);
    let bf = &r.policies[1];
    assert_eq!(bf.best_fit_decisions, 2000);
    assert!(bf.departures > 0, "r1 is credibly better, within the band");
    // best_fit hands r1 more leads than round robin does, within ±20% and one lead.
    let r1 = |p: usize| r.policies[p].routing.pools[0].reps[0].assigned;
    assert!(r1(1) > r1(0), "{} vs {}", r1(1), r1(0));
    assert!((r1(1) as f64) <= 1.2 * 500.0 + 10.0);
    let est = bf.estimate.as_ref().unwrap();
    assert!(est.matched > 0);
}
