//! The admin operations over the storage ports. Server routes and the local commands both
//! call these, so there is one implementation of each.

use jiff::Timestamp;
use switchboard_routing::policy::Issue;
use switchboard_routing::{Account, CompiledPolicy, PolicyDocument, PolicyError};
use switchboard_store::RouteRequest;
use switchboard_store::{
    AccountDirectory, ActivePolicy, DeliveryLog, ImportSummary, LeadStore, PolicyStore,
    PolicyVersion, RoutingState, StoreError, WorkQueue,
};

use crate::error::{AdminError, PolicyIssue};
use crate::types::{
    DeadLetterView, LeadReport, PolicyApplied, PolicyChecked, PolicyHistory, Redriven,
};

/// Validates a policy document (YAML or JSON), stores it as the next version and makes it
/// the active one. A document with errors is refused with every issue; nothing is stored.
pub async fn apply_policy<S: PolicyStore>(
    store: &S,
    text: &str,
    note: Option<&str>,
    now: Timestamp,
) -> Result<PolicyApplied, AdminError> {
    let document = PolicyDocument::from_yaml(text).map_err(invalid_policy)?;
    // Versions are numbered by the store; the number does not affect validation.
    let compiled = CompiledPolicy::compile(document, 0).map_err(invalid_policy)?;
    let warnings = compiled.warnings().iter().map(issue).collect();
    let findings = compiled.findings();
    let active = store.get_active().await?.map(|a| a.version);
    let stored = store.put_version(compiled.document(), note, now).await?;
    let activated = store
        .set_active(stored.version, active, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AdminError::Conflict(format!(
                "stored as version {}, but the active version changed meanwhile, so it was not \
                 activated (activate it with `policy rollback {}`)",
                stored.version, stored.version
            )),
            other => AdminError::from_store(other),
        })?;
    Ok(PolicyApplied {
        version: stored.version,
        previous: activated.previous,
        warnings,
        findings,
    })
}

/// Checks a draft policy (YAML or JSON) as `apply_policy` would, storing nothing: the
/// warnings it would be stored with, or every issue that would refuse it.
pub fn validate_policy(text: &str) -> Result<PolicyChecked, AdminError> {
    let document = PolicyDocument::from_yaml(text).map_err(invalid_policy)?;
    let compiled = CompiledPolicy::compile(document, 0).map_err(invalid_policy)?;
    Ok(PolicyChecked {
        valid: true,
        warnings: compiled.warnings().iter().map(issue).collect(),
        findings: compiled.findings(),
    })
}

/// A stored version, or the active one for `None`.
pub async fn policy_version<S: PolicyStore>(
    store: &S,
    version: Option<u64>,
) -> Result<PolicyVersion, AdminError> {
    let version = match version {
        Some(v) => v,
        None => {
            store
                .get_active()
                .await?
                .ok_or_else(|| AdminError::NotFound("no policy is active".into()))?
                .version
        }
    };
    store
        .get_version(version)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no policy version {version}")))
}

pub async fn policy_history<S: PolicyStore>(store: &S) -> Result<PolicyHistory, AdminError> {
    Ok(PolicyHistory {
        active: store.get_active().await?,
        versions: store.history().await?,
    })
}

/// Activates `version`, or for `None` the version the active one replaced.
pub async fn rollback<S: PolicyStore>(
    store: &S,
    version: Option<u64>,
    now: Timestamp,
) -> Result<ActivePolicy, AdminError> {
    let result = match version {
        None => store.rollback(now).await,
        Some(v) => {
            let active = store.get_active().await?.map(|a| a.version);
            if active == Some(v) {
                return Err(AdminError::Conflict(format!(
                    "version {v} is already active"
                )));
            }
            store.set_active(v, active, now).await
        }
    };
    result.map_err(AdminError::from_store)
}

pub async fn import_accounts<S: AccountDirectory>(
    store: &S,
    accounts: &[Account],
) -> Result<ImportSummary, AdminError> {
    if let Some(i) = accounts.iter().position(|a| a.id.trim().is_empty()) {
        return Err(AdminError::Invalid {
            message: "an account has no id".into(),
            issues: vec![PolicyIssue {
                path: format!("accounts[{i}].id"),
                message: "must not be empty".into(),
            }],
        });
    }
    Ok(store.import(accounts).await?)
}

/// The lead, its assignment, every decision made for it and its failed CRM writes.
pub async fn lead_report<S: LeadStore + RoutingState + DeliveryLog>(
    store: &S,
    lead_id: &str,
) -> Result<LeadReport, AdminError> {
    let not_found = || AdminError::NotFound(format!("no lead {lead_id}"));
    let lead = store.get(lead_id).await?.ok_or_else(not_found)?;
    Ok(LeadReport {
        lead,
        assignment: store.assignment(lead_id).await?,
        decisions: store.decisions(lead_id).await?,
        delivery_failures: store.delivery_failures(lead_id).await?,
    })
}

pub async fn dead_letters<Q: WorkQueue>(
    queue: &Q,
    max: usize,
) -> Result<Vec<DeadLetterView>, AdminError> {
    Ok(queue
        .dead_letters(max)
        .await?
        .into_iter()
        .map(|d| DeadLetterView {
            lead_id: RouteRequest::parse(&d.body).ok().map(|r| r.lead_id),
            id: d.id,
            body: d.body,
        })
        .collect())
}

pub async fn redrive<Q: WorkQueue>(queue: &Q, max: usize) -> Result<Redriven, AdminError> {
    Ok(Redriven {
        moved: queue.redrive(max).await?,
    })
}

fn issue(i: &Issue) -> PolicyIssue {
    PolicyIssue {
        path: i.path.clone(),
        message: i.message.clone(),
    }
}

pub(crate) fn invalid_policy(e: PolicyError) -> AdminError {
    let issues: Vec<PolicyIssue> = e.issues().iter().map(issue).collect();
    AdminError::Invalid {
        message: format!("the policy is not valid: {} issue(s)", issues.len()),
        issues,
    }
}
