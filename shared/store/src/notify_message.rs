//! The notify queue's message: "tell someone about this assignment".
//!
//! Every producer (the router, the SLA sweeper, rep actions, the local process) enqueues
//! this one JSON shape and the notifier reads only it. Readers ignore fields they do not
//! know, so a producer can add an optional field without a lockstep deploy; a new `kind`
//! needs a notifier that knows it (an older one fails the message, which then waits in the
//! dead-letter queue for a redrive after the deploy instead of being dropped).
//!
//! Adding a kind: a variant of [`NotifyKind`] (its snake_case name is the wire value), a
//! constructor below if it needs other fields, and its text in the notifier's renderer.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::{LeadId, ParkReason, PoolId, RepId};

use crate::ports::routing::Assignment;

/// What happened, and so what the message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// `rep` has a new lead to accept (or reject) before `sla_due`. Also the kind of a
    /// message without `kind` (the router's format before kinds existed).
    #[default]
    Assigned,
    /// `rep` lost the lead (SLA expired, rejected or released); `next_rep` has it now, if
    /// anyone does.
    ReassignedAway,
    /// The lead needs a manager: it bounced too often or nobody can take it. `recipient`
    /// is the manager; without one it goes to the channels of `pool` (or the default).
    Escalated,
    /// `rep` has not accepted yet and `sla_due` is near.
    SlaWarning,
    /// Routing parked the lead in `pool` (`reason` is the park reason's code): nobody has
    /// it, so the pool's channels (or the default) are told, so that no lead waits in
    /// triage unnoticed. `rep` is empty; `assignment_id` names the parking decision.
    Parked,
}

impl NotifyKind {
    pub const ALL: [NotifyKind; 5] = [
        NotifyKind::Assigned,
        NotifyKind::ReassignedAway,
        NotifyKind::Escalated,
        NotifyKind::SlaWarning,
        NotifyKind::Parked,
    ];

    /// The wire name (also part of the notifier's delivery records).
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyKind::Assigned => "assigned",
            NotifyKind::ReassignedAway => "reassigned_away",
            NotifyKind::Escalated => "escalated",
            NotifyKind::SlaWarning => "sla_warning",
            NotifyKind::Parked => "parked",
        }
    }
}

impl std::fmt::Display for NotifyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One notify queue message.
///
/// Producers send at least once (the router cannot know whether a send before a crash
/// happened), so the notifier keys its work on `(assignment_id, kind)` and a channel:
/// a redelivered message does not reach a channel that already took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyMessage {
    #[serde(default)]
    pub kind: NotifyKind,
    /// `<lead id>:<attempt>` of the assignment the message is about: one per decision that
    /// assigned the lead, so a re-route is a new notification and a redelivery is not.
    /// For `parked`, `<lead id>:parked:<decision number>`: one per parking decision.
    pub assignment_id: String,
    pub lead_id: LeadId,
    /// The rep of the assignment (for `reassigned_away`, the one who lost it); empty for
    /// `parked`, which has no assignment.
    pub rep: RepId,
    /// Who is told when it is not `rep`: the manager of an `escalated` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RepId>,
    /// The pool the lead was assigned from; absent when the account owner took it. The
    /// notifier falls back to the pool's channels when the addressee has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolId>,
    /// The assignment's attempt; 0 for `parked`.
    pub attempt: u32,
    /// The policy version that decided; the notifier reads the reps' names, emails and
    /// time zones from it.
    pub policy_version: u64,
    /// When the lead was assigned (for `parked`, when it was parked).
    pub assigned_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_due: Option<Timestamp>,
    /// Why, in a few words (`sla_expired`, `rejected: no budget`, `bounced 3 times`); for
    /// `parked`, the park reason's code (`all_at_cap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `reassigned_away`: the rep who has the lead now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_rep: Option<RepId>,
}

impl NotifyMessage {
    pub fn assignment_id(lead_id: &str, attempt: u32) -> String {
        format!("{lead_id}:{attempt}")
    }

    /// `kind` about `a`, with no recipient, reason or next rep.
    pub fn about(kind: NotifyKind, a: &Assignment) -> NotifyMessage {
        NotifyMessage {
            kind,
            assignment_id: NotifyMessage::assignment_id(&a.lead_id, a.attempt),
            lead_id: a.lead_id.clone(),
            rep: a.rep.clone(),
            recipient: None,
            pool: a.pool.clone(),
            attempt: a.attempt,
            policy_version: a.policy_version,
            assigned_at: a.assigned_at,
            sla_due: a.sla_due,
            reason: None,
            next_rep: None,
        }
    }

    /// "You have a new lead": the message the router sends for every assignment.
    pub fn for_assignment(a: &Assignment) -> NotifyMessage {
        NotifyMessage::about(NotifyKind::Assigned, a)
    }

    /// "You lost this lead": `old` is the ended assignment, `next_rep` who has it now.
    pub fn reassigned_away(
        old: &Assignment,
        reason: impl Into<String>,
        next_rep: Option<&str>,
    ) -> NotifyMessage {
        NotifyMessage {
            reason: Some(reason.into()),
            next_rep: next_rep.map(RepId::from),
            ..NotifyMessage::about(NotifyKind::ReassignedAway, old)
        }
    }

    /// "This lead needs you": to `manager`, or (without one) to the pool's channels.
    pub fn escalated(
        a: &Assignment,
        manager: Option<&str>,
        reason: impl Into<String>,
    ) -> NotifyMessage {
        NotifyMessage {
            recipient: manager.map(RepId::from),
            reason: Some(reason.into()),
            ..NotifyMessage::about(NotifyKind::Escalated, a)
        }
    }

