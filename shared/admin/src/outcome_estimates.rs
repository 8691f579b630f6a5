//! What a `best_fit` pool believes of each member: the win-rate estimates routing computes
//! from the reps' outcomes (`switchboard_routing::fit::estimate_pool`, with the policy's
//! prior strength), per pool of the active policy, overall and in each segment the members
//! have closes in. `GET /outcomes` answers them beside the raw counts, so a person sees the
//! same estimates and intervals a decision would use (before the credibility gate and the
//! fairness band, which depend on the lead and the window).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_routing::fit::{
    Estimate, PriorStrength, RepOutcomes, Tally, estimate_pool, fitted_prior_strength,
};
use switchboard_routing::{CompiledPolicy, RepId};

/// One member's estimate in one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepEstimate {
    pub rep: RepId,
    /// Posterior mean, its 95% interval (`low`, `high`), the closes it rests on (in the
    /// segment and overall) and the Beta posterior's parameters.
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// A pool's members in one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SegmentEstimates {
    /// The segment key (`country=us`); absent: every close of the members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// The members' closes and wins in it, together.
    pub closes: u32,
    pub won: u32,
    /// In the pool's member order.
    pub reps: Vec<RepEstimate>,
}

/// One pool of the active policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolEstimates {
    pub pool: String,
    /// Whether routing uses these estimates in this pool (`strategy: best_fit`).
    pub best_fit: bool,
    /// The prior strength of these estimates: fitted to the pool's record, never below
    /// `outcomes.prior_strength`, as routing fits it.
    pub prior_strength: PriorStrength,
    /// Overall first, then each segment, most closes first.
    pub segments: Vec<SegmentEstimates>,
}

/// The estimates of every pool of `policy`, from each rep's outcomes (`outcomes`, a rep
/// without a record has none).
pub fn pool_estimates(
    policy: &CompiledPolicy,
    outcomes: &BTreeMap<RepId, RepOutcomes>,
) -> Vec<PoolEstimates> {
    let floor = policy.outcome_prior_strength();
    let empty = RepOutcomes::default();
    policy
        .pools()
        .iter()
        .map(|pool| {
            let members: Vec<(&RepId, &RepOutcomes)> = pool
                .members
                .iter()
                .map(|m| {
                    let id = policy.rep_id(m.rep);
                    (id, outcomes.get(id).unwrap_or(&empty))
                })
                .collect();
            let k = fitted_prior_strength(floor, members.iter().map(|(_, o)| *o));
            let mut keys: BTreeMap<&str, u32> = BTreeMap::new();
            for (_, o) in &members {
                for (key, t) in &o.segments {
                    *keys.entry(key.as_str()).or_default() += t.closes();
                }
            }
            let mut keys: Vec<(&str, u32)> = keys.into_iter().collect();
            keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            // As the engine reads a rep's record: overall, and in the lead's segment
            // (overall again when the policy has no segment fields).
            let mut segments = vec![segment(k, None, &members, |o| o.overall)];
            for (key, _) in keys {
                segments.push(segment(k, Some(key), &members, |o| o.in_segment(key)));
            }
            PoolEstimates {
                pool: pool.id.to_string(),
                best_fit: pool.best_fit.is_some(),
                prior_strength: PriorStrength {
                    segment: k.segment.round(),
                    rep: k.rep.round(),
                },
                segments,
            }
        })
        .collect()
}

fn segment(
    k: PriorStrength,
    key: Option<&str>,
    members: &[(&RepId, &RepOutcomes)],
    in_segment: impl Fn(&RepOutcomes) -> Tally,
) -> SegmentEstimates {
    let tallies: Vec<(Tally, Tally)> = members
        .iter()
        .map(|(_, o)| (o.overall, in_segment(o)))
        .collect();
    let mut together = Tally::default();
    for (_, s) in &tallies {
        together.add(*s);
    }
    SegmentEstimates {
        segment: key.map(str::to_owned),
        closes: together.closes(),
        won: together.won,
        reps: members
            .iter()
            .zip(estimate_pool(k, &tallies))
            .map(|((rep, _), estimate)| RepEstimate {
                rep: (*rep).clone(),
                estimate,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "
name: t
triage_pool: triage
outcomes: { segment: [country] }
reps: [ { id: ana }, { id: bo }, { id: cy } ]
pools:
  - { id: main, strategy: best_fit, best_fit: { base: round_robin }, members: [ana, bo] }
  - { id: spare, strategy: round_robin, members: [cy] }
rules: [ { id: all, pool: main } ]
";

    fn tally(won: u32, lost: u32) -> Tally {
        Tally { won, lost }
    }

    #[test]
    fn the_estimates_are_the_engines_per_pool_and_segment() {
        let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
        let mut ana = RepOutcomes {
            overall: tally(9, 1),
            ..Default::default()
        };
        ana.segments.insert("country=us".into(), tally(7, 1));
        ana.segments.insert("country=ca".into(), tally(2, 0));
        let mut bo = RepOutcomes {
            overall: tally(1, 5),
            ..Default::default()
        };
        bo.segments.insert("country=us".into(), tally(1, 5));
        let outcomes = BTreeMap::from([(RepId::from("ana"), ana), (RepId::from("bo"), bo)]);
        let pools = pool_estimates(&policy, &outcomes);
        assert_eq!(pools.len(), 2);
        let main = &pools[0];
        assert!(main.best_fit && !pools[1].best_fit);
        let keys: Vec<_> = main.segments.iter().map(|s| s.segment.as_deref()).collect();
        assert_eq!(keys, [None, Some("country=us"), Some("country=ca")]);
        assert_eq!((main.segments[0].closes, main.segments[0].won), (16, 10));
        // Ana and Bo differ far beyond chance, so the fitted strength is the floor, the
        // default 20.
        assert_eq!(main.prior_strength, PriorStrength::fixed(20.0));
        // Overall: the pool's rate (10 + 1) / (16 + 2), shrunk (10 + 20 × 11/18) / 36;
        // Ana's posterior Beta(9 + 20μ, 1 + 20(1 − μ)).
        let mu = (10.0 + 20.0 * 11.0 / 18.0) / 36.0;
        let ana = &main.segments[0].reps[0].estimate;
        assert!((ana.alpha - (9.0 + 20.0 * mu)).abs() < 1e-9, "{ana:?}");
        assert!(
            (ana.beta - (1.0 + 20.0 * (1.0 - mu))).abs() < 1e-9,
            "{ana:?}"
        );
        assert_eq!((ana.closes, ana.closes_overall), (10, 10));
        // The same as the engine's own call for the US segment.
        let us = estimate_pool(
            PriorStrength::fixed(20.0),
            &[(tally(9, 1), tally(7, 1)), (tally(1, 5), tally(1, 5))],
        );
        let shown: Vec<Estimate> = main.segments[1].reps.iter().map(|r| r.estimate).collect();
        assert_eq!(shown, us);
        // Cy has no record: the prior alone.
        assert_eq!(pools[1].segments[0].reps[0].estimate.closes, 0);
    }
}
