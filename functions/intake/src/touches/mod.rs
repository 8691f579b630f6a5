//! CRM touches stop the SLA clock: webhooks from HubSpot and Salesforce about the CRM
//! records Switchboard wrote the owner to.
//!
//! | route | CRM | authenticated by |
//! | --- | --- | --- |
//! | `POST /v1/touches/{id}` | HubSpot (the Webhooks API's batched events) | the v3 signature |
//! | `POST /v1/touches/{id}` | Salesforce Flow HTTP callout (JSON) | `X-Switchboard-Token` |
//! | `POST /v1/touches/{id}/{token}` | Salesforce Outbound Message (SOAP) or Flow | the token in the path |
//!
//! An event names a CRM record (HubSpot's `objectId`, a Salesforce `Id`); the lead is the
//! one the CRM write-back last wrote that record for (`switchboard_store::CrmLinks`). Then:
//!
//! - a **touch** (a configured property changed, a status or activity in Salesforce) on
//!   the lead's open assignment accepts it, as the rep's own accept would, which stops the
//!   SLA clock; the `lead.accepted` event and the audit log say why (`touched in HubSpot:
//!   hs_lead_status`);
//! - an **owner change** to someone who is not the assigned rep (made by hand in the CRM)
//!   hands the lead over: the assignment is closed without an outcome, the rep's capacity
//!   freed and the lead not routed again, since a person decided who has it; the
//!   `lead.closed` event and the audit log say why;
//! - an **outcome** (a HubSpot property changed to a value the webhook's `outcomes` maps,
//!   a Salesforce flow's `outcome`) closes the open assignment with it, as the rep's own
//!   close would: the rep's capacity is freed and a won or lost close counts for the rep
//!   in outcome-aware routing's record (docs/OUTCOMES.md).
//!
//! Events about records Switchboard does not know, leads without an open assignment and
//! changes that are neither are answered 2xx and counted as ignored: a CRM retries what
//! it is refused, and these would never succeed. A repeated delivery finds the
//! assignment already accepted or ended and changes nothing.

pub mod config;
pub mod hubspot;
pub(crate) mod routes;
pub mod salesforce;
pub(crate) mod secrets;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Serialize;
use switchboard_store::actions::{ActionError, Answer, Desk, Target};
use switchboard_store::{
    AccountDirectory, AssignmentStatus, AuditEntry, AuditLog, CloseOutcome, CrmLinks,
    EventPublisher, LeadStore, Outbox, PolicyStore, RoutingState,
};

pub use config::{TouchConfig, TouchCrm};
pub(crate) use routes::routes;

use crate::actions::StoreDesk;

/// One change the CRM reported about one of its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    /// HubSpot's `objectId`, Salesforce's record `Id`.
    pub record_id: String,
    /// The record's owner as the CRM reports it, when it does: someone other than the
    /// assigned rep hands the lead over.
    pub owner: Option<String>,
    /// What was worked (`hs_lead_status`, `Status`), when the change is a touch.
    pub touched: Option<String>,
    /// When the CRM says it happened; a change from before the assignment is not about it.
    pub occurred_at: Option<Timestamp>,
    /// The lead was finished in the CRM with this outcome (a HubSpot property changed to a
    /// value the webhook's `outcomes` maps, a Salesforce flow's `outcome`): the open
    /// assignment is closed with it. `touched` then says what changed.
    pub outcome: Option<CloseOutcome>,
}

/// What one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The assignment was accepted now.
    Accepted,
    /// It was accepted before (a repeated delivery, or the rep was quicker).
    AlreadyAccepted,
    /// The assignment was ended: someone else owns the record now.
    HandedOver,
    /// The assignment was closed with the outcome the CRM reported.
    Closed,
    /// Nothing to do, and why (a word for the counts and the log).
    Ignored(&'static str),
}

/// The counts a touch webhook answers with.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TouchCounts {
    /// Events (or records) in the delivery.
    pub events: u32,
    /// Assignments accepted now.
    pub accepted: u32,
    /// Assignments that were accepted already.
    pub already_accepted: u32,
    /// Assignments ended because someone else owns the record now.
    pub handed_over: u32,
    /// Assignments closed with the outcome the CRM reported (won, lost, unqualified).
    #[serde(default)]
    pub closed: u32,
    /// Events that changed nothing: unknown records, leads without an open assignment,
    /// changes that are not touches.
    pub ignored: u32,
}

impl TouchCounts {
    pub(crate) fn add(&mut self, effect: Effect) {
        match effect {
            Effect::Accepted => self.accepted += 1,
            Effect::AlreadyAccepted => self.already_accepted += 1,
            Effect::HandedOver => self.handed_over += 1,
            Effect::Closed => self.closed += 1,
            Effect::Ignored(_) => self.ignored += 1,
        }
    }
}

