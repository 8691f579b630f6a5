//! Helpers shared by the engine's integration tests: compile a YAML policy, decide one lead
//! at a given instant, and look candidates up by rep id.
#![allow(dead_code)]

use jiff::Timestamp;
use switchboard_routing::decision::{Skip, StepKind, Verdict};
use switchboard_routing::{
    Account, CompiledPolicy, DecideInput, Decision, DecisionRecord, Lead, MatchedBy, Snapshot,
    decide,
};

/// Compiles a policy that the test expects to be valid, showing every issue otherwise.
pub fn policy(yaml: &str) -> CompiledPolicy {
    match CompiledPolicy::from_yaml(yaml, 1) {
        Ok(p) => p,
        Err(e) => panic!("test policy is invalid: {e}"),
    }
}

pub fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s}: {e}"))
}

/// A lead with just an id (tests add fields with the builder setters).
pub fn lead(id: &str) -> Lead {
    Lead::new(id, Timestamp::UNIX_EPOCH)
}

pub struct Call<'a> {
    pub account: Option<&'a Account>,
    pub bounced: &'a [String],
    pub now: Timestamp,
}

impl Default for Call<'_> {
    fn default() -> Self {
        Call {
            account: None,
            bounced: &[],
            // A Monday, 10:00 UTC.
            now: ts("2026-06-01T10:00:00Z"),
        }
    }
}

pub fn decide_with(
    policy: &CompiledPolicy,
    state: &Snapshot,
    lead: &Lead,
    call: Call<'_>,
) -> Decision {
    decide(
        policy,
        state,
        &DecideInput {
            lead,
            account: call.account.map(|a| (a, MatchedBy::Domain)),
            bounced: call.bounced,
            now: call.now,
        },
    )
}

pub fn decide_at(
    policy: &CompiledPolicy,
    state: &Snapshot,
    lead: &Lead,
    now: Timestamp,
) -> Decision {
    decide_with(
        policy,
        state,
        lead,
        Call {
            now,
            ..Call::default()
        },
    )
}

/// Id of the assigned rep, or `None` when parked.
pub fn assigned<'p>(policy: &'p CompiledPolicy, d: &Decision) -> Option<&'p str> {
    d.assigned_rep().map(|r| policy.rep_id(r))
}

/// The verdict of the first time `rep` was considered in the decision.
pub fn verdict(policy: &CompiledPolicy, d: &Decision, rep: &str) -> Option<Verdict> {
    let idx = policy.rep_index(rep)?;
    d.candidates
        .iter()
        .find(|c| c.rep == idx)
        .map(|c| c.verdict)
}

/// Why `rep` was passed over the first time it was considered; panics if it was not skipped.
pub fn skip(policy: &CompiledPolicy, d: &Decision, rep: &str) -> Skip {
    match verdict(policy, d, rep) {
        Some(Verdict::Skipped(s)) => s,
        other => panic!("expected {rep} to be skipped, got {other:?}"),
    }
}

/// The steps as `account_owner` / `pool:<id>`, with `+rebounce` on the second pass.
pub fn path(policy: &CompiledPolicy, d: &Decision) -> Vec<String> {
    d.steps
        .iter()
        .map(|s| {
            let base = match s.kind {
                StepKind::AccountOwner => "account_owner".to_owned(),
                StepKind::Pool(p) => format!("pool:{}", policy.pool_id(p)),
            };
            if s.rebounce {
                format!("{base}+rebounce")
            } else {
                base
            }
        })
        .collect()
}

pub fn record(policy: &CompiledPolicy, lead: &Lead, d: &Decision) -> DecisionRecord {
    DecisionRecord::new(policy, lead, d)
}
