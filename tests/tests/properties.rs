//! Properties over random policies and lead streams: caps are never exceeded, decisions
//! are deterministic, every lead ends assigned or parked with a reason, records explain
//! every candidate, and bounced reps are only re-offered when nobody else can take a lead.

mod common;

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use switchboard_routing::condition::{Condition, FieldTest};
use switchboard_routing::decision::{Skip, StepKind, Verdict};
use switchboard_routing::policy::{LeadTagDoc, PolicyDocument, RequireDoc, StrategyKind};
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{
    Account, AwayStatus, CompiledPolicy, Decision, DecisionRecord, Lead, Outcome, ParkReason,
    RepId, Scalar, Snapshot,
};

const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
];
const COUNTRIES: [&str; 3] = ["DE", "US", "FR"];

// ---- the random world ----

#[derive(Debug, Clone)]
struct RepGen {
    zone: usize,
    max_open: Option<u32>,
    max_per_day: Option<u32>,
    max_per_week: Option<u32>,
    fintech: bool,
    /// Holds `territory:<country>` for each of COUNTRIES.
    territory: [bool; 3],
    hours: bool,
}

#[derive(Debug, Clone)]
struct PoolGen {
    strategy: StrategyKind,
    catch_up: bool,
    /// (rep index, weight); indices are reduced modulo the rep count.
    members: Vec<(usize, u32)>,
}

#[derive(Debug, Clone)]
struct RuleGen {
    country: usize,
    pool: usize,
    fallbacks: Vec<usize>,
    sticky: bool,
    any_fintech: bool,
    territory: bool,
}

#[derive(Debug, Clone)]
struct World {
    reps: Vec<RepGen>,
    pools: Vec<PoolGen>,
    rules: Vec<RuleGen>,
    /// The last rule matches every lead.
    catch_all: bool,
}

fn strategy_kind() -> impl Strategy<Value = StrategyKind> {
    prop_oneof![
        Just(StrategyKind::RoundRobin),
        Just(StrategyKind::WeightedRoundRobin),
        Just(StrategyKind::LeastLoaded),
    ]
}

fn rep_gen() -> impl Strategy<Value = RepGen> {
    (
        0..ZONES.len(),
        prop::option::of(1u32..=4),
        prop::option::of(1u32..=5),
        prop::option::of(1u32..=9),
        any::<bool>(),
        any::<[bool; 3]>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(zone, max_open, max_per_day, max_per_week, fintech, territory, hours)| RepGen {
                zone,
                max_open,
                max_per_day,
                max_per_week,
                fintech,
                territory,
                hours,
            },
        )
}

fn world() -> impl Strategy<Value = World> {
    let pool = (
        strategy_kind(),
        any::<bool>(),
        prop::collection::vec((0usize..6, 1u32..=5), 1..=4),
    )
        .prop_map(|(strategy, catch_up, members)| PoolGen {
            strategy,
            catch_up,
            members,
        });
    let rule = (
        0..COUNTRIES.len(),
        0usize..3,
        prop::collection::vec(0usize..3, 0..=2),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(country, pool, fallbacks, sticky, any_fintech, territory)| RuleGen {
                country,
                pool,
                fallbacks,
                sticky,
                any_fintech,
                territory,
            },
        );
    (
        prop::collection::vec(rep_gen(), 2..=6),
        prop::collection::vec(pool, 1..=3),
        prop::collection::vec(rule, 1..=3),
        any::<bool>(),
    )
        .prop_map(|(reps, pools, rules, catch_all)| World {
            reps,
            pools,
            rules,
            catch_all,
        })
}

