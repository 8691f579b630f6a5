//! What the engine returns: the outcome, its full explanation, and the state change to apply.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::account::MatchedBy;
use crate::policy::{PoolIdx, RepIdx, StrategyKind};
use crate::state::PoolState;

/// Why a candidate was passed over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Skip {
    /// Lacks a required tag; the index says which requirement (see [`RequirementRef`]).
    LacksSkill(RequirementRef),
    /// The lead already bounced from this rep and someone else could take it.
    BouncedBefore,
    /// The rep set themselves away.
    Away {
        until: Option<Timestamp>,
    },
    /// A planned absence in the policy.
    OutOfOffice {
        until: Timestamp,
    },
    Holiday {
        date: Date,
    },
    OutsideHours {
        local: DateTime,
    },
    AtCap {
        open: u32,
        max: u32,
    },
    DailyCap {
        count: u32,
        max: u32,
    },
    WeeklyCap {
        count: u32,
        max: u32,
    },
}

impl Skip {
    /// The machine-readable reason code used in decision records.
    pub fn code(&self) -> &'static str {
        match self {
            Skip::LacksSkill(_) => "lacks_skill",
            Skip::BouncedBefore => "bounced_before",
            Skip::Away { .. } => "away",
            Skip::OutOfOffice { .. } => "out_of_office",
            Skip::Holiday { .. } => "holiday",
            Skip::OutsideHours { .. } => "outside_hours",
            Skip::AtCap { .. } => "at_cap",
            Skip::DailyCap { .. } => "daily_cap",
            Skip::WeeklyCap { .. } => "weekly_cap",
        }
    }
}

impl ParkReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            ParkReason::KillSwitch => "kill_switch",
            ParkReason::NoRuleMatched => "no_rule",
            ParkReason::AllAtCap => "all_at_cap",
            ParkReason::AllOutsideHours => "all_outside_hours",
            ParkReason::AllAway => "all_away",
            ParkReason::NoneAvailable => "none_available",
            ParkReason::NoSkilledRep => "no_skilled_rep",
            ParkReason::NoReps => "no_reps",
            ParkReason::NoEligibleRep => "no_eligible_rep",
            ParkReason::Escalated => "escalated",
        }
    }

    /// The reason in words, for decision summaries and notifications: "every rep was at
    /// a cap". One copy, so a summary and a notification never word a reason differently.
    pub fn describe(&self) -> &'static str {
        match self {
            ParkReason::KillSwitch => "the kill switch is on",
            ParkReason::NoRuleMatched => "no rule matched",
            ParkReason::AllAtCap => "every rep was at a cap",
            ParkReason::AllOutsideHours => "every rep was outside working hours",
            ParkReason::AllAway => "every rep was away",
            ParkReason::NoneAvailable => "every rep was at a cap, off or away",
            ParkReason::NoSkilledRep => "no rep has the skills the rule requires",
            ParkReason::NoReps => "the rule's pools have no reps",
            ParkReason::NoEligibleRep => "nobody in the waterfall could take it",
            ParkReason::Escalated => "it bounced too often and was escalated",
        }
    }

    /// Every reason, for tables and documentation.
    pub const ALL: [ParkReason; 10] = [
        ParkReason::KillSwitch,
        ParkReason::NoRuleMatched,
        ParkReason::AllAtCap,
        ParkReason::AllOutsideHours,
        ParkReason::AllAway,
        ParkReason::NoneAvailable,
        ParkReason::NoSkilledRep,
        ParkReason::NoReps,
        ParkReason::NoEligibleRep,
        ParkReason::Escalated,
    ];

    pub fn parse(s: &str) -> Option<ParkReason> {
        match s {
            "no_rule_matched" => Some(ParkReason::NoRuleMatched),
            _ => ParkReason::ALL.into_iter().find(|r| r.as_str() == s),
        }
    }

    /// Parked only because reps were busy, off or away: the same lead routes once one of
    /// them is back, without anyone changing the policy.
    pub fn is_temporary(self) -> bool {
        matches!(
            self,
            ParkReason::AllAtCap
                | ParkReason::AllOutsideHours
                | ParkReason::AllAway
                | ParkReason::NoneAvailable
        )
    }

    /// The reason nobody of `skips` (every rep the waterfall considered, with why they
    /// could not take the lead) could take it. Bounce skips are left out: a rep skipped for
    /// a bounce was considered again on the second pass, with its real reason.
    pub fn unavailable<'a>(skips: impl IntoIterator<Item = &'a Skip>) -> ParkReason {
        #[derive(PartialEq, Clone, Copy)]
        enum Kind {
            Cap,
            Hours,
            Away,
            Skill,
        }
        let mut kinds: Vec<Kind> = Vec::with_capacity(4);
        for skip in skips {
            let kind = match skip {
                Skip::BouncedBefore => continue,
                Skip::AtCap { .. } | Skip::DailyCap { .. } | Skip::WeeklyCap { .. } => Kind::Cap,
                Skip::OutsideHours { .. } | Skip::Holiday { .. } => Kind::Hours,
                Skip::Away { .. } | Skip::OutOfOffice { .. } => Kind::Away,
                Skip::LacksSkill(_) => Kind::Skill,
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        match kinds.as_slice() {
            [] => ParkReason::NoReps,
            [Kind::Cap] => ParkReason::AllAtCap,
            [Kind::Hours] => ParkReason::AllOutsideHours,
            [Kind::Away] => ParkReason::AllAway,
            [Kind::Skill] => ParkReason::NoSkilledRep,
            mixed if !mixed.contains(&Kind::Skill) => ParkReason::NoneAvailable,
            _ => ParkReason::NoEligibleRep,
        }
    }
}

/// Which requirement of the matched rule a rep failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementRef {
    All(u8),
    Any,
    FromLead(u8),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Picked,
    /// Could take the lead; the strategy preferred someone else.
    Eligible,
    Skipped(Skip),
}

