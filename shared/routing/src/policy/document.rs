//! The policy document as RevOps writes it (YAML or JSON). Pure data: nothing here is
//! validated beyond its shape; [`super::compile`] checks meaning and builds the fast form.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;

/// A routing policy: reps, pools and rules evaluated top to bottom (first match wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// Human name of the policy, shown in decisions and diffs.
    #[serde(default)]
    pub name: String,
    /// When true every lead is parked in the triage pool without evaluating rules.
    #[serde(default)]
    pub kill_switch: bool,
    /// Where leads park when no rule matches or nobody in a rule's waterfall can take them.
    pub triage_pool: String,
    /// Default SLA (time to accept) for rules that do not set one, e.g. `15m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sla: Option<String>,
    /// How SLA clocks count: `wall` (default, every minute) or `working_hours` (only the
    /// assigned rep's working hours, in the rep's time zone, skipping holidays).
    #[serde(default, skip_serializing_if = "SlaClock::is_wall")]
    pub sla_clock: SlaClock,
    /// When the assigned rep is reminded to accept, as a percentage of the SLA (default
    /// 75: a 20-minute SLA warns at 15 minutes); 0 turns the reminder off.
    #[serde(
        default = "default_sla_warning",
        skip_serializing_if = "is_default_sla_warning"
    )]
    pub sla_warning_percent: i64,
    /// What happens to a lead that keeps bouncing (SLA expired, rejected, released).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationDoc>,
    /// What becomes of parked leads without anyone acting on them.
    #[serde(default, skip_serializing_if = "ParkedDoc::is_default")]
    pub parked: ParkedDoc,
    /// What follows when a rep recycles a lead as unworkable (docs/POLICY.md,
    /// "Recycling"); without it, the lead is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recycle: Option<super::RecycleDoc>,
    /// A points model scored before the rules run: its `score` and `grade` are fields the
    /// rules' conditions can test (docs/POLICY.md, "Scoring").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<ScoringDoc>,
    /// Lead fields filled before scoring and the rules, from the matched account or an
    /// enrichment provider, each value's source recorded (docs/POLICY.md, "Enrichment").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<super::EnrichmentDoc>,
    /// What close outcomes teach routing: the lead fields that make a segment and how
    /// strongly estimates lean on the pool until a rep's own record is long
    /// (docs/OUTCOMES.md). Pools with `strategy: best_fit` use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<OutcomesDoc>,
    pub reps: Vec<RepDoc>,
    pub pools: Vec<PoolDoc>,
    pub rules: Vec<RuleDoc>,
}

/// Outcome learning: the segment a lead's outcome counts toward, and the prior.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomesDoc {
    /// Lead fields whose values make the segment, e.g. `[industry, product]` (the rules'
    /// field names; `score` and `grade` too). Empty: reps are compared overall.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment: Vec<String>,
    /// The least prior strength, in closes: how many closes a rep's record must have
    /// before it counts as much as what the pool suggests. The strength used is fitted
    /// to the pool's own record and is never below this (default 20).
    #[serde(default = "default_prior_strength")]
    pub prior_strength: f64,
}

pub(crate) fn default_prior_strength() -> f64 {
    20.0
}

/// A `best_fit` pool's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BestFitDoc {
    /// The strategy whose pick stands unless the evidence says otherwise (default
    /// `weighted_round_robin`).
    #[serde(default)]
    pub base: StrategyKind,
    /// How sure routing must be that another rep wins more often than the base pick
    /// before it departs from it: P(better) at least this (default 0.9).
    #[serde(default = "default_credibility")]
    pub credibility: f64,
    /// No rep's share of the pool's leads in the window leaves its target share by more
    /// than this fraction, give or take one lead (default 0.2: ±20%).
    #[serde(default = "default_fairness_band")]
    pub fairness_band: f64,
    /// The window shares are counted over, in UTC: `day`, `week` (default) or `month`.
    #[serde(default)]
    pub window: FairnessWindow,
}

impl Default for BestFitDoc {
    fn default() -> Self {
        BestFitDoc {
            base: StrategyKind::WeightedRoundRobin,
            credibility: default_credibility(),
            fairness_band: default_fairness_band(),
            window: FairnessWindow::Week,
        }
    }
}

fn default_credibility() -> f64 {
    0.9
}

