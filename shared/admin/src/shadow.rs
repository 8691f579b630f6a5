//! Shadow mode (docs/OUTCOMES.md, "Shadow mode"): a stored policy version decides every
//! lead next to the active one and changes nothing; its decisions are kept and compared.
//! `GET /policy/shadow` shows the setting, `POST /policy/shadow` starts one
//! (`{version, note?}`), `POST /policy/shadow/stop` ends it, and
//! `GET /policy/shadow/report` compares the two over a window.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::CompiledPolicy;
use switchboard_routing::fit::{FitVerdict, Tally};
use switchboard_store::ports::shadow::{Pick, ShadowDecision, ShadowSetting};
use switchboard_store::{CloseOutcome, PolicyStore, RoutingState};

use crate::error::AdminError;
use crate::outcomes::Closes;

/// Most shadow decisions one report reads; a longer window says it was cut short.
pub const MAX_REPORT_DECISIONS: usize = 20_000;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ShadowRequest {
    /// The stored policy version that shadows the active one.
    pub version: u64,
    #[serde(default)]
    pub note: Option<String>,
}

/// The shadow setting and the active version it shadows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShadowView {
    /// `None`: no shadow runs.
    pub shadow: Option<ShadowSetting>,
    pub active_version: Option<u64>,
}

pub async fn view<S: PolicyStore>(store: &S) -> Result<ShadowView, AdminError> {
    Ok(ShadowView {
        shadow: store.get_shadow().await?,
        active_version: store.get_active().await?.map(|a| a.version),
    })
}

/// Starts shadowing with a stored version that compiles and is not the active one.
pub async fn start<S: PolicyStore>(
    store: &S,
    req: &ShadowRequest,
    now: Timestamp,
) -> Result<ShadowView, AdminError> {
    let stored = store.get_version(req.version).await?.ok_or_else(|| {
        AdminError::invalid_field("version", format!("no policy version {}", req.version))
    })?;
    CompiledPolicy::compile(stored.document, stored.version).map_err(|e| {
        AdminError::invalid_field(
            "version",
            format!("version {} is invalid: {e}", req.version),
        )
    })?;
    let active = store.get_active().await?.map(|a| a.version);
    if active == Some(req.version) {
        return Err(AdminError::invalid_field(
            "version",
            format!("version {} is the active one; shadow another", req.version),
        ));
    }
    let setting = ShadowSetting {
        version: req.version,
        since: now,
        note: req.note.clone().filter(|n| !n.trim().is_empty()),
    };
    store.set_shadow(Some(&setting)).await?;
    Ok(ShadowView {
        shadow: Some(setting),
        active_version: active,
    })
}

pub async fn stop<S: PolicyStore>(store: &S) -> Result<ShadowView, AdminError> {
    store.set_shadow(None).await?;
    view(store).await
}