impl World {
    fn document(&self) -> PolicyDocument {
        let rep_id = |i: usize| format!("rep{i}");
        let reps = self
            .reps
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut r = common::rep(&rep_id(i));
                r.time_zone = ZONES[g.zone].to_owned();
                r.caps.max_open = g.max_open.map(i64::from);
                r.caps.max_per_day = g.max_per_day.map(i64::from);
                r.caps.max_per_week = g.max_per_week.map(i64::from);
                if g.fintech {
                    r.skills.push("fintech".into());
                }
                for (c, has) in COUNTRIES.iter().zip(g.territory) {
                    if has {
                        r.skills.push(format!("territory:{c}"));
                    }
                }
                if g.hours {
                    r.working_hours =
                        Some([("mon-fri".to_owned(), vec!["08:00-20:00".to_owned()])].into());
                }
                r
            })
            .collect();
        let pools = self
            .pools
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut seen = Vec::new();
                let members = g
                    .members
                    .iter()
                    .filter_map(|&(r, w)| {
                        let r = r % self.reps.len();
                        if seen.contains(&r) {
                            return None;
                        }
                        seen.push(r);
                        let w = if g.strategy == StrategyKind::WeightedRoundRobin {
                            w
                        } else {
                            1
                        };
                        Some(common::member(&rep_id(r), i64::from(w)))
                    })
                    .collect();
                let mut p = common::pool(&format!("pool{i}"), g.strategy, members);
                p.catch_up = g.catch_up && g.strategy == StrategyKind::WeightedRoundRobin;
                p
            })
            .collect();
        let last = self.rules.len() - 1;
        let rules = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let target = g.pool % self.pools.len();
                let mut r = common::rule(&format!("rule{i}"), &format!("pool{target}"));
                if !(self.catch_all && i == last) {
                    r.when = Some(Condition::Test(Box::new(FieldTest {
                        field: "country".into(),
                        in_: Some(vec![Scalar::from(COUNTRIES[g.country])]),
                        ..FieldTest::default()
                    })));
                }
                let mut waterfall = vec![target];
                for f in &g.fallbacks {
                    let f = f % self.pools.len();
                    if !waterfall.contains(&f) {
                        waterfall.push(f);
                        r.fallbacks.push(format!("pool{f}"));
                    }
                }
                r.sticky = g.sticky;
                if g.any_fintech || g.territory {
                    r.require = Some(RequireDoc {
                        all: Vec::new(),
                        any: if g.any_fintech {
                            vec!["fintech".into()]
                        } else {
                            Vec::new()
                        },
                        from_lead: if g.territory {
                            vec![LeadTagDoc {
                                field: "country".into(),
                                prefix: "territory:".into(),
                            }]
                        } else {
                            Vec::new()
                        },
                    });
                }
                if i % 2 == 1 {
                    r.park_in = Some(format!("parking{i}"));
                }
                r
            })
            .collect();
        common::document(reps, pools, rules)
    }
}

/// One lead of the stream, with what happens to the state just before it arrives.
#[derive(Debug, Clone)]
struct Event {
    advance_minutes: i64,
    /// Index into COUNTRIES, or none.
    country: Option<usize>,
    owner: Option<usize>,
    bounced: Vec<usize>,
    release: Option<usize>,
    toggle_away: Option<usize>,
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let event = (
        0i64..=900,
        prop::option::weighted(0.85, 0..COUNTRIES.len()),
        prop::option::weighted(0.3, 0usize..6),
        prop::collection::vec(0usize..6, 0..=2),
        prop::option::weighted(0.4, 0usize..6),
        prop::option::weighted(0.1, 0usize..6),
    )
        .prop_map(
            |(advance_minutes, country, owner, bounced, release, toggle_away)| Event {
                advance_minutes,
                country,
                owner,
                bounced,
                release,
                toggle_away,
            },
        );
    prop::collection::vec(event, 1..=40)
}

/// Everything about one routed lead that the properties look at.
struct Routed<'a> {
    doc: &'a PolicyDocument,
    policy: &'a CompiledPolicy,
    before: &'a Snapshot,
    lead: &'a Lead,
    account: Option<&'a Account>,
    bounced: &'a [RepId],
    now: Timestamp,
    decision: &'a Decision,
}

