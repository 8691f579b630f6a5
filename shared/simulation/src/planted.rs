//! The planted-truth simulator: reps with known win rates per segment, leads over weeks
//! routed online by round robin, by `best_fit` learning from the outcomes as they close,
//! and by an oracle that knows the true rates, each under the same fairness band.
//!
//! The truth: segments are industry × product; rep r's win rate in segment s is
//! `base_rate + signal · z(r, s)` with `z` drawn uniformly from [-1, 1] (seeded), so
//! `signal` is the half-width of the spread of rep-by-segment rates (0: every rep wins
//! every segment equally often). Each lead gets one uniform draw `u` and one close delay,
//! shared by the three strategies (common random numbers): it is won when `u` is below the
//! true rate of the rep a strategy gave it, so the strategies differ only by whom they
//! routed to. Optional history weeks, routed round robin before the run, give every
//! strategy the same starting statistics (a team importing its closes).
//!
//! The oracle is the engine's own `best_fit` fed near-certain statistics (the true rates
//! as 100,000 closes per rep and segment): the same base strategy, gate and fairness band,
//! but no uncertainty.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use switchboard_routing::fit::{FitVerdict, RepOutcomes, Tally};
use switchboard_routing::{
    CompiledPolicy, DecideInput, Lead, PolicyError, Scalar, Snapshot, decide,
};

use super::ceiling::evidence_ceiling;
use super::stats::{Interval, Rng, percentile_interval, resample, round4, wilson};

const INDUSTRIES: [&str; 8] = [
    "saas",
    "fintech",
    "retail",
    "health",
    "logistics",
    "media",
    "energy",
    "education",
];
const PRODUCTS: [&str; 4] = ["core", "plus", "enterprise", "services"];
/// Closes per rep and segment the oracle's statistics pretend to have.
const ORACLE_CLOSES: f64 = 100_000.0;

/// The generator's settings; [`Default`] holds the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlantedConfig {
    pub reps: usize,
    pub industries: usize,
    pub products: usize,
    /// Weeks routed by each strategy, and leads per week (weekdays, 08:00–18:00 UTC).
    pub weeks: u32,
    pub leads_per_week: u32,
    /// Weeks of round-robin history before the run whose closes every strategy starts
    /// with.
    pub history_weeks: u32,
    /// Mean win rate, and the half-width of the rep-by-segment spread around it.
    pub base_rate: f64,
    pub signal: f64,
    /// A lead closes this many days after assignment (uniform, inclusive).
    pub close_days_min: u32,
    pub close_days_max: u32,
    /// The `best_fit` settings under test (the engine's defaults unless changed).
    pub prior_strength: f64,
    pub credibility: f64,
    pub fairness_band: f64,
    pub seed: u64,
    /// Bootstrap resamples for the intervals.
    pub resamples: u32,
    /// First Monday of the run.
    pub start: Timestamp,
}

impl PlantedConfig {
    /// The true win rate at position `z` in [-1, 1] of the rep-by-segment spread.
    pub(crate) fn rate_at(&self, z: f64) -> f64 {
        (self.base_rate + self.signal * z).clamp(0.01, 0.99)
    }
}