fn default_fairness_band() -> f64 {
    0.2
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FairnessWindow {
    Day,
    #[default]
    Week,
    Month,
}

/// The lead score: points from fit and intent rules, capped per group, graded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoringDoc {
    /// Each rule whose condition holds adds its points (negative points subtract).
    pub rules: Vec<ScoreRuleDoc>,
    /// Bounds per group, e.g. `fit: { max: 50 }`: a group's points are clamped to them
    /// before they are added up.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, ScoreGroupDoc>,
    /// Grades from the highest: the first whose `min` the score reaches; one entry without
    /// `min`, last, catches every lower score (without it such leads have no grade).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<GradeDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRuleDoc {
    pub id: String,
    /// The condition (the rules' language; `score` and `grade` are not known yet).
    pub when: Condition,
    pub points: i64,
    /// The group whose bounds apply (e.g. `fit`, `intent`); none: added as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreGroupDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeDoc {
    pub grade: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
}

/// Parked leads that routing takes up again by itself. The defaults hand every lead back
/// as soon as it can be routed, so no lead waits in triage for a reason that has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParkedDoc {
    /// Leads parked because every rep was at a cap, outside working hours or away
    /// (`all_at_cap`, `all_outside_hours`, `all_away`, `none_available`):
    /// `when_available` (default) routes each again as soon as a rep could take it, checked
    /// by every sweep; `hold` leaves them for a person.
    #[serde(default)]
    pub retry: ParkedRetry,
    /// Leads parked by the kill switch, once it is off again: `reroute` (default) routes
    /// them again through the rules; `hold` leaves them for a person.
    #[serde(default)]
    pub after_kill_switch: AfterKillSwitch,
}

impl Default for ParkedDoc {
    fn default() -> Self {
        ParkedDoc {
            retry: ParkedRetry::WhenAvailable,
            after_kill_switch: AfterKillSwitch::Reroute,
        }
    }
}

impl ParkedDoc {
    pub fn is_default(&self) -> bool {
        *self == ParkedDoc::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParkedRetry {
    #[default]
    WhenAvailable,
    Hold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AfterKillSwitch {
    #[default]
    Reroute,
    Hold,
}

/// How an SLA clock counts time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaClock {
    /// Every minute counts.
    #[default]
    Wall,
    /// Only minutes inside the assigned rep's working hours count (reps without working
    /// hours count every minute).
    WorkingHours,
}

impl SlaClock {
    pub fn is_wall(&self) -> bool {
        *self == SlaClock::Wall
    }
}

/// Escalation of a lead that bounced too often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationDoc {
    /// Once a lead bounced this many times (each expired SLA, rejection or release), it
    /// is no longer offered to reps: it parks in `to_pool` for manual handling.
    pub after_bounces: i64,
    /// The parking pool for escalated leads; defaults to the triage pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_pool: Option<String>,
    /// Tell the manager of the rep who had the lead last (the pool's channels when the
    /// rep has no manager). Default true.
    #[serde(default = "yes")]
    pub notify_manager: bool,
}

fn yes() -> bool {
    true
}

pub const DEFAULT_SLA_WARNING_PERCENT: i64 = 75;

fn default_sla_warning() -> i64 {
    DEFAULT_SLA_WARNING_PERCENT
}

fn is_default_sla_warning(p: &i64) -> bool {
    *p == DEFAULT_SLA_WARNING_PERCENT
}

/// A sales rep and their standing constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepDoc {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Rep id of the manager (escalations go there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`. Hours, holidays and day/week caps use it.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Working hours by weekday in the rep's time zone. Keys: `mon`..`sun` or a range such
    /// as `mon-fri`; values: ranges `HH:MM-HH:MM`. Absent means always available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<BTreeMap<String, Vec<String>>>,
    /// Free-form tags such as `fintech`, `enterprise`, `territory:DE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
    /// Spoken languages (ISO 639-1); each becomes the tag `lang:<code>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(default)]
    pub caps: CapsDoc,
    /// Planned absences (RFC 3339 instants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub away: Vec<AwayDoc>,
    /// Whole days off (`YYYY-MM-DD`) in the rep's time zone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
    /// The rep's identities in the CRMs the owner is written to (docs/CRM.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm: Option<RepCrmDoc>,
    /// The rep's meeting booking page, offered at once to leads from sources that ask for
    /// it (docs/POLICY.md, "Booking links").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<super::BookingDoc>,
}

