//! What an action did, or why it did nothing, in words a rep understands.

use jiff::Timestamp;
use serde::Serialize;
use switchboard_routing::recycle::{Recycle, RecycleThen};
use switchboard_routing::{LeadId, PoolId, RepId};

use super::Target;
use crate::ports::leads::LeadStatus;
use crate::ports::routing::{Assignment, AssignmentStatus, CloseOutcome};

/// Where a rejected, released or expired lead went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Next {
    /// Assigned to another rep (or, when nobody else could take it, the same one again).
    Rep {
        rep: RepId,
        attempt: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(
            feature = "openapi",
            schemars(with = "Option<switchboard_routing::schema::Timestamp>")
        )]
        sla_due: Option<Timestamp>,
    },
    /// Parked for manual handling; `escalated` when it bounced too often.
    Parked { pool: PoolId, escalated: bool },
    /// Not routed yet (routing was contended or failed); the sweep re-drives it.
    Pending,
}

/// The answer to an action. The first group changed the assignment (or found it already
/// as asked); the second changed nothing and says why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Answer {
    Accepted {
        assignment: Assignment,
    },
    /// A repeated accept: nothing changed.
    AlreadyAccepted {
        assignment: Assignment,
    },
    Rejected {
        assignment: Assignment,
        next: Next,
    },
    Released {
        assignment: Assignment,
        next: Next,
    },
    Closed {
        assignment: Assignment,
    },
    /// Recycled as unworkable; `recycle` says why and what the policy made of it.
    Recycled {
        assignment: Assignment,
        /// Boxed: the other answers are small, and every answer is moved around.
        recycle: Box<Recycle>,
    },
    /// The lead is closed already (by `rep`).
    AlreadyClosed {
        lead_id: LeadId,
        rep: RepId,
        #[serde(skip_serializing_if = "Option::is_none")]
        outcome: Option<CloseOutcome>,
    },
    /// The rep had the lead, but it moved on (SLA expired, rejected, reassigned); it is
    /// with `now_with` now, or with nobody (`lead_status` says where it is).
    MovedOn {
        lead_id: LeadId,
        #[serde(skip_serializing_if = "Option::is_none")]
        now_with: Option<RepId>,
        lead_status: LeadStatus,
    },
    /// The lead is not assigned to this rep (and was not at the named attempt).
    NotYours {
        lead_id: LeadId,
        #[serde(skip_serializing_if = "Option::is_none")]
        owner: Option<RepId>,
    },
    /// The lead has no assignment (not routed yet, parked, or a duplicate).
    NotAssigned {
        lead_id: LeadId,
        lead_status: LeadStatus,
    },
}

impl Answer {
    /// True when the action took effect now or had already (a repeated accept).
    pub fn done(&self) -> bool {
        matches!(
            self,
            Answer::Accepted { .. }
                | Answer::AlreadyAccepted { .. }
                | Answer::Rejected { .. }
                | Answer::Released { .. }
                | Answer::Closed { .. }
                | Answer::Recycled { .. }
        )
    }

