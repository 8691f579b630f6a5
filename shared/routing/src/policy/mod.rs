//! The policy: its document form, validation, and the compiled form the engine runs.

mod booking;
mod compile;
mod compile_scoring;
mod document;
mod enrichment;
mod error;
pub mod lint;
mod recycle;

use std::collections::HashMap;

use foldhash::fast::RandomState;
use jiff::SignedDuration;
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub use booking::{BookingDoc, PrefillDoc, PrefillParams, PrefillPreset};
pub use document::{
    AfterKillSwitch, AwayDoc, BestFitDoc, CapsDoc, DEFAULT_SLA_WARNING_PERCENT, EscalationDoc,
    FairnessWindow, GradeDoc, LeadTagDoc, MemberDoc, OutcomesDoc, ParkedDoc, ParkedRetry,
    PolicyDocument, PoolDoc, RepCrmDoc, RepDoc, RequireDoc, RuleDoc, ScoreGroupDoc, ScoreRuleDoc,
    ScoringDoc, SlaClock, StrategyKind,
};
pub use enrichment::{
    EnrichFieldDoc, EnrichPrefer, EnrichSource, EnrichmentDoc, ProviderAuthDoc, ProviderDoc,
};
pub use error::{Issue, PolicyError};
pub use recycle::{RecycleDoc, RecycleFollowUp, RecycleFollowUpDoc, RecycleSettings};

use crate::condition::{FieldRef, Matcher};
use crate::hours::WeeklyHours;
use crate::ids::{PoolId, RepId};

pub type RepIdx = u32;
pub type PoolIdx = u32;
pub(crate) type TagId = u32;

/// The most `require.from_lead` entries per rule (kept small so checks need no allocation).
pub const MAX_FROM_LEAD: usize = 4;

/// Capacity caps of a rep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    pub max_open: Option<u32>,
    pub max_per_day: Option<u32>,
    pub max_per_week: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwayWindow {
    pub from: jiff::Timestamp,
    pub until: jiff::Timestamp,
    pub reason: Option<String>,
}

/// A rep, compiled.
#[derive(Debug, Clone)]
pub struct RepSpec {
    pub id: RepId,
    pub name: String,
    pub email: Option<String>,
    pub manager: Option<RepIdx>,
    pub(crate) tz: u16,
    pub(crate) hours: Option<WeeklyHours>,
    /// Sorted tag ids.
    pub(crate) tags: Vec<TagId>,
    pub caps: Caps,
    pub away: Vec<AwayWindow>,
    /// Sorted.
    pub holidays: Vec<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub rep: RepIdx,
    pub weight: u32,
}

/// A pool, compiled.
#[derive(Debug, Clone)]
pub struct PoolSpec {
    pub id: PoolId,
    pub strategy: StrategyKind,
    pub catch_up: bool,
    /// This pool's own `parked_retry`, over the policy's.
    pub parked_retry: Option<document::ParkedRetry>,
    pub members: Vec<Member>,
    pub total_weight: i64,
    /// Set when the strategy is `best_fit`; `strategy` is then the base strategy's.
    pub best_fit: Option<BestFitDoc>,
}

/// A required tag: its name for explanations and its id (`None`: no rep has it).
#[derive(Debug, Clone)]
pub(crate) struct TagReq {
    pub name: String,
    pub id: Option<TagId>,
}

#[derive(Debug)]
pub(crate) struct FromLeadReq {
    pub field: FieldRef,
    pub prefix: String,
    /// Lower-cased tag suffix (after the prefix) to tag id, for tags that carry the prefix.
    pub by_suffix: HashMap<String, TagId, RandomState>,
}

#[derive(Debug, Default)]
pub(crate) struct Requirement {
    pub all: Vec<TagReq>,
    pub any: Vec<TagReq>,
    pub from_lead: Vec<FromLeadReq>,
}

/// A rule, compiled.
#[derive(Debug)]
pub struct RuleSpec {
    pub id: String,
    pub(crate) matcher: Option<Matcher>,
    pub sticky: bool,
    /// Target pool first, then the fallbacks in order.
    pub waterfall: Vec<PoolIdx>,
    pub(crate) require: Requirement,
    pub sla: Option<SignedDuration>,
    pub park_in: String,
}

/// Escalation, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub after_bounces: u32,
    pub to_pool: String,
    pub notify_manager: bool,
}