/// One rep considered at one step, with the strategy's score for eligible reps
/// (weighted round robin: credit; least loaded: open leads; round robin: distance from cursor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub rep: RepIdx,
    pub verdict: Verdict,
    pub score: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The matched account's owner (sticky rule).
    AccountOwner,
    Pool(PoolIdx),
}

/// One step of the waterfall.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    /// True on the second pass, where reps the lead bounced from are offered again because
    /// nobody else could take it.
    pub rebounce: bool,
    /// Range into [`Decision::candidates`].
    pub candidates: (u32, u32),
    pub picked: Option<RepIdx>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParkReason {
    /// The policy's kill switch is on.
    KillSwitch,
    /// No rule matched the lead.
    #[serde(rename = "no_rule", alias = "no_rule_matched")]
    NoRuleMatched,
    /// Every rep of the waterfall was at one of their caps (open, daily or weekly).
    AllAtCap,
    /// Every rep of the waterfall was outside working hours or on a holiday.
    AllOutsideHours,
    /// Every rep of the waterfall was away or out of office.
    AllAway,
    /// Every rep of the waterfall was unavailable for a while (a mix of caps, hours and
    /// absences): someone can take the lead later without a policy change.
    NoneAvailable,
    /// Every rep of the waterfall lacked a skill the rule requires.
    NoSkilledRep,
    /// The rule's pools have no members.
    NoReps,
    /// Nobody in the rule's waterfall could take the lead, for reasons of more than one
    /// kind, skills among them (each rep's reason is in the decision).
    NoEligibleRep,
    /// The lead bounced as often as the policy's escalation allows (`escalated.after_bounces`).
    Escalated,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Assigned {
        rep: RepIdx,
        /// `None` when the account owner took it (sticky).
        pool: Option<PoolIdx>,
    },
    Parked {
        reason: ParkReason,
    },
}

