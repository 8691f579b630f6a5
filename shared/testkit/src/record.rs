//! Decision records made by hand, for tests of what reads them (reports, runners,
//! comparisons) without routing a lead first.

use jiff::Timestamp;
use switchboard_routing::record::{ChangeRecord, DecisionRecord, OutcomeRecord};

/// A decision record with `outcome` and nothing else: no rule, steps or change.
pub fn decision_record(
    lead_id: &str,
    policy_version: u64,
    decided_at: Timestamp,
    outcome: OutcomeRecord,
) -> DecisionRecord {
    DecisionRecord {
        lead_id: lead_id.into(),
        policy_version,
        decided_at,
        outcome,
        rule: None,
        account: None,
        steps: Vec::new(),
        sla_due: None,
        change: ChangeRecord::default(),
        summary: String::new(),
        by_hand: None,
        score: None,
        segment: None,
        fit: None,
        enrichment: None,
    }
}

/// An assignment outcome to `rep` in `pool` by `via`.
pub fn assigned(rep: &str, pool: &str, via: &str) -> OutcomeRecord {
    OutcomeRecord::Assigned {
        rep: rep.into(),
        pool: Some(pool.into()),
        via: via.into(),
    }
}
