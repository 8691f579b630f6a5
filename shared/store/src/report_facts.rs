//! A stored lead and its routing as the facts of the health report
//! (`switchboard_routing::report`).
//!
//! The store keeps one assignment per lead: a re-route replaces the released one. The
//! latest assignment is reported in full; an earlier one is rebuilt from the decision that
//! made it (rep, pool, decision time, SLA due) and reported as ended without a record of
//! how (`EndedAs::Unrecorded`), so it counts as an assignment and a reassignment but not in
//! acceptance, rejection or SLA figures.

use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::recycle::Recycle;
use switchboard_routing::report::{
    AssignmentFacts, EndedAs, LeadFacts, LeadState, PoolKey, PoolPick,
};
use switchboard_routing::{DecisionRecord, LeadId};

use crate::ports::leads::LeadStatus;
use crate::ports::routing::{Assignment, AssignmentStatus, LeadRouting, ReleaseOutcome};

/// A lead whose stored routing does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportFactsError {
    #[error("lead {lead} is parked but its latest decision did not park it")]
    ParkedWithoutParkDecision { lead: LeadId },
}

impl TryFrom<&LeadRouting> for LeadFacts {
    type Error = ReportFactsError;

    fn try_from(routing: &LeadRouting) -> Result<LeadFacts, ReportFactsError> {
        lead_facts(routing)
    }
}

/// The report's facts about one lead, from one consistent read of it
/// ([`RoutingState::lead_routing`](crate::RoutingState::lead_routing)).
pub fn lead_facts(routing: &LeadRouting) -> Result<LeadFacts, ReportFactsError> {
    let stored = &routing.lead;
    let state = match stored.status {
        // A scheduled lead (a spread import's) has not been routed yet, by plan: it counts
        // as awaiting routing, as it will once the sweep hands it on.
        LeadStatus::Received | LeadStatus::Queued | LeadStatus::Scheduled => {
            LeadState::AwaitingRouting
        }
        LeadStatus::Duplicate => LeadState::Duplicate,
        LeadStatus::Assigned => LeadState::Assigned,
        LeadStatus::Closed => LeadState::Closed,
        LeadStatus::Parked => match routing.decisions.last().map(|d| &d.outcome) {
            Some(OutcomeRecord::Parked { reason, .. }) => LeadState::Parked { reason: *reason },
            // Parked by a recycle of the assignment its latest decision made.
            Some(OutcomeRecord::Assigned { .. })
                if stored
                    .recycles
                    .last()
                    .is_some_and(|r| r.attempt as usize == routing.decisions.len()) =>
            {
                LeadState::Recycled
            }
            _ => {
                return Err(ReportFactsError::ParkedWithoutParkDecision {
                    lead: stored.lead.id.clone(),
                });
            }
        },
    };
    Ok(LeadFacts {
        lead_id: stored.lead.id.clone(),
        received_at: stored.lead.received_at,
        state,
        pool: PoolKey::of_first_decision(routing.decisions.first()),
        assignments: assignments(
            &routing.decisions,
            routing.assignment.as_ref(),
            &stored.recycles,
        ),
        picks: routing
            .decisions
            .iter()
            .filter_map(PoolPick::from_record)
            .collect(),
        source: stored.lead.source.clone(),
        recycles: stored.recycles.iter().map(|r| r.reason).collect(),
    })
}

/// One per assigning decision, oldest first; the stored assignment stands for the
/// decision that made it (its `attempt` is that decision's number, from 1). An earlier
/// assignment a rep recycled is known to have ended so from the lead's recycles.
fn assignments(
    decisions: &[DecisionRecord],
    current: Option<&Assignment>,
    recycles: &[Recycle],
) -> Vec<AssignmentFacts> {
    let mut out: Vec<AssignmentFacts> = Vec::with_capacity(decisions.len());
    let mut current_seen = false;
    for (i, record) in decisions.iter().enumerate() {
        let OutcomeRecord::Assigned { rep, pool, .. } = &record.outcome else {
            continue;
        };
        match current {
            Some(a) if a.attempt as usize == i + 1 => {
                current_seen = true;
                out.push(from_assignment(a));
            }
            _ => out.push(AssignmentFacts {
                rep: rep.clone(),
                pool: pool.clone(),
                assigned_at: record.decided_at,
                due_at: record.sla_due,
                accepted_at: None,
                ended_at: None,
                ended_as: Some(if recycles.iter().any(|r| r.attempt as usize == i + 1) {
                    EndedAs::Recycled
                } else {
                    EndedAs::Unrecorded
                }),
            }),
        }
    }
    // An assignment without its decision record (written before records were kept) is
    // still an assignment.
    if let (Some(a), false) = (current, current_seen) {
        out.push(from_assignment(a));
    }
    out
}

