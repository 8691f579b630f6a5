//! Learned rep fit: win-rate estimates per rep and lead segment from recorded outcomes, the
//! credibility gate that decides whether routing may depart from a pool's base pick, and the
//! fairness band that bounds how far any departure moves a rep's share.
//!
//! Estimates are hierarchical Beta posteriors. With prior strength `k` (in pseudo-closes):
//! - the pool's rate `p` is its members' pooled wins over closes (Laplace-smoothed);
//! - the pool's rate in the segment, and outside it, are shrunk toward `p`:
//!   `(won + k·p) / (closes + k)`;
//! - a rep's effect is its rate outside the segment, shrunk the same way toward the pool's
//!   rate outside the segment, minus that rate (so no close counts twice);
//! - the rep's rate in the segment has prior mean `pool-in-segment + rep effect` (clamped
//!   into (0, 1)) and strength `k`, so its posterior is
//!   `Beta(won + k·μ, lost + k·(1 − μ))`.
//!
//! A rep with few closes therefore sits near what the pool and the rep's overall record
//! suggest, and only a long, consistent record in the segment moves it away.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Wins and losses of closed leads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Tally {
    #[serde(default)]
    pub won: u32,
    #[serde(default)]
    pub lost: u32,
}

impl Tally {
    pub fn closes(&self) -> u32 {
        self.won + self.lost
    }

    pub fn add(&mut self, other: Tally) {
        self.won += other.won;
        self.lost += other.lost;
    }

    pub fn record(&mut self, won: bool) {
        if won {
            self.won += 1;
        } else {
            self.lost += 1;
        }
    }
}

/// One rep's closed leads, overall and by segment key (see
/// [`crate::CompiledPolicy::outcome_segment`]). Storage keeps one per rep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepOutcomes {
    #[serde(default)]
    pub overall: Tally,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub segments: BTreeMap<String, Tally>,
}

impl RepOutcomes {
    /// One closed lead: won, or lost (an unqualified lead is not a close of the rep's).
    pub fn record(&mut self, segment: Option<&str>, won: bool) {
        self.overall.record(won);
        if let Some(s) = segment {
            self.segments.entry(s.to_owned()).or_default().record(won);
        }
    }

    pub fn in_segment(&self, segment: &str) -> Tally {
        self.segments.get(segment).copied().unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.overall.closes() == 0 && self.segments.is_empty()
    }
}

/// A rep's estimated win rate in one segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Estimate {
    /// Posterior mean.
    pub mean: f64,
    /// 95% credible interval (normal approximation of the Beta posterior, within [0, 1]).
    pub low: f64,
    pub high: f64,
    /// Closed leads of the rep in the segment, and overall.
    pub closes: u32,
    pub closes_overall: u32,
    /// Beta posterior parameters, given the prior mean.
    pub alpha: f64,
    pub beta: f64,
    /// What the prior mean's own uncertainty (the rep's effect, learned from its closes
    /// outside the segment) adds to the Beta posterior's variance.
    #[serde(default)]
    pub prior_variance: f64,
}

impl Estimate {
    /// The Beta(α, β) posterior's summary, widened by `prior_variance`.
    pub fn from_beta(
        alpha: f64,
        beta: f64,
        prior_variance: f64,
        closes: u32,
        closes_overall: u32,
    ) -> Estimate {
        let mean = alpha / (alpha + beta);
        let sd = (beta_variance(alpha, beta) + prior_variance).sqrt();
        Estimate {
            mean,
            low: (mean - 1.96 * sd).max(0.0),
            high: (mean + 1.96 * sd).min(1.0),
            closes,
            closes_overall,
            alpha,
            beta,
            prior_variance,
        }
    }

    pub fn variance(&self) -> f64 {
        beta_variance(self.alpha, self.beta) + self.prior_variance
    }
}

fn beta_variance(a: f64, b: f64) -> f64 {
    let s = a + b;
    a * b / (s * s * (s + 1.0))
}

/// The prior strengths (in pseudo-closes) of the estimate's two levels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PriorStrength {
    /// How strongly a rep's rate in a segment is pulled toward the pool's rate there plus
    /// the rep's effect.
    pub segment: f64,
    /// How strongly a rep's record outside the segment (its effect) is pulled toward the
    /// pool's.
    pub rep: f64,
}

impl PriorStrength {
    /// The same strength at both levels (`outcomes.prior_strength` alone).
    pub fn fixed(k: f64) -> PriorStrength {
        PriorStrength { segment: k, rep: k }
    }
}