/// A rep's user ids in the CRMs; a connector skips, with a stated reason, a rep it has no
/// id for rather than leave the record with a wrong owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepCrmDoc {
    /// The HubSpot owner id (Settings > Users & Teams, or `GET /crm/v3/owners`), written
    /// as a contact's `hubspot_owner_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hubspot_owner_id: Option<String>,
    /// The Salesforce user id (`005…`), written as a Lead's or Contact's `OwnerId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce_user_id: Option<String>,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// Capacity caps. Absent means unlimited; zero is rejected (remove the rep from pools instead).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapsDoc {
    /// Most leads open (assigned, not yet closed or released) at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_open: Option<i64>,
    /// Most leads assigned per calendar day in the rep's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_day: Option<i64>,
    /// Most leads assigned per ISO week (Monday start) in the rep's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_week: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwayDoc {
    pub from: String,
    pub until: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    RoundRobin,
    /// Smooth weighted round robin: each rep stays within one lead of its weighted share.
    #[default]
    WeightedRoundRobin,
    /// Fewest open leads; ties go to the rep idle longest.
    LeastLoaded,
    /// The base strategy's pick, unless recorded outcomes show credibly that another rep
    /// wins more of the lead's segment and the fairness band allows it (`best_fit`).
    BestFit,
}

impl StrategyKind {
    /// The name used in policy documents and decision records.
    pub fn as_str(&self) -> &'static str {
        match self {
            StrategyKind::RoundRobin => "round_robin",
            StrategyKind::WeightedRoundRobin => "weighted_round_robin",
            StrategyKind::LeastLoaded => "least_loaded",
            StrategyKind::BestFit => "best_fit",
        }
    }
}

/// A group of reps sharing leads under one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolDoc {
    pub id: String,
    #[serde(default)]
    pub strategy: StrategyKind,
    /// When true, a rep back from away or cap is owed the leads they missed and receives
    /// them first (a catch-up). Default false: they rejoin at their normal share.
    #[serde(default)]
    pub catch_up: bool,
    /// Leads that parked because nobody in a waterfall starting at this pool could take
    /// them (everyone at a cap, outside working hours or away): `hold` or `when_available`
    /// for this pool's leads, in place of the policy's `parked.retry`. For example
    /// `hold` on an enterprise pool whose parked leads a manager places by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked_retry: Option<ParkedRetry>,
    /// Settings of `strategy: best_fit` (defaults when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_fit: Option<BestFitDoc>,
    pub members: Vec<MemberDoc>,
}

/// A pool member: a rep id, or a rep id with a weight (default 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MemberDoc {
    Rep(String),
    Weighted { rep: String, weight: i64 },
}

impl MemberDoc {
    pub fn rep(&self) -> &str {
        match self {
            MemberDoc::Rep(r) => r,
            MemberDoc::Weighted { rep, .. } => rep,
        }
    }
    pub fn weight(&self) -> i64 {
        match self {
            MemberDoc::Rep(_) => 1,
            MemberDoc::Weighted { weight, .. } => *weight,
        }
    }
}

/// One routing rule. The first rule whose condition matches decides the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    /// Condition over lead fields; absent means the rule matches every lead (a catch-all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Offer the lead to the owner of the matched account first, when the owner can take it.
    #[serde(default)]
    pub sticky: bool,
    /// Target pool.
    pub pool: String,
    /// Required skills/tags of the rep (applies to the target pool and its fallbacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require: Option<RequireDoc>,
    /// Time to accept, e.g. `5m`, `1h`. Defaults to the policy's `default_sla`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<String>,
    /// Pools tried in order when nobody in the target pool can take the lead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<String>,
    /// Where to park when the waterfall is exhausted; defaults to the triage pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub park_in: Option<String>,
}

/// Skill requirements; tags are compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequireDoc {
    /// The rep must have every one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<String>,
    /// The rep must have at least one of these tags (ignored when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<String>,
    /// Tags built from the lead, e.g. `{field: country, prefix: "territory:"}` requires the
    /// tag `territory:DE` for a German lead. Skipped when the lead lacks the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_lead: Vec<LeadTagDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadTagDoc {
    pub field: String,
    #[serde(default)]
    pub prefix: String,
}