impl Default for PlantedConfig {
    fn default() -> Self {
        PlantedConfig {
            reps: 8,
            industries: 4,
            products: 2,
            weeks: 12,
            leads_per_week: 500,
            history_weeks: 26,
            base_rate: 0.25,
            signal: 0.10,
            close_days_min: 3,
            close_days_max: 14,
            prior_strength: 20.0,
            credibility: 0.9,
            fairness_band: 0.2,
            seed: 1,
            resamples: 1000,
            start: "2026-01-05T00:00:00Z".parse().expect("a valid instant"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlantedReport {
    pub config: PlantedConfig,
    pub leads: u64,
    /// Mean over segments of the best rep's true rate minus the segment's mean rate: what
    /// unconstrained perfect routing could add.
    pub best_rep_edge: f64,
    pub strategies: Vec<StrategyResult>,
    /// `best_fit`'s expected uplift over round robin as a share of the oracle's.
    pub recovered: Option<f64>,
    /// The share of the best rep's edge that the Bayes pick from the history alone
    /// expects: what the evidence allows any rule (`ceiling::evidence_ceiling`).
    pub evidence_ceiling: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyResult {
    /// `round_robin`, `best_fit` or `oracle`.
    pub strategy: String,
    /// Realized win rate (Wilson interval).
    pub win_rate: Interval,
    /// Mean true rate of the assigned rep over the leads (no outcome noise).
    pub expected_win_rate: f64,
    /// Realized win rate minus round robin's, paired bootstrap over leads.
    pub uplift: Interval,
    pub expected_uplift: f64,
    /// Share of leads on which the pick departed from the base strategy's.
    pub departure_rate: f64,
    /// Per rep: share of all leads against the target share.
    pub reps: Vec<RepShare>,
    /// Largest |share − target| / target over reps, whole run.
    pub worst_share_deviation: f64,
    /// The same per fairness window (week), not counting the one lead of slack the band
    /// allows.
    pub worst_weekly_deviation: f64,
    /// Every rep within the band in every week (one lead of slack, as the engine allows).
    pub within_band: bool,
    pub parked: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepShare {
    pub rep: String,
    pub leads: u64,
    pub share: f64,
    pub target: f64,
}

struct PlantedLead {
    lead: Lead,
    segment: usize,
    u: f64,
    close_after: SignedDuration,
}

fn rep_id(i: usize) -> String {
    format!("rep{:02}", i + 1)
}

fn segment_key(segment: usize, products: usize) -> String {
    format!(
        "industry={}|product={}",
        INDUSTRIES[segment / products],
        PRODUCTS[segment % products]
    )
}

/// The policy of one strategy: one pool of `reps`, round robin or `best_fit` over it. An
/// error names a setting the policy refuses (a credibility below 0.5, say).
pub fn planted_policy(c: &PlantedConfig, best_fit: bool) -> Result<CompiledPolicy, PolicyError> {
    let reps: Vec<String> = (0..c.reps).map(rep_id).collect();
    let strategy = if best_fit {
        format!(
            "strategy: best_fit, best_fit: {{ base: round_robin, credibility: {}, fairness_band: {}, window: week }}",
            c.credibility, c.fairness_band
        )
    } else {
        "strategy: round_robin".to_owned()
    };
    let yaml = format!(
        "name: planted-{}\ntriage_pool: triage\noutcomes: {{ segment: [industry, product], prior_strength: {} }}\nreps: [{}]\npools:\n  - {{ id: team, {strategy}, members: [{}] }}\nrules: [{{ id: all, pool: team }}]\n",
        if best_fit { "best-fit" } else { "round-robin" },
        c.prior_strength,
        reps.iter()
            .map(|r| format!("{{ id: {r} }}"))
            .collect::<Vec<_>>()
            .join(", "),
        reps.join(", "),
    );
    CompiledPolicy::from_yaml(&yaml, 1)
}

/// Runs the three strategies on the same leads and truth.
pub fn run_planted(c: &PlantedConfig) -> Result<PlantedReport, PolicyError> {
    assert!(c.reps >= 2 && c.industries >= 1 && c.products >= 1);
    assert!(c.industries <= INDUSTRIES.len() && c.products <= PRODUCTS.len());
    let segments = c.industries * c.products;
    let mut rng = Rng::new(c.seed);
    // truth[r][s]
    let truth: Vec<Vec<f64>> = (0..c.reps)
        .map(|_| {
            (0..segments)
                .map(|_| c.rate_at(2.0 * rng.unit() - 1.0))
                .collect()
        })
        .collect();
    let best_rep_edge = (0..segments)
        .map(|s| {
            let col: Vec<f64> = truth.iter().map(|t| t[s]).collect();
            col.iter().cloned().fold(f64::MIN, f64::max)
                - col.iter().sum::<f64>() / col.len() as f64
        })
        .sum::<f64>()
        / segments as f64;

    let make_leads = |rng: &mut Rng, weeks: u32, start: Timestamp, prefix: &str| {
        let mut leads: Vec<PlantedLead> = (0..weeks as usize * c.leads_per_week as usize)
            .map(|i| {
                let week = (i / c.leads_per_week as usize) as i64;
                let day = rng.below(5) as i64;
                let secs = 8 * 3600 + rng.below(10 * 3600) as i64;
                let at = start
                    + SignedDuration::from_hours(24 * (7 * week + day))
                    + SignedDuration::from_secs(secs);
                let segment = rng.below(segments as u64) as usize;
                let mut lead = Lead::new(format!("{prefix}{i:06}"), at);
                lead.attributes.insert(
                    "industry".into(),
                    Scalar::Text(INDUSTRIES[segment / c.products].into()),
                );
                lead.attributes.insert(
                    "product".into(),
                    Scalar::Text(PRODUCTS[segment % c.products].into()),
                );
                let days = c.close_days_min as u64
                    + rng.below(
                        (c.close_days_max.max(c.close_days_min) - c.close_days_min) as u64 + 1,
                    );
                PlantedLead {
                    lead,
                    segment,
                    u: rng.unit(),
                    close_after: SignedDuration::from_hours(24 * days as i64),
                }
            })
            .collect();
        leads.sort_by_key(|l| l.lead.received_at);
        leads
    };
    let history_start = c.start - SignedDuration::from_hours(24 * 7 * c.history_weeks as i64);
    // Separate streams: the run's leads do not change with the length of the history.
    let history = make_leads(
        &mut Rng::new(c.seed ^ 0x4849_5354),
        c.history_weeks,
        history_start,
        "h",
    );
    let leads = make_leads(&mut Rng::new(c.seed ^ 0x5255_4e00), c.weeks, c.start, "l");

    // History: round robin, every close known before the run.
    let mut start_stats = vec![RepOutcomes::default(); c.reps];
    for (i, h) in history.iter().enumerate() {
        let r = i % c.reps;
        start_stats[r].record(
            Some(&segment_key(h.segment, c.products)),
            h.u < truth[r][h.segment],
        );
    }
    let mut oracle_stats = vec![RepOutcomes::default(); c.reps];
    for (r, stats) in oracle_stats.iter_mut().enumerate() {
        for (s, p) in truth[r].iter().enumerate() {
            let won = (p * ORACLE_CLOSES).round() as u32;
            let t = Tally {
                won,
                lost: ORACLE_CLOSES as u32 - won,
            };
            stats.overall.add(t);
            stats.segments.insert(segment_key(s, c.products), t);
        }
    }

    let rr = planted_policy(c, false)?;
    let bf = planted_policy(c, true)?;
    let runs = [
        ("round_robin", &rr, start_stats.clone(), false),
        ("best_fit", &bf, start_stats, true),
        ("oracle", &bf, oracle_stats, false),
    ]
    .map(|(name, policy, stats, learns)| (name, route(c, policy, &leads, &truth, stats, learns)));

    let n = leads.len();
    let base_won = &runs[0].1.won;
    let mut strategies = Vec::new();
    let mut boot_rng = Rng::new(c.seed ^ 0x5eed);
    for (name, run) in &runs {
        let wins = run.won.iter().filter(|w| **w).count() as u64;
        let diff: Vec<f64> = run
            .won
            .iter()
            .zip(base_won)
            .map(|(a, b)| *a as u8 as f64 - *b as u8 as f64)
            .collect();
        let mean =
            |idx: &[usize]| idx.iter().map(|&i| diff[i]).sum::<f64>() / idx.len().max(1) as f64;
        let all: Vec<usize> = (0..n).collect();
        let mut samples = Vec::with_capacity(c.resamples as usize);
        let mut idx = Vec::new();
        for _ in 0..c.resamples {
            resample(&mut boot_rng, n, &mut idx);
            samples.push(mean(&idx));
        }
        let expected = run.expected.iter().sum::<f64>() / n.max(1) as f64;
        let expected_base = runs[0].1.expected.iter().sum::<f64>() / n.max(1) as f64;
        let target = 1.0 / c.reps as f64;
        let assigned: u64 = run.counts.iter().sum();
        let reps: Vec<RepShare> = run
            .counts
            .iter()
            .enumerate()
            .map(|(r, &k)| RepShare {
                rep: rep_id(r),
                leads: k,
                share: round4(k as f64 / assigned.max(1) as f64),
                target: round4(target),
            })
            .collect();
        let worst_share_deviation = run
            .counts
            .iter()
            .map(|&k| (k as f64 / assigned.max(1) as f64 - target).abs() / target)
            .fold(0.0, f64::max);
        let mut worst_weekly: f64 = 0.0;
        let mut within_band = true;
        for week in &run.weekly {
            let total: u64 = week.iter().sum();
            if total == 0 {
                continue;
            }
            for &k in week {
                let fair = target * total as f64;
                let off = ((k as f64 - fair).abs() - 1.0).max(0.0) / fair;
                worst_weekly = worst_weekly.max(off);
                if off > c.fairness_band + 1e-9 {
                    within_band = false;
                }
            }
        }
        strategies.push(StrategyResult {
            strategy: (*name).to_owned(),
            win_rate: wilson(wins, n as u64).rounded(),
            expected_win_rate: round4(expected),
            uplift: percentile_interval(mean(&all), samples).rounded(),
            expected_uplift: round4(expected - expected_base),
            departure_rate: round4(run.departures as f64 / n.max(1) as f64),
            reps,
            worst_share_deviation: round4(worst_share_deviation),
            worst_weekly_deviation: round4(worst_weekly),
            within_band,
            parked: run.parked,
        });
    }
    let oracle_gain = strategies[2].expected_win_rate - strategies[0].expected_win_rate;
    let bf_gain = runs[1].1.expected.iter().sum::<f64>() - runs[0].1.expected.iter().sum::<f64>();
    let or_gain = runs[2].1.expected.iter().sum::<f64>() - runs[0].1.expected.iter().sum::<f64>();
    Ok(PlantedReport {
        config: c.clone(),
        leads: n as u64,
        best_rep_edge: round4(best_rep_edge),
        recovered: (oracle_gain > 0.0 && or_gain > 0.0).then(|| round4(bf_gain / or_gain)),
        evidence_ceiling: evidence_ceiling(c).map(round4),
        strategies,
    })
}

struct Routed {
    won: Vec<bool>,
    expected: Vec<f64>,
    counts: Vec<u64>,
    weekly: Vec<Vec<u64>>,
    departures: u64,
    parked: u64,
}

fn route(
    c: &PlantedConfig,
    policy: &CompiledPolicy,
    leads: &[PlantedLead],
    truth: &[Vec<f64>],
    stats: Vec<RepOutcomes>,
    learns: bool,
) -> Routed {
    let mut state = Snapshot::empty(policy);
    for (r, s) in stats.into_iter().enumerate() {
        state.set_rep_outcomes(policy, &rep_id(r), s);
    }
    let mut pending: BinaryHeap<Reverse<(Timestamp, usize, usize)>> = BinaryHeap::new();
    let mut out = Routed {
        won: Vec::with_capacity(leads.len()),
        expected: Vec::with_capacity(leads.len()),
        counts: vec![0; c.reps],
        weekly: vec![vec![0; c.reps]; c.weeks as usize],
        departures: 0,
        parked: 0,
    };
    for (i, pl) in leads.iter().enumerate() {
        let now = pl.lead.received_at;
        while pending.peek().is_some_and(|Reverse(e)| e.0 <= now) {
            let Reverse((_, j, r)) = pending.pop().expect("peeked");
            let l = &leads[j];
            state.outcomes[policy.rep_index(&rep_id(r)).expect("planted rep") as usize].record(
                Some(&segment_key(l.segment, c.products)),
                l.u < truth[r][l.segment],
            );
        }
        let d = decide(
            policy,
            &state,
            &DecideInput {
                lead: &pl.lead,
                account: None,
                bounced: &[],
                now,
            },
        );
        state.apply(&d.change);
        if d.fit
            .as_ref()
            .is_some_and(|f| f.verdict == FitVerdict::Credible)
        {
            out.departures += 1;
        }
        let Some(rep) = d.assigned_rep() else {
            out.parked += 1;
            out.won.push(false);
            out.expected.push(0.0);
            continue;
        };
        state.release(rep);
        let r: usize = policy.rep_id(rep).as_str()[3..]
            .parse::<usize>()
            .expect("planted rep id")
            - 1;
        let p = truth[r][pl.segment];
        out.won.push(pl.u < p);
        out.expected.push(p);
        out.counts[r] += 1;
        let week = ((now - c.start).as_hours() / (24 * 7)) as usize;
        if let Some(w) = out.weekly.get_mut(week) {
            w[r] += 1;
        }
        if learns {
            let at = now.saturating_add(pl.close_after).unwrap_or(Timestamp::MAX);
            pending.push(Reverse((at, i, r)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_config_same_report() {
        let c = PlantedConfig {
            weeks: 2,
            leads_per_week: 100,
            resamples: 50,
            ..PlantedConfig::default()
        };
        assert_eq!(run_planted(&c).unwrap(), run_planted(&c).unwrap());
    }
}
