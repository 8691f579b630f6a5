//! The `best_fit` strategy: it departs from the base strategy's pick only on credible
//! evidence, never moves a rep's share of the window outside the fairness band, decides
//! the same way for the same inputs, and explains itself in the decision record.

mod common;

use common::{assigned, decide_at, policy, record};
use proptest::prelude::*;
use switchboard_routing::fit::{Band, FitVerdict, RepOutcomes, Tally, prob_beats};
use switchboard_routing::{CompiledPolicy, Decision, Lead, Snapshot};
use switchboard_testkit::ts;

const INDUSTRIES: [&str; 3] = ["fintech", "retail", "health"];

/// One best_fit pool of reps r0..rN (weights as given) segmenting by industry.
fn best_fit_policy(weights: &[u32], base: &str, prior: f64, credibility: f64) -> CompiledPolicy {
    let reps: String = (0..weights.len())
        .map(|i| format!("  - {{ id: r{i}, name: R{i} }}\n"))
        .collect();
    let members: String = weights
        .iter()
        .enumerate()
        .map(|(i, w)| format!("      - {{ rep: r{i}, weight: {w} }}\n"))
        .collect();
    policy(&format!(
        "triage_pool: triage
outcomes: {{ segment: [industry], prior_strength: {prior} }}
reps:
{reps}pools:
  - id: p
    strategy: best_fit
    best_fit: {{ base: {base}, credibility: {credibility} }}
    members:
{members}rules:
  - {{ id: all, pool: p }}
"
    ))
}

fn with_outcomes(policy: &CompiledPolicy, per_rep: &[Vec<(u32, u32)>]) -> Snapshot {
    let mut state = Snapshot::empty(policy);
    for (i, segs) in per_rep.iter().enumerate() {
        let mut o = RepOutcomes::default();
        for (industry, &(won, lost)) in INDUSTRIES.iter().zip(segs) {
            let t = Tally { won, lost };
            o.overall.add(t);
            o.segments.insert(format!("industry={industry}"), t);
        }
        state.set_rep_outcomes(policy, &format!("r{i}"), o);
    }
    state
}

fn lead(i: usize, industry: &str) -> Lead {
    common::lead(&format!("l{i}")).with_attr("industry", industry)
}

/// Shares by weight, for checking the band over the pool's window counts.
fn shares(weights: &[u32]) -> Vec<f64> {
    let total: u32 = weights.iter().sum();
    weights.iter().map(|&w| w as f64 / total as f64).collect()
}

fn picked(d: &Decision) -> u32 {
    d.assigned_rep().expect("an uncapped pool assigns")
}

