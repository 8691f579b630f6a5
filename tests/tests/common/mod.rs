//! Helpers shared by the engine's scenario, property and behaviour tests: compile a YAML
//! policy or build one from parts, decide one lead at a given instant, and look candidates
//! up by rep id.
#![allow(dead_code)]

use jiff::Timestamp;
use switchboard_routing::decision::{Skip, StepKind, Verdict};
use switchboard_routing::policy::{
    CapsDoc, MemberDoc, PolicyDocument, PoolDoc, RepDoc, RuleDoc, StrategyKind,
};
use switchboard_routing::{
    Account, CompiledPolicy, DecideInput, Decision, DecisionRecord, Lead, MatchedBy, RepId,
    Snapshot, decide,
};

/// Compiles a policy that the test expects to be valid, showing every issue otherwise.
pub fn policy(yaml: &str) -> CompiledPolicy {
    match CompiledPolicy::from_yaml(yaml, 1) {
        Ok(p) => p,
        Err(e) => panic!("test policy is invalid: {e}"),
    }
}

/// A lead with just an id (tests add fields with the builder setters).
pub fn lead(id: &str) -> Lead {
    Lead::new(id, Timestamp::UNIX_EPOCH)
}

pub struct Call<'a> {
    pub account: Option<&'a Account>,
    pub bounced: &'a [RepId],
    pub now: Timestamp,
}

impl Default for Call<'_> {
    fn default() -> Self {
        Call {
            account: None,
            bounced: &[],
            now: switchboard_testkit::monday(),
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
    d.assigned_rep().map(|r| policy.rep_id(r).as_str())
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

// Builders for policies made from parts (generated policies in the property tests).

pub fn rep(id: &str) -> RepDoc {
    RepDoc {
        id: id.to_owned(),
        name: String::new(),
        email: None,
        manager: None,
        time_zone: "UTC".to_owned(),
        working_hours: None,
        skills: Vec::new(),
        languages: Vec::new(),
        caps: CapsDoc::default(),
        away: Vec::new(),
        holidays: Vec::new(),
        crm: None,
        booking: None,
    }
}

pub fn member(rep: &str, weight: i64) -> MemberDoc {
    MemberDoc::Weighted {
        rep: rep.to_owned(),
        weight,
    }
}

pub fn pool(id: &str, strategy: StrategyKind, members: Vec<MemberDoc>) -> PoolDoc {
    PoolDoc {
        parked_retry: None,
        best_fit: None,
        id: id.to_owned(),
        strategy,
        catch_up: false,
        members,
    }
}

pub fn rule(id: &str, pool: &str) -> RuleDoc {
    RuleDoc {
        id: id.to_owned(),
        when: None,
        sticky: false,
        pool: pool.to_owned(),
        require: None,
        sla: None,
        fallbacks: Vec::new(),
        park_in: None,
    }
}

pub fn document(reps: Vec<RepDoc>, pools: Vec<PoolDoc>, rules: Vec<RuleDoc>) -> PolicyDocument {
    PolicyDocument {
        name: "test".to_owned(),
        kill_switch: false,
        triage_pool: "triage".to_owned(),
        default_sla: None,
        sla_clock: Default::default(),
        sla_warning_percent: switchboard_routing::policy::DEFAULT_SLA_WARNING_PERCENT,
        escalation: None,
        parked: Default::default(),
        recycle: None,
        scoring: None,
        enrichment: None,
        outcomes: None,
        reps,
        pools,
        rules,
    }
}

pub fn compile(doc: PolicyDocument) -> CompiledPolicy {
    CompiledPolicy::compile(doc, 1).unwrap_or_else(|e| panic!("generated policy is invalid: {e}"))
}

/// One pool `p` of reps `r0..` with the given weights and strategy, and one catch-all rule.
pub fn single_pool(weights: &[u32], strategy: StrategyKind, catch_up: bool) -> CompiledPolicy {
    let reps = (0..weights.len()).map(|i| rep(&format!("r{i}"))).collect();
    let members = weights
        .iter()
        .enumerate()
        .map(|(i, w)| member(&format!("r{i}"), *w as i64))
        .collect();
    let mut p = pool("p", strategy, members);
    p.catch_up = catch_up;
    compile(document(reps, vec![p], vec![rule("all", "p")]))
}

/// [`decide_with`] with every input spelled out.
pub fn decide_one(
    policy: &CompiledPolicy,
    state: &Snapshot,
    lead: &Lead,
    account: Option<&Account>,
    bounced: &[RepId],
    now: Timestamp,
) -> Decision {
    decide_with(
        policy,
        state,
        lead,
        Call {
            account,
            bounced,
            now,
        },
    )
}