/// Routes the stream: before each lead applies the event's release and away toggle, then
/// decides, hands the result to `check`, and applies the decision's state change.
fn simulate(
    world: &World,
    events: &[Event],
    mut check: impl FnMut(&Routed<'_>, &Snapshot) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let doc = world.document();
    let policy = CompiledPolicy::compile(doc.clone(), 7)
        .map_err(|e| TestCaseError::fail(format!("generated policy is invalid: {e}")))?;
    let n = world.reps.len();
    let mut state = Snapshot::empty(&policy);
    // Friday before the EU DST switch; the stream runs for days across weekends.
    let mut now = switchboard_testkit::ts("2026-03-27T06:00:00Z");
    for (i, ev) in events.iter().enumerate() {
        now = now.checked_add(ev.advance_minutes.minutes()).unwrap();
        if let Some(r) = ev.release {
            state.release((r % n) as u32);
        }
        if let Some(r) = ev.toggle_away {
            let rs = &mut state.reps[r % n];
            rs.away = match rs.away {
                Some(_) => None,
                None => Some(AwayStatus {
                    since: now,
                    until: None,
                }),
            };
        }
        let mut lead = Lead::new(format!("lead-{i}"), now);
        if let Some(c) = ev.country {
            lead = lead.with_country(COUNTRIES[c]);
        }
        let account = ev.owner.map(|o| Account {
            id: format!("acc-{i}"),
            owner: Some(format!("rep{}", o % n)),
            ..Account::default()
        });
        let bounced: Vec<RepId> = ev
            .bounced
            .iter()
            .map(|b| RepId::from(format!("rep{}", b % n)))
            .collect();
        let decision = common::decide_one(&policy, &state, &lead, account.as_ref(), &bounced, now);
        let mut after = state.clone();
        after.apply(&decision.change);
        check(
            &Routed {
                doc: &doc,
                policy: &policy,
                before: &state,
                lead: &lead,
                account: account.as_ref(),
                bounced: &bounced,
                now,
                decision: &decision,
            },
            &after,
        )?;
        state = after;
    }
    Ok(())
}

fn week_of(date: Date) -> Date {
    date.checked_sub((date.weekday().to_monday_zero_offset() as i64).days())
        .unwrap()
}

const SKIP_CODES: [&str; 9] = [
    "at_cap",
    "daily_cap",
    "weekly_cap",
    "away",
    "out_of_office",
    "holiday",
    "outside_hours",
    "lacks_skill",
    "bounced_before",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Invariant 3 at the engine level: with every decision applied and random releases,
    /// open leads never exceed max_open and the day/week counts, recounted independently in
    /// each rep's own time zone, never exceed their caps; the open counter always equals the
    /// model's count of open assignments.
    #[test]
    fn caps_are_never_exceeded(world in world(), events in events()) {
        let n = world.reps.len();
        let mut open = vec![0u32; n];
        let mut per_day: HashMap<(usize, Date), u32> = HashMap::new();
        let mut per_week: HashMap<(usize, Date), u32> = HashMap::new();
        let zones: Vec<TimeZone> = world.reps.iter().map(|r| TimeZone::get(ZONES[r.zone]).unwrap()).collect();
        simulate(&world, &events, |r, after| {
            // Releases between leads are visible in `before`; bring the model in line.
            for (i, o) in open.iter_mut().enumerate() {
                prop_assert!(r.before.reps[i].open <= *o, "open count grew without an assignment");
                *o = r.before.reps[i].open;
            }
            if let Some(rep) = r.decision.assigned_rep() {
                let i = rep as usize;
                open[i] += 1;
                let date = zones[i].to_datetime(r.now).date();
                *per_day.entry((i, date)).or_default() += 1;
                *per_week.entry((i, week_of(date))).or_default() += 1;
                let caps = &world.reps[i];
                if let Some(max) = caps.max_open {
                    prop_assert!(open[i] <= max, "rep{} has {} open, cap {}", i, open[i], max);
                }
                if let Some(max) = caps.max_per_day {
                    let c = per_day[&(i, date)];
                    prop_assert!(c <= max, "rep{} got {} leads on {}, cap {}", i, c, date, max);
                }
                if let Some(max) = caps.max_per_week {
                    let c = per_week[&(i, week_of(date))];
                    prop_assert!(c <= max, "rep{} got {} leads in week of {}, cap {}", i, c, week_of(date), max);
                }
                // The change carries the same numbers storage will condition on.
                let rc = r.decision.change.rep.unwrap();
                prop_assert_eq!(rc.day.after, per_day[&(i, date)]);
                prop_assert_eq!(rc.week.after, per_week[&(i, week_of(date))]);
            }
            for (i, o) in open.iter().enumerate() {
                prop_assert_eq!(after.reps[i].open, *o, "rep{} open counter", i);
            }
            // Smooth weighted round robin keeps its credits summing to zero.
            for (pi, p) in after.pools.iter().enumerate() {
                prop_assert_eq!(p.credits.iter().sum::<i64>(), 0, "credits of pool{}", pi);
            }
            Ok(())
        })?;
    }

    /// The same policy, state and clock give the same decision: twice in a row, on a cloned
    /// snapshot, and under a second compilation of the same document.
    #[test]
    fn same_inputs_give_the_same_decision(world in world(), events in events()) {
        let doc = world.document();
        let second = CompiledPolicy::compile(doc, 7).unwrap();
        simulate(&world, &events, |r, _| {
            let again = |policy: &CompiledPolicy, state: &Snapshot| {
                common::decide_one(policy, state, r.lead, r.account, r.bounced, r.now)
            };
            let twice = again(r.policy, r.before);
            let cloned = again(r.policy, &r.before.clone());
            let recompiled = again(&second, r.before);
            prop_assert_eq!(r.decision, &twice);
            prop_assert_eq!(r.decision, &cloned);
            prop_assert_eq!(r.decision, &recompiled);
            let rec = DecisionRecord::new(r.policy, r.lead, r.decision);
            prop_assert_eq!(&rec, &DecisionRecord::new(r.policy, r.lead, &twice));
            prop_assert_eq!(&rec, &DecisionRecord::new(&second, r.lead, &recompiled));
            Ok(())
        })?;
    }

    /// Nothing is dropped: an assigned lead has exactly one picked rep and a rep change for
    /// that rep; a parked lead has a reason, a named pool, and changes nothing.
    #[test]
    fn every_lead_ends_assigned_or_parked_with_a_reason(world in world(), events in events()) {
        simulate(&world, &events, |r, _| {
            let d = r.decision;
            let picked: Vec<_> = d.candidates.iter().filter(|c| c.verdict == Verdict::Picked).collect();
            match d.outcome {
                Outcome::Assigned { rep, pool } => {
                    prop_assert!(d.park_in.is_none());
                    let rc = d.change.rep.expect("an assignment changes the rep");
                    prop_assert_eq!(rc.rep, rep);
                    prop_assert_eq!(rc.open_after, rc.open_before + 1);
                    prop_assert_eq!(rc.open_before, r.before.reps[rep as usize].open);
                    prop_assert_eq!(picked.len(), 1);
                    prop_assert_eq!(picked[0].rep, rep);
                    prop_assert_eq!(d.steps.last().unwrap().picked, Some(rep));
                    let rule = &r.doc.rules[d.rule.expect("assigned by a rule") as usize];
                    match pool {
                        Some(p) => {
                            let id = r.policy.pool_id(p);
                            prop_assert!(*id == rule.pool || rule.fallbacks.iter().any(|f| f == id));
                            prop_assert!(r.policy.pools()[p as usize].members.iter().any(|m| m.rep == rep));
                            let keeps_state = r.policy.pools()[p as usize].strategy != StrategyKind::LeastLoaded;
                            prop_assert_eq!(d.change.pool.is_some(), keeps_state);
                        }
                        None => {
                            prop_assert!(rule.sticky, "only a sticky rule assigns outside a pool");
                            prop_assert_eq!(r.account.and_then(|a| a.owner.as_deref()), Some(r.policy.rep_id(rep).as_str()));
                            prop_assert!(d.change.pool.is_none());
                        }
                    }
                }
                Outcome::Parked { reason } => {
                    let park_in = d.park_in.as_deref().unwrap_or("");
                    prop_assert!(!park_in.is_empty(), "parked without a pool");
                    prop_assert_eq!(&d.change, &Default::default());
                    prop_assert!(picked.is_empty());
                    match reason {
                        ParkReason::NoRuleMatched => {
                            prop_assert_eq!(d.rule, None);
                            prop_assert_eq!(park_in, "triage");
                            prop_assert!(d.steps.is_empty());
                        }
                        ParkReason::KillSwitch => prop_assert!(false, "kill switch is off"),
                        ParkReason::Escalated => prop_assert!(false, "no escalation configured"),
                        waterfall => {
                            let rule = &r.doc.rules[d.rule.unwrap() as usize];
                            prop_assert_eq!(park_in, rule.park_in.as_deref().unwrap_or("triage"));
                            // Every candidate of every step was passed over, for a reason.
                            prop_assert!(d.candidates.iter().all(|c| matches!(c.verdict, Verdict::Skipped(_))));
                            prop_assert!(!d.steps.is_empty());
                            // The park reason names what the reps' reasons have in common.
                            let kinds: BTreeSet<&str> = d
                                .candidates
                                .iter()
                                .filter_map(|c| match &c.verdict {
                                    Verdict::Skipped(Skip::BouncedBefore) => None,
                                    Verdict::Skipped(Skip::AtCap { .. } | Skip::DailyCap { .. } | Skip::WeeklyCap { .. }) => Some("cap"),
                                    Verdict::Skipped(Skip::OutsideHours { .. } | Skip::Holiday { .. }) => Some("hours"),
                                    Verdict::Skipped(Skip::Away { .. } | Skip::OutOfOffice { .. }) => Some("away"),
                                    Verdict::Skipped(Skip::LacksSkill(_)) => Some("skill"),
                                    other => panic!("{other:?} in a parking decision"),
                                })
                                .collect();
                            let only = |k: &str| kinds.len() == 1 && kinds.contains(k);
                            let expected = match waterfall {
                                ParkReason::AllAtCap => only("cap"),
                                ParkReason::AllOutsideHours => only("hours"),
                                ParkReason::AllAway => only("away"),
                                ParkReason::NoSkilledRep => only("skill"),
                                ParkReason::NoReps => kinds.is_empty(),
                                ParkReason::NoneAvailable => kinds.len() > 1 && !kinds.contains("skill"),
                                ParkReason::NoEligibleRep => kinds.len() > 1 && kinds.contains("skill"),
                                _ => false,
                            };
                            prop_assert!(expected, "{:?} for {:?}", waterfall, kinds);
                            prop_assert_eq!(waterfall.is_temporary(), !kinds.is_empty() && !kinds.contains("skill"));
                        }
                    }
                    let rec = DecisionRecord::new(r.policy, r.lead, d);
                    match rec.outcome {
                        OutcomeRecord::Parked { pool, reason: why } => {
                            prop_assert_eq!(pool, park_in);
                            prop_assert_eq!(why, reason);
                        }
                        other => prop_assert!(false, "record disagrees: {:?}", other),
                    }
                }
            }
            Ok(())
        })?;
    }

    /// The record answers "why": the summary names the rep (or parking pool) and the rule;
    /// every skipped candidate has a known reason code and a human detail; it survives JSON.
    #[test]
    fn decision_records_explain_every_candidate(world in world(), events in events()) {
        simulate(&world, &events, |r, _| {
            let d = r.decision;
            let rec = DecisionRecord::new(r.policy, r.lead, d);
            prop_assert_eq!(&rec.lead_id, &r.lead.id);
            prop_assert_eq!(rec.policy_version, 7);
            prop_assert_eq!(rec.steps.len(), d.steps.len());
            if let Some(rule) = &rec.rule {
                prop_assert!(rec.summary.contains(&format!("rule {rule}")), "{}", rec.summary);
            }
            match &rec.outcome {
                OutcomeRecord::Assigned { rep, .. } => {
                    prop_assert!(rec.summary.contains(&format!("({rep})")), "{}", rec.summary);
                }
                OutcomeRecord::Parked { pool, .. } => {
                    prop_assert!(rec.summary.contains(&format!("Parked in {pool}")), "{}", rec.summary);
                }
            }
            for (step, st) in rec.steps.iter().zip(&d.steps) {
                for (c, raw) in step.candidates.iter().zip(d.step_candidates(st)) {
                    prop_assert_eq!(&c.rep, r.policy.rep_id(raw.rep));
                    prop_assert!(!c.detail.trim().is_empty());
                    match raw.verdict {
                        Verdict::Skipped(_) => {
                            prop_assert_eq!(c.status.as_str(), "skipped");
                            let code = c.reason.as_deref().unwrap_or("");
                            prop_assert!(SKIP_CODES.contains(&code), "unknown reason {:?}", code);
                        }
                        Verdict::Picked => {
                            prop_assert_eq!(c.status.as_str(), "picked");
                            prop_assert!(c.reason.is_none());
                        }
                        Verdict::Eligible => {
                            prop_assert_eq!(c.status.as_str(), "eligible");
                            prop_assert!(c.reason.is_none());
                        }
                    }
                }
            }
            // The first rep passed over is always named in the summary (it lists up to five).
            let first_skipped = rec.steps.iter().flat_map(|s| &s.candidates).find(|c| c.status == "skipped");
            if let Some(c) = first_skipped {
                let note = format!("Passed over: {} {}", c.rep, c.detail);
                prop_assert!(rec.summary.contains(&note), "{:?} lacks {:?}", rec.summary, note);
            }
            let json = serde_json::to_string(&rec).unwrap();
            let back: DecisionRecord = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, rec);
            Ok(())
        })?;
    }
}