/// A count in a calendar window moving from `before` to `after`, under `max` if capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WindowChange {
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Date"))]
    pub start: Date,
    pub before: u32,
    pub after: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

/// The rep-side change of an assignment with the values it was decided under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepChange {
    pub rep: RepIdx,
    pub open_before: u32,
    pub open_after: u32,
    pub max_open: Option<u32>,
    pub day: WindowChange,
    pub week: WindowChange,
    pub last_assigned_at: Timestamp,
}

/// The pool-side change: strategy state moves from `version_before` to `after`.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolChange {
    pub pool: PoolIdx,
    pub version_before: u64,
    pub after: PoolState,
}

/// Everything storage must apply atomically, with its preconditions. Empty when parked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateChange {
    pub rep: Option<RepChange>,
    pub pool: Option<PoolChange>,
}

/// The matched account, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountInfo {
    pub id: String,
    pub matched_by: MatchedBy,
    pub owner: Option<RepIdx>,
}

/// A routing decision in compact form (indices into the policy). Render it with
/// [`crate::DecisionRecord::new`] to get the explained, id-based record.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub policy_version: u64,
    pub decided_at: Timestamp,
    pub account: Option<AccountInfo>,
    /// Index of the matched rule.
    pub rule: Option<u32>,
    pub outcome: Outcome,
    /// Where a parked lead waits (rule's `park_in` or the triage pool).
    pub park_in: Option<String>,
    pub steps: Vec<Step>,
    pub candidates: Vec<Candidate>,
    pub strategy: Option<StrategyKind>,
    pub sla_due: Option<Timestamp>,
    pub change: StateChange,
    /// The lead's score when the policy has a scoring model (computed before the rules).
    pub score: Option<crate::score::Score>,
    /// The outcome segment the lead belongs to (`outcomes.segment`), for learning from its
    /// close and for `best_fit` estimates.
    pub segment: Option<String>,
    /// How a `best_fit` pool's learned fit settled the pick.
    pub fit: Option<FitNote>,
}

/// The learned fit's part in a `best_fit` pool's pick.
#[derive(Debug, Clone, PartialEq)]
pub struct FitNote {
    pub pool: PoolIdx,
    /// Whom the base strategy picked.
    pub base_pick: RepIdx,
    pub verdict: crate::fit::FitVerdict,
    /// P(the departure, or the strongest alternative, wins more often than the base pick).
    pub probability: Option<f64>,
    /// The P(better) a departure needed (the pool's `credibility`).
    pub credibility: f64,
    /// The prior strengths the estimates used: fitted to the pool's record, never below
    /// `outcomes.prior_strength` (see [`crate::fit::fitted_prior_strength`]).
    pub prior_strength: crate::fit::PriorStrength,
    /// Estimates of the reps that could take the lead, in member order.
    pub estimates: Vec<(RepIdx, crate::fit::Estimate)>,
}

impl Decision {
    pub fn assigned_rep(&self) -> Option<RepIdx> {
        match self.outcome {
            Outcome::Assigned { rep, .. } => Some(rep),
            Outcome::Parked { .. } => None,
        }
    }
    pub fn is_parked(&self) -> bool {
        matches!(self.outcome, Outcome::Parked { .. })
    }
    pub fn step_candidates(&self, step: &Step) -> &[Candidate] {
        &self.candidates[step.candidates.0 as usize..step.candidates.1 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::ParkReason;
    use std::collections::HashSet;

    // Summaries and notifications read these words: each reason must say something of
    // its own, or two reasons would read alike in triage.
    #[test]
    fn every_park_reason_has_words_of_its_own() {
        let words: HashSet<&str> = ParkReason::ALL.iter().map(|r| r.describe()).collect();
        assert_eq!(words.len(), ParkReason::ALL.len());
        assert!(words.iter().all(|w| !w.is_empty() && !w.contains('_')));
        assert_eq!(ParkReason::AllAtCap.describe(), "every rep was at a cap");
    }
}
