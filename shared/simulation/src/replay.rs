//! The replay loop: time-ordered decisions, applied state changes, timed releases.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::policy::RepIdx;
use switchboard_routing::{
    AccountIndex, CompiledPolicy, DecideInput, Decision, Lead, Snapshot, decide, match_account,
};

use super::report::Report;
use super::tally::Tally;

/// One simulation setup: a policy, the accounts leads match against, and how long reps
/// keep a lead open.
pub struct Simulation<'a> {
    pub policy: &'a CompiledPolicy,
    pub accounts: &'a AccountIndex,
    /// Simulated time from assignment to close (`Snapshot::release`).
    pub work_time: SignedDuration,
}

/// What a run produces.
pub struct SimulationRun {
    pub report: Report,
    /// State after the last lead, with the leads still being worked counted as open.
    pub final_state: Snapshot,
}

impl Simulation<'_> {
    /// Replays `leads` in `received_at` order (ties keep their input order) and calls
    /// `on_decision` for each, in that order. Deterministic: no wall clock, no randomness.
    /// The first error `on_decision` answers stops the run and is answered.
    pub fn run<E>(
        &self,
        mut leads: Vec<Lead>,
        mut on_decision: impl FnMut(&Lead, &Decision) -> Result<(), E>,
    ) -> Result<SimulationRun, E> {
        leads.sort_by_key(|l| l.received_at);
        let policy = self.policy;
        let mut state = Snapshot::empty(policy);
        let mut tally = Tally::new(policy, self.accounts);
        let mut working = Working::default();

        for (seq, lead) in leads.iter().enumerate() {
            working.release_due(&mut state, lead.received_at);
            let decision =
                working.route(policy, self.accounts, &mut state, lead, seq, self.work_time);
            tally.record(lead, &decision, &state);
            on_decision(lead, &decision)?;
        }

        Ok(SimulationRun {
            report: tally.finish(self.work_time),
            final_state: state,
        })
    }
}

/// The leads being worked: each closes, freeing its rep's open count, a set time after
/// its assignment. One copy of the loop `simulate`, `backtest` and the what-if replay run.
#[derive(Default)]
pub(crate) struct Working {
    /// Min-heap of (close time, sequence, rep); the sequence keeps equal times in order.
    closes: BinaryHeap<Reverse<(Timestamp, usize, RepIdx)>>,
}

impl Working {
    /// Frees the reps of every lead whose work ended by `now`.
    pub(crate) fn release_due(&mut self, state: &mut Snapshot, now: Timestamp) {
        while let Some(&Reverse((at, _, rep))) = self.closes.peek() {
            if at > now {
                break;
            }
            self.closes.pop();
            state.release(rep);
        }
    }

