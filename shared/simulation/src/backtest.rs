//! Backtests: history replayed through one or two policies, the routing compared, and —
//! with known outcomes — an off-policy estimate of each policy's win rate.
//!
//! The replay is the simulation's (time order, every state change applied, assignments
//! closed after the work time), plus outcome learning: the close of a history lead is
//! recorded, at its close time, in the statistics of the rep who actually worked it, under
//! the lead's segment as each policy defines it (`outcomes.segment`). With `learn_until`,
//! only closes before it are learned and only leads received from it on are evaluated;
//! without it every close is learned as it happens and every lead is evaluated (each
//! decision still only sees closes before it).
//!
//! Off-policy evaluation. History shows one rep's outcome per lead: the historical rep's.
//! - Replay method: a policy's win rate is the win rate of the evaluated leads on which it
//!   picks the historical rep. Unbiased when the historical assignment was uniformly at
//!   random among the reps the policy chooses from (independent of the lead's chances);
//!   only about 1 in (pool size) leads match, so intervals are wide.
//! - Self-normalized inverse propensity weighting: matched leads weighted by 1 / the
//!   historical rep's share of the history leads in the same segment (its estimated
//!   propensity). It corrects for reps who took more of a segment than others; it still
//!   assumes that, within a segment, who got a lead did not depend on its chances. With
//!   uniform history it equals the replay estimate.
//!
//! Intervals are percentile bootstraps over the evaluated leads (paired: A and B on the
//! same resample), with a fixed seed.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use switchboard_routing::fit::FitVerdict;
use switchboard_routing::policy::RepIdx;
use switchboard_routing::{AccountIndex, CompiledPolicy, Lead, Snapshot};

use super::report::Report;
use super::stats::{Interval, Rng, percentile_interval, resample, round4, wilson};
use super::tally::Tally;

/// A lead of the history, with the rep who worked it when known.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLead {
    pub lead: Lead,
    pub rep: Option<String>,
}

/// A history lead's close.
#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    pub won: bool,
    /// The rep who closed it (else the lead's historical rep).
    pub rep: Option<String>,
    /// When it closed (else when the lead was received).
    pub closed_at: Option<Timestamp>,
}

/// One backtest setup.
pub struct Backtest<'a> {
    /// Policy A, and B to compare it with.
    pub policies: Vec<&'a CompiledPolicy>,
    pub accounts: &'a AccountIndex,
    pub work_time: SignedDuration,
    pub learn_until: Option<Timestamp>,
    /// Bootstrap resamples for the intervals (0: none).
    pub resamples: u32,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    pub leads: u64,
    /// Leads with a known close (won or lost).
    pub closed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learn_until: Option<Timestamp>,
    /// Closed leads with a known historical rep received from `learn_until` on: the leads
    /// the win rates are estimated on.
    pub evaluated: u64,
    /// The win rate history achieved on the evaluated leads (Wilson interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub historical_win_rate: Option<Interval>,
    pub policies: Vec<PolicyBacktest>,
    /// Per pool and rep (pools both policies have), and per rep overall: leads under A and B.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<RepDifference>,
    /// Share of leads both policies gave the same rep (or both parked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uplift: Option<Uplift>,
    pub resamples: u32,
    pub seed: u64,
    /// The off-policy method and its assumption, in words.
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyBacktest {
    pub policy: String,
    /// The replay's routing report (the `simulate` report).
    pub routing: Report,
    /// Closes learned before the evaluation (`learn_until`), or during the whole replay.
    pub learned_closes: u64,
    /// Closes not learned because their rep is not in the policy.
    pub unknown_rep_closes: u64,
    /// Decisions a `best_fit` pool made, and how many departed from the base pick.
    pub best_fit_decisions: u64,
    pub departures: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<OffPolicy>,
}

