//! The simulation report: plain data, serialised for `--format json` and rendered as text
//! by the `switchboard simulate` command, and compared, one per policy, by the admin API's
//! what-if.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::{PoolId, RepId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Report {
    pub policy: String,
    pub policy_version: u64,
    /// Leads replayed.
    pub leads: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub first_lead_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub last_lead_at: Option<Timestamp>,
    /// Simulated time from assignment to close, e.g. `4h`.
    pub work_time: String,
    pub accounts: AccountsSummary,
    pub outcome: OutcomeSummary,
    /// One row per policy rule in order, plus `(no rule)` when the kill switch or a missing
    /// catch-all left leads without a rule.
    pub rules: Vec<RuleRow>,
    pub parks: Vec<ParkRow>,
    pub pools: Vec<PoolReport>,
    pub reps: Vec<RepRow>,
    /// With a scoring model: the score distribution and routing by grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<ScoreSummary>,
}

/// How the leads scored, and where each grade went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ScoreSummary {
    pub min: i64,
    pub p25: i64,
    pub median: i64,
    pub p75: i64,
    pub max: i64,
    pub mean: f64,
    /// One row per grade in the model's order, then `(none)` for leads without one.
    pub grades: Vec<GradeRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GradeRow {
    pub grade: String,
    pub leads: u64,
    pub by_account_owner: u64,
    pub in_target_pool: u64,
    pub in_fallback_pool: u64,
    pub parked: u64,
    /// Leads per rule that took them (rule id, or `(no rule)`).
    pub rules: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AccountsSummary {
    /// Accounts available for matching.
    pub loaded: u64,
    /// Of those, accounts with an owner.
    pub owned: u64,
    /// Leads matched to an account by e-mail domain.
    pub matched_by_domain: u64,
    /// Leads matched to an account by normalized company name.
    pub matched_by_company_name: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OutcomeSummary {
    /// `by_account_owner + by_pool_strategy`.
    pub assigned: u64,
    /// Sticky: the matched account's owner took the lead.
    pub by_account_owner: u64,
    /// A pool's strategy picked the rep.
    pub by_pool_strategy: u64,
    /// Of `by_pool_strategy`: assigned in a pool other than the rule's target (a fallback).
    pub in_fallback_pool: u64,
    pub parked: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RuleRow {
    /// Rule id, or `(no rule)`.
    pub rule: String,
    /// Leads whose first matching rule this was.
    pub leads: u64,
    pub by_account_owner: u64,
    /// Assigned in the rule's target pool.
    pub in_target_pool: u64,
    /// Assigned in one of the rule's fallback pools.
    pub in_fallback_pool: u64,
    pub parked: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ParkRow {
    /// A park reason: `all_at_cap`, `no_rule`, `kill_switch`, ... (docs/POLICY.md).
    pub reason: String,
    /// The parking pool (the rule's `park_in` or the triage pool).
    pub pool: PoolId,
    pub leads: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolReport {
    pub pool: PoolId,
    /// `round_robin`, `weighted_round_robin` or `least_loaded`; `best_fit over` the base
    /// strategy for a `best_fit` pool.
    pub strategy: String,
    /// Leads this pool's strategy assigned (as target or as fallback).
    pub assigned: u64,
    /// Of `assigned`, leads for which this pool was a fallback.
    pub as_fallback: u64,
    pub reps: Vec<PoolRepRow>,
}

/// A member's share of a pool's leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PoolRepRow {
    pub rep: RepId,
    pub weight: u32,
    /// `weight / total weight of the pool`.
    pub share: f64,
    /// Leads the pool's strategy gave this rep.
    pub assigned: u64,
    /// `share × pool assigned`: the rep's count had everyone always been eligible.
    pub expected: f64,
    /// `assigned − expected`.
    pub deviation: f64,
    /// Sum over the pool's assignments of `weight / total weight of the members eligible
    /// at that moment` (zero when the rep was not eligible): the count the weights promise
    /// given who could actually take each lead (hours, caps, skills).
    pub expected_when_eligible: f64,
    /// `assigned − expected_when_eligible`.
    pub deviation_when_eligible: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepRow {
    pub rep: RepId,
    pub name: String,
    /// All assignments (account ownership and every pool).
    pub assigned: u64,
    pub by_account_owner: u64,
    /// Most leads open at once during the run.
    pub peak_open: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_open: Option<u32>,
    /// Leads for which the rep was passed over, by reason (`at_cap`, `daily_cap`,
    /// `weekly_cap`, `outside_hours`, `lacks_skill`, `away`, `out_of_office`, `holiday`,
    /// `bounced_before`). A lead counts once per rep and reason.
    pub skipped: BTreeMap<String, u64>,
}

impl Report {
    /// Every lead ends up assigned or parked.
    pub fn accounted_for(&self) -> bool {
        self.outcome.assigned + self.outcome.parked == self.leads
            && self.outcome.by_account_owner + self.outcome.by_pool_strategy
                == self.outcome.assigned
    }
}