    /// The machine-readable result name (the JSON `result`).
    pub fn code(&self) -> &'static str {
        match self {
            Answer::Accepted { .. } => "accepted",
            Answer::AlreadyAccepted { .. } => "already_accepted",
            Answer::Rejected { .. } => "rejected",
            Answer::Released { .. } => "released",
            Answer::Closed { .. } => "closed",
            Answer::Recycled { .. } => "recycled",
            Answer::AlreadyClosed { .. } => "already_closed",
            Answer::MovedOn { .. } => "moved_on",
            Answer::NotYours { .. } => "not_yours",
            Answer::NotAssigned { .. } => "not_assigned",
        }
    }

    /// One sentence for the rep (Slack replies, confirmation pages, problem details).
    pub fn message(&self) -> String {
        match self {
            Answer::Accepted { assignment: a } => {
                format!(
                    "Accepted: lead {} is yours; the SLA clock stopped.",
                    a.lead_id
                )
            }
            Answer::AlreadyAccepted { assignment: a } => format!(
                "Already accepted by you{}; nothing changed.",
                a.accepted_at
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            ),
            Answer::Rejected {
                assignment: a,
                next,
            } => {
                format!("Rejected lead {}; {}", a.lead_id, next_text(next))
            }
            Answer::Released {
                assignment: a,
                next,
            } => {
                format!("Released lead {}; {}", a.lead_id, next_text(next))
            }
            Answer::Closed { assignment: a } => format!(
                "Closed lead {}{}.",
                a.lead_id,
                a.outcome
                    .map(|o| format!(" as {}", o.as_str()))
                    .unwrap_or_default()
            ),
            Answer::Recycled {
                assignment: a,
                recycle,
            } => format!(
                "Recycled lead {} ({}); {}",
                a.lead_id,
                recycle.reason.label(),
                recycled_text(&recycle.then)
            ),
            Answer::AlreadyClosed {
                lead_id,
                rep,
                outcome,
            } => format!(
                "Lead {lead_id} is already closed{} by {rep}; nothing changed.",
                outcome
                    .map(|o| format!(" ({})", o.as_str()))
                    .unwrap_or_default()
            ),
            Answer::MovedOn {
                lead_id,
                now_with: Some(rep),
                ..
            } => format!("Lead {lead_id} moved on and is now with {rep}; nothing changed."),
            Answer::MovedOn {
                lead_id,
                now_with: None,
                lead_status,
            } => format!(
                "Lead {lead_id} moved on (it is {} now); nothing changed.",
                lead_status.as_str()
            ),
            Answer::NotYours {
                lead_id,
                owner: Some(owner),
            } => format!("Lead {lead_id} is not yours (it is with {owner}); nothing changed."),
            Answer::NotYours {
                lead_id,
                owner: None,
            } => format!("Lead {lead_id} is not yours; nothing changed."),
            Answer::NotAssigned {
                lead_id,
                lead_status,
            } => format!(
                "Lead {lead_id} is not assigned to anyone (it is {}); nothing changed.",
                lead_status.as_str()
            ),
        }
    }
}

fn next_text(next: &Next) -> String {
    match next {
        Next::Rep { rep, .. } => format!("it went to {rep}."),
        Next::Parked {
            pool,
            escalated: true,
        } => format!("it was escalated to {pool}."),
        Next::Parked { pool, .. } => format!("nobody else can take it; it waits in {pool}."),
        Next::Pending => "it is being routed again.".to_owned(),
    }
}

fn recycled_text(then: &RecycleThen) -> String {
    match then {
        RecycleThen::Close => "it is closed.".to_owned(),
        RecycleThen::Nurture { pool } => format!("it waits in {pool} for nurturing."),
        RecycleThen::Reroute { reroute_at } => {
            format!("it will be routed again after {reroute_at}.")
        }
    }
}

/// Why `t` cannot act on `a` (which is not open with the rep at the named attempt).
pub(super) fn refusal(t: &Target, a: Option<Assignment>, lead_status: LeadStatus) -> Answer {
    let lead_id = t.lead_id.clone();
    let Some(a) = a else {
        return Answer::NotAssigned {
            lead_id,
            lead_status,
        };
    };
    let open_with = (a.status == AssignmentStatus::Open).then(|| a.rep.clone());
    if a.status == AssignmentStatus::Closed {
        return Answer::AlreadyClosed {
            lead_id,
            rep: a.rep,
            outcome: a.outcome,
        };
    }
    match t.attempt {
        // The rep's notification is about an earlier assignment of the lead.
        Some(n) if n < a.attempt => {
            return Answer::MovedOn {
                lead_id,
                now_with: open_with,
                lead_status,
            };
        }
        // No such assignment was ever made: not this rep's.
        Some(n) if n > a.attempt => {
            return Answer::NotYours {
                lead_id,
                owner: open_with,
            };
        }
        _ => {}
    }
    if a.rep != t.rep {
        return Answer::NotYours {
            lead_id,
            owner: open_with,
        };
    }
    // The rep's own assignment, ended (expired, rejected or released).
    Answer::MovedOn {
        lead_id,
        now_with: None,
        lead_status,
    }
}
