//! How much of the oracle's edge the planted world's history can show at all.
//!
//! Before the run every rep has about `n` closes in each segment (the round-robin history).
//! The best any rule can do with them, for one lead and no fairness band, is to pick the rep
//! whose posterior mean rate is highest under the prior the world was really drawn from
//! (uniform rates `base ± signal`): the Bayes rule. How far that falls short of the rep that
//! is truly best is the evidence ceiling: the Bayes pick's expected edge over the segment's
//! mean rate, as a share of the best rep's. No estimator, gate or strategy can expect more
//! from the same history; with normal rates and noise it is `σ / sqrt(σ² + p(1−p)/n)`, the
//! correlation between a rep's record and its truth.
//!
//! Computed by Monte Carlo over independent segments drawn as `run_planted` draws them,
//! each rep's record drawn as closes of its true rate, and the posterior mean on a grid of
//! rates. Leads routed during the run add closes that the ceiling does not count, so a
//! strategy that learns can end a little above it.

use super::planted::PlantedConfig;
use super::stats::Rng;

/// Segments drawn for the estimate; about ±0.5 points of Monte Carlo error at the default.
const TRIALS: usize = 4_000;
/// Points of the grid over the prior's rates on which posteriors are computed.
const GRID: usize = 201;

/// The evidence ceiling of `c`'s history: the share of the best rep's edge per segment
/// that the Bayes pick from the history alone expects, over the worlds `c`'s settings draw
/// (its seed aside). `None` without a spread of rates (signal 0: no edge to recover).
pub fn evidence_ceiling(c: &PlantedConfig) -> Option<f64> {
    if c.signal <= 0.0 || c.reps < 2 {
        return None;
    }
    let segments = (c.industries * c.products).max(1);
    let history = c.history_weeks as u64 * c.leads_per_week as u64;
    // Round robin spreads the history evenly over reps, and segments are uniform.
    let closes = (history as f64 / (c.reps * segments) as f64).round() as u32;
    let grid: Vec<f64> = (0..GRID)
        .map(|i| c.rate_at(2.0 * i as f64 / (GRID - 1) as f64 - 1.0))
        .collect();
    let (ln_win, ln_loss): (Vec<f64>, Vec<f64>) =
        grid.iter().map(|p| (p.ln(), (1.0 - p).ln())).unzip();

    // An expectation over the worlds these settings draw, not this seed's world: the same
    // for every seed.
    let mut rng = Rng::new(0xCE11);
    let (mut bayes_edge, mut best_edge) = (0.0, 0.0);
    let mut rates = vec![0.0; c.reps];
    let mut means = vec![0.0; c.reps];
    let mut log_post = vec![0.0; GRID];
    for _ in 0..TRIALS {
        for (rate, mean) in rates.iter_mut().zip(means.iter_mut()) {
            *rate = c.rate_at(2.0 * rng.unit() - 1.0);
            let won = (0..closes).filter(|_| rng.unit() < *rate).count() as f64;
            let lost = closes as f64 - won;
            *mean = posterior_mean(won, lost, &grid, &ln_win, &ln_loss, &mut log_post);
        }
        let average = rates.iter().sum::<f64>() / c.reps as f64;
        // Ties (no history: every mean the same) go to the first rep, an arbitrary pick.
        let picked = (0..c.reps).fold(0, |b, r| if means[r] > means[b] { r } else { b });
        bayes_edge += rates[picked] - average;
        best_edge += rates.iter().cloned().fold(f64::MIN, f64::max) - average;
    }
    (best_edge > 0.0).then(|| bayes_edge / best_edge)
}

/// The posterior mean rate after `won` and `lost` closes, under a prior uniform over the
/// grid's points.
fn posterior_mean(
    won: f64,
    lost: f64,
    grid: &[f64],
    ln_win: &[f64],
    ln_loss: &[f64],
    log_post: &mut [f64],
) -> f64 {
    let mut top = f64::MIN;
    for (i, l) in log_post.iter_mut().enumerate() {
        *l = won * ln_win[i] + lost * ln_loss[i];
        top = top.max(*l);
    }
    let (mut mass, mut first_moment) = (0.0, 0.0);
    for (l, p) in log_post.iter().zip(grid) {
        let w = (l - top).exp();
        mass += w;
        first_moment += w * p;
    }
    first_moment / mass
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(signal: f64, history_weeks: u32) -> PlantedConfig {
        PlantedConfig {
            signal,
            history_weeks,
            ..PlantedConfig::default()
        }
    }

    /// The normal approximation: the correlation between a record of `n` closes and the
    /// truth, with the uniform prior's variance `signal² / 3`.
    fn normal_ceiling(signal: f64, n: f64) -> f64 {
        let spread = signal * signal / 3.0;
        (spread / (spread + 0.25 * 0.75 / n)).sqrt()
    }

    #[test]
    fn the_ceiling_follows_the_records_correlation_with_the_truth() {
        // (signal, history weeks, closes per rep and segment)
        for (signal, weeks, n) in [(0.1, 26, 203.0), (0.1, 104, 813.0), (0.2, 26, 203.0)] {
            let ceiling = evidence_ceiling(&world(signal, weeks)).expect("a spread");
            let normal = normal_ceiling(signal, n);
            assert!(
                (ceiling - normal).abs() < 0.03,
                "signal {signal}, {weeks} weeks: {ceiling:.3} against {normal:.3}"
            );
        }
    }

    #[test]
    fn more_history_raises_the_ceiling_toward_the_oracle() {
        let ceilings: Vec<f64> = [0, 4, 26, 260]
            .map(|weeks| evidence_ceiling(&world(0.1, weeks)).expect("a spread"))
            .to_vec();
        assert!(
            ceilings[0].abs() < 0.05,
            "no history, no edge: {ceilings:?}"
        );
        assert!(ceilings.windows(2).all(|w| w[0] < w[1]), "{ceilings:?}");
        assert!(ceilings[3] > 0.95 && ceilings[3] <= 1.0, "{ceilings:?}");
    }

    #[test]
    fn no_spread_has_no_ceiling() {
        assert_eq!(evidence_ceiling(&world(0.0, 26)), None);
    }

    #[test]
    fn the_posterior_mean_is_the_records_rate_when_the_record_is_long() {
        let grid: Vec<f64> = (1..100).map(|i| i as f64 / 100.0).collect();
        let (w, l): (Vec<f64>, Vec<f64>) = grid.iter().map(|p| (p.ln(), (1.0 - p).ln())).unzip();
        let mut scratch = vec![0.0; grid.len()];
        let long = posterior_mean(3_000.0, 7_000.0, &grid, &w, &l, &mut scratch);
        assert!((long - 0.3).abs() < 0.005, "{long}");
        // One win and one loss under a uniform prior: Beta(2, 2), mean one half.
        let short = posterior_mean(1.0, 1.0, &grid, &w, &l, &mut scratch);
        assert!((short - 0.5).abs() < 1e-9, "{short}");
    }
}