/// Applies touches to the store. Object-safe, so the router state does not carry the
/// store's type; [`StoreDesk`] implements it over the store ports.
pub trait TouchDesk: Send + Sync {
    fn touch(
        &self,
        crm: TouchCrm,
        touch: Touch,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<Effect, ActionError>>;
}

/// The touch routes' state: the desk, or `None` (the routes answer 404).
pub type TouchState = Arc<dyn TouchDesk>;

impl<S, E, N> TouchDesk for StoreDesk<S, E, N>
where
    S: LeadStore + RoutingState + PolicyStore + AccountDirectory + CrmLinks + AuditLog + 'static,
    E: EventPublisher + 'static,
    N: Outbox + 'static,
{
    fn touch(
        &self,
        crm: TouchCrm,
        touch: Touch,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<Effect, ActionError>> {
        Box::pin(async move {
            let store = &self.router.store;
            let Some(lead_id) = store
                .lead_of_crm_record(crm.key(), &touch.record_id)
                .await?
            else {
                return Ok(Effect::Ignored("unknown_record"));
            };
            let Some(a) = store
                .assignment(&lead_id)
                .await?
                .filter(|a| a.status == AssignmentStatus::Open)
            else {
                return Ok(Effect::Ignored("no_open_assignment"));
            };
            if touch.occurred_at.is_some_and(|t| t < a.assigned_at) {
                return Ok(Effect::Ignored("before_the_assignment"));
            }
            let target = Target::new(lead_id.clone(), a.rep.clone(), Some(a.attempt));
            let desk = Desk::new(&self.router, &*self.notify);
            let ours = match &touch.owner {
                Some(_) => rep_crm_id(store, crm, &a.rep).await?,
                None => None,
            };
            // Someone else only when the rep's own id is known: without it (a rep the
            // policy gives no id in this CRM) nobody can tell, and a lead is not taken
            // from its rep on a guess.
            let someone_else = match (touch.owner.as_deref(), ours.as_deref()) {
                (Some(owner), Some(ours)) if !same_user(crm, ours, owner) => Some(owner),
                _ => None,
            };
            let (action, why, effect) = match (someone_else, touch.outcome, &touch.touched) {
                (Some(owner), _, _) => {
                    let why = format!(
                        "owner changed in {} to {owner}, who is not {}",
                        crm.name(),
                        a.rep
                    );
                    match desk.hand_over(&target, &why, now).await? {
                        Answer::Closed { .. } => ("lead.handed_over", why, Effect::HandedOver),
                        _ => return Ok(Effect::Ignored("no_open_assignment")),
                    }
                }
                (None, Some(outcome), what) => {
                    let why = format!(
                        "closed {} in {}: {}",
                        outcome.as_str(),
                        crm.name(),
                        what.as_deref().unwrap_or("outcome")
                    );
                    match desk.close_because(&target, outcome, &why, now).await? {
                        Answer::Closed { .. } => ("lead.closed", why, Effect::Closed),
                        _ => return Ok(Effect::Ignored("no_open_assignment")),
                    }
                }
                (None, None, Some(what)) => {
                    if a.accepted_at.is_some() {
                        return Ok(Effect::AlreadyAccepted);
                    }
                    let why = format!("touched in {}: {what}", crm.name());
                    match desk.accept_because(&target, Some(&why), now).await? {
                        Answer::Accepted { .. } => ("lead.accepted", why, Effect::Accepted),
                        Answer::AlreadyAccepted { .. } => return Ok(Effect::AlreadyAccepted),
                        _ => return Ok(Effect::Ignored("no_open_assignment")),
                    }
                }
                (None, None, None) if ours.is_none() => {
                    return Ok(Effect::Ignored("rep_without_an_id_in_the_crm"));
                }
                (None, None, None) => return Ok(Effect::Ignored("owner_is_the_assigned_rep")),
            };
            let entry = AuditEntry::new(crm.key(), action, format!("lead:{lead_id}"), now)
                .note(why)
                .detail(serde_json::json!({
                    "rep": a.rep,
                    "attempt": a.attempt,
                    "crm_record": touch.record_id,
                }));
            // The change stands and its event carries the reason; a lost audit entry is
            // logged rather than failing a delivery whose retry would change nothing.
            if let Err(e) = store.record(&entry).await {
                tracing::warn!(lead_id = %lead_id, error = %e, "could not audit a CRM touch");
            }
            Ok(effect)
        })
    }
}

/// The rep's id in `crm` as the active policy gives it.
async fn rep_crm_id<S: PolicyStore>(
    store: &S,
    crm: TouchCrm,
    rep: &str,
) -> Result<Option<String>, ActionError> {
    let Some(active) = store.get_active().await? else {
        return Ok(None);
    };
    let Some(version) = store.get_version(active.version).await? else {
        return Ok(None);
    };
    Ok(version
        .document
        .reps
        .into_iter()
        .find(|r| r.id == rep)
        .and_then(|r| r.crm)
        .and_then(|c| match crm {
            TouchCrm::Hubspot => c.hubspot_owner_id,
            TouchCrm::Salesforce => c.salesforce_user_id,
        })
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty()))
}

/// True when two user ids name the same user. Salesforce ids come in a 15-character
/// case-sensitive form and an 18-character one that adds a checksum: the first 15 decide.
pub fn same_user(crm: TouchCrm, a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    match crm {
        TouchCrm::Hubspot => a == b,
        TouchCrm::Salesforce => {
            let core = |s: &str| -> String {
                if s.len() == 18 && s.is_ascii() {
                    s[..15].to_owned()
                } else {
                    s.to_owned()
                }
            };
            core(a) == core(b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_ids_match_in_either_form() {
        // (a, b, same)
        let cases = [
            ("0055e000001AbCd", "0055e000001AbCdAAK", true),
            ("0055e000001AbCdAAK", "0055e000001AbCdAAK", true),
            ("0055e000001AbCd", "0055e000001abcdAAK", false),
            ("0055e000001AbCe", "0055e000001AbCdAAK", false),
        ];
        for (a, b, same) in cases {
            assert_eq!(same_user(TouchCrm::Salesforce, a, b), same, "{a} {b}");
        }
        assert!(same_user(TouchCrm::Hubspot, "51234567", " 51234567"));
        assert!(!same_user(TouchCrm::Hubspot, "5123456", "51234567"));
    }
}