    /// The idempotency key of the `parked` message of a lead's `decision`-th decision:
    /// a redelivery keeps it, a later parking (after a re-route) gets a new one.
    pub fn parking_id(lead_id: &str, decision: u32) -> String {
        format!("{lead_id}:parked:{decision}")
    }

    /// "This lead waits in triage": to the channels of `pool` (or the default), about the
    /// lead's `decision`-th decision, which parked it for `reason` under `policy_version`.
    pub fn parked(
        lead_id: &str,
        pool: &str,
        reason: ParkReason,
        decision: u32,
        policy_version: u64,
        parked_at: Timestamp,
    ) -> NotifyMessage {
        NotifyMessage {
            kind: NotifyKind::Parked,
            assignment_id: NotifyMessage::parking_id(lead_id, decision),
            lead_id: LeadId::from(lead_id),
            rep: RepId::from(""),
            recipient: None,
            pool: Some(PoolId::from(pool)),
            attempt: 0,
            policy_version,
            assigned_at: parked_at,
            sla_due: None,
            reason: Some(reason.as_str().to_owned()),
            next_rep: None,
        }
    }

    /// The park reason of a `parked` message.
    pub fn park_reason(&self) -> Option<ParkReason> {
        match self.kind {
            NotifyKind::Parked => self.reason.as_deref().and_then(ParkReason::parse),
            _ => None,
        }
    }

    /// "Accept soon": the SLA of `a` is near.
    pub fn sla_warning(a: &Assignment) -> NotifyMessage {
        NotifyMessage::about(NotifyKind::SlaWarning, a)
    }

    /// The rep id to tell: `recipient` if set; for `escalated` without one and for
    /// `parked`, nobody in particular (the pool's or the default channels); otherwise `rep`.
    pub fn addressee(&self) -> Option<&str> {
        match (&self.recipient, self.kind) {
            (Some(r), _) => Some(r),
            (None, NotifyKind::Escalated | NotifyKind::Parked) => None,
            (None, _) => Some(&self.rep),
        }
    }

    pub fn to_body(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn parse(body: &str) -> Result<NotifyMessage, serde_json::Error> {
        serde_json::from_str(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::routing::AssignmentStatus;

    fn assignment() -> Assignment {
        Assignment {
            lead_id: "L-1".into(),
            rep: "ana".into(),
            pool: Some("main".into()),
            attempt: 2,
            policy_version: 7,
            assigned_at: "2026-06-01T10:00:00Z".parse().unwrap(),
            sla_due: None,
            accepted_at: None,
            status: AssignmentStatus::Open,
            ended_at: None,
            outcome: None,
            ended_as: None,
        }
    }

    #[test]
    fn assigned_round_trips() {
        let n = NotifyMessage::for_assignment(&assignment());
        let body = n.to_body().unwrap();
        assert_eq!(
            body,
            r#"{"kind":"assigned","assignment_id":"L-1:2","lead_id":"L-1","rep":"ana","pool":"main","attempt":2,"policy_version":7,"assigned_at":"2026-06-01T10:00:00Z"}"#
        );
        assert_eq!(NotifyMessage::parse(&body).unwrap(), n);
        assert_eq!(n.addressee(), Some("ana"));
    }

    #[test]
    fn a_message_without_kind_is_an_assignment() {
        let old = r#"{"assignment_id":"L-1:2","lead_id":"L-1","rep":"ana","attempt":2,"policy_version":7,"assigned_at":"2026-06-01T10:00:00Z","trace":"x"}"#;
        let n = NotifyMessage::parse(old).unwrap();
        assert_eq!(n.kind, NotifyKind::Assigned);
        assert_eq!(n.pool, None);
    }

    #[test]
    fn an_unknown_kind_is_refused_not_guessed() {
        let body = r#"{"kind":"teleported","assignment_id":"L-1:2","lead_id":"L-1","rep":"ana","attempt":2,"policy_version":7,"assigned_at":"2026-06-01T10:00:00Z"}"#;
        assert!(NotifyMessage::parse(body).is_err());
    }

    #[test]
    fn every_kind_has_its_wire_name() {
        for kind in NotifyKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::json!(kind.as_str()));
        }
    }

    #[test]
    fn escalation_goes_to_the_manager_or_to_the_pool() {
        let a = assignment();
        let to_manager = NotifyMessage::escalated(&a, Some("mia"), "bounced 3 times");
        assert_eq!(to_manager.addressee(), Some("mia"));
        let to_pool = NotifyMessage::escalated(&a, None, "nobody available");
        assert_eq!(to_pool.addressee(), None);
        let away = NotifyMessage::reassigned_away(&a, "sla_expired", Some("bo"));
        assert_eq!(away.addressee(), Some("ana"));
        assert_eq!(away.next_rep.as_deref(), Some("bo"));
        assert_eq!(NotifyMessage::sla_warning(&a).kind, NotifyKind::SlaWarning);
    }

    #[test]
    fn a_parking_goes_to_the_pool_and_round_trips() {
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let n = NotifyMessage::parked("L-1", "triage", ParkReason::AllAtCap, 3, 7, at);
        let body = n.to_body().unwrap();
        assert_eq!(
            body,
            r#"{"kind":"parked","assignment_id":"L-1:parked:3","lead_id":"L-1","rep":"","pool":"triage","attempt":0,"policy_version":7,"assigned_at":"2026-06-01T10:00:00Z","reason":"all_at_cap"}"#
        );
        assert_eq!(NotifyMessage::parse(&body).unwrap(), n);
        assert_eq!(n.addressee(), None);
        assert_eq!(n.park_reason(), Some(ParkReason::AllAtCap));
        // Another parking of the same lead is another notification.
        let later = NotifyMessage::parked("L-1", "triage", ParkReason::AllAtCap, 5, 7, at);
        assert_ne!(later.assignment_id, n.assignment_id);
    }
}
