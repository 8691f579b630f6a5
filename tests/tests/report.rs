//! The health and fairness report (`switchboard_routing::report`): figures checked against
//! answers worked out by hand on generated histories, the edge cases of a lead's life
//! (rejected and re-assigned, parked then escalated), the projection of real decision
//! records, and invariants over random histories.

mod common;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use switchboard_routing::report::{
    AssignmentFacts, EndedAs, FairnessRow, HealthAccumulator, HealthReport, LeadFacts, LeadState,
    Percentiles, PoolFigures, PoolKey, PoolPick, PoolWeights, RepFigures, ReportError, Window,
};
use switchboard_routing::{DecisionRecord, Lead, ParkReason, Snapshot};
use switchboard_testkit::ts;

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;

fn t0() -> Timestamp {
    ts("2026-06-01T09:00:00Z")
}

fn at(ms: i64) -> Timestamp {
    t0() + SignedDuration::from_millis(ms)
}

fn day() -> Window {
    Window::new(t0(), at(24 * 60 * MIN)).unwrap()
}

fn lead(id: &str, received_ms: i64, state: LeadState, pool: PoolKey) -> LeadFacts {
    LeadFacts {
        lead_id: id.into(),
        received_at: at(received_ms),
        state,
        pool,
        assignments: Vec::new(),
        picks: Vec::new(),
        source: None,
        recycles: Vec::new(),
    }
}

fn pool(id: &str) -> PoolKey {
    PoolKey::Pool(id.into())
}

/// An open, unaccepted assignment in `pool` at `assigned_ms`, due `sla_ms` later.
fn assignment(rep: &str, pool: &str, assigned_ms: i64, sla_ms: Option<i64>) -> AssignmentFacts {
    AssignmentFacts {
        rep: rep.into(),
        pool: Some(pool.into()),
        assigned_at: at(assigned_ms),
        due_at: sla_ms.map(|s| at(assigned_ms + s)),
        accepted_at: None,
        ended_at: None,
        ended_as: None,
    }
}

fn pick(pool: &str, picked: &str, eligible: &[&str]) -> PoolPick {
    PoolPick {
        pool: pool.into(),
        picked: picked.into(),
        eligible: eligible.iter().map(|r| (*r).into()).collect(),
    }
}

fn report_of(leads: &[LeadFacts], window: Window, now: Timestamp, w: &PoolWeights) -> HealthReport {
    let mut acc = HealthAccumulator::new(window, now);
    for l in leads {
        acc.add(l);
    }
    acc.finish(w)
}

fn pool_figures<'a>(r: &'a HealthReport, key: &PoolKey) -> &'a PoolFigures {
    r.pools
        .iter()
        .find(|p| &p.pool == key)
        .unwrap_or_else(|| panic!("no pool {key} in the report"))
}

fn rep_figures<'a>(r: &'a HealthReport, rep: &str) -> &'a RepFigures {
    r.reps
        .iter()
        .find(|p| p.rep.as_str() == rep)
        .unwrap_or_else(|| panic!("no rep {rep} in the report"))
}

fn fairness_row<'a>(p: &'a PoolFigures, rep: &str) -> &'a FairnessRow {
    p.fairness
        .as_ref()
        .expect("the pool picked reps")
        .reps
        .iter()
        .find(|r| r.rep.as_str() == rep)
        .unwrap_or_else(|| panic!("no fairness row for {rep}"))
}

