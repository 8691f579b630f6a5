//! The decision record: the id-based, human-readable explanation of a decision that is
//! stored with the lead and answers "why did this lead go to Sarah?".

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::account::MatchedBy;
use crate::decision::{
    Decision, Outcome, ParkReason, RequirementRef, Skip, StepKind, Verdict, WindowChange,
};
use crate::ids::{LeadId, PoolId, RepId};
use crate::lead::Lead;
use crate::policy::{CompiledPolicy, StrategyKind};
use crate::state::{PoolRecord, pool_record};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OutcomeRecord {
    Assigned {
        rep: RepId,
        /// Absent when the account owner took the lead.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pool: Option<PoolId>,
        /// `account_owner`, `round_robin`, `weighted_round_robin` or `least_loaded`.
        via: String,
    },
    Parked {
        pool: PoolId,
        reason: ParkReason,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AccountRecord {
    pub id: String,
    pub matched_by: MatchedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<RepId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CandidateRecord {
    pub rep: RepId,
    /// `picked`, `eligible` or `skipped`.
    pub status: String,
    /// Machine-readable reason when skipped: `at_cap`, `daily_cap`, `weekly_cap`, `away`,
    /// `out_of_office`, `holiday`, `outside_hours`, `lacks_skill`, `bounced_before`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human explanation, e.g. `at cap (10 of 10 open)`.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StepRecord {
    /// `account_owner` or `pool`.
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyKind>,
    /// Second pass offering the lead again to reps it bounced from.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rebounce: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked: Option<RepId>,
    pub candidates: Vec<CandidateRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepChangeRecord {
    pub rep: RepId,
    pub open_before: u32,
    pub open_after: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_open: Option<u32>,
    pub day: WindowChange,
    pub week: WindowChange,
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub last_assigned_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolChangeRecord {
    pub pool: PoolId,
    pub version_before: u64,
    pub after: PoolRecord,
}

/// The state change with its preconditions, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ChangeRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rep: Option<RepChangeRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolChangeRecord>,
}

/// A decision, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DecisionRecord {
    pub lead_id: LeadId,
    pub policy_version: u64,
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub decided_at: Timestamp,
    pub outcome: OutcomeRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountRecord>,
    pub steps: Vec<StepRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<crate::schema::Timestamp>")
    )]
    pub sla_due: Option<Timestamp>,
    pub change: ChangeRecord,
    /// One sentence answering "why this rep?".
    pub summary: String,
    /// Set when a person made the decision instead of the rules (from the triage queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_hand: Option<ByHandRecord>,
    /// The lead's score and how it came about, when the policy scores leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<crate::score::Score>,
    /// The outcome segment of the lead (`outcomes.segment`): its close counts there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// How a `best_fit` pool's learned fit settled the pick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<FitRecord>,
    /// The fields enrichment filled before the rules ran, each with its source, and what
    /// became of the provider lookup (set by the router, which does the lookup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<crate::enrichment::EnrichmentRecord>,
}

/// The learned fit's part in a pick: each candidate's estimate and what the gate decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FitRecord {
    pub pool: PoolId,
    /// The base strategy and whom it picked.
    pub base: StrategyKind,
    pub base_pick: RepId,
    /// `base_pick`, `not_credible`, `fairness_band` or `credible` (departed).
    pub verdict: crate::fit::FitVerdict,
    /// P(the departure, or the strongest alternative, wins more often than the base pick).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// The P(better) a departure needed (the pool's `credibility`).
    pub credibility: f64,
    /// The prior strengths the estimates used, fitted to the pool's record and never
    /// below `outcomes.prior_strength` (absent in records made before they were fitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_strength: Option<crate::fit::PriorStrength>,
    pub estimates: Vec<FitEstimateRecord>,
}