/// Estimates for the members of one pool in one segment, in the order given.
/// `tallies[i]` is member i's (overall, in-segment) record.
pub fn estimate_pool(prior: PriorStrength, tallies: &[(Tally, Tally)]) -> Vec<Estimate> {
    let k = prior.segment.max(0.0);
    let k_rep = prior.rep.max(0.0);
    let mut pool = Tally::default();
    let mut pool_seg = Tally::default();
    for (o, s) in tallies {
        pool.add(*o);
        pool_seg.add(*s);
    }
    let p = (pool.won as f64 + 1.0) / (pool.closes() as f64 + 2.0);
    let p_seg = shrink(pool_seg, k, p);
    let p_out = shrink(outside(pool, pool_seg), k_rep, p);
    tallies
        .iter()
        .map(|(o, s)| {
            // The rep's effect is learned from its closes outside the segment, so the
            // segment's own closes count once, in the posterior below.
            let rest = outside(*o, *s);
            let rate_out = shrink(rest, k_rep, p_out);
            let effect = rate_out - p_out;
            let mu = (p_seg + effect).clamp(0.005, 0.995);
            // A zero prior strength still needs a proper posterior: one pseudo-close.
            let kk = k.max(1.0);
            // The effect is itself an estimate: its posterior variance, carried by the
            // prior's share of the posterior mean. Without it a strong segment prior makes
            // a rep's chance lead outside the segment look certain inside it.
            let effect_variance =
                rate_out * (1.0 - rate_out) / (rest.closes() as f64 + k_rep + 1.0);
            let prior_share = kk / (s.closes() as f64 + kk);
            Estimate::from_beta(
                s.won as f64 + kk * mu,
                s.lost as f64 + kk * (1.0 - mu),
                prior_share * prior_share * effect_variance,
                s.closes(),
                o.closes(),
            )
        })
        .collect()
}

/// Most shrinkage [`fitted_prior_strength`] gives: the pool's record shows no spread at all.
/// It must dwarf any rep's closes, or a long record pulls its estimate off the pool's by
/// chance alone (at 10,000, five years of history at 500 leads a week let best_fit depart
/// on up to 13% of leads with no signal).
pub const MAX_PRIOR_STRENGTH: f64 = 1_000_000.0;

/// The prior strengths a pool's own record supports (empirical Bayes, by the method of
/// moments), never below the configured `floor`: how far apart its members' win rates
/// really are, beyond what the binomial noise of their closes explains. The segment level
/// is fitted to the members' rates by segment, the rep level to their overall rates.
///
/// For a group of `m` members' records with rate `p` over `N` closes, the weighted squared
/// spread `Σ nᵢ(rᵢ − p)²` is expected to be `(m − 1)·p(1 − p) + τ²·(N − Σnᵢ²/N)`, with
/// `τ²` the variance of the members' true rates. Summing both sides over the groups (one
/// per segment) gives `τ²`; a Beta prior of strength `k` has variance `p(1 − p)/(k + 1)`,
/// so `k = p(1 − p)/τ² − 1`. The spread credited to `τ²` is what exceeds chance by
/// [`CHANCE_MARGIN`] standard errors. When members differ only by chance, `τ²` is zero and the
/// estimates stay at the pool's rate, so routing does not chase noise; when they truly
/// differ, the shrinkage is no stronger than the spread warrants.
pub fn fitted_prior_strength<'a>(
    floor: f64,
    members: impl IntoIterator<Item = &'a RepOutcomes>,
) -> PriorStrength {
    let mut cells: BTreeMap<&str, Vec<Tally>> = BTreeMap::new();
    let mut overall: Vec<Tally> = Vec::new();
    for m in members {
        if m.overall.closes() > 0 {
            overall.push(m.overall);
        }
        for (segment, tally) in &m.segments {
            if tally.closes() > 0 {
                cells.entry(segment.as_str()).or_default().push(*tally);
            }
        }
    }
    let floor = floor.clamp(0.0, MAX_PRIOR_STRENGTH);
    let fit = |k: Option<f64>| k.map_or(floor, |k| k.clamp(floor, MAX_PRIOR_STRENGTH));
    PriorStrength {
        segment: fit(moment_strength(cells.values())),
        rep: fit(moment_strength([&overall])),
    }
}

