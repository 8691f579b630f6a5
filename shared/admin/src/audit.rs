//! Who changed what, when and why: every change made through the admin API is recorded in
//! the store's audit log (`switchboard_store::AuditLog`) and readable as a list.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_store::{AuditCursor, AuditEntry, AuditLog};

use crate::caller::Caller;
use crate::error::AdminError;

/// A change to record: what was done (`policy.applied`), to what (`policy:3`), why.
pub struct Change {
    pub action: &'static str,
    pub target: String,
    pub note: Option<String>,
    pub detail: Value,
}

impl Change {
    pub fn new(action: &'static str, target: impl Into<String>) -> Change {
        Change {
            action,
            target: target.into(),
            note: None,
            detail: Value::Null,
        }
    }

    pub fn note(mut self, note: Option<impl Into<String>>) -> Change {
        self.note = note.map(Into::into);
        self
    }

    pub fn detail(mut self, detail: Value) -> Change {
        self.detail = detail;
        self
    }
}

/// Records `change` by `caller`. The change itself has already been made: an entry that
/// cannot be recorded is logged as an error rather than turning the change's answer into a
/// failure that would invite a second, duplicate change.
pub async fn record<S: AuditLog>(store: &S, caller: &Caller, change: Change, now: Timestamp) {
    let mut entry =
        AuditEntry::new(caller.id.clone(), change.action, change.target, now).detail(change.detail);
    if let Some(note) = change.note {
        entry = entry.note(note);
    }
    if let Err(e) = store.record(&entry).await {
        tracing::error!(
            action = change.action,
            caller = %caller.id,
            error = %e,
            "the audit log did not record an admin change"
        );
    }
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

pub async fn list<S: AuditLog>(
    store: &S,
    (from, to): (Timestamp, Timestamp),
    after: Option<&str>,
    limit: usize,
) -> Result<AuditList, AdminError> {
    let after = after
        .map(|a| {
            a.parse::<AuditCursor>()
                .map_err(|e| AdminError::invalid_param("after", e.to_string()))
        })
        .transpose()?;
    let page = store
        .audit_between(from, to, after.as_ref(), limit)
        .await
        .map_err(AdminError::from_store)?;
    Ok(AuditList {
        entries: page.entries,
        next: page.next.map(|c| c.to_string()),
    })
}
