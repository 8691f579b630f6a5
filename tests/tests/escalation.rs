//! The engine's escalation and SLA clock options: a lead that bounced as often as the
//! policy allows parks in the escalation pool, and `sla_clock: working_hours` counts the
//! assigned rep's working hours only.

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::decision::ParkReason;
use switchboard_routing::{CompiledPolicy, DecideInput, Lead, Outcome, RepId, Snapshot, decide};

const POLICY: &str = "
name: esc
triage_pool: triage
default_sla: 30m
sla_clock: working_hours
escalation: { after_bounces: 2, to_pool: escalations }
reps:
  - { id: ber, time_zone: Europe/Berlin, working_hours: { mon-fri: ['09:00-17:00'] } }
  - { id: any }
pools: [ { id: main, strategy: round_robin, members: [ber, any] } ]
rules: [ { id: all, pool: main } ]
";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn run(policy: &CompiledPolicy, bounced: &[&str], now: Timestamp) -> switchboard_routing::Decision {
    let lead = Lead::new("L1", now).with_email("a@example.org");
    let bounced: Vec<RepId> = bounced.iter().map(|s| RepId::from(*s)).collect();
    decide(
        policy,
        &Snapshot::empty(policy),
        &DecideInput {
            lead: &lead,
            account: None,
            bounced: &bounced,
            now,
        },
    )
}

#[test]
fn escalates_after_the_configured_bounces() {
    let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
    let now = ts("2026-03-27T15:50:00Z");
    let once = run(&policy, &["ber"], now);
    assert!(matches!(once.outcome, Outcome::Assigned { .. }));
    let twice = run(&policy, &["ber", "any"], now);
    assert_eq!(
        twice.outcome,
        Outcome::Parked {
            reason: ParkReason::Escalated
        }
    );
    assert_eq!(twice.park_in.as_deref(), Some("escalations"));
    assert_eq!(
        twice.change,
        Default::default(),
        "escalation takes no capacity"
    );
}

#[test]
fn the_sla_counts_the_assigned_reps_hours() {
    let policy = CompiledPolicy::from_yaml(POLICY, 1).unwrap();
    // Friday 16:50 in Berlin; DST starts on Sunday, so Monday 09:00 CEST is 07:00 UTC.
    let now = ts("2026-03-27T15:50:00Z");
    let d = run(&policy, &[], now);
    let Outcome::Assigned { rep, .. } = d.outcome else {
        panic!("{:?}", d.outcome);
    };
    assert_eq!(policy.rep_id(rep), "ber");
    assert_eq!(d.sla_due, Some(ts("2026-03-30T07:20:00Z")));
    // A rep without working hours counts every minute.
    let d = run(&policy, &["ber"], now);
    let Outcome::Assigned { rep, .. } = d.outcome else {
        panic!("{:?}", d.outcome);
    };
    assert_eq!(policy.rep_id(rep), "any");
    assert_eq!(d.sla_due, Some(now + SignedDuration::from_mins(30)));
}

#[test]
fn escalation_must_park_in_a_parking_pool() {
    let bad = POLICY.replace("to_pool: escalations", "to_pool: main");
    let err = CompiledPolicy::from_yaml(&bad, 1).unwrap_err().to_string();
    assert!(err.contains("escalation.to_pool"), "{err}");
    let zero = POLICY.replace("after_bounces: 2", "after_bounces: 0");
    let err = CompiledPolicy::from_yaml(&zero, 1).unwrap_err().to_string();
    assert!(err.contains("escalation.after_bounces"), "{err}");
}
