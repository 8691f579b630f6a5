//! A lead assigned by a person instead of the rules: an admin gives a parked lead to a
//! named rep from the triage queue. The decision takes the rep's capacity as routing would,
//! with the rep's caps as the write's preconditions, and is explained like any other
//! decision, naming who made it and why. Pure, like the engine.

use jiff::Timestamp;

use crate::decision::{Decision, Outcome, Skip, StateChange};
use crate::engine::{available_now, local_date, rep_change, sla_due_of};
use crate::lead::Lead;
use crate::policy::{CompiledPolicy, RepIdx};
use crate::record::{ByHandRecord, DecisionRecord, OutcomeRecord};
use crate::state::Snapshot;

/// What the admin asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByHand {
    pub rep: RepIdx,
    pub actor: String,
    pub reason: String,
    /// Assign whatever the rep's caps, hours and away status say (the caps stop being the
    /// write's preconditions).
    pub overrode: bool,
}

/// The decision record of `order`, or why the rep cannot take the lead now (unless the
/// order overrides). The SLA is the policy's default, in the rep's clock.
pub fn assign_by_hand(
    policy: &CompiledPolicy,
    state: &Snapshot,
    lead: &Lead,
    order: &ByHand,
    now: Timestamp,
) -> Result<DecisionRecord, Skip> {
    let rep = order.rep;
    let rs = &state.reps[rep as usize];
    if !order.overrode {
        available_now(policy, rep, rs, now)?;
    }
    let mut change = rep_change(policy, rs, rep, local_date(policy, rep, now), now);
    if order.overrode {
        change.max_open = None;
        change.day.max = None;
        change.week.max = None;
    }
    let decision = Decision {
        policy_version: policy.version(),
        decided_at: now,
        account: None,
        rule: None,
        outcome: Outcome::Assigned { rep, pool: None },
        park_in: None,
        steps: Vec::new(),
        candidates: Vec::new(),
        strategy: None,
        sla_due: sla_due_of(policy, None, rep, now),
        change: StateChange {
            rep: Some(change),
            pool: None,
        },
        score: None,
        // A hand-placed lead's close teaches routing as any other's does.
        segment: policy.outcome_segment(&crate::condition::MatchContext {
            lead,
            account: None,
            score: policy.score(lead, None).as_ref(),
        }),
        fit: None,
    };
    let mut record = DecisionRecord::new(policy, lead, &decision);
    let spec = &policy.reps()[rep as usize];
    record.outcome = OutcomeRecord::Assigned {
        rep: spec.id.clone(),
        pool: None,
        via: "by_hand".into(),
    };
    record.summary = format!(
        "Assigned to {} ({}) by hand by {}{}: {}",
        spec.name,
        spec.id,
        order.actor,
        if order.overrode {
            ", overriding caps and availability"
        } else {
            ""
        },
        order.reason
    );
    record.by_hand = Some(ByHandRecord {
        actor: order.actor.clone(),
        reason: order.reason.clone(),
        overrode: order.overrode,
    });
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::RepState;

    const POLICY: &str = "
name: t
triage_pool: triage
default_sla: 15m
reps:
  - { id: ana, name: Ana, caps: { max_open: 1, max_per_day: 3 } }
pools: [{ id: p, strategy: round_robin, members: [ana] }]
rules: [{ id: all, pool: p }]
";

    fn order(overrode: bool) -> ByHand {
        ByHand {
            rep: 0,
            actor: "adam".into(),
            reason: "knows the account".into(),
            overrode,
        }
    }

    #[test]
    fn a_rep_with_room_takes_the_lead_with_its_caps_as_preconditions() {
        let policy = CompiledPolicy::from_yaml(POLICY, 4).unwrap();
        let now: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let lead = Lead::new("l1", now);
        let rec = assign_by_hand(
            &policy,
            &Snapshot::empty(&policy),
            &lead,
            &order(false),
            now,
        )
        .unwrap();
        assert_eq!(rec.policy_version, 4);
        let change = rec.change.rep.as_ref().unwrap();
        assert_eq!((change.open_before, change.open_after), (0, 1));
        assert_eq!(change.max_open, Some(1));
        assert_eq!(change.day.max, Some(3));
        assert_eq!(rec.sla_due, Some(now + jiff::SignedDuration::from_mins(15)));
        assert_eq!(
            rec.summary,
            "Assigned to Ana (ana) by hand by adam: knows the account"
        );
        assert!(
            matches!(&rec.outcome, OutcomeRecord::Assigned { via, pool: None, .. } if via == "by_hand")
        );
        assert_eq!(rec.by_hand.as_ref().unwrap().actor, "adam");
    }

    #[test]
    fn a_rep_at_cap_refuses_unless_the_order_overrides() {
        let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
        let now: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let lead = Lead::new("l1", now);
        let mut state = Snapshot::empty(&policy);
        state.reps[0] = RepState {
            open: 1,
            ..RepState::default()
        };
        let refused = assign_by_hand(&policy, &state, &lead, &order(false), now).unwrap_err();
        assert_eq!(refused.code(), "at_cap");
        let rec = assign_by_hand(&policy, &state, &lead, &order(true), now).unwrap();
        let change = rec.change.rep.as_ref().unwrap();
        assert_eq!((change.open_before, change.open_after), (1, 2));
        assert_eq!(
            (change.max_open, change.day.max, change.week.max),
            (None, None, None)
        );
        assert!(rec.summary.contains("overriding caps"), "{}", rec.summary);
        assert!(rec.by_hand.as_ref().unwrap().overrode);
    }
}