/// A policy's off-policy win rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffPolicy {
    /// Evaluated leads on which the policy picked the historical rep.
    pub matched: u64,
    pub matched_won: u64,
    /// Replay estimate (won / matched) with its bootstrap interval.
    pub replay: Interval,
    /// Self-normalized inverse propensity estimate with its bootstrap interval.
    pub ipw: Interval,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uplift {
    /// Win rate of B minus A, replay estimates.
    pub replay: Interval,
    /// Win rate of B minus A, inverse propensity estimates.
    pub ipw: Interval,
    /// `no credible difference`, or which policy credibly wins more: only when the replay
    /// and the inverse propensity intervals both exclude zero on the same side.
    pub verdict: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepDifference {
    /// Pool id, or `(all)` for a rep's assignments from every pool and account ownership.
    pub pool: String,
    pub rep: String,
    pub a: u64,
    pub b: u64,
    pub difference: i64,
}

/// One policy's replay (beside its routing report): per lead, in time order, the assigned
/// rep's id and the segment.
struct Replay {
    picks: Vec<Option<String>>,
    segments: Vec<Option<String>>,
    learned: u64,
    unknown_rep: u64,
    best_fit: u64,
    departures: u64,
}

pub const METHOD: &str = "Off-policy estimates from history: a lead counts for a policy only when \
the policy picks the rep who actually worked it (replay method), and the win rate is that of \
those leads. This assumes the historical assignment was close to uniformly at random among the \
pool's reps, independent of each lead's chances. The IPW estimate weights each such lead by \
1 / the historical rep's share of the lead's segment, which corrects for uneven shares but still \
assumes no hidden reason made a rep get the leads they won. Intervals: 95% percentile bootstrap \
over the evaluated leads, paired for the uplift. A difference is called credible only when \
both estimators' intervals exclude zero on the same side.";

impl Backtest<'_> {
    pub fn run(
        &self,
        mut leads: Vec<HistoryLead>,
        closes: &HashMap<String, Close>,
    ) -> BacktestReport {
        leads.sort_by_key(|l| l.lead.received_at);
        let evaluated: Vec<(usize, String, bool)> = leads
            .iter()
            .enumerate()
            .filter(|(_, l)| self.learn_until.is_none_or(|t| l.lead.received_at >= t))
            .filter_map(|(i, l)| {
                let c = closes.get(l.lead.id.as_str())?;
                let rep = c.rep.clone().or_else(|| l.rep.clone())?;
                Some((i, rep, c.won))
            })
            .collect();
        let (replays, reports): (Vec<Replay>, Vec<Report>) = self
            .policies
            .iter()
            .map(|p| self.replay(p, &leads, closes))
            .unzip();

        // Propensity context: the segment of the first policy that defines one.
        let context: Vec<String> = (0..leads.len())
            .map(|i| {
                replays
                    .iter()
                    .find_map(|r| r.segments[i].clone())
                    .unwrap_or_default()
            })
            .collect();
        let mut by_ctx: HashMap<(&str, &str), u64> = HashMap::new();
        let mut ctx_total: HashMap<&str, u64> = HashMap::new();
        for (i, l) in leads.iter().enumerate() {
            let rep = closes
                .get(l.lead.id.as_str())
                .and_then(|c| c.rep.as_deref())
                .or(l.rep.as_deref());
            if let Some(rep) = rep {
                *by_ctx.entry((context[i].as_str(), rep)).or_default() += 1;
                *ctx_total.entry(context[i].as_str()).or_default() += 1;
            }
        }
        // Per evaluated lead: won, and per policy the inverse propensity when matched.
        let rows: Vec<(bool, Vec<Option<f64>>)> = evaluated
            .iter()
            .map(|(i, rep, won)| {
                let ctx = context[*i].as_str();
                let p = by_ctx.get(&(ctx, rep.as_str())).copied().unwrap_or(0) as f64
                    / ctx_total.get(ctx).copied().unwrap_or(1).max(1) as f64;
                let w = replays
                    .iter()
                    .map(|r| (r.picks[*i].as_deref() == Some(rep.as_str())).then(|| 1.0 / p))
                    .collect();
                (*won, w)
            })
            .collect();

        let k = replays.len();
        let point = estimates(&rows, (0..rows.len()).collect::<Vec<_>>().as_slice(), k);
        let mut samples: Vec<Vec<(f64, f64)>> = vec![Vec::new(); k];
        let mut uplift_samples: (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut rng = Rng::new(self.seed);
        let mut idx = Vec::new();
        for _ in 0..self.resamples {
            resample(&mut rng, rows.len(), &mut idx);
            let e = estimates(&rows, &idx, k);
            for (s, v) in samples.iter_mut().zip(&e) {
                s.push(*v);
            }
            if k == 2 {
                uplift_samples.0.push(e[1].0 - e[0].0);
                uplift_samples.1.push(e[1].1 - e[0].1);
            }
        }
        let closed = leads
            .iter()
            .filter(|l| closes.contains_key(l.lead.id.as_str()))
            .count() as u64;
        let has_outcomes = !rows.is_empty();
        let policies = replays
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let matched: Vec<&(bool, Vec<Option<f64>>)> =
                    rows.iter().filter(|(_, w)| w[j].is_some()).collect();
                let estimate = has_outcomes.then(|| OffPolicy {
                    matched: matched.len() as u64,
                    matched_won: matched.iter().filter(|(won, _)| *won).count() as u64,
                    replay: percentile_interval(
                        point[j].0,
                        samples[j].iter().map(|s| s.0).collect(),
                    )
                    .rounded(),
                    ipw: percentile_interval(point[j].1, samples[j].iter().map(|s| s.1).collect())
                        .rounded(),
                });
                PolicyBacktest {
                    policy: reports[j].policy.clone(),
                    routing: reports[j].clone(),
                    learned_closes: r.learned,
                    unknown_rep_closes: r.unknown_rep,
                    best_fit_decisions: r.best_fit,
                    departures: r.departures,
                    estimate,
                }
            })
            .collect();
        let uplift = (k == 2 && has_outcomes).then(|| {
            let replay = percentile_interval(point[1].0 - point[0].0, uplift_samples.0).rounded();
            let ipw = percentile_interval(point[1].1 - point[0].1, uplift_samples.1).rounded();
            let verdict = verdict(&replay, &ipw);
            Uplift {
                replay,
                ipw,
                verdict,
            }
        });
        let (differences, agreement) = if k == 2 {
            let agree = replays[0]
                .picks
                .iter()
                .zip(&replays[1].picks)
                .filter(|(a, b)| a == b)
                .count();
            (
                differences(&reports[0], &reports[1]),
                Some(round4(agree as f64 / leads.len().max(1) as f64)),
            )
        } else {
            (Vec::new(), None)
        };
        let won = evaluated.iter().filter(|(_, _, w)| *w).count() as u64;
        BacktestReport {
            leads: leads.len() as u64,
            closed,
            learn_until: self.learn_until,
            evaluated: evaluated.len() as u64,
            historical_win_rate: has_outcomes
                .then(|| wilson(won, evaluated.len() as u64).rounded()),
            policies,
            differences,
            agreement,
            uplift,
            resamples: self.resamples,
            seed: self.seed,
            method: METHOD.to_owned(),
        }
    }

    fn replay(
        &self,
        policy: &CompiledPolicy,
        leads: &[HistoryLead],
        closes: &HashMap<String, Close>,
    ) -> (Replay, Report) {
        let mut state = Snapshot::empty(policy);
        state.outcomes = vec![Default::default(); policy.reps().len()];
        let mut tally = Tally::new(policy, self.accounts);
        let mut working = super::replay::Working::default();
        // (close time, sequence, rep, segment, won)
        type Learn = Reverse<(Timestamp, usize, RepIdx, Option<String>, bool)>;
        let mut learning: BinaryHeap<Learn> = BinaryHeap::new();
        let mut out = Replay {
            picks: Vec::with_capacity(leads.len()),
            segments: Vec::with_capacity(leads.len()),
            learned: 0,
            unknown_rep: 0,
            best_fit: 0,
            departures: 0,
        };
        for (seq, h) in leads.iter().enumerate() {
            let lead = &h.lead;
            let now = lead.received_at;
            working.release_due(&mut state, now);
            while learning.peek().is_some_and(|Reverse(e)| e.0 <= now) {
                let Reverse((_, _, rep, segment, won)) = learning.pop().unwrap();
                state.outcomes[rep as usize].record(segment.as_deref(), won);
                out.learned += 1;
            }
            let decision =
                working.route(policy, self.accounts, &mut state, lead, seq, self.work_time);
            if let Some(fit) = &decision.fit {
                out.best_fit += 1;
                if fit.verdict == FitVerdict::Credible {
                    out.departures += 1;
                }
            }
            if let Some(c) = closes.get(lead.id.as_str()) {
                let at = c.closed_at.unwrap_or(now);
                if self.learn_until.is_none_or(|t| at < t) {
                    let rep = c.rep.as_deref().or(h.rep.as_deref());
                    match rep.and_then(|r| policy.rep_index(r)) {
                        Some(rep) => {
                            learning.push(Reverse((at, seq, rep, decision.segment.clone(), c.won)))
                        }
                        None => out.unknown_rep += 1,
                    }
                }
            }
            tally.record(lead, &decision, &state);
            out.picks.push(
                decision
                    .assigned_rep()
                    .map(|r| policy.rep_id(r).as_str().to_owned()),
            );
            out.segments.push(decision.segment);
        }
        // Closes learned after the last lead count too (they are in the statistics).
        out.learned += learning.len() as u64;
        (out, tally.finish(self.work_time))
    }
}

