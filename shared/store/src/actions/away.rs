//! Away and back: a rep's own availability, persisted where the engine reads it (rep
//! state), so routing skips an away rep until they are back or `until` passes.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchboard_routing::AwayStatus;
use switchboard_routing::RepId;

use super::{ActionError, Desk};
use crate::ports::accounts::AccountDirectory;
use crate::ports::events::{DomainEvent, EventPublisher};
use crate::ports::leads::LeadStore;
use crate::ports::policies::PolicyStore;
use crate::ports::queue::Outbox;
use crate::ports::routing::RoutingState;

/// The rep's availability after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AwayAnswer {
    pub rep: RepId,
    pub away: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub until: Option<Timestamp>,
}

impl AwayAnswer {
    pub fn message(&self) -> String {
        match (self.away, self.until) {
            (true, Some(u)) => format!("{} is away until {u}; no new leads until then.", self.rep),
            (true, None) => format!("{} is away; no new leads until back.", self.rep),
            (false, _) => format!("{} is back and receives leads again.", self.rep),
        }
    }
}

impl<S, E, N> Desk<'_, S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory,
    E: EventPublisher,
    N: Outbox,
{
    /// Marks the rep away from `now`, until `until` if given. Leads already assigned stay
    /// with the rep (the SLA sweep moves those the rep does not accept).
    pub async fn set_away(
        &self,
        rep: &str,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<AwayAnswer, ActionError> {
        self.known_rep(rep).await?;
        let away = AwayStatus { since: now, until };
        self.store().set_away(rep, Some(away)).await?;
        self.publish_rep("rep.away", rep, now, json!({ "rep": rep, "until": until }))
            .await?;
        Ok(AwayAnswer {
            rep: RepId::from(rep),
            away: true,
            until,
        })
    }

    pub async fn set_back(&self, rep: &str, now: Timestamp) -> Result<AwayAnswer, ActionError> {
        self.known_rep(rep).await?;
        self.store().set_away(rep, None).await?;
        self.publish_rep("rep.back", rep, now, json!({ "rep": rep }))
            .await?;
        Ok(AwayAnswer {
            rep: RepId::from(rep),
            away: false,
            until: None,
        })
    }

    /// Availability is only stored for reps the active policy routes to: anything else is a
    /// typo (or a rep long gone), and storing it would answer "away" for someone routing
    /// never sees. Without an active policy no rep is known.
    async fn known_rep(&self, rep: &str) -> Result<(), ActionError> {
        let unknown = || ActionError::RepNotFound(RepId::from(rep));
        let active = self.store().get_active().await?.ok_or_else(unknown)?;
        let policy = self.router.policy(active.version).await?;
        match policy.rep_index(rep) {
            Some(_) => Ok(()),
            None => Err(unknown()),
        }
    }

    async fn publish_rep(
        &self,
        kind: &str,
        rep: &str,
        now: Timestamp,
        detail: serde_json::Value,
    ) -> Result<(), ActionError> {
        self.router
            .events
            .publish(&rep_event(kind, rep, now, detail))
            .await?;
        Ok(())
    }
}

/// The event announcing a change of a rep's availability (`rep.away`, `rep.back`), whoever
/// made it: the rep (`Desk`) or an admin.
pub fn rep_event(kind: &str, rep: &str, now: Timestamp, detail: serde_json::Value) -> DomainEvent {
    DomainEvent {
        id: format!("{kind}:{rep}:{}", now.as_millisecond()),
        kind: kind.to_owned(),
        time: now,
        detail,
    }
}