fn from_assignment(a: &Assignment) -> AssignmentFacts {
    let ended_as = match (a.status, a.ended_as) {
        (AssignmentStatus::Open, _) => None,
        (_, Some(ReleaseOutcome::Closed)) | (AssignmentStatus::Closed, None) => {
            Some(EndedAs::Closed)
        }
        (_, Some(ReleaseOutcome::Rejected)) => Some(EndedAs::Rejected),
        (_, Some(ReleaseOutcome::Expired)) => Some(EndedAs::Expired),
        (_, Some(ReleaseOutcome::Released)) => Some(EndedAs::Released),
        (_, Some(ReleaseOutcome::Recycled)) => Some(EndedAs::Recycled),
        // Released before the store recorded how.
        (AssignmentStatus::Released, None) => Some(EndedAs::Unrecorded),
    };
    AssignmentFacts {
        rep: a.rep.clone(),
        pool: a.pool.clone(),
        assigned_at: a.assigned_at,
        due_at: a.sla_due,
        accepted_at: a.accepted_at,
        ended_at: a.ended_at,
        ended_as,
    }
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};
    use switchboard_routing::report::PoolPick;
    use switchboard_routing::{
        CompiledPolicy, DecideInput, Lead, ParkReason, RepId, Snapshot, decide,
    };

    use super::*;
    use crate::ports::leads::{NewLead, StoredLead};

    const POLICY: &str = "triage_pool: triage