// ---- bounced reps ----

#[derive(Debug, Clone)]
struct BounceCase {
    reps: usize,
    pools: Vec<PoolGen>,
    sticky_owner: Option<usize>,
    away: Vec<bool>,
    bounced: Vec<bool>,
    warm_up: usize,
}

fn bounce_case() -> impl Strategy<Value = BounceCase> {
    (2usize..=6)
        .prop_flat_map(|reps| {
            let pool = (
                strategy_kind(),
                prop::collection::vec((0..reps, 1u32..=5), 1..=reps),
            )
                .prop_map(|(strategy, members)| PoolGen {
                    strategy,
                    catch_up: false,
                    members,
                });
            (
                Just(reps),
                prop::collection::vec(pool, 1..=3),
                prop::option::of(0..reps),
                prop::collection::vec(prop::bool::weighted(0.35), reps),
                prop::collection::vec(prop::bool::weighted(0.45), reps),
                0usize..8,
            )
        })
        .prop_map(
            |(reps, pools, sticky_owner, away, bounced, warm_up)| BounceCase {
                reps,
                pools,
                sticky_owner,
                away,
                bounced,
                warm_up,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Invariant 5: a lead never goes back to a rep it bounced from while someone else in the
    /// waterfall (owner step included) can take it; when nobody else can, the bounced reps are
    /// offered again on a second, `rebounce` pass; when not even they can, it parks.
    #[test]
    fn bounced_reps_are_reoffered_only_when_nobody_else_can_take_the_lead(case in bounce_case()) {
        let world = World {
            reps: (0..case.reps)
                .map(|_| RepGen { zone: 0, max_open: None, max_per_day: None, max_per_week: None, fintech: false, territory: [false; 3], hours: false })
                .collect(),
            pools: case.pools.clone(),
            rules: vec![RuleGen {
                country: 0,
                pool: 0,
                fallbacks: (1..case.pools.len()).collect(),
                sticky: case.sticky_owner.is_some(),
                any_fintech: false,
                territory: false,
            }],
            catch_all: true,
        };
        let policy = CompiledPolicy::compile(world.document(), 1).unwrap();
        let now = switchboard_testkit::monday();
        let lead = Lead::new("l", now);
        let mut state = Snapshot::empty(&policy);
        // Move cursors and credits away from their start.
        for _ in 0..case.warm_up {
            let d = common::decide_one(&policy, &state, &lead, None, &[], now);
            state.apply(&d.change);
        }
        for (i, away) in case.away.iter().enumerate() {
            if *away {
                state.reps[i].away = Some(AwayStatus { since: now, until: None });
            }
        }
        let account = case.sticky_owner.map(|o| Account {
            id: "acc".into(),
            owner: Some(format!("rep{o}")),
            ..Account::default()
        });
        let bounced: Vec<RepId> = (0..case.reps).filter(|&i| case.bounced[i]).map(|i| RepId::from(format!("rep{i}"))).collect();
        let d = common::decide_one(&policy, &state, &lead, account.as_ref(), &bounced, now);

        // Who the waterfall reaches, and who of them is available.
        let mut reachable: Vec<usize> = policy.pools().iter().flat_map(|p| p.members.iter().map(|m| m.rep as usize)).collect();
        reachable.extend(case.sticky_owner);
        let available = |i: &usize| !case.away[*i];
        let fresh = reachable.iter().filter(|i| available(i) && !case.bounced[**i]).count();
        let again = reachable.iter().filter(|i| available(i) && case.bounced[**i]).count();

        let picked_step = d.steps.iter().find(|s| s.picked.is_some());
        if fresh > 0 {
            let rep = d.assigned_rep().expect("someone fresh can take it") as usize;
            prop_assert!(!case.bounced[rep], "re-picked bounced rep{} while others could take it", rep);
            prop_assert!(d.steps.iter().all(|s| !s.rebounce));
        } else if again > 0 {
            let rep = d.assigned_rep().expect("a bounced rep can take it") as usize;
            prop_assert!(case.bounced[rep]);
            prop_assert!(picked_step.unwrap().rebounce, "picked outside the rebounce pass");
        } else {
            // Nobody available: everyone reachable is away, or nobody is reachable.
            let expected = if reachable.is_empty() { ParkReason::NoReps } else { ParkReason::AllAway };
            prop_assert_eq!(d.outcome, Outcome::Parked { reason: expected });
        }
        // On the first pass every bounced rep shows up as bounced_before.
        for st in d.steps.iter().filter(|s| !s.rebounce) {
            for c in d.step_candidates(st) {
                if case.bounced[c.rep as usize] {
                    prop_assert_eq!(c.verdict, Verdict::Skipped(Skip::BouncedBefore));
                }
            }
        }
        // The second pass happens only when the first found no one and somebody had bounced.
        let rebounced = d.steps.iter().any(|s| s.rebounce);
        let first_pass_bounced = d.steps.iter().filter(|s| !s.rebounce).any(|s| {
            d.step_candidates(s).iter().any(|c| c.verdict == Verdict::Skipped(Skip::BouncedBefore))
        });
        prop_assert_eq!(rebounced, fresh == 0 && first_pass_bounced);
        if let Some(s) = d.steps.first() {
            let owner_first = matches!(s.kind, StepKind::AccountOwner);
            prop_assert_eq!(owner_first, case.sticky_owner.is_some());
        }
    }
}