/// Agreement between the active policy and the shadow over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShadowReport {
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub from: Timestamp,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub to: Timestamp,
    /// Shadow versions seen in the window.
    pub shadow_versions: Vec<u64>,
    pub leads: u64,
    /// Leads both sent to the same rep (whatever the pool), or both parked in the same
    /// pool for the same reason.
    pub agreed: u64,
    /// `agreed / leads`; absent without leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<f64>,
    /// Leads each parked.
    pub parked_active: u64,
    pub parked_shadow: u64,
    /// Leads where the shadow's `best_fit` departed from its base pick on the evidence.
    pub shadow_departures: u64,
    /// Per pool (the active decision's), leads and agreement.
    pub pools: Vec<ShadowPoolRow>,
    /// Per rep, leads under each policy; `difference` is shadow minus active.
    pub reps: Vec<ShadowRepRow>,
    /// Closed leads by whether the shadow agreed with the active choice: the outcomes
    /// under the active choice (the shadow's own choice, where it differed, was never
    /// tried).
    pub outcomes_agreed: Closes,
    pub outcomes_differed: Closes,
    /// The window held more decisions than one report reads ([`MAX_REPORT_DECISIONS`]).
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShadowPoolRow {
    pub pool: String,
    pub leads: u64,
    pub agreed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ShadowRepRow {
    pub rep: String,
    pub active: u64,
    pub shadow: u64,
    pub difference: i64,
}

/// Reads the window's shadow decisions and the close outcomes of their leads.
pub async fn report<S: PolicyStore + RoutingState>(
    store: &S,
    (from, to): (Timestamp, Timestamp),
) -> Result<ShadowReport, AdminError> {
    let decisions = store
        .shadow_between(from, to, MAX_REPORT_DECISIONS + 1)
        .await?;
    let truncated = decisions.len() > MAX_REPORT_DECISIONS;
    let decisions = &decisions[..decisions.len().min(MAX_REPORT_DECISIONS)];
    let mut outcomes = BTreeMap::new();
    for d in decisions {
        if let Some(outcome) = store.assignment(&d.lead_id).await?.and_then(|a| a.outcome) {
            outcomes.insert(d.lead_id.to_string(), outcome);
        }
    }
    let mut r = summarize(decisions, |lead| outcomes.get(lead).copied(), (from, to));
    r.truncated = truncated;
    Ok(r)
}

/// The report over `decisions`, with each lead's close outcome from `outcome_of`.
pub fn summarize(
    decisions: &[ShadowDecision],
    outcome_of: impl Fn(&str) -> Option<CloseOutcome>,
    (from, to): (Timestamp, Timestamp),
) -> ShadowReport {
    let mut versions = Vec::new();
    let (mut agreed, mut parked_active, mut parked_shadow, mut departures) = (0, 0, 0, 0);
    let mut pools: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut reps: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let (mut when_agreed, mut when_differed) = (Tally::default(), Tally::default());
    for d in decisions {
        if !versions.contains(&d.shadow.policy_version) {
            versions.push(d.shadow.policy_version);
        }
        let shadow = Pick::of(&d.shadow);
        let agrees = d.agrees();
        agreed += u64::from(agrees);
        parked_active += u64::from(d.active.parked.is_some());
        parked_shadow += u64::from(shadow.parked.is_some());
        departures += u64::from(
            d.shadow
                .fit
                .as_ref()
                .is_some_and(|f| f.verdict == FitVerdict::Credible),
        );
        let pool = pools.entry(pool_name(&d.active)).or_default();
        pool.0 += 1;
        pool.1 += u64::from(agrees);
        if let Some(rep) = &d.active.rep {
            reps.entry(rep.to_string()).or_default().0 += 1;
        }
        if let Some(rep) = &shadow.rep {
            reps.entry(rep.to_string()).or_default().1 += 1;
        }
        let tally = if agrees {
            &mut when_agreed
        } else {
            &mut when_differed
        };
        match outcome_of(&d.lead_id) {
            Some(CloseOutcome::Won) => tally.won += 1,
            Some(CloseOutcome::Lost) => tally.lost += 1,
            Some(CloseOutcome::Unqualified) | None => {}
        }
    }
    versions.sort_unstable();
    let leads = decisions.len() as u64;
    ShadowReport {
        from,
        to,
        shadow_versions: versions,
        leads,
        agreed,
        agreement: (leads > 0).then(|| agreed as f64 / leads as f64),
        parked_active,
        parked_shadow,
        shadow_departures: departures,
        pools: pools
            .into_iter()
            .map(|(pool, (leads, agreed))| ShadowPoolRow {
                pool,
                leads,
                agreed,
            })
            .collect(),
        reps: reps
            .into_iter()
            .map(|(rep, (active, shadow))| ShadowRepRow {
                rep,
                active,
                shadow,
                difference: shadow as i64 - active as i64,
            })
            .collect(),
        outcomes_agreed: when_agreed.into(),
        outcomes_differed: when_differed.into(),
        truncated: false,
    }
}

fn pool_name(pick: &Pick) -> String {
    match (&pick.pool, pick.parked) {
        (Some(p), None) => p.to_string(),
        (Some(p), Some(_)) => format!("{p} (parked)"),
        (None, _) => "account owner".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_routing::ParkReason;
    use switchboard_routing::record::{DecisionRecord, OutcomeRecord};
    use switchboard_testkit::{assigned, decision_record};

    fn record(lead: &str, version: u64, outcome: OutcomeRecord) -> DecisionRecord {
        decision_record(lead, version, Timestamp::UNIX_EPOCH, outcome)
    }

    fn to(rep: &str) -> OutcomeRecord {
        assigned(rep, "p", "round_robin")
    }

    fn decision(lead: &str, active: OutcomeRecord, shadow: OutcomeRecord) -> ShadowDecision {
        ShadowDecision {
            lead_id: lead.into(),
            decided_at: Timestamp::UNIX_EPOCH,
            active_version: 1,
            active: Pick::of(&record(lead, 1, active)),
            shadow: record(lead, 2, shadow),
        }
    }

    #[test]
    fn agreement_reps_and_outcomes_under_the_active_choice() {
        let parked = OutcomeRecord::Parked {
            pool: "triage".into(),
            reason: ParkReason::AllAtCap,
        };
        let decisions = [
            decision("l1", to("ann"), to("ann")),
            decision("l2", to("ann"), to("bob")),
            decision("l3", to("bob"), to("bob")),
            decision("l4", parked.clone(), to("bob")),
            decision("l5", parked.clone(), parked),
        ];
        let outcome = |lead: &str| match lead {
            "l1" => Some(CloseOutcome::Won),
            "l2" => Some(CloseOutcome::Lost),
            "l3" => Some(CloseOutcome::Unqualified),
            _ => None,
        };
        let r = summarize(
            &decisions,
            outcome,
            (Timestamp::UNIX_EPOCH, Timestamp::UNIX_EPOCH),
        );
        assert_eq!((r.leads, r.agreed, r.agreement), (5, 3, Some(0.6)));
        assert_eq!((r.parked_active, r.parked_shadow), (2, 1));
        assert_eq!(r.shadow_versions, [2]);
        let reps: Vec<_> = r
            .reps
            .iter()
            .map(|x| (x.rep.as_str(), x.active, x.shadow, x.difference))
            .collect();
        assert_eq!(reps, [("ann", 2, 1, -1), ("bob", 1, 3, 2)]);
        let pools: Vec<_> = r
            .pools
            .iter()
            .map(|x| (x.pool.as_str(), x.leads, x.agreed))
            .collect();
        assert_eq!(pools, [("p", 3, 2), ("triage (parked)", 2, 1)]);
        assert_eq!((r.outcomes_agreed.closes, r.outcomes_agreed.won), (1, 1));
        assert_eq!(
            (r.outcomes_differed.closes, r.outcomes_differed.won),
            (1, 0)
        );
    }
}