    /// Decides `lead` at its arrival on `state`, applies the decision, and schedules the
    /// close of an assignment `work_time` later (`seq` orders equal close times).
    pub(crate) fn route(
        &mut self,
        policy: &CompiledPolicy,
        accounts: &AccountIndex,
        state: &mut Snapshot,
        lead: &Lead,
        seq: usize,
        work_time: SignedDuration,
    ) -> Decision {
        let now = lead.received_at;
        let decision = decide(
            policy,
            state,
            &DecideInput {
                lead,
                account: match_account(accounts, lead),
                bounced: &[],
                now,
            },
        );
        state.apply(&decision.change);
        if let Some(rep) = decision.assigned_rep() {
            let close_at = now.saturating_add(work_time).unwrap_or(Timestamp::MAX);
            self.closes.push(Reverse((close_at, seq, rep)));
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One rep with room for one open lead; leads an hour apart.
    fn run_with_work_time(work_time: &str) -> super::super::Report {
        let policy = CompiledPolicy::from_yaml(
            r#"
triage_pool: triage
reps:
  - { id: solo, caps: { max_open: 1 } }
pools:
  - { id: team, members: [solo] }
rules:
  - { id: all, pool: team }
"#,
            1,
        )
        .unwrap();
        let accounts = AccountIndex::new(Vec::new());
        let t0: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let leads = (0..3)
            .map(|i| Lead::new(format!("l{i}"), t0 + SignedDuration::from_hours(i)))
            .collect();
        let sim = Simulation {
            policy: &policy,
            accounts: &accounts,
            work_time: work_time.parse().unwrap(),
        };
        sim.run(leads, |_, _| Ok::<(), ()>(())).unwrap().report
    }

    #[test]
    fn assignments_close_after_the_work_time() {
        // Closed after 30 minutes: the rep is free again for each lead.
        let r = run_with_work_time("30m");
        assert_eq!((r.outcome.assigned, r.outcome.parked), (3, 0));
        assert_eq!(r.reps[0].peak_open, 1);
        // A close due exactly when the next lead arrives frees the cap first.
        let r = run_with_work_time("1h");
        assert_eq!((r.outcome.assigned, r.outcome.parked), (3, 0));
        // Still open an hour later: the cap holds and the next lead parks.
        let r = run_with_work_time("90m");
        assert_eq!((r.outcome.assigned, r.outcome.parked), (2, 1));
        assert_eq!(r.reps[0].skipped.get("at_cap"), Some(&1));
        assert_eq!(r.parks[0].reason, "all_at_cap");
        assert!(r.accounted_for());
    }

    #[test]
    fn replays_in_time_order_whatever_the_input_order() {
        let policy = CompiledPolicy::from_yaml(
            "triage_pool: t\nreps: [{id: a}, {id: b}]\npools: [{id: p, strategy: round_robin, members: [a, b]}]\nrules: [{id: r, pool: p}]\n",
            1,
        )
        .unwrap();
        let accounts = AccountIndex::new(Vec::new());
        let t0: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let lead = |id: &str, mins: i64| Lead::new(id, t0 + SignedDuration::from_mins(mins));
        let sim = Simulation {
            policy: &policy,
            accounts: &accounts,
            work_time: SignedDuration::from_hours(1),
        };
        let mut order = Vec::new();
        sim.run(vec![lead("late", 10), lead("early", 0)], |l, d| {
            order.push((
                l.id.clone(),
                policy.rep_id(d.assigned_rep().unwrap()).to_owned(),
            ));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(
            order,
            [("early".into(), "a".into()), ("late".into(), "b".into())]
        );
    }

    /// The score distribution and routing by grade: the hot pool has one rep with room for
    /// one lead, so the second A lead falls back; B leads go to the rest pool; D leads park.
    #[test]
    fn reports_scores_and_routing_by_grade() {
        let policy = CompiledPolicy::from_yaml(
            r#"
triage_pool: triage
scoring:
  rules:
    - { id: big, when: { field: employees, gte: 500 }, points: 60 }
    - { id: mid, when: { field: employees, gte: 100 }, points: 30 }
  grades: [ { grade: A, min: 90 }, { grade: B, min: 30 }, { grade: D } ]
reps: [ { id: hot1, caps: { max_open: 1 } }, { id: rest1 } ]
pools:
  - { id: hot, members: [hot1] }
  - { id: rest, members: [rest1] }
rules:
  - { id: a, when: { field: grade, eq: A }, pool: hot, fallbacks: [rest] }
  - { id: b, when: { field: grade, eq: B }, pool: rest }
"#,
            1,
        )
        .unwrap();
        let accounts = AccountIndex::new(Vec::new());
        let t0: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let leads = [1000.0, 800.0, 200.0, 10.0, 5.0]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut lead = Lead::new(format!("l{i}"), t0 + SignedDuration::from_mins(i as i64));
                lead.attributes.insert("employees".into(), (*n).into());
                lead
            })
            .collect();
        let sim = Simulation {
            policy: &policy,
            accounts: &accounts,
            work_time: SignedDuration::from_hours(4),
        };
        let report = sim.run(leads, |_, _| Ok::<(), ()>(())).unwrap().report;
        let scores = report.scores.expect("a model scores");
        assert_eq!(
            (
                scores.min,
                scores.p25,
                scores.median,
                scores.p75,
                scores.max
            ),
            (0, 0, 30, 90, 90)
        );
        assert_eq!(scores.mean, 42.0);
        let row = |g: &str| scores.grades.iter().find(|r| r.grade == g).unwrap().clone();
        let a = row("A");
        assert_eq!(
            (a.leads, a.in_target_pool, a.in_fallback_pool, a.parked),
            (2, 1, 1, 0)
        );
        let b = row("B");
        assert_eq!((b.leads, b.in_target_pool, b.rules["b"]), (1, 1, 1));
        let d = row("D");
        assert_eq!((d.leads, d.parked, d.rules["(no rule)"]), (2, 2, 2));
        assert_eq!(
            scores
                .grades
                .iter()
                .map(|r| r.grade.as_str())
                .collect::<Vec<_>>(),
            ["A", "B", "D"]
        );
    }
}
