//! Recycling: a rep hands back an assigned lead as unworkable, for one reason from a closed
//! list, and the policy says what becomes of it (docs/POLICY.md, "Recycling"). The list is
//! closed so reports can count reasons across reps and sources; `other` carries a note.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{PoolId, RepId};

/// Why a rep recycles a lead.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RecycleReason {
    /// The contact details are wrong or fake.
    BadData,
    /// A real prospect without budget now.
    NoBudget,
    Student,
    Competitor,
    /// Looking for a job, not for the product.
    JobSeeker,
    /// Not someone who can buy, and not able to name who can.
    NotDecisionMaker,
    /// Anything else; a note saying what is required.
    Other,
}

impl RecycleReason {
    pub const ALL: [RecycleReason; 7] = [
        RecycleReason::BadData,
        RecycleReason::NoBudget,
        RecycleReason::Student,
        RecycleReason::Competitor,
        RecycleReason::JobSeeker,
        RecycleReason::NotDecisionMaker,
        RecycleReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecycleReason::BadData => "bad_data",
            RecycleReason::NoBudget => "no_budget",
            RecycleReason::Student => "student",
            RecycleReason::Competitor => "competitor",
            RecycleReason::JobSeeker => "job_seeker",
            RecycleReason::NotDecisionMaker => "not_decision_maker",
            RecycleReason::Other => "other",
        }
    }

    /// The reason in words, for people: `no budget`, `not decision maker`.
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }

    pub fn parse(s: &str) -> Option<RecycleReason> {
        RecycleReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The reasons as a sentence fragment for error messages: `` `bad_data`, ..., `other` ``.
    pub fn listed() -> String {
        RecycleReason::ALL
            .iter()
            .map(|r| format!("`{}`", r.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The longest note kept with a recycle, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A rep's request to recycle a lead, checked: a reason from the list, and a note when the
/// reason is `other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecycleAsk {
    pub reason: RecycleReason,
    pub note: Option<String>,
}

/// Why a recycle request is refused before anything is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecycleAskError {
    #[error("a recycle needs a reason: one of {}", RecycleReason::listed())]
    NoReason,
    #[error("`{0}` is not a recycle reason: one of {list}", list = RecycleReason::listed())]
    UnknownReason(String),
    #[error("reason `other` needs a note saying why")]
    NoteRequired,
    #[error("the note is {0} characters; at most {MAX_NOTE_CHARS}")]
    NoteTooLong(usize),
}

impl RecycleAsk {
    /// Checks a request as it arrives (blank counts as absent).
    pub fn parse(reason: Option<&str>, note: Option<&str>) -> Result<RecycleAsk, RecycleAskError> {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or(RecycleAskError::NoReason)?;
        let reason = RecycleReason::parse(reason)
            .ok_or_else(|| RecycleAskError::UnknownReason(reason.to_owned()))?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note
            && n.chars().count() > MAX_NOTE_CHARS
        {
            return Err(RecycleAskError::NoteTooLong(n.chars().count()));
        }
        if reason == RecycleReason::Other && note.is_none() {
            return Err(RecycleAskError::NoteRequired);
        }
        Ok(RecycleAsk {
            reason,
            note: note.map(str::to_owned),
        })
    }
}

/// What became of a recycled lead, as decided by the policy when it was recycled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "then", rename_all = "snake_case")]
pub enum RecycleThen {
    /// Finished: the lead is closed without an outcome.
    Close,
    /// Parked in a nurture pool until a person takes it up (triage re-route or by hand).
    Nurture { pool: PoolId },
    /// Parked until `reroute_at`, then handed back to routing by the sweep (without the
    /// rep who recycled it).
    Reroute {
        #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
        reroute_at: Timestamp,
    },
}

impl RecycleThen {
    pub fn as_str(&self) -> &'static str {
        match self {
            RecycleThen::Close => "close",
            RecycleThen::Nurture { .. } => "nurture",
            RecycleThen::Reroute { .. } => "reroute",
        }
    }
}

/// One recycle of a lead: kept with the lead for good (a later assignment does not replace
/// it), so reports count recycles per rep and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Recycle {
    /// The rep who recycled it (the assignment's rep).
    pub rep: RepId,
    /// The assignment (decision number) that ended.
    pub attempt: u32,
    pub reason: RecycleReason,
    /// The rep's words; required with `other`. Lead content: never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(with = "crate::schema::Timestamp"))]
    pub at: Timestamp,
    #[serde(flatten)]
    pub then: RecycleThen,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_from_the_list_is_required_and_other_needs_a_note() {
        assert_eq!(
            RecycleAsk::parse(Some(" student "), None),
            Ok(RecycleAsk {
                reason: RecycleReason::Student,
                note: None
            })
        );
        assert_eq!(
            RecycleAsk::parse(None, Some("x")),
            Err(RecycleAskError::NoReason)
        );
        assert_eq!(
            RecycleAsk::parse(Some("bored"), None),
            Err(RecycleAskError::UnknownReason("bored".into()))
        );
        assert_eq!(
            RecycleAsk::parse(Some("other"), Some("  ")),
            Err(RecycleAskError::NoteRequired)
        );
        assert_eq!(
            RecycleAsk::parse(Some("other"), Some("wants a job")).map(|a| a.note),
            Ok(Some("wants a job".to_owned()))
        );
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(
            RecycleAsk::parse(Some("bad_data"), Some(&long)),
            Err(RecycleAskError::NoteTooLong(MAX_NOTE_CHARS + 1))
        );
    }

    #[test]
    fn reasons_read_back_as_written() {
        for r in RecycleReason::ALL {
            assert_eq!(RecycleReason::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
    }
}