/// How many standard errors of chance spread [`fitted_prior_strength`] sets aside before it
/// counts the rest as real. Eight reps' overall records give the rep level 7 degrees of
/// freedom, and an unadjusted fit reads a spread into pure chance one time in two; its
/// strength is then finite, a rep's lucky record leaks into every segment's estimate, and
/// with no planted signal best_fit departed on up to 9% of leads (docs/OUTCOMES.md). At two
/// standard errors no planted no-signal world of 26 weeks to 5 years of history departs at
/// all, while a real spread (signal 0.1: dozens of standard errors) fits nearly as before.
pub const CHANCE_MARGIN: f64 = 2.0;

/// The method-of-moments prior strength over `groups` of records (see
/// [`fitted_prior_strength`]); `None` when no group has two records with closes.
fn moment_strength<'a>(groups: impl IntoIterator<Item = &'a Vec<Tally>>) -> Option<f64> {
    let (mut excess, mut weight, mut won, mut closes, mut df) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for tallies in groups.into_iter().filter(|t| t.len() >= 2) {
        let n_total: f64 = tallies.iter().map(|t| t.closes() as f64).sum();
        let group_won: f64 = tallies.iter().map(|t| t.won as f64).sum();
        let p = group_won / n_total;
        let spread: f64 = tallies
            .iter()
            .map(|t| {
                let n = t.closes() as f64;
                n * (t.won as f64 / n - p).powi(2)
            })
            .sum();
        let squares: f64 = tallies.iter().map(|t| (t.closes() as f64).powi(2)).sum();
        excess += spread - (tallies.len() - 1) as f64 * p * (1.0 - p);
        weight += n_total - squares / n_total;
        won += group_won;
        closes += n_total;
        df += (tallies.len() - 1) as f64;
    }
    if weight <= 0.0 {
        return None;
    }
    let p = won / closes;
    // Chance alone spreads the weighted squares by about sqrt(2·df)·p(1 − p) (a χ² with df
    // degrees of freedom, scaled); only the excess beyond that margin counts as spread.
    let chance = CHANCE_MARGIN * (2.0 * df).sqrt() * p * (1.0 - p);
    let tau2 = (excess - chance) / weight;
    Some(if tau2 <= 0.0 {
        MAX_PRIOR_STRENGTH
    } else {
        p * (1.0 - p) / tau2 - 1.0
    })
}

/// The closes of `overall` that are not in `segment`.
fn outside(overall: Tally, segment: Tally) -> Tally {
    Tally {
        won: overall.won.saturating_sub(segment.won),
        lost: overall.lost.saturating_sub(segment.lost),
    }
}

fn shrink(t: Tally, k: f64, toward: f64) -> f64 {
    let n = t.closes() as f64;
    if n + k == 0.0 {
        return toward;
    }
    (t.won as f64 + k * toward) / (n + k)
}

/// P(rate of `a` > rate of `b`) for independent Beta posteriors, by the normal
/// approximation of their difference (exact enough for a gate at 0.9: see the tests
/// against the closed form).
pub fn prob_beats(a: &Estimate, b: &Estimate) -> f64 {
    let sd = (a.variance() + b.variance()).sqrt();
    if sd == 0.0 {
        return if a.mean > b.mean { 1.0 } else { 0.0 };
    }
    normal_cdf((a.mean - b.mean) / sd)
}

/// Φ(x), by the Abramowitz–Stegun 7.1.26 erf approximation (error under 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    let erf = if z >= 0.0 { erf } else { -erf };
    0.5 * (1.0 + erf)
}

/// The fairness band over a pool's current window: every rep's count stays within
/// `band` of its target share, give or take one lead (integers cannot do better early in
/// a window).
#[derive(Debug, Clone, Copy)]
pub struct Band<'a> {
    pub band: f64,
    /// Leads per member in the current window.
    pub counts: &'a [u32],
    /// Target share per member (sums to 1).
    pub shares: &'a [f64],
}

/// Room for rounding in the band's comparisons (shares are fractions; counts are whole).
const EPS: f64 = 1e-9;