fn reps_and_outcomes() -> impl Strategy<Value = (Vec<u32>, Vec<Vec<(u32, u32)>>)> {
    (2usize..6).prop_flat_map(|n| {
        (
            prop::collection::vec(1u32..4, n),
            prop::collection::vec(prop::collection::vec((0u32..200, 0u32..200), 3), n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever the evidence, after every lead each rep's count in the window is within
    /// ±20% of its weighted share, give or take one lead.
    #[test]
    fn the_fairness_band_is_never_broken(
        (weights, outcomes) in reps_and_outcomes(),
        base in prop::sample::select(vec!["weighted_round_robin", "round_robin"]),
        industries in prop::collection::vec(0usize..3, 1..200),
    ) {
        // Round robin has no weights: every rep's share is equal.
        let weights = if base == "round_robin" { vec![1; weights.len()] } else { weights };
        let policy = best_fit_policy(&weights, base, 5.0, 0.9);
        let mut state = with_outcomes(&policy, &outcomes);
        let now = ts("2026-06-02T10:00:00Z");
        let shares = shares(&weights);
        for (i, &ind) in industries.iter().enumerate() {
            let d = decide_at(&policy, &state, &lead(i, INDUSTRIES[ind]), now);
            state.apply(&d.change);
            let counts = &state.pools[0].counts;
            let band = Band { band: 0.2, counts, shares: &shares };
            prop_assert!(band.holds(), "lead {i}: counts {counts:?} against shares {shares:?}");
        }
    }

    /// Same policy, state, lead and clock: the same decision, explanation included.
    #[test]
    fn decisions_are_deterministic(
        (weights, outcomes) in reps_and_outcomes(),
        industries in prop::collection::vec(0usize..3, 1..40),
    ) {
        let policy = best_fit_policy(&weights, "weighted_round_robin", 5.0, 0.9);
        let mut state = with_outcomes(&policy, &outcomes);
        let now = ts("2026-06-02T10:00:00Z");
        for (i, &ind) in industries.iter().enumerate() {
            let l = lead(i, INDUSTRIES[ind]);
            let d = decide_at(&policy, &state, &l, now);
            prop_assert_eq!(&d, &decide_at(&policy, &state.clone(), &l, now));
            state.apply(&d.change);
        }
    }

    /// A departure always has P(better than the base pick) at or over the credibility,
    /// computed from the estimates it records; only the band itself may otherwise move
    /// the lead off the base pick.
    #[test]
    fn the_gate_never_departs_without_credible_evidence(
        (weights, outcomes) in reps_and_outcomes(),
        credibility in 0.6f64..0.99,
        industries in prop::collection::vec(0usize..3, 1..60),
    ) {
        let policy = best_fit_policy(&weights, "weighted_round_robin", 5.0, credibility);
        let mut state = with_outcomes(&policy, &outcomes);
        let now = ts("2026-06-02T10:00:00Z");
        for (i, &ind) in industries.iter().enumerate() {
            let d = decide_at(&policy, &state, &lead(i, INDUSTRIES[ind]), now);
            let note = d.fit.as_ref().expect("a best_fit pool explains its pick");
            let est = |rep: u32| note.estimates.iter().find(|(r, _)| *r == rep).map(|(_, e)| *e).unwrap();
            if note.verdict == FitVerdict::Credible {
                prop_assert_ne!(picked(&d), note.base_pick);
                let p = prob_beats(&est(picked(&d)), &est(note.base_pick));
                prop_assert!(p >= credibility, "departed with P = {p}");
            } else if note.verdict != FitVerdict::FairnessBand {
                prop_assert_eq!(picked(&d), note.base_pick);
            }
            state.apply(&d.change);
        }
    }

    /// Without recorded outcomes best_fit is its base strategy, lead for lead.
    #[test]
    fn without_outcomes_it_is_the_base_strategy(
        weights in prop::collection::vec(1u32..4, 2..6),
        industries in prop::collection::vec(0usize..3, 1..80),
    ) {
        let fit = best_fit_policy(&weights, "weighted_round_robin", 20.0, 0.9);
        let base = common::single_pool(&weights, switchboard_routing::StrategyKind::WeightedRoundRobin, false);
        let (mut fs, mut bs) = (Snapshot::empty(&fit), Snapshot::empty(&base));
        let now = ts("2026-06-02T10:00:00Z");
        for (i, &ind) in industries.iter().enumerate() {
            let l = lead(i, INDUSTRIES[ind]);
            let (df, db) = (decide_at(&fit, &fs, &l, now), decide_at(&base, &bs, &l, now));
            prop_assert_eq!(picked(&df), picked(&db));
            prop_assert_eq!(df.fit.as_ref().map(|f| f.verdict), Some(FitVerdict::BasePick));
            fs.apply(&df.change);
            bs.apply(&db.change);
        }
    }
}

#[test]
fn a_credibly_better_rep_gets_the_segment_and_the_record_says_why() {
    let policy = best_fit_policy(&[1, 1, 1], "round_robin", 20.0, 0.9);
    // r2 wins 60% of fintech over 200 closes; the others 20%. Retail is even.
    let state = with_outcomes(
        &policy,
        &[
            vec![(40, 160), (50, 50), (10, 10)],
            vec![(40, 160), (50, 50), (10, 10)],
            vec![(120, 80), (50, 50), (10, 10)],
        ],
    );
    let now = ts("2026-06-02T10:00:00Z");
    let l = lead(1, "fintech");
    let d = decide_at(&policy, &state, &l, now);
    assert_eq!(assigned(&policy, &d), Some("r2"));
    let rec = record(&policy, &l, &d);
    assert_eq!(rec.segment.as_deref(), Some("industry=fintech"));
    let fit = rec.fit.expect("fit record");
    assert_eq!(fit.verdict, FitVerdict::Credible);
    assert_eq!(fit.base_pick.as_str(), "r0");
    assert!(fit.probability.unwrap() > 0.99, "{fit:?}");
    let r2 = fit
        .estimates
        .iter()
        .find(|e| e.rep.as_str() == "r2")
        .unwrap();
    assert_eq!((r2.closes, r2.closes_overall), (200, 320));
    assert!(r2.low > 0.5 && r2.win_rate > 0.55, "{r2:?}");
    assert_eq!(
        match &rec.outcome {
            switchboard_routing::record::OutcomeRecord::Assigned { via, .. } => via.as_str(),
            _ => "",
        },
        "best_fit"
    );
    assert!(
        rec.summary
            .contains("Learned fit: departed from the round_robin pick r0"),
        "{}",
        rec.summary
    );
    let picked = rec.steps[0]
        .candidates
        .iter()
        .find(|c| c.rep.as_str() == "r2")
        .unwrap();
    assert!(
        picked.detail.starts_with(
            "picked by best_fit: win rate 58% (51–64%, 200 closes in the segment), better than r0's"
        ),
        "{}",
        picked.detail
    );

    // Retail: nobody is better; the round robin pick stands.
    let d = decide_at(&policy, &state, &lead(2, "retail"), now);
    assert_eq!(assigned(&policy, &d), Some("r0"));
    assert_ne!(d.fit.unwrap().verdict, FitVerdict::Credible);
}

#[test]
fn the_band_holds_back_the_best_rep_once_its_share_is_spent() {
    let policy = best_fit_policy(&[1, 1], "round_robin", 5.0, 0.9);
    let mut state = with_outcomes(
        &policy,
        &[
            vec![(10, 190), (0, 0), (0, 0)],
            vec![(150, 50), (0, 0), (0, 0)],
        ],
    );
    let now = ts("2026-06-02T10:00:00Z");
    let mut verdicts = Vec::new();
    for i in 0..20 {
        let d = decide_at(&policy, &state, &lead(i, "fintech"), now);
        verdicts.push(d.fit.as_ref().unwrap().verdict);
        state.apply(&d.change);
    }
    let counts = &state.pools[0].counts;
    // r1 takes what the band allows (1.2 × half of 20, plus one) and no more.
    assert_eq!(counts, &vec![7, 13]);
    assert!(verdicts.contains(&FitVerdict::Credible));
    assert!(verdicts.contains(&FitVerdict::FairnessBand));
}

#[test]
fn a_new_window_starts_the_shares_again() {
    let policy = best_fit_policy(&[1, 1], "round_robin", 5.0, 0.9);
    let mut state = with_outcomes(
        &policy,
        &[
            vec![(10, 190), (0, 0), (0, 0)],
            vec![(150, 50), (0, 0), (0, 0)],
        ],
    );
    for i in 0..10 {
        let d = decide_at(
            &policy,
            &state,
            &lead(i, "fintech"),
            ts("2026-06-02T10:00:00Z"),
        );
        state.apply(&d.change);
    }
    // The next ISO week: counts restart, so the better rep may take the next lead again.
    let d = decide_at(
        &policy,
        &state,
        &lead(11, "fintech"),
        ts("2026-06-08T10:00:00Z"),
    );
    assert_eq!(assigned(&policy, &d), Some("r1"));
    state.apply(&d.change);
    assert_eq!(state.pools[0].counts, vec![0, 1]);
    assert_eq!(state.pools[0].window, Some("2026-06-08".parse().unwrap()));
}

#[test]
fn best_fit_settings_are_checked() {
    let bad = "triage_pool: triage
reps: [{ id: a }]
pools:
  - { id: p, strategy: best_fit, best_fit: { base: best_fit, credibility: 1.5, fairness_band: -1 }, members: [a] }
  - { id: q, strategy: round_robin, best_fit: {}, members: [a] }
rules: [{ id: r, pool: p }]
outcomes: { segment: [industry, industry] }
";
    let err = CompiledPolicy::from_yaml(bad, 1).unwrap_err().to_string();
    for expected in [
        "pools[0].best_fit.base",
        "pools[0].best_fit.credibility",
        "pools[0].best_fit.fairness_band",
        "pools[1].best_fit",
        "outcomes.segment[1]",
    ] {
        assert!(err.contains(expected), "{expected} missing from: {err}");
    }
}
