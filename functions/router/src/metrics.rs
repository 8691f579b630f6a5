//! What the router tells CloudWatch about each decision it made (not about redeliveries,
//! which decided nothing): leads assigned by pool with the time from intake to the
//! assignment, re-assignments, and leads parked by pool and reason.

use switchboard_lambda::MetricLine;
use switchboard_routing::record::OutcomeRecord;
use switchboard_store::Routed;

/// The metric lines of one routing outcome; none for a lead this call did not decide.
pub fn decision_metrics(routed: &Routed) -> Vec<MetricLine> {
    let Routed::Decided {
        record,
        assignment,
        received_at,
        ..
    } = routed
    else {
        return Vec::new();
    };
    let at = record.decided_at;
    match &record.outcome {
        OutcomeRecord::Assigned { pool, .. } => {
            let pool = pool.as_deref().unwrap_or("account_owner").to_owned();
            let first = assignment.as_ref().is_none_or(|a| a.attempt == 1);
            let mut line = MetricLine::at(at).dimension("Pool", pool);
            if first {
                let waited = at.duration_since(*received_at).as_secs_f64() * 1000.0;
                line = line
                    .count("LeadsAssigned", 1)
                    .millis("TimeToAssign", waited.max(0.0));
            } else {
                line = line.count("LeadsReassigned", 1);
            }
            vec![line]
        }
        OutcomeRecord::Parked { pool, reason } => vec![
            MetricLine::at(at)
                .dimension("Pool", pool.as_str())
                .dimension("Reason", reason.as_str())
                .count("LeadsParked", 1),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use switchboard_routing::record::{ChangeRecord, DecisionRecord};
    use switchboard_routing::{ParkReason, PoolId};

    fn record(outcome: OutcomeRecord, decided_at: Timestamp) -> Box<DecisionRecord> {
        Box::new(DecisionRecord {
            lead_id: "l".into(),
            policy_version: 1,
            decided_at,
            outcome,
            rule: None,
            account: None,
            steps: Vec::new(),
            sla_due: None,
            change: ChangeRecord::default(),
            summary: String::new(),
            by_hand: None,
        })
    }

    #[test]
    fn a_parked_lead_counts_by_pool_and_reason() {
        let at: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let routed = Routed::Decided {
            record: record(
                OutcomeRecord::Parked {
                    pool: PoolId::from("triage"),
                    reason: ParkReason::AllAtCap,
                },
                at,
            ),
            assignment: None,
            attempts: 1,
            received_at: at,
        };
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
}