impl Band<'_> {
    fn total(&self) -> f64 {
        self.counts.iter().map(|&c| c as f64).sum()
    }

    /// Whether member `i` may take one more lead without going over its share's ceiling.
    pub fn may_take(&self, i: usize) -> bool {
        let n = self.total() + 1.0;
        (self.counts[i] as f64 + 1.0) <= (1.0 + self.band) * self.shares[i] * n + 1.0 + EPS
    }

    /// Whether member `i` may go without the next lead without falling under its floor.
    pub fn may_skip(&self, i: usize) -> bool {
        let n = self.total() + 1.0;
        self.counts[i] as f64 >= (1.0 - self.band) * self.shares[i] * n - 1.0 - EPS
    }

    /// Whether, after member `pick` takes the next lead, every member of `among` can be
    /// kept within the band: `pick` stays under its ceiling, and for each horizon of h
    /// further leads the leads the members need to stay over their floors number at most
    /// h (the condition for one lead a step to meet every floor in time, earliest first).
    /// Floors grow by `(1 − band)` of a lead per lead in all, so a horizon of a few leads
    /// per member covers every case where the need could outgrow the supply.
    pub fn keeps_after(&self, pick: usize, among: &[usize]) -> bool {
        let n = self.total() + 1.0;
        if !self.may_take(pick) {
            return false;
        }
        let horizon = 4 * among.len() + 8;
        (0..=horizon).all(|h| {
            let leads = n + h as f64;
            let need: f64 = among
                .iter()
                .map(|&i| {
                    let c = self.counts[i] as f64 + if i == pick { 1.0 } else { 0.0 };
                    ((1.0 - self.band) * self.shares[i] * leads - 1.0 - c - EPS)
                        .ceil()
                        .max(0.0)
                })
                .sum();
            need <= h as f64
        })
    }

    /// Where member `i` stands in its band now: its count less its exact share of the
    /// window's leads, over the band's width in leads (at least one lead), so 0 is on its
    /// share, 1 at its ceiling and −1 at its floor.
    fn position(&self, i: usize) -> f64 {
        let n = self.total();
        let exact = self.shares[i] * n;
        (self.counts[i] as f64 - exact) / (self.band * exact).max(1.0)
    }

    /// How far member `i` is under its exact share after one more lead (negative: over).
    fn room(&self, i: usize) -> f64 {
        let n = self.total() + 1.0;
        (self.shares[i] * n - self.counts[i] as f64) / self.shares[i].max(f64::MIN_POSITIVE)
    }

    /// Whether every member is within the band now (the invariant the tests check).
    pub fn holds(&self) -> bool {
        let n = self.total();
        self.counts.iter().zip(self.shares).all(|(&c, &s)| {
            let c = c as f64;
            c <= (1.0 + self.band) * s * n + 1.0 + EPS && c >= (1.0 - self.band) * s * n - 1.0 - EPS
        })
    }
}

/// What a rep's place in its band costs a credible departure, in win-rate points per band
/// width: among the reps credibly better than the base pick, the pick is the one whose
/// estimate less `PACE` × its band position is highest. Greedy picks fill the best reps to
/// their ceilings early in the window, and later leads of the segments they alone are best
/// at then go to the base pick; a rep at its ceiling pays 4 points, one at its floor gains
/// 4, so a rep's share is spent where its lead over the others is widest. On the planted
/// worlds (docs/OUTCOMES.md) this wins 0.4–0.9 points more at signals 0.05–0.2, within the
/// same band. It never makes a departure: only the credible ones compete.
pub const PACE: f64 = 0.04;

/// How the learned fit settled a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FitVerdict {
    /// The base strategy's pick had the best estimate: nothing to depart for.
    BasePick,
    /// Another rep's estimate was higher, but not credibly: the base pick stands.
    NotCredible,
    /// The fairness band decided: a credibly better rep was held back by it (the base pick
    /// stands), or the base pick would have left a rep outside it (the rep furthest under
    /// its share took the lead instead).
    FairnessBand,
    /// Departed from the base pick: the picked rep is credibly better for the segment.
    Credible,
}

impl FitVerdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            FitVerdict::BasePick => "base_pick",
            FitVerdict::NotCredible => "not_credible",
            FitVerdict::FairnessBand => "fairness_band",
            FitVerdict::Credible => "credible",
        }
    }
}

/// The gate's answer: the position to pick, why, and the chance the pick beats the base
/// pick (for a departure, or the best rejected alternative).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    pub pick: usize,
    pub verdict: FitVerdict,
    pub probability: Option<f64>,
}