default_sla: 10m
reps: [{ id: a }, { id: b }]
pools: [{ id: q, strategy: round_robin, members: [a, b] }]
rules: [{ id: all, pool: q }]
";

    fn at(minutes: i64) -> Timestamp {
        "2026-06-01T09:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(minutes)
    }

    /// The decision the engine makes for `lead` at `minutes`, the lead having bounced from
    /// `bounced`.
    fn record(
        policy: &CompiledPolicy,
        lead: &Lead,
        bounced: &[RepId],
        minutes: i64,
    ) -> DecisionRecord {
        let input = DecideInput {
            lead,
            account: None,
            bounced,
            now: at(minutes),
        };
        let d = decide(policy, &Snapshot::empty(policy), &input);
        DecisionRecord::new(policy, lead, &d)
    }

    fn stored(lead: &Lead, status: LeadStatus) -> StoredLead {
        let mut s = StoredLead::from_new(&NewLead::new(lead.clone(), "key"), lead.received_at);
        s.status = status;
        s
    }

    /// Rejected by `a` after its first decision, re-routed to `b`, who accepted.
    fn rerouted() -> LeadRouting {
        let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
        let lead = Lead::new("L1", at(0));
        let first = record(&policy, &lead, &[], 1);
        let second = record(&policy, &lead, &["a".into()], 5);
        LeadRouting {
            lead: stored(&lead, LeadStatus::Assigned),
            assignment: Some(Assignment {
                lead_id: "L1".into(),
                rep: "b".into(),
                pool: Some("q".into()),
                attempt: 2,
                policy_version: 1,
                assigned_at: at(5),
                sla_due: Some(at(15)),
                accepted_at: Some(at(7)),
                status: AssignmentStatus::Open,
                ended_at: None,
                outcome: None,
                ended_as: None,
            }),
            decisions: vec![first, second],
        }
    }

    #[test]
    fn an_earlier_assignment_comes_from_its_decision_and_the_latest_from_the_store() {
        let facts = lead_facts(&rerouted()).unwrap();
        assert_eq!(facts.state, LeadState::Assigned);
        assert_eq!(facts.pool, PoolKey::Pool("q".into()));
        assert_eq!(facts.received_at, at(0));
        assert_eq!(
            facts.assignments,
            [
                AssignmentFacts {
                    rep: "a".into(),
                    pool: Some("q".into()),
                    assigned_at: at(1),
                    due_at: Some(at(11)),
                    accepted_at: None,
                    ended_at: None,
                    ended_as: Some(EndedAs::Unrecorded),
                },
                AssignmentFacts {
                    rep: "b".into(),
                    pool: Some("q".into()),
                    assigned_at: at(5),
                    due_at: Some(at(15)),
                    accepted_at: Some(at(7)),
                    ended_at: None,
                    ended_as: None,
                },
            ]
        );
        let picks: Vec<(String, Vec<RepId>)> = facts
            .picks
            .iter()
            .map(|p: &PoolPick| (p.picked.to_string(), p.eligible.clone()))
            .collect();
        assert_eq!(
            picks,
            [
                ("a".into(), vec!["a".into(), "b".into()]),
                ("b".into(), vec!["b".into()]),
            ],
            "a bounced, so only b was eligible the second time"
        );
    }

    #[test]
    fn how_the_latest_assignment_ended_is_carried_over() {
        let cases = [
            (
                AssignmentStatus::Released,
                Some(ReleaseOutcome::Rejected),
                EndedAs::Rejected,
            ),
            (
                AssignmentStatus::Released,
                Some(ReleaseOutcome::Expired),
                EndedAs::Expired,
            ),
            (
                AssignmentStatus::Released,
                Some(ReleaseOutcome::Released),
                EndedAs::Released,
            ),
            (AssignmentStatus::Released, None, EndedAs::Unrecorded),
            (
                AssignmentStatus::Closed,
                Some(ReleaseOutcome::Closed),
                EndedAs::Closed,
            ),
            (AssignmentStatus::Closed, None, EndedAs::Closed),
        ];
        for (status, ended_as, expected) in cases {
            let mut routing = rerouted();
            routing.lead.status = LeadStatus::Received;
            let a = routing.assignment.as_mut().unwrap();
            a.status = status;
            a.ended_as = ended_as;
            a.ended_at = Some(at(8));
            let facts = lead_facts(&routing).unwrap();
            assert_eq!(
                facts.assignments[1].ended_as,
                Some(expected),
                "{status:?} {ended_as:?}"
            );
            assert_eq!(facts.assignments[1].ended_at, Some(at(8)));
        }
    }

    #[test]
    fn a_parked_lead_takes_its_latest_decisions_reason() {
        let policy = CompiledPolicy::from_yaml(
            &POLICY.replace(
                "triage_pool: triage",
                "triage_pool: triage\nkill_switch: true",
            ),
            1,
        )
        .unwrap();
        let lead = Lead::new("L2", at(0));
        let routing = LeadRouting {
            lead: stored(&lead, LeadStatus::Parked),
            assignment: None,
            decisions: vec![record(&policy, &lead, &[], 1)],
        };
        let facts = LeadFacts::try_from(&routing).unwrap();
        assert_eq!(
            facts.state,
            LeadState::Parked {
                reason: ParkReason::KillSwitch
            }
        );
        assert_eq!(facts.pool, PoolKey::Pool("triage".into()));
        assert!(facts.assignments.is_empty() && facts.picks.is_empty());
    }

    #[test]
    fn parked_without_a_parking_decision_is_refused() {
        let mut routing = rerouted();
        routing.lead.status = LeadStatus::Parked;
        assert_eq!(
            lead_facts(&routing),
            Err(ReportFactsError::ParkedWithoutParkDecision { lead: "L1".into() })
        );
    }

    #[test]
    fn recycles_mark_their_assignments_and_a_lead_parked_by_one() {
        use switchboard_routing::recycle::{Recycle, RecycleReason, RecycleThen};

        let recycle = |rep: &str, attempt: u32, then: RecycleThen| Recycle {
            rep: rep.into(),
            attempt,
            reason: RecycleReason::Student,
            note: None,
            at: at(8),
            then,
        };
        // `a` recycled the first assignment, `b` the second, which parked the lead for
        // nurture.
        let mut routing = rerouted();
        routing.lead.status = LeadStatus::Parked;
        routing.lead.lead.source = Some("web".into());
        let nurture = RecycleThen::Nurture {
            pool: "nurture".into(),
        };
        routing.lead.recycles = vec![
            recycle("a", 1, RecycleThen::Reroute { reroute_at: at(4) }),
            recycle("b", 2, nurture),
        ];
        let a = routing.assignment.as_mut().unwrap();
        a.status = AssignmentStatus::Released;
        a.ended_as = Some(ReleaseOutcome::Recycled);
        a.ended_at = Some(at(8));
        let facts = lead_facts(&routing).unwrap();
        assert_eq!(facts.state, LeadState::Recycled);
        let ended: Vec<_> = facts.assignments.iter().map(|a| a.ended_as).collect();
        assert_eq!(ended, [Some(EndedAs::Recycled), Some(EndedAs::Recycled)]);
        assert_eq!(facts.source.as_deref(), Some("web"));
        assert_eq!(
            facts.recycles,
            [RecycleReason::Student, RecycleReason::Student]
        );

        // A recycle of an earlier assignment does not explain a later parking.
        routing.lead.recycles.pop();
        assert_eq!(
            lead_facts(&routing),
            Err(ReportFactsError::ParkedWithoutParkDecision { lead: "L1".into() })
        );
    }

    #[test]
    fn an_undecided_lead_has_no_pool_yet() {
        let lead = Lead::new("L3", at(0));
        let routing = LeadRouting {
            lead: stored(&lead, LeadStatus::Queued),
            assignment: None,
            decisions: Vec::new(),
        };
        let facts = lead_facts(&routing).unwrap();
        assert_eq!(
            (facts.state, facts.pool),
            (LeadState::AwaitingRouting, PoolKey::Undecided)
        );
    }
}