/// A validated policy, ready for decisions. Immutable; one per policy version.
#[derive(Debug)]
pub struct CompiledPolicy {
    version: u64,
    document: PolicyDocument,
    pub(crate) reps: Vec<RepSpec>,
    pub(crate) pools: Vec<PoolSpec>,
    pub(crate) rules: Vec<RuleSpec>,
    pub(crate) time_zones: Vec<TimeZone>,
    pub(crate) tag_names: Vec<String>,
    rep_by_id: HashMap<String, RepIdx, RandomState>,
    pool_by_id: HashMap<String, PoolIdx, RandomState>,
    default_sla: Option<SignedDuration>,
    escalation: Option<Escalation>,
    recycle: RecycleSettings,
    pub(crate) scoring: Option<crate::score::Scoring>,
    enrichment: Option<crate::enrichment::EnrichmentSpec>,
    /// The fields of `outcomes.segment`, in order.
    pub(crate) segment_fields: Vec<(String, FieldRef)>,
    warnings: Vec<Issue>,
}

impl CompiledPolicy {
    /// Parses YAML (or JSON) and compiles it as `version`.
    pub fn from_yaml(text: &str, version: u64) -> Result<CompiledPolicy, PolicyError> {
        let doc = PolicyDocument::from_yaml(text)?;
        CompiledPolicy::compile(doc, version)
    }

    /// Validates and compiles a document. Every problem is reported, not just the first.
    pub fn compile(doc: PolicyDocument, version: u64) -> Result<CompiledPolicy, PolicyError> {
        compile::compile(doc, version)
    }