/// What the uplift intervals allow to say. A difference counts only when both estimators'
/// intervals exclude zero on the same side: they rest on different assumptions, and the
/// inverse propensity weights of small segments are themselves noisy.
fn verdict(replay: &Interval, ipw: &Interval) -> String {
    let finite = |i: &Interval| i.low.is_finite() && i.high.is_finite();
    if !finite(replay) {
        return "not enough matched leads to tell".to_owned();
    }
    let sign = |i: &Interval| {
        if !finite(i) || i.contains_zero() {
            0
        } else if i.low > 0.0 {
            1
        } else {
            -1
        }
    };
    match (sign(replay), sign(ipw)) {
        (1, 1) => "B wins credibly more often than A".to_owned(),
        (-1, -1) => "B wins credibly less often than A".to_owned(),
        (0, 0) => "no credible difference".to_owned(),
        (0, _) => "no credible difference (the inverse propensity interval excludes zero, the replay interval does not)".to_owned(),
        _ => "no credible difference (the replay interval excludes zero, the inverse propensity interval does not)".to_owned(),
    }
}

/// Per policy (replay, IPW) win rates over the leads at `idx` (NaN without a match).
fn estimates(rows: &[(bool, Vec<Option<f64>>)], idx: &[usize], k: usize) -> Vec<(f64, f64)> {
    let mut acc = vec![(0.0f64, 0.0f64, 0.0f64, 0.0f64); k];
    for &i in idx {
        let (won, w) = &rows[i];
        let r = if *won { 1.0 } else { 0.0 };
        for (a, w) in acc.iter_mut().zip(w) {
            if let Some(w) = w {
                a.0 += r;
                a.1 += 1.0;
                a.2 += r * w;
                a.3 += w;
            }
        }
    }
    acc.into_iter()
        .map(|(won, n, wr, w)| (won / n, wr / w))
        .collect()
}

fn differences(a: &Report, b: &Report) -> Vec<RepDifference> {
    let mut out = Vec::new();
    for pa in &a.pools {
        let Some(pb) = b.pools.iter().find(|p| p.pool == pa.pool) else {
            continue;
        };
        let mut reps: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for r in &pa.reps {
            reps.entry(r.rep.as_str()).or_default().0 += r.assigned;
        }
        for r in &pb.reps {
            reps.entry(r.rep.as_str()).or_default().1 += r.assigned;
        }
        out.extend(reps.into_iter().map(|(rep, (x, y))| RepDifference {
            pool: pa.pool.as_str().to_owned(),
            rep: rep.to_owned(),
            a: x,
            b: y,
            difference: y as i64 - x as i64,
        }));
    }
    let mut reps: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for r in &a.reps {
        reps.entry(r.rep.as_str()).or_default().0 += r.assigned;
    }
    for r in &b.reps {
        reps.entry(r.rep.as_str()).or_default().1 += r.assigned;
    }
    out.extend(reps.into_iter().map(|(rep, (x, y))| RepDifference {
        pool: "(all)".to_owned(),
        rep: rep.to_owned(),
        a: x,
        b: y,
        difference: y as i64 - x as i64,
    }));
    out
}
