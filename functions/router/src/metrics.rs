//! What the router tells CloudWatch about each decision it made (not about redeliveries,
//! which decided nothing): leads assigned by pool with the time from intake to the
//! assignment, re-assignments, leads parked by pool and reason, and the races a decision
//! lost before it committed, with its time from intake. What counts is [`DecisionCount`]
//! and `Routed::lost_races`, which `switchboard serve`'s `/metrics` counts from too.

use switchboard_lambda::{DecisionCount, MetricLine};
use switchboard_store::Routed;

/// The metric lines of one routing outcome; none for a lead this call did not decide.
pub fn decision_metrics(routed: &Routed) -> Vec<MetricLine> {
    let Some((at, count)) = DecisionCount::of(routed) else {
        return Vec::new();
    };
    let line = match count {
        DecisionCount::Assigned {
            pool,
            time_to_assign,
        } => MetricLine::at(at)
            .dimension("Pool", pool)
            .count("LeadsAssigned", 1)
            .millis("TimeToAssign", time_to_assign.as_secs_f64() * 1000.0),
        DecisionCount::Reassigned { pool } => MetricLine::at(at)
            .dimension("Pool", pool)
            .count("LeadsReassigned", 1),
        DecisionCount::Parked { pool, reason } => MetricLine::at(at)
            .dimension("Pool", pool)
            .dimension("Reason", reason)
            .count("LeadsParked", 1),
    };
    let mut lines = vec![line];
    // Without dimensions: lost races are rare, and one series shows whether capped reps
    // shared between pools make routers retry (docs/ROUTER.md).
    if let Some((lost, waited)) = routed.lost_races() {
        lines.push(
            MetricLine::at(at)
                .count("RouteConflicts", u64::from(lost))
                .millis("ConflictedTimeToDecide", waited.as_secs_f64() * 1000.0),
        );
    }
    lines
}
#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use switchboard_routing::record::{DecisionRecord, OutcomeRecord};
    use switchboard_routing::{ParkReason, PoolId};

    fn record(outcome: OutcomeRecord, decided_at: Timestamp) -> Box<DecisionRecord> {
        Box::new(switchboard_testkit::decision_record(
            "l", 1, decided_at, outcome,
        ))
    }

    /// A lead parked in `triage` (all at cap) at `at`, received at `received`, decided on
    /// attempt `attempts`.
    fn parked(received: Timestamp, at: Timestamp, attempts: u32) -> Routed {
        Routed::Decided {
            record: record(
                OutcomeRecord::Parked {
                    pool: PoolId::from("triage"),
                    reason: ParkReason::AllAtCap,
                },
                at,
            ),
            assignment: None,
            attempts,
            received_at: received,
        }
    }

    #[test]
    fn a_parked_lead_counts_by_pool_and_reason() {
        let at: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let routed = parked(at, at, 1);
        let [line] = decision_metrics(&routed).try_into().unwrap();
        let json = line.to_json();
        assert_eq!(json["Pool"], "triage");
        assert_eq!(json["Reason"], "all_at_cap");
        assert_eq!(json["LeadsParked"], 1.0);
    }

    #[test]
    fn an_assignment_measures_the_time_from_intake() {
        let received: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let at = received + jiff::SignedDuration::from_millis(250);
        let routed = Routed::Decided {
            record: record(
                OutcomeRecord::Assigned {
                    rep: "ana".into(),
                    pool: None,
                    via: "account_owner".into(),
                },
                at,
            ),
            assignment: None,
            attempts: 1,
            received_at: received,
        };
        let [line] = decision_metrics(&routed).try_into().unwrap();
        let json = line.to_json();
        assert_eq!(json["Pool"], "account_owner");
        assert_eq!(json["TimeToAssign"], 250.0);
        assert!(
            decision_metrics(&Routed::NotAwaitingRouting(
                switchboard_store::LeadStatus::Closed
            ))
            .is_empty()
        );
    }

    #[test]
    fn lost_races_are_counted_with_the_time_to_decide() {
        let received: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let at = received + jiff::SignedDuration::from_millis(42);
        // (attempts, races lost)
        for (attempts, lost) in [(1, None), (2, Some(1.0)), (4, Some(3.0))] {
            let lines = decision_metrics(&parked(received, at, attempts));
            let conflicts: Vec<_> = lines
                .iter()
                .map(MetricLine::to_json)
                .filter(|j| j.get("RouteConflicts").is_some())
                .collect();
            match lost {
                None => assert!(conflicts.is_empty(), "{attempts} attempts"),
                Some(n) => {
                    let [json] = conflicts.try_into().unwrap();
                    assert_eq!(json["RouteConflicts"], n);
                    assert_eq!(json["ConflictedTimeToDecide"], 42.0);
                    let dims = &json["_aws"]["CloudWatchMetrics"][0]["Dimensions"];
                    assert_eq!(dims, &serde_json::json!([[]]));
                }
            }
        }
    }

    #[test]
    fn a_later_assignment_is_a_reassignment_without_a_time() {
        let at: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let second: switchboard_store::Assignment = serde_json::from_value(serde_json::json!({
            "lead_id": "l", "rep": "bo", "pool": "dach", "attempt": 2,
            "policy_version": 1, "assigned_at": at, "status": "open"
        }))
        .unwrap();
        let routed = Routed::Decided {
            record: record(
                OutcomeRecord::Assigned {
                    rep: "bo".into(),
                    pool: Some("dach".into()),
                    via: "round_robin".into(),
                },
                at,
            ),
            assignment: Some(second),
            attempts: 1,
            received_at: at - jiff::SignedDuration::from_hours(2),
        };
        let [line] = decision_metrics(&routed).try_into().unwrap();
        let json = line.to_json();
        assert_eq!(json["Pool"], "dach");
        assert_eq!(json["LeadsReassigned"], 1.0);
        assert!(json.get("LeadsAssigned").is_none() && json.get("TimeToAssign").is_none());
    }
}