    pub fn version(&self) -> u64 {
        self.version
    }
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }
    pub fn name(&self) -> &str {
        &self.document.name
    }
    pub fn kill_switch(&self) -> bool {
        self.document.kill_switch
    }

    /// Whether routing takes up a lead parked for `reason` again by itself (the sweep, once
    /// the lead could be routed): the `parked_retry` of `first_pool` (the pool its
    /// waterfall started at, from its decision record) when that pool sets one, else the
    /// policy's `parked` settings.
    pub fn retries_parked(&self, reason: crate::ParkReason, first_pool: Option<&str>) -> bool {
        let parked = &self.document.parked;
        if reason.is_temporary() {
            let pool_says = first_pool
                .and_then(|id| self.pool_index(id))
                .and_then(|i| self.pools()[i as usize].parked_retry);
            pool_says.unwrap_or(parked.retry) == document::ParkedRetry::WhenAvailable
        } else {
            reason == crate::ParkReason::KillSwitch
                && parked.after_kill_switch == document::AfterKillSwitch::Reroute
        }
    }
    /// The prior strength of outcome estimates (`outcomes.prior_strength`).
    pub fn outcome_prior_strength(&self) -> f64 {
        self.document
            .outcomes
            .as_ref()
            .map_or_else(document::default_prior_strength, |o| o.prior_strength)
    }

    /// The segment a lead's outcome counts toward: `field=value` for each of
    /// `outcomes.segment`, joined by `|`, values trimmed and lower-cased (`industry=saas|
    /// country=de`; an absent field is empty). `None` without segment fields.
    pub fn outcome_segment(&self, ctx: &crate::condition::MatchContext<'_>) -> Option<String> {
        if self.segment_fields.is_empty() {
            return None;
        }
        let mut key = String::new();
        for (i, (name, field)) in self.segment_fields.iter().enumerate() {
            if i > 0 {
                key.push('|');
            }
            key.push_str(name);
            key.push('=');
            match ctx.get(field) {
                Some(crate::condition::Value::Text(t)) => key.push_str(&t.trim().to_lowercase()),
                Some(crate::condition::Value::Number(n)) => key.push_str(&n.to_string()),
                Some(crate::condition::Value::Bool(b)) => {
                    key.push_str(if b { "true" } else { "false" })
                }
                None => {}
            }
        }
        Some(key)
    }

    pub fn triage_pool(&self) -> &str {
        &self.document.triage_pool
    }
    pub fn default_sla(&self) -> Option<SignedDuration> {
        self.default_sla
    }
    pub fn sla_clock(&self) -> SlaClock {
        self.document.sla_clock
    }
    /// The share of an SLA after which the rep is reminded (`None`: no reminders).
    pub fn sla_warning_share(&self) -> Option<f64> {
        let p = self.document.sla_warning_percent;
        (1..=99).contains(&p).then(|| p as f64 / 100.0)
    }
    /// The longest SLA any rule (or the default) gives.
    pub fn longest_sla(&self) -> Option<SignedDuration> {
        self.rules
            .iter()
            .filter_map(|r| r.sla)
            .chain(self.default_sla)
            .max()
    }
    pub fn escalation(&self) -> Option<&Escalation> {
        self.escalation.as_ref()
    }
    /// What follows a recycle (`recycle` in the policy; `close` without it).
    pub fn recycle(&self) -> &RecycleSettings {
        &self.recycle
    }
    /// The manager of a rep, by id.
    pub fn manager_of(&self, rep: &str) -> Option<&RepId> {
        let r = self.rep_index(rep)?;
        self.reps[r as usize].manager.map(|m| self.rep_id(m))
    }
    /// Non-fatal findings (e.g. a rule requiring a tag no rep in its pools has).
    pub fn warnings(&self) -> &[Issue] {
        &self.warnings
    }
    pub fn reps(&self) -> &[RepSpec] {
        &self.reps
    }
    pub fn pools(&self) -> &[PoolSpec] {
        &self.pools
    }
    /// The first rule, top to bottom, whose condition holds for the lead `fields` reads, with
    /// its index: the rule the engine routes by, and the one a spread import plans for.
    pub(crate) fn first_matching_rule(
        &self,
        fields: &mut crate::condition::FieldCache<'_>,
    ) -> Option<(usize, &RuleSpec)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.matcher.as_ref().is_none_or(|m| m.matches(fields)))
    }

    /// Whether rule `index`'s condition holds for `lead` (and its matched account),
    /// whatever the rules before it: what the checks' findings are about.
    pub fn rule_matches(
        &self,
        index: usize,
        lead: &crate::Lead,
        account: Option<&crate::Account>,
    ) -> bool {
        let score = self.score(lead, account);
        self.rules.get(index).is_some_and(|r| {
            r.matcher.as_ref().is_none_or(|m| {
                m.matches(&mut crate::condition::FieldCache::new(
                    crate::condition::MatchContext {
                        lead,
                        account,
                        score: score.as_ref(),
                    },
                ))
            })
        })
    }

    /// The policy's `enrichment` section (`None`: leads are routed as the form sent them).
    pub fn enrichment(&self) -> Option<&crate::enrichment::EnrichmentSpec> {
        self.enrichment.as_ref()
    }

    /// The lead's score under the policy's `scoring` model (`None`: the policy has none).
    pub fn score(
        &self,
        lead: &crate::Lead,
        account: Option<&crate::Account>,
    ) -> Option<crate::score::Score> {
        let scoring = self.scoring.as_ref()?;
        Some(scoring.score(&mut crate::condition::FieldCache::new(
            crate::condition::MatchContext {
                lead,
                account,
                score: None,
            },
        )))
    }

    /// The static checks' findings (`lint`): shadowed rules, unreachable pools, values
    /// that never match, ...
    pub fn findings(&self) -> Vec<lint::Finding> {
        lint::check(self)
    }

    pub fn rules(&self) -> &[RuleSpec] {
        &self.rules
    }
    pub fn rep_index(&self, id: &str) -> Option<RepIdx> {
        self.rep_by_id.get(id).copied()
    }
    pub fn pool_index(&self, id: &str) -> Option<PoolIdx> {
        self.pool_by_id.get(id).copied()
    }
    pub fn rep_id(&self, idx: RepIdx) -> &RepId {
        &self.reps[idx as usize].id
    }
    pub fn pool_id(&self, idx: PoolIdx) -> &PoolId {
        &self.pools[idx as usize].id
    }
    /// The rep's time zone.
    pub fn rep_time_zone(&self, idx: RepIdx) -> &TimeZone {
        &self.time_zones[self.reps[idx as usize].tz as usize]
    }
    /// Every tag any rep carries (skills and `lang:` tags), lower-cased.
    pub fn tags(&self) -> &[String] {
        &self.tag_names
    }
}

impl PolicyDocument {
    /// Parses a YAML (or JSON) policy document; errors carry the path and line.
    pub fn from_yaml(text: &str) -> Result<PolicyDocument, PolicyError> {
        let de = serde_yaml_ng::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            // The YAML error text already ends with "at line L column C"; it may also start
            // with its own (shorter) path, which the full path above makes redundant.
            let inner = e.into_inner().to_string();
            let message = match inner.split_once(": ") {
                Some((head, rest)) if !head.contains(' ') => rest.to_owned(),
                _ => inner,
            };
            PolicyError::Parse {
                path: if path == "." { "$".into() } else { path },
                message,
            }
        })
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("a policy document always serializes")
    }

    /// The JSON Schema of the document, for editor validation.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(PolicyDocument))
            .expect("schema serializes to JSON")
    }
}
