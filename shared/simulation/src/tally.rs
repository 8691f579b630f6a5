//! Counting a run's decisions into a [`Report`], indexed by the compiled policy's positions.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::decision::StepKind;
use switchboard_routing::{
    AccountIndex, CompiledPolicy, Decision, Lead, MatchedBy, Outcome, Snapshot, Verdict,
};

use super::report::{
    AccountsSummary, GradeRow, OutcomeSummary, ParkRow, PoolRepRow, PoolReport, RepRow, Report,
    RuleRow, ScoreSummary,
};

#[derive(Default, Clone)]
struct RuleCount {
    leads: u64,
    by_owner: u64,
    in_target: u64,
    in_fallback: u64,
    parked: u64,
}

#[derive(Default, Clone)]
struct MemberCount {
    assigned: u64,
    /// Sum of `weight / eligible weight` over the pool's assignments.
    fair: f64,
}

#[derive(Default, Clone)]
struct PoolCount {
    assigned: u64,
    as_fallback: u64,
    members: Vec<MemberCount>,
}

#[derive(Default, Clone)]
struct RepCount {
    assigned: u64,
    by_owner: u64,
    peak_open: u32,
    skipped: BTreeMap<&'static str, u64>,
}

pub(super) struct Tally<'a> {
    policy: &'a CompiledPolicy,
    accounts_loaded: u64,
    accounts_owned: u64,
    leads: u64,
    first_at: Option<Timestamp>,
    last_at: Option<Timestamp>,
    by_domain: u64,
    by_name: u64,
    rules: Vec<RuleCount>,
    no_rule: RuleCount,
    /// (reason, parking pool) → leads; a BTreeMap keeps the report order stable.
    parks: BTreeMap<(&'static str, String), u64>,
    pools: Vec<PoolCount>,
    reps: Vec<RepCount>,
    /// Scratch for de-duplicating (rep, reason) pairs within one decision.
    seen_skips: Vec<(u32, &'static str)>,
    /// Each scored lead's points, and the outcomes per grade (`None`: no grade).
    points: Vec<i64>,
    grades: BTreeMap<Option<String>, (RuleCount, BTreeMap<String, u64>)>,
}

impl<'a> Tally<'a> {
    pub(super) fn new(policy: &'a CompiledPolicy, accounts: &AccountIndex) -> Self {
        Tally {
            policy,
            accounts_loaded: accounts.len() as u64,
            accounts_owned: accounts
                .accounts()
                .iter()
                .filter(|a| a.owner.is_some())
                .count() as u64,
            leads: 0,
            first_at: None,
            last_at: None,
            by_domain: 0,
            by_name: 0,
            rules: vec![RuleCount::default(); policy.rules().len()],
            no_rule: RuleCount::default(),
            parks: BTreeMap::new(),
            pools: policy
                .pools()
                .iter()
                .map(|p| PoolCount {
                    members: vec![MemberCount::default(); p.members.len()],
                    ..PoolCount::default()
                })
                .collect(),
            reps: vec![RepCount::default(); policy.reps().len()],
            seen_skips: Vec::new(),
            points: Vec::new(),
            grades: BTreeMap::new(),
        }
    }

    /// Counts one decision; `state` is the state after the decision was applied.
    pub(super) fn record(&mut self, lead: &Lead, d: &Decision, state: &Snapshot) {
        self.leads += 1;
        self.first_at.get_or_insert(lead.received_at);
        self.last_at = Some(lead.received_at);
        match d.account.as_ref().map(|a| a.matched_by) {
            Some(MatchedBy::Domain) => self.by_domain += 1,
            Some(MatchedBy::CompanyName) => self.by_name += 1,
            None => {}
        }
        let rule = d.rule.map(|r| &self.policy.rules()[r as usize]);
        let rc = match d.rule {
            Some(r) => &mut self.rules[r as usize],
            None => &mut self.no_rule,
        };
        rc.leads += 1;
        if let Some(s) = &d.score {
            self.points.push(s.points);
            let (count, rules) = self.grades.entry(s.grade.clone()).or_default();
            count.leads += 1;
            let rule_id = rule.map_or("(no rule)", |r| r.id.as_str());
            *rules.entry(rule_id.to_owned()).or_default() += 1;
            let target = rule.and_then(|r| r.waterfall.first().copied());
            match d.outcome {
                Outcome::Assigned { pool: None, .. } => count.by_owner += 1,
                Outcome::Assigned {
                    pool: Some(pool), ..
                } if target == Some(pool) => count.in_target += 1,
                Outcome::Assigned { .. } => count.in_fallback += 1,
                Outcome::Parked { .. } => count.parked += 1,
            }
        }

        match d.outcome {
            Outcome::Assigned { rep, pool } => {
                let rep_count = &mut self.reps[rep as usize];
                rep_count.assigned += 1;
                rep_count.peak_open = rep_count.peak_open.max(state.reps[rep as usize].open);
                match pool {
                    None => {
                        rc.by_owner += 1;
                        rep_count.by_owner += 1;
                    }
                    Some(pool) => {
                        let target = rule.and_then(|r| r.waterfall.first().copied());
                        let fallback = target != Some(pool);
                        if fallback {
                            rc.in_fallback += 1;
                        } else {
                            rc.in_target += 1;
                        }
                        self.record_pool_pick(d, pool, fallback);
                    }
                }
            }
            Outcome::Parked { reason } => {
                rc.parked += 1;
                let pool = d
                    .park_in
                    .clone()
                    .unwrap_or_else(|| self.policy.triage_pool().to_owned());
                *self.parks.entry((reason.as_str(), pool)).or_default() += 1;
            }
        }

        self.seen_skips.clear();
        for c in &d.candidates {
            if let Verdict::Skipped(skip) = c.verdict {
                let key = (c.rep, skip.code());
                if !self.seen_skips.contains(&key) {
                    self.seen_skips.push(key);
                    *self.reps[c.rep as usize].skipped.entry(key.1).or_default() += 1;
                }
            }
        }
    }

    /// The pool step that assigned the lead: who got it, and who could have.
    fn record_pool_pick(&mut self, d: &Decision, pool: u32, fallback: bool) {
        let spec = &self.policy.pools()[pool as usize];
        let count = &mut self.pools[pool as usize];
        count.assigned += 1;
        if fallback {
            count.as_fallback += 1;
        }
        // A waterfall visits each pool once per pass; the picking step is the last one.
        let Some(step) = d
            .steps
            .iter()
            .rev()
            .find(|s| s.kind == StepKind::Pool(pool) && s.picked.is_some())
        else {
            return;
        };
        // Pool steps list candidates in member order.
        let cands = d.step_candidates(step);
        let can_take = |v: Verdict| matches!(v, Verdict::Picked | Verdict::Eligible);
        let eligible_weight: u64 = cands
            .iter()
            .zip(&spec.members)
            .filter(|(c, _)| can_take(c.verdict))
            .map(|(_, m)| m.weight as u64)
            .sum();
        for (k, (c, m)) in cands.iter().zip(&spec.members).enumerate() {
            if can_take(c.verdict) {
                count.members[k].fair += m.weight as f64 / eligible_weight as f64;
            }
            if c.verdict == Verdict::Picked {
                count.members[k].assigned += 1;
            }
        }
    }

    pub(super) fn finish(self, work_time: SignedDuration) -> Report {
        let policy = self.policy;
        let rule_row = |id: &str, c: &RuleCount| RuleRow {
            rule: id.to_owned(),
            leads: c.leads,
            by_account_owner: c.by_owner,
            in_target_pool: c.in_target,
            in_fallback_pool: c.in_fallback,
            parked: c.parked,
        };
        let mut rules: Vec<RuleRow> = policy
            .rules()
            .iter()
            .zip(&self.rules)
            .map(|(r, c)| rule_row(&r.id, c))
            .collect();
        if self.no_rule.leads > 0 {
            rules.push(rule_row("(no rule)", &self.no_rule));
        }
        let sum = |f: fn(&RuleRow) -> u64| rules.iter().map(f).sum::<u64>();
        let outcome = OutcomeSummary {
            by_account_owner: sum(|r| r.by_account_owner),
            by_pool_strategy: sum(|r| r.in_target_pool + r.in_fallback_pool),
            in_fallback_pool: sum(|r| r.in_fallback_pool),
            parked: sum(|r| r.parked),
            assigned: sum(|r| r.by_account_owner + r.in_target_pool + r.in_fallback_pool),
        };
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        let pools = policy
            .pools()
            .iter()
            .zip(&self.pools)
            .map(|(spec, c)| PoolReport {
                pool: spec.id.clone(),
                strategy: match &spec.best_fit {
                    Some(b) => format!("best_fit over {}", b.base.as_str()),
                    None => spec.strategy.as_str().to_owned(),
                },
                assigned: c.assigned,
                as_fallback: c.as_fallback,
                reps: spec
                    .members
                    .iter()
                    .zip(&c.members)
                    .map(|(m, mc)| {
                        let share = m.weight as f64 / spec.total_weight as f64;
                        let expected = share * c.assigned as f64;
                        PoolRepRow {
                            rep: policy.rep_id(m.rep).to_owned(),
                            weight: m.weight,
                            share: round(share),
                            assigned: mc.assigned,
                            expected: round(expected),
                            deviation: round(mc.assigned as f64 - expected),
                            expected_when_eligible: round(mc.fair),
                            deviation_when_eligible: round(mc.assigned as f64 - mc.fair),
                        }
                    })
                    .collect(),
            })
            .collect();
        let reps = policy
            .reps()
            .iter()
            .zip(self.reps)
            .map(|(spec, c)| RepRow {
                rep: spec.id.clone(),
                name: spec.name.clone(),
                assigned: c.assigned,
                by_account_owner: c.by_owner,
                peak_open: c.peak_open,
                max_open: spec.caps.max_open,
                skipped: c
                    .skipped
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            })
            .collect();
        Report {
            policy: policy.name().to_owned(),
            policy_version: policy.version(),
            leads: self.leads,
            first_lead_at: self.first_at,
            last_lead_at: self.last_at,
            work_time: format!("{work_time:#}"),
            accounts: AccountsSummary {
                loaded: self.accounts_loaded,
                owned: self.accounts_owned,
                matched_by_domain: self.by_domain,
                matched_by_company_name: self.by_name,
            },
            outcome,
            rules,
            parks: self
                .parks
                .into_iter()
                .map(|((reason, pool), leads)| ParkRow {
                    reason: reason.to_owned(),
                    pool: pool.into(),
                    leads,
                })
                .collect(),
            pools,
            reps,
            scores: score_summary(policy, self.points, self.grades),
        }
    }
}

/// The distribution of the scores and the outcomes per grade, in the model's grade order.
fn score_summary(
    policy: &CompiledPolicy,
    mut points: Vec<i64>,
    mut grades: BTreeMap<Option<String>, (RuleCount, BTreeMap<String, u64>)>,
) -> Option<ScoreSummary> {
    let model = policy.document().scoring.as_ref()?;
    points.sort_unstable();
    let at = |q: f64| -> i64 {
        if points.is_empty() {
            return 0;
        }
        // Nearest rank: the smallest score with at least q of the leads at or below it.
        let rank = ((q * points.len() as f64).ceil() as usize).clamp(1, points.len());
        points[rank - 1]
    };
    let mean = if points.is_empty() {
        0.0
    } else {
        points.iter().sum::<i64>() as f64 / points.len() as f64
    };
    let order = model
        .grades
        .iter()
        .map(|g| Some(g.grade.clone()))
        .chain(std::iter::once(None));
    let rows = order
        .filter_map(|g| {
            let (c, rules) = grades.remove(&g)?;
            Some(GradeRow {
                grade: g.unwrap_or_else(|| "(none)".into()),
                leads: c.leads,
                by_account_owner: c.by_owner,
                in_target_pool: c.in_target,
                in_fallback_pool: c.in_fallback,
                parked: c.parked,
                rules,
            })
        })
        .collect();
    Some(ScoreSummary {
        min: points.first().copied().unwrap_or(0),
        p25: at(0.25),
        median: at(0.5),
        p75: at(0.75),
        max: points.last().copied().unwrap_or(0),
        mean: (mean * 10.0).round() / 10.0,
        grades: rows,
    })
}
