//! Reps as an admin sees them: each rep of the active policy with its live counters
//! against its caps, whether routing could give it a lead right now and why not, and its
//! away status, which an admin can set and clear.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::policy::RepIdx;
use switchboard_routing::{AwayStatus, CompiledPolicy, PoolId, RepId, rep_now};
use switchboard_store::{PolicyStore, RoutingState};

use crate::error::AdminError;

/// One rep, live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepView {
    pub id: RepId,
    pub name: String,
    /// The pools the rep is a member of.
    pub pools: Vec<PoolId>,
    pub open: u32,
    pub max_open: Option<u32>,
    /// Assigned in the rep's current local day and ISO week.
    pub today: u32,
    pub max_per_day: Option<u32>,
    pub this_week: u32,
    pub max_per_week: Option<u32>,
    /// The rep's local time now (`2026-12-04T09:30:00[Europe/Berlin]`).
    pub local_time: String,
    /// Whether routing could give the rep a lead now, whatever the lead.
    pub available: bool,
    /// Why not (`away`, `out_of_office`, `at_cap`, `holiday`, `outside_hours`,
    /// `daily_cap`, `weekly_cap`), as decision records name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// Set by the rep or an admin; cleared by "back" or when `until` passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away: Option<AwayStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub last_assigned_at: Option<Timestamp>,
}

/// A change of a rep's away status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Away {
    /// Away from now, until the instant if one is given.
    Until(Option<Timestamp>),
    Back,
}

/// Every rep of the active policy, in policy order.
pub async fn list<S: PolicyStore + RoutingState>(
    store: &S,
    now: Timestamp,
) -> Result<Vec<RepView>, AdminError> {
    let policy = active(store).await?;
    let mut out = Vec::with_capacity(policy.reps().len());
    for idx in 0..policy.reps().len() {
        out.push(view(store, &policy, idx as RepIdx, now).await?);
    }
    Ok(out)
}

/// One rep of the active policy; a rep the policy does not name is a 404.
pub async fn one<S: PolicyStore + RoutingState>(
    store: &S,
    rep: &str,
    now: Timestamp,
) -> Result<RepView, AdminError> {
    let policy = active(store).await?;
    let idx = known(&policy, rep)?;
    view(store, &policy, idx, now).await
}

/// Sets or clears the rep's away status; answers the rep's view after the change.
pub async fn set_away<S: PolicyStore + RoutingState>(
    store: &S,
    rep: &str,
    away: Away,
    now: Timestamp,
) -> Result<RepView, AdminError> {
    let policy = active(store).await?;
    let idx = known(&policy, rep)?;
    let status = match away {
        Away::Until(Some(until)) if until <= now => {
            return Err(AdminError::invalid_field(
                "until",
                format!("{until} is not in the future"),
            ));
        }
        Away::Until(until) => Some(AwayStatus { since: now, until }),
        Away::Back => None,
    };
    store.set_away(rep, status).await?;
    view(store, &policy, idx, now).await
}

pub(crate) async fn active<S: PolicyStore>(store: &S) -> Result<CompiledPolicy, AdminError> {
    let active = store
        .get_active()
        .await?
        .ok_or_else(|| AdminError::NotFound("no policy is active, so no rep is known".into()))?;
    let stored = store
        .get_version(active.version)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no policy version {}", active.version)))?;
    CompiledPolicy::compile(stored.document, active.version)
        .map_err(|e| AdminError::Unavailable(format!("the active policy does not compile: {e}")))
}

fn known(policy: &CompiledPolicy, rep: &str) -> Result<RepIdx, AdminError> {
    policy
        .rep_index(rep)
        .ok_or_else(|| AdminError::NotFound(format!("no rep {rep} in the active policy")))
}

async fn view<S: RoutingState>(
    store: &S,
    policy: &CompiledPolicy,
    idx: RepIdx,
    now: Timestamp,
) -> Result<RepView, AdminError> {
    let spec = &policy.reps()[idx as usize];
    let state = store.rep_state(&spec.id).await?;
    let live = rep_now(policy, idx, &state, now);
    let pools = policy
        .pools()
        .iter()
        .filter(|p| p.members.iter().any(|m| m.rep == idx))
        .map(|p| p.id.clone())
        .collect();
    Ok(RepView {
        id: spec.id.clone(),
        name: spec.name.clone(),
        pools,
        open: state.open,
        max_open: spec.caps.max_open,
        today: live.today,
        max_per_day: spec.caps.max_per_day,
        this_week: live.this_week,
        max_per_week: spec.caps.max_per_week,
        local_time: match policy.rep_time_zone(idx).iana_name() {
            Some(zone) => format!("{}[{zone}]", live.local),
            None => live.local.to_string(),
        },
        available: live.unavailable.is_none(),
        unavailable: live.unavailable.map(|s| s.code().to_owned()),
        away: state.away.filter(|a| a.is_away(now)),
        last_assigned_at: state.last_assigned_at,
    })
}
