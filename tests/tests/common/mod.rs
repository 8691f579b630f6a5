//! Builders for policy documents and small helpers shared by the scenario and property tests.
#![allow(dead_code)]

use jiff::Timestamp;
use switchboard_routing::policy::{
    CapsDoc, MemberDoc, PolicyDocument, PoolDoc, RepDoc, RuleDoc, StrategyKind,
};
use switchboard_routing::{
    Account, CompiledPolicy, DecideInput, Decision, Lead, MatchedBy, Snapshot, decide,
};

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
        escalation: None,
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

pub fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s}: {e}"))
}

pub fn decide_one(
    policy: &CompiledPolicy,
    state: &Snapshot,
    lead: &Lead,
    account: Option<&Account>,
    bounced: &[String],
    now: Timestamp,
) -> Decision {
    decide(
        policy,
        state,
        &DecideInput {
            lead,
            account: account.map(|a| (a, MatchedBy::Domain)),
            bounced,
            now,
        },
    )
}