/// A candidate's estimated win rate in the lead's segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FitEstimateRecord {
    pub rep: RepId,
    pub win_rate: f64,
    /// 95% credible interval.
    pub low: f64,
    pub high: f64,
    /// Closed leads of the rep in the segment, and overall.
    pub closes: u32,
    pub closes_overall: u32,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Who assigned a lead by hand, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ByHandRecord {
    /// The admin (a token's name, a person's email, an IAM ARN).
    pub actor: String,
    pub reason: String,
    /// The rep's caps and availability were overridden: the assignment was made whatever
    /// they said.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overrode: bool,
}

fn strategy_name(s: StrategyKind) -> &'static str {
    s.as_str()
}

fn skip_code(s: &Skip) -> &'static str {
    s.code()
}

impl DecisionRecord {
    /// Renders a decision for `lead` made under `policy` (the same version).
    pub fn new(policy: &CompiledPolicy, lead: &Lead, d: &Decision) -> DecisionRecord {
        let rule = d.rule.map(|r| &policy.rules()[r as usize]);
        let rep_id = |r| policy.rep_id(r).to_owned();
        let tz_name = |r| {
            policy
                .rep_time_zone(r)
                .iana_name()
                .unwrap_or("UTC")
                .to_owned()
        };
        let skill_detail = |rq: RequirementRef| -> String {
            let Some(rule) = rule else {
                return "lacks a required skill".into();
            };
            let req = &rule.require;
            match rq {
                RequirementRef::All(i) => format!("lacks skill `{}`", req.all[i as usize].name),
                RequirementRef::Any => format!(
                    "has none of {}",
                    req.any
                        .iter()
                        .map(|t| format!("`{}`", t.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                RequirementRef::FromLead(i) => {
                    let fl = &req.from_lead[i as usize];
                    let ctx = crate::condition::MatchContext {
                        lead,
                        account: None,
                        score: None,
                    };
                    let value = match ctx.get(&fl.field) {
                        Some(crate::condition::Value::Text(t)) => t.to_lowercase(),
                        Some(crate::condition::Value::Number(n)) => n.to_string(),
                        Some(crate::condition::Value::Bool(b)) => b.to_string(),
                        // An account field: the record does not see the account, so name
                        // the field the tag is built from rather than print a wrong tag.
                        None => {
                            let field = d
                                .rule
                                .and_then(|r| policy.document().rules.get(r as usize))
                                .and_then(|r| r.require.as_ref())
                                .and_then(|r| r.from_lead.get(i as usize))
                                .map_or("field", |f| f.field.trim());
                            format!("<{field}>")
                        }
                    };
                    format!("lacks tag `{}{}` required by the lead", fl.prefix, value)
                }
            }
        };

        let mut steps = Vec::with_capacity(d.steps.len());
        let mut skipped_notes = Vec::new();
        for st in &d.steps {
            let (step, pool, strategy) = match st.kind {
                StepKind::AccountOwner => ("account_owner", None, None),
                StepKind::Pool(p) => (
                    "pool",
                    Some(policy.pool_id(p).to_owned()),
                    Some(policy.pools()[p as usize].strategy),
                ),
            };
            let candidates = d
                .step_candidates(st)
                .iter()
                .map(|c| {
                    let (status, reason, detail) = match c.verdict {
                        Verdict::Picked => ("picked", None, pick_detail(strategy, c.score)),
                        Verdict::Eligible => (
                            "eligible",
                            None,
                            format!("eligible, not picked ({})", score_note(strategy, c.score)),
                        ),
                        Verdict::Skipped(s) => {
                            let detail = match s {
                                Skip::LacksSkill(rq) => skill_detail(rq),
                                Skip::BouncedBefore => {
                                    "the lead already bounced from this rep".into()
                                }
                                Skip::Away { until: Some(u) } => format!("away until {u}"),
                                Skip::Away { until: None } => "away".into(),
                                Skip::OutOfOffice { until } => {
                                    format!("out of office until {until}")
                                }
                                Skip::Holiday { date } => format!("on holiday ({date})"),
                                Skip::OutsideHours { local } => format!(
                                    "outside working hours (local time {} {})",
                                    local.strftime("%a %H:%M"),
                                    tz_name(c.rep)
                                ),
                                Skip::AtCap { open, max } => {
                                    format!("at cap ({open} of {max} open)")
                                }
                                Skip::DailyCap { count, max } => {
                                    format!("daily cap reached ({count} of {max} today)")
                                }
                                Skip::WeeklyCap { count, max } => {
                                    format!("weekly cap reached ({count} of {max} this week)")
                                }
                            };
                            let note = format!("{} {}", policy.rep_id(c.rep), detail);
                            if !skipped_notes.contains(&note) {
                                skipped_notes.push(note);
                            }
                            ("skipped", Some(skip_code(&s).to_owned()), detail)
                        }
                    };
                    CandidateRecord {
                        rep: rep_id(c.rep),
                        status: status.into(),
                        reason,
                        detail,
                    }
                })
                .collect();
            steps.push(StepRecord {
                step: step.into(),
                pool,
                strategy,
                rebounce: st.rebounce,
                picked: st.picked.map(rep_id),
                candidates,
            });
        }

        let outcome = match d.outcome {
            Outcome::Assigned { rep, pool } => OutcomeRecord::Assigned {
                rep: rep_id(rep),
                pool: pool.map(|p| policy.pool_id(p).to_owned()),
                via: match pool {
                    None => "account_owner".into(),
                    Some(p) if policy.pools()[p as usize].best_fit.is_some() => {
                        strategy_name(StrategyKind::BestFit).into()
                    }
                    Some(p) => strategy_name(policy.pools()[p as usize].strategy).into(),
                },
            },
            Outcome::Parked { reason } => OutcomeRecord::Parked {
                pool: PoolId::from(d.park_in.as_deref().unwrap_or(policy.triage_pool())),
                reason,
            },
        };

        let fit = d.fit.as_ref().map(|f| FitRecord {
            pool: policy.pool_id(f.pool).to_owned(),
            base: policy.pools()[f.pool as usize].strategy,
            base_pick: rep_id(f.base_pick),
            verdict: f.verdict,
            probability: f.probability.map(round3),
            credibility: f.credibility,
            prior_strength: Some(crate::fit::PriorStrength {
                segment: f.prior_strength.segment.round(),
                rep: f.prior_strength.rep.round(),
            }),
            estimates: f
                .estimates
                .iter()
                .map(|(r, e)| FitEstimateRecord {
                    rep: rep_id(*r),
                    win_rate: round3(e.mean),
                    low: round3(e.low),
                    high: round3(e.high),
                    closes: e.closes,
                    closes_overall: e.closes_overall,
                })
                .collect(),
        });
        // A departure's pick says why in its own words, not the base strategy's.
        if let Some(f) = &fit
            && f.verdict == crate::fit::FitVerdict::Credible
            && let Some(step) = steps.iter_mut().rev().find(|s| s.picked.is_some())
            && let Some(picked) = step.picked.clone()
            && let Some(c) = step.candidates.iter_mut().find(|c| c.rep == picked)
            && let Some(e) = f.estimates.iter().find(|e| e.rep == picked)
        {
            c.detail = format!(
                "picked by best_fit: win rate {:.0}% ({:.0}–{:.0}%, {} closes in the segment), better than {}'s with P = {:.2}",
                e.win_rate * 100.0,
                e.low * 100.0,
                e.high * 100.0,
                e.closes,
                f.base_pick,
                f.probability.unwrap_or(0.0),
            );
        }

        let mut summary = summarize(
            policy,
            d,
            &outcome,
            rule.map(|r| r.id.as_str()),
            &skipped_notes,
        );
        if let Some(f) = &fit {
            summary.pop();
            summary.push_str(&format!(". Learned fit: {}.", fit_sentence(f)));
        }

        DecisionRecord {
            lead_id: lead.id.clone(),
            policy_version: d.policy_version,
            decided_at: d.decided_at,
            outcome,
            rule: rule.map(|r| r.id.clone()),
            account: d.account.as_ref().map(|a| AccountRecord {
                id: a.id.clone(),
                matched_by: a.matched_by,
                owner: a.owner.map(rep_id),
            }),
            steps,
            sla_due: d.sla_due,
            change: ChangeRecord {
                rep: d.change.rep.map(|rc| RepChangeRecord {
                    rep: rep_id(rc.rep),
                    open_before: rc.open_before,
                    open_after: rc.open_after,
                    max_open: rc.max_open,
                    day: rc.day,
                    week: rc.week,
                    last_assigned_at: rc.last_assigned_at,
                }),
                pool: d.change.pool.as_ref().map(|pc| PoolChangeRecord {
                    pool: policy.pool_id(pc.pool).to_owned(),
                    version_before: pc.version_before,
                    after: pool_record(policy, pc.pool, &pc.after),
                }),
            },
            summary,
            by_hand: None,
            score: d.score.clone(),
            segment: d.segment.clone(),
            fit,
            enrichment: None,
        }
    }
}

/// One sentence on what the learned fit decided.
fn fit_sentence(f: &FitRecord) -> String {
    let p = f.probability.unwrap_or(0.0);
    match f.verdict {
        crate::fit::FitVerdict::BasePick => format!(
            "no rep's estimate beats the {} pick {}",
            f.base.as_str(),
            f.base_pick
        ),
        crate::fit::FitVerdict::NotCredible => format!(
            "kept the {} pick {}; no rep was credibly better (best P = {p:.2}, needs {:.2})",
            f.base.as_str(),
            f.base_pick,
            f.credibility
        ),
        crate::fit::FitVerdict::FairnessBand => format!(
            "kept the {} pick {}; a credibly better rep (P = {p:.2}) is at the edge of its fair share",
            f.base.as_str(),
            f.base_pick
        ),
        crate::fit::FitVerdict::Credible => format!(
            "departed from the {} pick {}: credibly better for the segment (P = {p:.2})",
            f.base.as_str(),
            f.base_pick
        ),
    }
}

fn pick_detail(strategy: Option<StrategyKind>, score: i64) -> String {
    match strategy {
        None => "account owner, available".into(),
        Some(s) => format!(
            "picked by {} ({})",
            strategy_name(s),
            score_note(strategy, score)
        ),
    }
}

fn score_note(strategy: Option<StrategyKind>, score: i64) -> String {
    match strategy {
        Some(StrategyKind::WeightedRoundRobin) => {
            format!("next lead due within {score}")
        }
        Some(StrategyKind::LeastLoaded) => format!("{score} open"),
        Some(StrategyKind::RoundRobin) => format!("{score} after the cursor"),
        Some(StrategyKind::BestFit) | None => String::new(),
    }
}

fn summarize(
    policy: &CompiledPolicy,
    d: &Decision,
    outcome: &OutcomeRecord,
    rule: Option<&str>,
    skipped: &[String],
) -> String {
    let mut s = match outcome {
        OutcomeRecord::Assigned { rep, pool, via } => {
            let name = &policy.reps()[policy.rep_index(rep).unwrap_or(0) as usize].name;
            match pool {
                None => format!(
                    "Assigned to {name} ({rep}) as owner of account {}",
                    d.account.as_ref().map(|a| a.id.as_str()).unwrap_or("?")
                ),
                Some(p) => format!("Assigned to {name} ({rep}) by {via} in pool {p}"),
            }
        }
        OutcomeRecord::Parked { pool, reason } => {
            format!("Parked in {pool}: {}", reason.describe())
        }
    };
    if let Some(r) = rule {
        s.push_str(&format!(" under rule {r}"));
    }
    if !skipped.is_empty() {
        const SHOWN: usize = 5;
        let mut notes = skipped
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        if skipped.len() > SHOWN {
            notes.push_str(&format!("; and {} more", skipped.len() - SHOWN));
        }
        s.push_str(&format!(". Passed over: {notes}"));
    }
    s.push('.');
    s
}