/// Chooses among `eligible` members (positions into `estimates`):
/// 1. among the reps credibly better than the base pick (P(better) ≥ `credibility`) after
///    whose pick the band can still be kept, the one with the best estimate less its pace
///    charge ([`PACE`]);
/// 2. else the base pick, when the band can be kept after it;
/// 3. else (the base pick would leave someone outside the band) the rep furthest under
///    its share after whose pick it can.
///
/// Ties go to member order, so the same inputs always give the same pick.
///
/// The threshold is not divided among the alternatives: the estimates come from a prior
/// fitted to the pool's own record ([`fitted_prior_strength`]), which pulls reps that
/// differ only by chance together, so the best-looking of many equally good reps does not
/// clear it (docs/OUTCOMES.md, "Planted truth": with no planted signal under 2% of leads
/// depart at 0.9, against 3–9% for a gate shared among the alternatives under a fixed
/// prior).
pub fn gate(
    estimates: &[Estimate],
    eligible: &[usize],
    base: usize,
    credibility: f64,
    band: &Band<'_>,
) -> Gate {
    let keeps_band = |i: usize| band.keeps_after(i, eligible);
    let paced = |i: usize| estimates[i].mean - PACE * band.position(i);
    let base_est = &estimates[base];
    // The credible departure with the best paced estimate; else the strongest case against the
    // base pick, held back by the band or by the evidence.
    let mut depart: Option<(usize, f64)> = None;
    let mut held_by_band: Option<f64> = None;
    let mut strongest: Option<f64> = None;
    for &i in eligible {
        if i == base || estimates[i].mean <= base_est.mean {
            continue;
        }
        let p = prob_beats(&estimates[i], base_est);
        strongest = Some(strongest.map_or(p, |s: f64| s.max(p)));
        if p < credibility {
            continue;
        }
        if !keeps_band(i) {
            held_by_band = Some(held_by_band.map_or(p, |s: f64| s.max(p)));
            continue;
        }
        if depart.is_none_or(|(j, _)| paced(i) > paced(j)) {
            depart = Some((i, p));
        }
    }
    if let Some((pick, p)) = depart {
        return Gate {
            pick,
            verdict: FitVerdict::Credible,
            probability: Some(p),
        };
    }
    if !keeps_band(base) {
        let furthest_under = |among: &mut dyn Iterator<Item = usize>| {
            among.max_by(|&a, &b| band.room(a).total_cmp(&band.room(b)).then(b.cmp(&a)))
        };
        let pick = furthest_under(&mut eligible.iter().copied().filter(|&i| keeps_band(i)))
            .or_else(|| furthest_under(&mut eligible.iter().copied()))
            .unwrap_or(base);
        if pick != base {
            return Gate {
                pick,
                verdict: FitVerdict::FairnessBand,
                probability: None,
            };
        }
    }
    let (verdict, probability) = match (held_by_band, strongest) {
        (Some(p), _) => (FitVerdict::FairnessBand, Some(p)),
        (None, Some(p)) => (FitVerdict::NotCredible, Some(p)),
        (None, None) => (FitVerdict::BasePick, None),
    };
    Gate {
        pick: base,
        verdict,
        probability,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(won: u32, lost: u32) -> Tally {
        Tally { won, lost }
    }

    /// ln B(a, b) for positive whole a and b, by factorials.
    fn ln_beta(a: u32, b: u32) -> f64 {
        let ln_fact = |n: u32| (1..=n).map(|k| (k as f64).ln()).sum::<f64>();
        ln_fact(a - 1) + ln_fact(b - 1) - ln_fact(a + b - 1)
    }

    /// P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2) with whole a1: the closed form
    /// Σ_{i<a1} B(a2+i, b1+b2) / ((b1+i) B(1+i, b1) B(a2, b2)).
    fn exact_beats(a1: u32, b1: u32, a2: u32, b2: u32) -> f64 {
        (0..a1)
            .map(|i| {
                (ln_beta(a2 + i, b1 + b2)
                    - ((b1 + i) as f64).ln()
                    - ln_beta(1 + i, b1)
                    - ln_beta(a2, b2))
                .exp()
            })
            .sum()
    }

    #[test]
    fn a_rep_with_no_history_sits_on_the_pools_rate() {
        // The pool won 30 of 100; a newcomer's estimate is the pool's rate, its prior only.
        let est = estimate_pool(
            PriorStrength::fixed(20.0),
            &[(t(30, 70), t(30, 70)), (t(0, 0), t(0, 0))],
        );
        let p = 31.0 / 102.0;
        let p_seg = (30.0 + 20.0 * p) / 120.0;
        assert!((est[1].mean - p_seg).abs() < 1e-12, "{:?}", est[1]);
        assert!((est[1].alpha - 20.0 * p_seg).abs() < 1e-12);
        assert!((est[1].beta - 20.0 * (1.0 - p_seg)).abs() < 1e-12);
        assert_eq!(est[1].closes, 0);
    }

    #[test]
    fn the_posterior_is_the_conjugate_beta_update_of_the_prior() {
        // The prior mean μ is the pool's segment rate plus the rep's effect outside the
        // segment, and the posterior is Beta(won + kμ, lost + k(1 − μ)).
        let k = 10.0;
        let tallies = [(t(30, 20), t(12, 8)), (t(15, 35), t(8, 12))];
        let est = estimate_pool(PriorStrength::fixed(k), &tallies);
        let p = 46.0 / 102.0;
        let p_seg = (20.0 + k * p) / (40.0 + k);
        let p_out = (25.0 + k * p) / (60.0 + k);
        let rep_out = [(18.0, 30.0), (7.0, 30.0)];
        for ((e, (_, s)), (won, n)) in est.iter().zip(tallies).zip(rep_out) {
            let rate_out = (won + k * p_out) / (n + k);
            let mu = p_seg + (rate_out - p_out);
            let (a, b) = (s.won as f64 + k * mu, s.lost as f64 + k * (1.0 - mu));
            assert!(
                (e.alpha - a).abs() < 1e-12 && (e.beta - b).abs() < 1e-12,
                "{e:?}"
            );
            assert!((e.mean - a / (a + b)).abs() < 1e-12);
            // The Beta posterior's variance, plus the effect's own posterior variance
            // weighted by the prior's share (k of the k + 20 pseudo and real closes).
            let var = a * b / ((a + b).powi(2) * (a + b + 1.0));
            let effect_var = rate_out * (1.0 - rate_out) / (n + k + 1.0);
            let share = k / (20.0 + k);
            assert!((e.variance() - (var + share * share * effect_var)).abs() < 1e-15);
            assert!(e.low < e.mean && e.mean < e.high);
        }
        assert!(est[0].mean > est[1].mean);
    }

    #[test]
    fn a_long_record_outweighs_the_prior_and_a_short_one_does_not() {
        let pool = (t(100, 300), t(25, 75));
        let long = estimate_pool(PriorStrength::fixed(20.0), &[pool, (t(120, 80), t(60, 40))]);
        let short = estimate_pool(PriorStrength::fixed(20.0), &[pool, (t(3, 0), t(3, 0))]);
        assert!(long[1].mean > 0.5, "{:?}", long[1]);
        assert!(short[1].mean < 0.4, "{:?}", short[1]);
    }

    #[test]
    fn prob_beats_matches_the_closed_form() {
        // Posteriors of the sizes the gate sees, including the small and lopsided ones.
        for (a1, b1, a2, b2) in [
            (30, 70, 20, 80),
            (8, 12, 5, 15),
            (3, 20, 2, 25),
            (50, 50, 45, 55),
            (12, 4, 6, 10),
            (60, 140, 40, 160),
        ] {
            let exact = exact_beats(a1, b1, a2, b2);
            let approx = prob_beats(
                &Estimate::from_beta(a1 as f64, b1 as f64, 0.0, 0, 0),
                &Estimate::from_beta(a2 as f64, b2 as f64, 0.0, 0, 0),
            );
            assert!(
                (exact - approx).abs() < 0.02,
                "Beta({a1},{b1}) vs Beta({a2},{b2}): exact {exact:.4}, approx {approx:.4}"
            );
        }
    }

    #[test]
    fn normal_cdf_is_accurate() {
        for (x, phi) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746),
            (-1.96, 0.024_997_895),
            (1.2816, 0.9),
        ] {
            assert!((normal_cdf(x) - phi).abs() < 1e-4, "Φ({x})");
        }
    }

    fn even_band<'a>(counts: &'a [u32], shares: &'a [f64]) -> Band<'a> {
        Band {
            band: 0.2,
            counts,
            shares,
        }
    }

    #[test]
    fn the_gate_departs_only_for_credible_evidence_within_the_band() {
        let flat = Estimate::from_beta(6.0, 14.0, 0.0, 0, 0); // 0.30, wide
        let strong = Estimate::from_beta(120.0, 80.0, 0.0, 190, 190); // 0.60, narrow
        let weak = Estimate::from_beta(8.0, 12.0, 0.0, 2, 2); // 0.40, wide
        let shares = [1.0 / 3.0; 3];
        let even = [10, 10, 10];
        let band = even_band(&even, &shares);

        let g = gate(&[flat, strong, weak], &[0, 1, 2], 0, 0.9, &band);
        assert_eq!((g.pick, g.verdict), (1, FitVerdict::Credible));
        assert!(g.probability.unwrap() >= 0.9);

        // Only the weak alternative can take the lead: not credible, the base pick stands.
        let g = gate(&[flat, strong, weak], &[0, 2], 0, 0.9, &band);
        assert_eq!((g.pick, g.verdict), (0, FitVerdict::NotCredible));
        assert!(g.probability.unwrap() < 0.9);

        // The strong rep already has more than its share (14 of 32, +31%): held by the band.
        let ahead = [9, 14, 9];
        assert!(!even_band(&ahead, &shares).keeps_after(1, &[0, 1, 2]));
        let g = gate(
            &[flat, strong, weak],
            &[0, 1, 2],
            0,
            0.9,
            &even_band(&ahead, &shares),
        );
        assert_eq!((g.pick, g.verdict), (0, FitVerdict::FairnessBand));

        // The base pick has the best estimate.
        let g = gate(&[strong, flat, weak], &[0, 1, 2], 0, 0.9, &band);
        assert_eq!(
            (g.pick, g.verdict, g.probability),
            (0, FitVerdict::BasePick, None)
        );
    }

    #[test]
    fn the_band_gives_the_lead_to_a_rep_about_to_fall_under_its_floor() {
        let e = Estimate::from_beta(6.0, 14.0, 0.0, 0, 0);
        let shares = [1.0 / 3.0; 3];
        // 30 leads in, rep 2 has 7: without the 31st it would be under 0.8 × 31/3 − 1.
        let under = [12, 11, 7];
        let g = gate(&[e, e, e], &[0, 1, 2], 0, 0.9, &even_band(&under, &shares));
        assert_eq!((g.pick, g.verdict), (2, FitVerdict::FairnessBand));
        // 19 leads in, two reps at 3: each is at its floor after the 20th lead and under it
        // after the 21st, so one of them must have the 20th — not the base pick, not the
        // credibly better rep 1.
        let strong = Estimate::from_beta(120.0, 80.0, 0.0, 190, 190);
        let shares4 = [0.25; 4];
        let two_under = [7, 6, 3, 3];
        let b = even_band(&two_under, &shares4);
        assert!(!b.keeps_after(0, &[0, 1, 2, 3]) && !b.keeps_after(1, &[0, 1, 2, 3]));
        assert!(b.keeps_after(2, &[0, 1, 2, 3]) && b.keeps_after(3, &[0, 1, 2, 3]));
        let g = gate(&[e, strong, e, e], &[0, 1, 2, 3], 0, 0.9, &b);
        assert_eq!((g.pick, g.verdict), (2, FitVerdict::FairnessBand));
        // Unless it cannot take leads now: the band is kept among those who can.
        let g = gate(&[e, e, e], &[0, 1], 0, 0.9, &even_band(&under, &shares));
        assert_eq!((g.pick, g.verdict), (0, FitVerdict::BasePick));
    }

    #[test]
    fn a_departure_needs_its_credibility_and_no_more() {
        // A 0.95 alternative clears a gate at 0.9, whatever the number of alternatives,
        // and not one at 0.99.
        let base = Estimate::from_beta(30.0, 70.0, 0.0, 100, 100);
        let better = Estimate::from_beta(41.0, 59.0, 0.0, 100, 100);
        let p = prob_beats(&better, &base);
        assert!(p > 0.9 && p < 0.99, "{p}");
        let shares = [0.25; 4];
        let even = [5, 5, 5, 5];
        for (credibility, verdict, pick) in [
            (0.9, FitVerdict::Credible, 1),
            (0.99, FitVerdict::NotCredible, 0),
        ] {
            let g = gate(
                &[base, better, base, base],
                &[0, 1, 2, 3],
                0,
                credibility,
                &even_band(&even, &shares),
            );
            assert_eq!((g.pick, g.verdict), (pick, verdict), "{credibility}");
        }
    }

    #[test]
    fn a_fitted_prior_is_strong_when_reps_differ_by_chance_only() {
        let rep = |cells: &[(u32, u32)]| {
            let mut o = RepOutcomes::default();
            for (i, &(won, lost)) in cells.iter().enumerate() {
                o.overall.add(t(won, lost));
                o.segments.insert(format!("s{i}"), t(won, lost));
            }
            o
        };
        // No group with two members' closes: the configured strength.
        assert_eq!(
            fitted_prior_strength(20.0, [&rep(&[(5, 5)])]),
            PriorStrength::fixed(20.0)
        );
        // Identical records: no spread beyond noise, the most shrinkage.
        let same = rep(&[(25, 75), (50, 50)]);
        assert_eq!(
            fitted_prior_strength(20.0, [&same, &same, &same]),
            PriorStrength::fixed(MAX_PRIOR_STRENGTH)
        );
        // Rates 0.15 / 0.25 / 0.35 on 1,000 closes each: Σnᵢ(rᵢ − p)² = 20, of which
        // 2 × 0.1875 is noise and a margin of 2 × √(2·2) × 0.1875 is set aside for chance,
        // over a weight of 3,000 − 1,000 = 2,000, so τ² = 0.0094375 and k = 0.1875 / τ² − 1
        // ≈ 18.9; never below the floor.
        let spread = [rep(&[(150, 850)]), rep(&[(250, 750)]), rep(&[(350, 650)])];
        // Each rep closed in one segment only, so its overall rate is that rate: the rep
        // level fits the same.
        let k = fitted_prior_strength(5.0, spread.iter());
        for level in [k.segment, k.rep] {
            assert!((level - (0.1875 / 0.0094375 - 1.0)).abs() < 1e-9, "{k:?}");
        }
        assert_eq!(
            fitted_prior_strength(40.0, spread.iter()),
            PriorStrength::fixed(40.0)
        );
    }

    #[test]
    fn a_lucky_record_outside_the_segment_is_not_credible_inside_it() {
        // Eight reps with the same record in the segment; outside it, rep 0 won 27% of
        // 1,400 closes and the others 25%: a lead of two points, about what chance gives
        // eight reps. With the segment level's strength at its most, rep 0's estimate in
        // the segment rests on that lead alone, and it must carry the lead's uncertainty.
        let seg = t(50, 150);
        let mut tallies = vec![(t(400, 1200), seg); 8];
        tallies[0] = (t(428, 1172), seg);
        let prior = PriorStrength {
            segment: MAX_PRIOR_STRENGTH,
            rep: 200.0,
        };
        let est = estimate_pool(prior, &tallies);
        assert!(est[0].mean > est[1].mean + 0.01, "{:?}", est[0]);
        let p = prob_beats(&est[0], &est[1]);
        assert!(p < 0.9, "P(rep 0 beats rep 1) = {p}");
        let shares = [0.125; 8];
        let counts = [0; 8];
        let g = gate(
            &est,
            &(0..8).collect::<Vec<_>>(),
            1,
            0.9,
            &even_band(&counts, &shares),
        );
        assert_eq!((g.pick, g.verdict), (1, FitVerdict::NotCredible));
    }

    #[test]
    fn among_credible_departures_a_rep_deep_in_its_band_pays_its_pace() {
        // Reps 1 and 2 are both credibly better than the base pick; rep 1's estimate is
        // two points higher. On even counts rep 1 takes the lead; when rep 1 is at the top
        // of its band (12 of 40, the band ±2 leads) and rep 2 under its share (9), the four
        // points rep 1 pays and the two rep 2 gains decide for rep 2. A rep that is not
        // credibly better gains nothing from being under its share.
        let base = Estimate::from_beta(60.0, 140.0, 0.0, 200, 200); // 0.30
        let best = Estimate::from_beta(124.0, 76.0, 0.0, 200, 200); // 0.62
        let next = Estimate::from_beta(120.0, 80.0, 0.0, 200, 200); // 0.60
        let est = [base, best, next, base];
        let shares = [0.25; 4];
        let all = [0, 1, 2, 3];
        let g = gate(&est, &all, 0, 0.9, &even_band(&[10, 10, 10, 10], &shares));
        assert_eq!((g.pick, g.verdict), (1, FitVerdict::Credible));
        let g = gate(&est, &all, 0, 0.9, &even_band(&[10, 12, 9, 9], &shares));
        assert_eq!((g.pick, g.verdict), (2, FitVerdict::Credible));
        let g = gate(&est, &all, 0, 0.9, &even_band(&[11, 10, 11, 8], &shares));
        assert_eq!(
            g.pick, 1,
            "rep 3 is under its share but no better than the base"
        );
    }

    #[test]
    fn the_band_allows_one_lead_of_slack_and_no_more() {
        let shares = [0.5, 0.5];
        // 10 leads in, 6–4: the leader may take the 11th (7 ≤ 1.2·5.5 + 1), not at 7–3.
        assert!(even_band(&[6, 4], &shares).may_take(0));
        assert!(!even_band(&[7, 3], &shares).may_take(0));
        assert!(even_band(&[6, 4], &shares).may_skip(1));
        assert!(!even_band(&[7, 3], &shares).may_skip(1));
        assert!(even_band(&[6, 4], &shares).holds());
        assert!(!even_band(&[9, 3], &shares).holds());
    }
}