fn pcts(count: u64, p50: u64, p95: u64, p99: u64) -> Percentiles {
    Percentiles {
        count,
        p50_ms: Some(p50),
        p95_ms: Some(p95),
        p99_ms: Some(p99),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A day in pool `p` (weights a = 1, b = 3), generated so every answer is known:
///
/// - L1..L20 are received `i` minutes after 09:00 and assigned `i` seconds later, to `a`
///   when `i` is odd and `b` when even, with a 10-minute SLA (L20 without SLA). Lead `i`
///   ≤ 15 is accepted `i` minutes after assignment (in time up to L10, which accepts at the
///   due instant; late from L11); L16..L18 stay open and unaccepted past their due time;
///   L19 is rejected after 2 minutes (before its due time) and awaits a new decision; L20
///   stays open.
/// - L21..L23 parked `all_at_cap` in `p`; L24, L25 parked `no_rule` in `triage`; L26, L27
///   not decided yet; L28 a duplicate; L0 received the day before (outside the window).
fn generated_day() -> Vec<LeadFacts> {
    let mut leads = Vec::new();
    for i in 1..=20i64 {
        let rep = if i % 2 == 1 { "a" } else { "b" };
        let received = i * MIN;
        let assigned = received + i * SEC;
        let sla = (i != 20).then_some(10 * MIN);
        let mut a = assignment(rep, "p", assigned, sla);
        let mut state = LeadState::Assigned;
        if i <= 15 {
            a.accepted_at = Some(at(assigned + i * MIN));
        } else if i == 19 {
            a.ended_at = Some(at(assigned + 2 * MIN));
            a.ended_as = Some(EndedAs::Rejected);
            state = LeadState::AwaitingRouting;
        }
        let mut l = lead(&format!("L{i}"), received, state, pool("p"));
        l.assignments.push(a);
        l.picks.push(pick("p", rep, &["a", "b"]));
        leads.push(l);
    }
    for i in 21..=23 {
        let reason = ParkReason::AllAtCap;
        leads.push(lead(
            &format!("L{i}"),
            i * MIN,
            LeadState::Parked { reason },
            pool("p"),
        ));
    }
    for i in 24..=25 {
        let reason = ParkReason::NoRuleMatched;
        let l = lead(
            &format!("L{i}"),
            i * MIN,
            LeadState::Parked { reason },
            pool("triage"),
        );
        leads.push(l);
    }
    for i in 26..=27 {
        let l = lead(
            &format!("L{i}"),
            i * MIN,
            LeadState::AwaitingRouting,
            PoolKey::Undecided,
        );
        leads.push(l);
    }
    leads.push(lead(
        "L28",
        28 * MIN,
        LeadState::Duplicate,
        PoolKey::Undecided,
    ));
    let mut outside = lead("L0", -MIN, LeadState::Assigned, pool("p"));
    outside
        .assignments
        .push(assignment("a", "p", 0, Some(10 * MIN)));
    outside.picks.push(pick("p", "a", &["a", "b"]));
    leads.push(outside);
    leads
}

fn weights_a1_b3() -> PoolWeights {
    let mut w = PoolWeights::new();
    w.set("p".into(), "a".into(), 1);
    w.set("p".into(), "b".into(), 3);
    w
}

#[test]
fn generated_day_overall_figures() {
    let r = report_of(&generated_day(), day(), at(24 * 60 * MIN), &weights_a1_b3());
    assert_eq!(r.duplicates, 1);
    let l = &r.overall.leads;
    assert_eq!(
        (l.received, l.assigned, l.parked, l.awaiting_routing),
        (27, 19, 5, 3),
        "L0 is outside the window and L28 is a duplicate"
    );
    assert!(close(l.assigned_percent.unwrap(), 100.0 * 19.0 / 27.0));
    let reasons: Vec<_> = l
        .parked_by_reason
        .iter()
        .map(|p| (p.reason, p.leads))
        .collect();
    assert_eq!(
        reasons,
        [(ParkReason::NoRuleMatched, 2), (ParkReason::AllAtCap, 3)],
        "in the order of ParkReason::ALL, zero reasons left out"
    );
    assert_eq!((l.ever_assigned, l.reassigned, l.escalations), (20, 0, 0));
    // Time to assign: i seconds for i = 1..20; nearest ranks 10, 19 and 20.
    assert_eq!(
        l.time_to_assign,
        pcts(20, 10 * SEC as u64, 19 * SEC as u64, 20 * SEC as u64)
    );

    let a = &r.overall.assignments;
    assert_eq!(
        (a.assignments, a.accepted, a.rejected, a.expired),
        (20, 15, 1, 0)
    );
    assert_eq!(a.reject_percent, Some(5.0));
    // Accepted after 1..15 minutes: ranks ceil(7.5) = 8 and ceil(14.25) = ceil(14.85) = 15.
    let m = MIN as u64;
    assert_eq!(a.time_to_accept, pcts(15, 8 * m, 15 * m, 15 * m));
    // Known: 10 in time (L1..L10), 5 accepted late (L11..L15), 3 open past due (L16..L18);
    // L19 was rejected before its due time and L20 has no SLA.
    assert_eq!((a.sla.known, a.sla.met, a.sla.missed), (18, 10, 8));
    assert!(close(
        a.sla.compliance_percent.unwrap(),
        100.0 * 10.0 / 18.0
    ));
}

#[test]
fn generated_day_per_pool_and_rep() {
    let r = report_of(&generated_day(), day(), at(24 * 60 * MIN), &weights_a1_b3());
    let keys: Vec<_> = r.pools.iter().map(|p| p.pool.clone()).collect();
    assert_eq!(keys, [pool("p"), pool("triage"), PoolKey::Undecided]);

    let p = pool_figures(&r, &pool("p"));
    let l = &p.leads;
    assert_eq!(
        (l.received, l.assigned, l.parked, l.awaiting_routing),
        (23, 19, 3, 1)
    );
    assert_eq!(p.assignments.assignments, 20);

    // A pool with leads and no assignments: counts, and no percentile or rate to show.
    let triage = pool_figures(&r, &pool("triage"));
    assert_eq!((triage.leads.received, triage.leads.parked), (2, 2));
    assert_eq!(triage.leads.parked_percent, Some(100.0));
    assert_eq!(triage.leads.time_to_assign, Percentiles::default());
    assert_eq!(triage.assignments.assignments, 0);
    assert_eq!(triage.assignments.reject_percent, None);
    assert_eq!(triage.assignments.sla.compliance_percent, None);
    assert_eq!(triage.assignments.time_to_accept.p50_ms, None);
    assert_eq!(triage.fairness, None);

    let undecided = pool_figures(&r, &PoolKey::Undecided);
    assert_eq!(
        (undecided.leads.received, undecided.leads.awaiting_routing),
        (2, 2)
    );

    let m = MIN as u64;
    // a: L1, 3, .., 19. Accepted after 1, 3, .., 15 minutes (8 values: ranks 4 and 8).
    let a = &rep_figures(&r, "a").assignments;
    assert_eq!((a.assignments, a.accepted, a.rejected), (10, 8, 1));
    assert_eq!(a.time_to_accept, pcts(8, 7 * m, 15 * m, 15 * m));
    assert_eq!((a.sla.known, a.sla.met), (9, 5));
    // b: L2, 4, .., 20. Accepted after 2, 4, .., 14 minutes (7 values: ranks 4 and 7).
    let b = &rep_figures(&r, "b").assignments;
    assert_eq!((b.assignments, b.accepted, b.rejected), (10, 7, 0));
    assert_eq!(b.time_to_accept, pcts(7, 8 * m, 14 * m, 14 * m));
    assert_eq!((b.sla.known, b.sla.met), (9, 5));

    // 20 decisions, both eligible in each: targets 20 · 1/4 = 5 and 20 · 3/4 = 15.
    let fa = fairness_row(p, "a");
    assert_eq!(
        (fa.weight, fa.eligible_in, fa.assignments, fa.target),
        (1, 20, 10, 5.0)
    );
    assert_eq!(fa.deviation, Some(1.0));
    let fb = fairness_row(p, "b");
    assert_eq!(
        (fb.weight, fb.eligible_in, fb.assignments, fb.target),
        (3, 20, 10, 15.0)
    );
    assert!(close(fb.deviation.unwrap(), -1.0 / 3.0));
}

#[test]
fn fairness_targets_follow_each_decisions_eligible_set() {
    // Weights a = 1, b = 2, c = 1. Decision 1: all three eligible (total 4), b picked.
    // Decision 2: b at cap, a and c eligible (total 2), a picked.
    // Targets: a = 1/4 + 1/2 = 0.75, b = 2/4 = 0.5, c = 1/4 + 1/2 = 0.75 (sum 2).
    let mut w = PoolWeights::new();
    for (rep, weight) in [("a", 1), ("b", 2), ("c", 1)] {
        w.set("q".into(), rep.into(), weight);
    }
    let mut l1 = lead("L1", 0, LeadState::Assigned, pool("q"));
    l1.assignments.push(assignment("b", "q", SEC, None));
    l1.picks.push(pick("q", "b", &["a", "b", "c"]));
    let mut l2 = lead("L2", MIN, LeadState::Assigned, pool("q"));
    l2.assignments.push(assignment("a", "q", MIN + SEC, None));
    l2.picks.push(pick("q", "a", &["a", "c"]));

    let r = report_of(&[l1, l2], day(), at(MIN * 2), &w);
    let q = pool_figures(&r, &pool("q"));
    assert_eq!(q.fairness.as_ref().unwrap().decisions, 2);
    let row = |rep| {
        let f = fairness_row(q, rep);
        (f.eligible_in, f.assignments, f.target)
    };
    assert_eq!(row("a"), (2, 1, 0.75));
    assert_eq!(row("b"), (1, 1, 0.5));
    assert_eq!(row("c"), (2, 0, 0.75));
    assert!(close(fairness_row(q, "a").deviation.unwrap(), 1.0 / 3.0));
    assert_eq!(fairness_row(q, "b").deviation, Some(1.0));
    assert_eq!(fairness_row(q, "c").deviation, Some(-1.0));
}

#[test]
fn fairness_reads_eligible_sets_from_real_decision_records() {
    // The same case as above, decided by the engine: b's cap of one makes it ineligible for
    // the second lead, and smooth weighted round robin picks b, then a.
    let policy = common::policy(
        "triage_pool: triage
reps:
  - { id: a }
  - { id: b, caps: { max_open: 1 } }
  - { id: c }
pools:
  - id: q
    strategy: weighted_round_robin
    members: [{ rep: a, weight: 1 }, { rep: b, weight: 2 }, { rep: c, weight: 1 }]
rules:
  - { id: all, pool: q }
",
    );
    let mut state = Snapshot::empty(&policy);
    let mut records: Vec<DecisionRecord> = Vec::new();
    for id in ["L1", "L2"] {
        let l = Lead::new(id, t0());
        let d = common::decide_at(&policy, &state, &l, t0());
        state.apply(&d.change);
        records.push(DecisionRecord::new(&policy, &l, &d));
    }
    let picks: Vec<PoolPick> = records.iter().filter_map(PoolPick::from_record).collect();
    assert_eq!(
        picks,
        [
            pick("q", "b", &["a", "b", "c"]),
            pick("q", "a", &["a", "c"])
        ]
    );
    assert_eq!(PoolKey::of_first_decision(records.first()), pool("q"));
    assert_eq!(PoolKey::of_first_decision(None), PoolKey::Undecided);

    let mut acc = HealthAccumulator::new(day(), at(MIN));
    let mut l = lead("L", 0, LeadState::Assigned, pool("q"));
    l.picks = picks;
    acc.add(&l);
    let r = acc.finish(&PoolWeights::from_policy(&policy));
    let q = pool_figures(&r, &pool("q"));
    let targets: Vec<f64> = q
        .fairness
        .as_ref()
        .unwrap()
        .reps
        .iter()
        .map(|f| f.target)
        .collect();
    assert_eq!(targets, [0.75, 0.5, 0.75]);
}

#[test]
fn a_parked_lead_names_its_parking_pool() {
    let policy = common::policy(
        "triage_pool: triage
kill_switch: true
reps: [{ id: a }]
pools: [{ id: q, members: [a] }]
rules: [{ id: all, pool: q }]
",
    );
    let l = Lead::new("L1", t0());
    let d = common::decide_at(&policy, &Snapshot::empty(&policy), &l, t0());
    let record = DecisionRecord::new(&policy, &l, &d);
    assert_eq!(PoolKey::of_first_decision(Some(&record)), pool("triage"));
    assert_eq!(PoolPick::from_record(&record), None);
}

#[test]
fn an_empty_window_reports_zeros_and_no_rates() {
    let instant = at(0);
    let window = Window::new(instant, instant).unwrap();
    let r = report_of(&generated_day(), window, at(MIN), &weights_a1_b3());
    assert_eq!(r.duplicates, 0);
    assert!(r.pools.is_empty() && r.reps.is_empty());
    let l = &r.overall.leads;
    assert_eq!(
        (l.received, l.assigned, l.parked, l.ever_assigned),
        (0, 0, 0, 0)
    );
    assert_eq!((l.assigned_percent, l.reassignment_percent), (None, None));
    assert_eq!(l.time_to_assign, Percentiles::default());
    assert_eq!(r.overall.assignments.sla.compliance_percent, None);

    assert_eq!(
        Window::new(at(1), at(0)),
        Err(ReportError::EndsBeforeStart {
            from: at(1),
            to: at(0)
        })
    );
}

#[test]
fn rejected_and_reassigned_counts_once() {
    // Assigned to a after 30 s, rejected after 1 minute, assigned to b 2 minutes later,
    // accepted by b after 4 minutes.
    let mut first = assignment("a", "p", 30 * SEC, Some(10 * MIN));
    first.ended_at = Some(at(90 * SEC));
    first.ended_as = Some(EndedAs::Rejected);
    let mut second = assignment("b", "p", 210 * SEC, Some(10 * MIN));
    second.accepted_at = Some(at(450 * SEC));
    let mut l = lead("L1", 0, LeadState::Assigned, pool("p"));
    l.assignments = vec![first, second];
    l.picks = vec![pick("p", "a", &["a", "b"]), pick("p", "b", &["b"])];

    let r = report_of(&[l], day(), at(60 * MIN), &PoolWeights::new());
    let leads = &r.overall.leads;
    assert_eq!(
        (leads.received, leads.ever_assigned, leads.reassigned),
        (1, 1, 1)
    );
    assert_eq!(leads.reassignment_percent, Some(100.0));
    // From receipt to the first assignment, not the second.
    assert_eq!(leads.time_to_assign.p50_ms, Some(30 * SEC as u64));
    let a = &r.overall.assignments;
    assert_eq!((a.assignments, a.rejected, a.accepted), (2, 1, 1));
    assert_eq!(a.reject_percent, Some(50.0));
    assert_eq!(a.time_to_accept.p99_ms, Some(4 * MIN as u64));
    // Rejected in time: no SLA outcome. b accepted in time: met.
    assert_eq!((a.sla.known, a.sla.met), (1, 1));
    assert_eq!(rep_figures(&r, "a").assignments.rejected, 1);
    assert_eq!(rep_figures(&r, "b").assignments.rejected, 0);
    // Weight 1 each (no weights given): a's target 1/2, b's 1/2 + 1.
    let p = pool_figures(&r, &pool("p"));
    assert_eq!(fairness_row(p, "a").target, 0.5);
    assert_eq!(fairness_row(p, "b").target, 1.5);
}

#[test]
fn recycles_count_per_rep_and_per_source() {
    use switchboard_routing::recycle::RecycleReason;
    use switchboard_routing::report::{RecycleCount, SourceFigures};

    let recycled = |rep: &str, at_ms: i64| {
        let mut a = assignment(rep, "p", at_ms, None);
        a.ended_at = Some(at(at_ms + MIN));
        a.ended_as = Some(EndedAs::Recycled);
        a
    };
    let from = |source: Option<&str>, mut l: LeadFacts| {
        l.source = source.map(str::to_owned);
        l
    };
    // L1 (web): ana recycled it (student), it was re-routed to bo, who has it.
    let mut l1 = from(Some("web"), lead("L1", 0, LeadState::Assigned, pool("p")));
    l1.assignments = vec![recycled("ana", MIN), assignment("bo", "p", 70 * MIN, None)];
    l1.recycles = vec![RecycleReason::Student];
    // L2 (web): ana recycled it (no budget), parked for nurture.
    let mut l2 = from(Some("web"), lead("L2", 0, LeadState::Recycled, pool("p")));
    l2.assignments = vec![recycled("ana", MIN)];
    l2.recycles = vec![RecycleReason::NoBudget];
    // L3 (web): bo has it, never recycled.
    let mut l3 = from(Some("web"), lead("L3", 0, LeadState::Assigned, pool("p")));
    l3.assignments = vec![assignment("bo", "p", MIN, None)];
    // L4 (event): recycled twice, by ana then bo (student both times), then closed.
    let mut l4 = from(Some("event"), lead("L4", 0, LeadState::Closed, pool("p")));
    l4.assignments = vec![recycled("ana", MIN), recycled("bo", 90 * MIN)];
    l4.recycles = vec![RecycleReason::Student, RecycleReason::Student];
    // L5: no source, awaiting routing.
    let l5 = lead("L5", 0, LeadState::AwaitingRouting, pool("p"));

    let r = report_of(
        &[l1, l2, l3, l4, l5],
        day(),
        at(3 * 60 * MIN),
        &PoolWeights::new(),
    );
    let rep = |id: &str| {
        let f = r.reps.iter().find(|f| f.rep == id).unwrap();
        (
            f.assignments.assignments,
            f.assignments.recycled,
            f.assignments.recycle_percent,
        )
    };
    assert_eq!(rep("ana"), (3, 3, Some(100.0)));
    assert_eq!(rep("bo"), (3, 1, Some(100.0 / 3.0)));
    assert_eq!(r.overall.assignments.recycled, 4);
    assert_eq!(
        r.overall.assignments.recycle_percent,
        Some(4.0 * 100.0 / 6.0)
    );
    assert_eq!(r.overall.leads.recycled_parked, 1);
    assert_eq!(r.overall.leads.parked, 0);
    assert_eq!(
        r.sources,
        vec![
            SourceFigures {
                source: None,
                leads: 1,
                recycled_leads: 0,
                recycle_percent: Some(0.0),
                by_reason: vec![],
            },
            SourceFigures {
                source: Some("event".into()),
                leads: 1,
                recycled_leads: 1,
                recycle_percent: Some(100.0),
                by_reason: vec![RecycleCount {
                    reason: RecycleReason::Student,
                    recycles: 2
                }],
            },
            SourceFigures {
                source: Some("web".into()),
                leads: 3,
                recycled_leads: 2,
                recycle_percent: Some(200.0 / 3.0),
                by_reason: vec![
                    RecycleCount {
                        reason: RecycleReason::NoBudget,
                        recycles: 1
                    },
                    RecycleCount {
                        reason: RecycleReason::Student,
                        recycles: 1
                    },
                ],
            },
        ]
    );
}

#[test]
fn parked_then_escalated_counts_as_an_escalation() {
    // Parked all_at_cap at first (reported under p, its target pool), then assigned to a,
    // who let the SLA expire, then escalated.
    let mut a = assignment("a", "p", 20 * MIN, Some(5 * MIN));
    a.ended_at = Some(at(26 * MIN));
    a.ended_as = Some(EndedAs::Expired);
    let reason = ParkReason::Escalated;
    let mut l = lead("L1", 0, LeadState::Parked { reason }, pool("p"));
    l.assignments.push(a);
    l.picks.push(pick("p", "a", &["a"]));

    let r = report_of(&[l], day(), at(60 * MIN), &PoolWeights::new());
    let leads = &r.overall.leads;
    assert_eq!((leads.received, leads.assigned, leads.parked), (1, 0, 1));
    assert_eq!(leads.escalations, 1);
    assert_eq!(leads.parked_by_reason.len(), 1);
    assert_eq!(leads.parked_by_reason[0].reason, ParkReason::Escalated);
    assert_eq!((leads.ever_assigned, leads.reassigned), (1, 0));
    assert_eq!(leads.time_to_assign.p50_ms, Some(20 * MIN as u64));
    let asg = &r.overall.assignments;
    assert_eq!((asg.expired, asg.rejected), (1, 0));
    assert_eq!((asg.sla.known, asg.sla.missed), (1, 1));
    assert_eq!(pool_figures(&r, &pool("p")).leads.escalations, 1);
}

#[test]
fn unrecorded_ends_stay_out_of_acceptance_and_sla() {
    let mut earlier = assignment("a", "p", MIN, Some(MIN));
    earlier.ended_as = Some(EndedAs::Unrecorded);
    let mut l = lead("L1", 0, LeadState::Assigned, pool("p"));
    l.assignments = vec![earlier, assignment("b", "p", 5 * MIN, None)];
    let r = report_of(&[l], day(), at(60 * MIN), &PoolWeights::new());
    let a = &r.overall.assignments;
    assert_eq!(
        (a.assignments, a.unrecorded, a.rejected, a.accepted),
        (2, 1, 0, 0)
    );
    assert_eq!(
        a.sla.known, 0,
        "its due time passed, but nobody knows whether it was accepted"
    );
    assert_eq!(r.overall.leads.reassigned, 1);
}

#[test]
fn the_report_serializes_with_stable_names() {
    let r = report_of(&generated_day(), day(), at(24 * 60 * MIN), &weights_a1_b3());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["window"]["from"], "2026-06-01T09:00:00Z");
    assert_eq!(json["overall"]["leads"]["time_to_assign"]["p95_ms"], 19_000);
    assert_eq!(
        json["overall"]["leads"]["parked_by_reason"][0]["reason"],
        "no_rule"
    );
    assert_eq!(
        json["pools"][0]["pool"],
        serde_json::json!({ "kind": "pool", "id": "p" })
    );
    assert_eq!(
        json["pools"][2]["pool"],
        serde_json::json!({ "kind": "undecided" })
    );
    assert_eq!(
        json["pools"][1]["assignments"]["reject_percent"],
        serde_json::Value::Null
    );
    assert_eq!(json["pools"][0]["fairness"]["reps"][1]["target"], 15.0);
    assert_eq!(json["reps"][0]["assignments"]["sla"]["met"], 5);
}

// ---- invariants over random histories ----

const POOLS: [&str; 3] = ["p", "q", "triage"];
const REPS: [&str; 4] = ["a", "b", "c", "d"];

fn arb_state() -> impl Strategy<Value = LeadState> {
    prop_oneof![
        Just(LeadState::AwaitingRouting),
        Just(LeadState::Assigned),
        Just(LeadState::Closed),
        Just(LeadState::Duplicate),
        Just(LeadState::Recycled),
        (0..ParkReason::ALL.len()).prop_map(|i| LeadState::Parked {
            reason: ParkReason::ALL[i]
        }),
    ]
}

fn arb_pool_key() -> impl Strategy<Value = PoolKey> {
    prop_oneof![
        (0..POOLS.len()).prop_map(|i| pool(POOLS[i])),
        Just(PoolKey::AccountOwner),
        Just(PoolKey::Undecided),
    ]
}

fn arb_ended() -> impl Strategy<Value = Option<EndedAs>> {
    prop_oneof![
        Just(None),
        Just(Some(EndedAs::Closed)),
        Just(Some(EndedAs::Rejected)),
        Just(Some(EndedAs::Expired)),
        Just(Some(EndedAs::Released)),
        Just(Some(EndedAs::Recycled)),
        Just(Some(EndedAs::Unrecorded)),
    ]
}

prop_compose! {
    fn arb_assignment()(
        rep in 0..REPS.len(),
        pool in proptest::option::of(0..2usize),
        assigned in 0..(600 * MIN),
        sla in proptest::option::of(1..(60 * MIN)),
        accept in proptest::option::of(0..(120 * MIN)),
        end in proptest::option::of(0..(120 * MIN)),
        ended_as in arb_ended(),
    ) -> AssignmentFacts {
        AssignmentFacts {
            rep: REPS[rep].into(),
            pool: pool.map(|p| POOLS[p].into()),
            assigned_at: at(assigned),
            due_at: sla.map(|s| at(assigned + s)),
            accepted_at: accept.map(|a| at(assigned + a)),
            ended_at: end.map(|e| at(assigned + e)),
            ended_as,
        }
    }
}

prop_compose! {
    fn arb_pick()(pool in 0..2usize, picked in 0..REPS.len(), mask in 0..16u8) -> PoolPick {
        let eligible = (0..REPS.len())
            .filter(|&i| mask & (1 << i) != 0)
            .map(|i| REPS[i].into())
            .collect();
        PoolPick { pool: POOLS[pool].into(), picked: REPS[picked].into(), eligible }
    }
}

prop_compose! {
    fn arb_lead()(
        id in 0..1_000u32,
        received in -(120 * MIN)..(26 * 60 * MIN),
        state in arb_state(),
        pool in arb_pool_key(),
        assignments in proptest::collection::vec(arb_assignment(), 0..4),
        picks in proptest::collection::vec(arb_pick(), 0..3),
    ) -> LeadFacts {
        LeadFacts {
            lead_id: format!("L{id}").into(),
            received_at: at(received),
            state,
            pool,
            assignments,
            picks,
            source: None,
            recycles: Vec::new(),
        }
    }
}

fn arb_weights() -> impl Strategy<Value = PoolWeights> {
    proptest::collection::vec(1..5u32, POOLS.len() * REPS.len()).prop_map(|ws| {
        let mut w = PoolWeights::new();
        for (i, weight) in ws.into_iter().enumerate() {
            w.set(
                POOLS[i / REPS.len()].into(),
                REPS[i % REPS.len()].into(),
                weight,
            );
        }
        w
    })
}

fn ordered(p: &Percentiles) -> bool {
    match (p.p50_ms, p.p95_ms, p.p99_ms) {
        (None, None, None) => p.count == 0,
        (Some(a), Some(b), Some(c)) => p.count > 0 && a <= b && b <= c,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn figures_add_up(
        leads in proptest::collection::vec(arb_lead(), 0..40),
        weights in arb_weights(),
        now_min in 0..(30 * 60i64),
    ) {
        let window = day();
        let r = report_of(&leads, window, at(now_min * MIN), &weights);
        let in_window: Vec<&LeadFacts> =
            leads.iter().filter(|l| window.contains(l.received_at)).collect();
        let o = &r.overall.leads;

        prop_assert_eq!(o.received + r.duplicates, in_window.len() as u64);
        prop_assert_eq!(
            o.assigned + o.parked + o.recycled_parked + o.awaiting_routing,
            o.received
        );
        prop_assert_eq!(o.parked_by_reason.iter().map(|p| p.leads).sum::<u64>(), o.parked);
        prop_assert!(o.reassigned <= o.ever_assigned && o.ever_assigned <= o.received);
        let sum = |f: &dyn Fn(&PoolFigures) -> u64| r.pools.iter().map(f).sum::<u64>();
        prop_assert_eq!(sum(&|p| p.leads.received), o.received);
        prop_assert_eq!(sum(&|p| p.leads.assigned), o.assigned);
        prop_assert_eq!(sum(&|p| p.leads.parked), o.parked);
        prop_assert_eq!(sum(&|p| p.leads.escalations), o.escalations);
        prop_assert_eq!(sum(&|p| p.assignments.assignments), r.overall.assignments.assignments);
        prop_assert_eq!(
            r.reps.iter().map(|p| p.assignments.assignments).sum::<u64>(),
            r.overall.assignments.assignments
        );

        let mut assignment_figures = vec![&r.overall.assignments];
        assignment_figures.extend(r.pools.iter().map(|p| &p.assignments));
        assignment_figures.extend(r.reps.iter().map(|p| &p.assignments));
        for a in assignment_figures {
            prop_assert!(ordered(&a.time_to_accept));
            prop_assert_eq!(a.time_to_accept.count, a.accepted);
            prop_assert_eq!(a.sla.met + a.sla.missed, a.sla.known);
            prop_assert!(a.sla.known <= a.assignments);
            prop_assert!(a.rejected + a.expired + a.recycled + a.unrecorded <= a.assignments);
        }
        prop_assert!(ordered(&o.time_to_assign));
        for p in &r.pools {
            prop_assert_eq!(
                p.leads.assigned + p.leads.parked + p.leads.recycled_parked
                    + p.leads.awaiting_routing,
                p.leads.received
            );
            prop_assert!(ordered(&p.leads.time_to_assign));
            if let Some(f) = &p.fairness {
                let target: f64 = f.reps.iter().map(|r| r.target).sum();
                prop_assert!((target - f.decisions as f64).abs() < 1e-9 * (1.0 + f.decisions as f64),
                    "targets of {} sum to {} over {} decisions", p.pool, target, f.decisions);
                prop_assert_eq!(f.reps.iter().map(|r| r.assignments).sum::<u64>(), f.decisions);
                for row in &f.reps {
                    prop_assert!(row.eligible_in <= f.decisions);
                    prop_assert!(row.assignments <= row.eligible_in);
                }
            }
        }
    }

    #[test]
    fn the_order_of_pages_does_not_matter(
        leads in proptest::collection::vec(arb_lead(), 0..30),
        weights in arb_weights(),
    ) {
        let now = at(25 * 60 * MIN);
        let forward = report_of(&leads, day(), now, &weights);
        let mut reversed = leads.clone();
        reversed.reverse();
        prop_assert_eq!(forward, report_of(&reversed, day(), now, &weights));
    }
}
