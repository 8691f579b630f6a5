//! `decide`: one lead, one policy version, one state snapshot, one clock reading.
//!
//! Order: kill switch → first matching rule → (sticky) account owner → target pool →
//! fallback pools → park. Reps the lead bounced from are skipped on a first pass and only
//! offered again, on a second pass, when nobody else in the waterfall can take the lead.

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};

use crate::account::{Account, MatchedBy};
use crate::condition::{FieldCache, MatchContext, Value};
use crate::decision::{
    AccountInfo, Candidate, Decision, FitNote, Outcome, ParkReason, PoolChange, RepChange,
    RequirementRef, Skip, StateChange, Step, StepKind, Verdict, WindowChange,
};
use crate::fit::{self, Tally};
use crate::ids::RepId;
use crate::lead::Lead;
use crate::policy::{
    CompiledPolicy, FairnessWindow, MAX_FROM_LEAD, PoolIdx, RepIdx, RepSpec, Requirement, RuleSpec,
    SlaClock, StrategyKind, TagId,
};
use crate::state::{PoolState, RepState, Snapshot};

/// The inputs of one decision besides the policy and the state.
#[derive(Debug, Clone, Copy)]
pub struct DecideInput<'a> {
    pub lead: &'a Lead,
    /// The account the lead matched, if any (see [`crate::match_account`]).
    pub account: Option<(&'a Account, MatchedBy)>,
    /// Rep ids this lead was already assigned to and bounced from (rejected or SLA expired).
    pub bounced: &'a [RepId],
    pub now: Timestamp,
}

/// Decides where a lead goes. Pure: the same inputs always give the same decision.
pub fn decide(policy: &CompiledPolicy, state: &Snapshot, input: &DecideInput<'_>) -> Decision {
    // Scored first, so every record (a parked one too) shows the score.
    let score = policy.score(input.lead, input.account.map(|(a, _)| a));
    let segment = policy.outcome_segment(&MatchContext {
        lead: input.lead,
        account: input.account.map(|(a, _)| a),
        score: score.as_ref(),
    });
    let mut d = decide_scored(policy, state, input, score.as_ref(), segment.as_deref());
    d.score = score;
    d.segment = segment;
    d
}

/// [`decide`] with the lead's score (the rules' `score` and `grade`) already known.
fn decide_scored(
    policy: &CompiledPolicy,
    state: &Snapshot,
    input: &DecideInput<'_>,
    score: Option<&crate::score::Score>,
    segment: Option<&str>,
) -> Decision {
    let mut d = Decision {
        policy_version: policy.version(),
        decided_at: input.now,
        account: input.account.map(|(a, by)| AccountInfo {
            id: a.id.clone(),
            matched_by: by,
            owner: a.owner.as_deref().and_then(|o| policy.rep_index(o)),
        }),
        rule: None,
        outcome: Outcome::Parked {
            reason: ParkReason::KillSwitch,
        },
        park_in: None,
        steps: Vec::with_capacity(4),
        candidates: Vec::new(),
        strategy: None,
        sla_due: None,
        change: StateChange::default(),
        score: None,
        segment: None,
        fit: None,
    };
    if policy.kill_switch() {
        d.park_in = Some(policy.triage_pool().to_owned());
        return d;
    }
    // A lead that bounced as often as the escalation allows goes to people, not reps.
    if let Some(e) = policy.escalation()
        && input.bounced.len() >= e.after_bounces as usize
    {
        d.outcome = Outcome::Parked {
            reason: ParkReason::Escalated,
        };
        d.park_in = Some(e.to_pool.clone());
        return d;
    }

    let ctx = MatchContext {
        lead: input.lead,
        account: input.account.map(|(a, _)| a),
        score,
    };
    let mut fields = FieldCache::new(ctx);
    let Some((rule_idx, rule)) = policy.first_matching_rule(&mut fields) else {
        d.outcome = Outcome::Parked {
            reason: ParkReason::NoRuleMatched,
        };
        d.park_in = Some(policy.triage_pool().to_owned());
        return d;
    };
    d.rule = Some(rule_idx as u32);
    // One allocation for the explanation: room for every member of the waterfall.
    d.candidates.reserve(
        rule.waterfall
            .iter()
            .map(|&p| policy.pools[p as usize].members.len())
            .sum::<usize>()
            + 1,
    );

    let from_lead = resolve_from_lead(&rule.require, &ctx);
    let mut run = Run {
        policy,
        state,
        input,
        rule,
        from_lead,
        clock: LocalClock::new(input.now),
        saw_bounced: false,
        segment,
    };

    let owner = d.account.as_ref().and_then(|a| a.owner);
    for rebounce in [false, true] {
        if rebounce && !run.saw_bounced {
            break;
        }
        if rule.sticky
            && let Some(owner) = owner
            && let Some(rep) = run.owner_step(&mut d, owner, rebounce)
        {
            d.outcome = Outcome::Assigned { rep, pool: None };
            d.change.rep = Some(run.rep_change(rep));
            d.sla_due = sla_due(policy, rule, owner, input.now);
            return d;
        }
        for &pool in &rule.waterfall {
            if let Some((rep, pool_change)) = run.pool_step(&mut d, pool, rebounce) {
                d.outcome = Outcome::Assigned {
                    rep,
                    pool: Some(pool),
                };
                let spec = &policy.pools[pool as usize];
                d.strategy = Some(if spec.best_fit.is_some() {
                    StrategyKind::BestFit
                } else {
                    spec.strategy
                });
                d.change.rep = Some(run.rep_change(rep));
                d.change.pool = pool_change;
                d.sla_due = sla_due(policy, rule, rep, input.now);
                return d;
            }
        }
    }
    let skips = d.candidates.iter().filter_map(|c| match &c.verdict {
        Verdict::Skipped(skip) => Some(skip),
        _ => None,
    });
    d.outcome = Outcome::Parked {
        reason: ParkReason::unavailable(skips),
    };
    d.park_in = Some(rule.park_in.clone());
    d
}

/// The accept deadline: the rule's SLA (or the default) from `now`, on the wall clock or,
/// under `sla_clock: working_hours`, in the assigned rep's working hours.
fn sla_due(
    policy: &CompiledPolicy,
    rule: &RuleSpec,
    rep: RepIdx,
    now: Timestamp,
) -> Option<Timestamp> {
    sla_due_of(policy, rule.sla, rep, now)
}

/// [`sla_due`] for an SLA of `sla`, else the policy's default.
pub(crate) fn sla_due_of(
    policy: &CompiledPolicy,
    sla: Option<SignedDuration>,
    rep: RepIdx,
    now: Timestamp,
) -> Option<Timestamp> {
    let sla = sla.or(policy.default_sla())?;
    let spec = &policy.reps[rep as usize];
    if policy.sla_clock() == SlaClock::WorkingHours
        && let Some(hours) = &spec.hours
        && let Some(due) = crate::sla::working_due(
            hours,
            &policy.time_zones[spec.tz as usize],
            &spec.holidays,
            now,
            sla,
        )
    {
        return Some(due);
    }
    now.checked_add(sla).ok()
}

/// Lead-derived tag requirements, resolved once per decision.
/// `None`: the lead lacks the field (requirement skipped); `Some(None)`: no rep has the tag.
type FromLead = [Option<Option<TagId>>; MAX_FROM_LEAD];

fn resolve_from_lead(req: &Requirement, ctx: &MatchContext<'_>) -> FromLead {
    let mut out: FromLead = [None; MAX_FROM_LEAD];
    for (slot, fl) in out.iter_mut().zip(req.from_lead.iter()) {
        *slot = ctx.get(&fl.field).map(|v| {
            let mut buf = [0u8; 64];
            let text_owned;
            let key: &str = match v {
                Value::Text(t) => {
                    let t = t.trim();
                    if t.len() <= buf.len() && t.is_ascii() {
                        buf[..t.len()].copy_from_slice(t.as_bytes());
                        buf[..t.len()].make_ascii_lowercase();
                        std::str::from_utf8(&buf[..t.len()]).unwrap_or(t)
                    } else {
                        text_owned = t.to_lowercase();
                        &text_owned
                    }
                }
                Value::Number(n) => {
                    text_owned = n.to_string();
                    &text_owned
                }
                Value::Bool(b) => {
                    if b {
                        "true"
                    } else {
                        "false"
                    }
                }
            };
            fl.by_suffix.get(key).copied()
        });
    }
    out
}

/// A clock reading in one time zone, with what the constraints need precomputed.
#[derive(Clone, Copy, Default)]
struct Local {
    dt: DateTime,
    /// Monday = 0.
    weekday: u8,
    minute: u16,
}

/// Local times per time zone, computed at most once per decision (reps share few zones).
struct LocalClock {
    now: Timestamp,
    cache: [(u16, Local); 8],
    len: usize,
}

impl LocalClock {
    fn new(now: Timestamp) -> Self {
        LocalClock {
            now,
            cache: [(0, Local::default()); 8],
            len: 0,
        }
    }

    fn local(&mut self, policy: &CompiledPolicy, tz: u16) -> Local {
        if let Some((_, l)) = self.cache[..self.len].iter().find(|(t, _)| *t == tz) {
            return *l;
        }
        let dt = policy.time_zones[tz as usize].to_datetime(self.now);
        let l = Local {
            dt,
            weekday: dt.weekday().to_monday_zero_offset() as u8,
            minute: dt.hour() as u16 * 60 + dt.minute() as u16,
        };
        if self.len < self.cache.len() {
            self.cache[self.len] = (tz, l);
            self.len += 1;
        }
        l
    }
}

/// Monday of the ISO week containing `date` (at most six cheap day steps, no span math).
pub(crate) fn week_start(date: Date) -> Date {
    let mut d = date;
    for _ in 0..date.weekday().to_monday_zero_offset() {
        d = d.yesterday().unwrap_or(d);
    }
    d
}

/// One rep as routing sees it at an instant, whatever the lead.
#[derive(Debug, Clone, PartialEq)]
pub struct RepNow {
    /// The rep's local date and time.
    pub local: DateTime,
    /// Leads assigned in the rep's current local day and ISO week.
    pub today: u32,
    pub this_week: u32,
    /// Why the rep cannot take a lead now (away, out of office, the open cap, a holiday,
    /// working hours, the daily and weekly caps, checked in that order), or `None`.
    /// Routing checks the same after skills and bounces.
    pub unavailable: Option<Skip>,
}

/// The availability checks of routing for the rep at `now`, whatever the lead.
pub(crate) fn available_now(
    policy: &CompiledPolicy,
    rep: RepIdx,
    state: &RepState,
    now: Timestamp,
) -> Result<(), Skip> {
    let spec = &policy.reps[rep as usize];
    available(spec, state, now, || {
        LocalClock::new(now).local(policy, spec.tz)
    })
}

/// The rep's local date at `now`.
pub(crate) fn local_date(policy: &CompiledPolicy, rep: RepIdx, now: Timestamp) -> Date {
    let tz = policy.reps[rep as usize].tz;
    LocalClock::new(now).local(policy, tz).dt.date()
}

/// [`RepNow`] of the rep at `now`. The admin API's rep view and reports use it; routing
/// runs the same checks.
pub fn rep_now(policy: &CompiledPolicy, rep: RepIdx, state: &RepState, now: Timestamp) -> RepNow {
    let spec = &policy.reps[rep as usize];
    let local = LocalClock::new(now).local(policy, spec.tz);
    let date = local.dt.date();
    RepNow {
        local: local.dt,
        today: state.day.count_in(date),
        this_week: state.week.count_in(week_start(date)),
        unavailable: available(spec, state, now, || local).err(),
    }
}

/// The availability checks of routing and [`rep_now`], with the rep's local time computed only when a check needs it.
fn available(
    spec: &RepSpec,
    rs: &RepState,
    now: Timestamp,
    local: impl FnOnce() -> Local,
) -> Result<(), Skip> {
    if let Some(away) = rs.away
        && away.is_away(now)
    {
        return Err(Skip::Away { until: away.until });
    }
    if let Some(w) = spec.away.iter().find(|w| w.from <= now && now < w.until) {
        return Err(Skip::OutOfOffice { until: w.until });
    }
    if let Some(max) = spec.caps.max_open
        && rs.open >= max
    {
        return Err(Skip::AtCap { open: rs.open, max });
    }
    let needs_local = spec.hours.is_some()
        || !spec.holidays.is_empty()
        || spec.caps.max_per_day.is_some()
        || spec.caps.max_per_week.is_some();
    if needs_local {
        let local = local();
        let date = local.dt.date();
        if !spec.holidays.is_empty() && spec.holidays.binary_search(&date).is_ok() {
            return Err(Skip::Holiday { date });
        }
        if let Some(h) = &spec.hours
            && !h.contains_minute(local.weekday as usize, local.minute)
        {
            return Err(Skip::OutsideHours { local: local.dt });
        }
        if let Some(max) = spec.caps.max_per_day {
            let count = rs.day.count_in(date);
            if count >= max {
                return Err(Skip::DailyCap { count, max });
            }
        }
        if let Some(max) = spec.caps.max_per_week {
            let count = rs.week.count_in(week_start(date));
            if count >= max {
                return Err(Skip::WeeklyCap { count, max });
            }
        }
    }
    Ok(())
}

struct Run<'a> {
    policy: &'a CompiledPolicy,
    state: &'a Snapshot,
    input: &'a DecideInput<'a>,
    rule: &'a RuleSpec,
    from_lead: FromLead,
    clock: LocalClock,
    saw_bounced: bool,
    segment: Option<&'a str>,
}

impl Run<'_> {
    fn has_tag(&self, rep: RepIdx, tag: Option<TagId>) -> bool {
        tag.is_some_and(|t| {
            self.policy.reps[rep as usize]
                .tags
                .binary_search(&t)
                .is_ok()
        })
    }

    fn check_skills(&self, rep: RepIdx) -> Result<(), Skip> {
        let req = &self.rule.require;
        for (i, t) in req.all.iter().enumerate() {
            if !self.has_tag(rep, t.id) {
                return Err(Skip::LacksSkill(RequirementRef::All(i as u8)));
            }
        }
        if !req.any.is_empty() && !req.any.iter().any(|t| self.has_tag(rep, t.id)) {
            return Err(Skip::LacksSkill(RequirementRef::Any));
        }
        for (i, fl) in self.from_lead.iter().enumerate().take(req.from_lead.len()) {
            if let Some(tag) = fl
                && !self.has_tag(rep, *tag)
            {
                return Err(Skip::LacksSkill(RequirementRef::FromLead(i as u8)));
            }
        }
        Ok(())
    }

    /// Availability and caps, then skills (unless the step ignores them).
    fn eligibility(&mut self, rep: RepIdx, skills: bool, rebounce: bool) -> Result<(), Skip> {
        if skills {
            self.check_skills(rep)?;
        }
        let spec = &self.policy.reps[rep as usize];
        let rs = &self.state.reps[rep as usize];
        let now = self.input.now;
        if !rebounce && self.input.bounced.contains(&spec.id) {
            self.saw_bounced = true;
            return Err(Skip::BouncedBefore);
        }
        let (policy, clock) = (self.policy, &mut self.clock);
        available(spec, rs, now, || clock.local(policy, spec.tz))
    }

    fn owner_step(&mut self, d: &mut Decision, owner: RepIdx, rebounce: bool) -> Option<RepIdx> {
        // The owner relationship outranks the rule's skill requirements.
        let verdict = match self.eligibility(owner, false, rebounce) {
            Ok(()) => Verdict::Picked,
            Err(skip) => Verdict::Skipped(skip),
        };
        let at = d.candidates.len() as u32;
        d.candidates.push(Candidate {
            rep: owner,
            verdict,
            score: 0,
        });
        let picked = (verdict == Verdict::Picked).then_some(owner);
        d.steps.push(Step {
            kind: StepKind::AccountOwner,
            rebounce,
            candidates: (at, at + 1),
            picked,
        });
        picked
    }

    fn pool_step(
        &mut self,
        d: &mut Decision,
        pi: PoolIdx,
        rebounce: bool,
    ) -> Option<(RepIdx, Option<PoolChange>)> {
        let pool = &self.policy.pools[pi as usize];
        let ps = &self.state.pools[pi as usize];
        let start = d.candidates.len();
        for m in &pool.members {
            let verdict = match self.eligibility(m.rep, true, rebounce) {
                Ok(()) => Verdict::Eligible,
                Err(skip) => Verdict::Skipped(skip),
            };
            d.candidates.push(Candidate {
                rep: m.rep,
                verdict,
                score: 0,
            });
        }
        let cands = &mut d.candidates[start..];
        let base = match pool.strategy {
            StrategyKind::RoundRobin => pick_round_robin(cands, ps),
            StrategyKind::WeightedRoundRobin => {
                pick_weighted(cands, ps, &pool.members, pool.catch_up)
            }
            StrategyKind::LeastLoaded | StrategyKind::BestFit => {
                pick_least_loaded(cands, self.state)
            }
        };
        let pos = match (base, &pool.best_fit) {
            (None, _) => None,
            (Some(base), None) => Some(base),
            (Some(base), Some(bf)) => {
                let (pos, note) = self.best_fit(pi, cands, base, bf);
                d.fit = Some(note);
                Some(pos)
            }
        };
        let cands = &mut d.candidates[start..];
        let mut after = pos.and_then(|pos| state_after(pool, cands, ps, pos));
        if let (Some(pos), Some(bf)) = (pos, &pool.best_fit) {
            let window = window_start(bf.window, self.input.now);
            let mut counts = ps.counts_in(window, pool.members.len());
            counts[pos] += 1;
            let mut next = after.unwrap_or_else(|| PoolState {
                version: ps.version + 1,
                ..ps.clone()
            });
            next.window = Some(window);
            next.counts = counts;
            after = Some(next);
        }
        let picked_rep = pos.map(|pos| {
            cands[pos].verdict = Verdict::Picked;
            cands[pos].rep
        });
        d.steps.push(Step {
            kind: StepKind::Pool(pi),
            rebounce,
            candidates: (start as u32, d.candidates.len() as u32),
            picked: picked_rep,
        });
        let change = after.map(|after| PoolChange {
            pool: pi,
            version_before: ps.version,
            after,
        });
        Some((picked_rep?, change))
    }

    /// The learned fit's say over a `best_fit` pool's base pick at `base`.
    fn best_fit(
        &self,
        pi: PoolIdx,
        cands: &[Candidate],
        base: usize,
        bf: &crate::policy::BestFitDoc,
    ) -> (usize, FitNote) {
        let pool = &self.policy.pools[pi as usize];
        let ps = &self.state.pools[pi as usize];
        let tallies: Vec<(Tally, Tally)> = pool
            .members
            .iter()
            .map(|m| {
                self.state
                    .outcomes_of(m.rep)
                    .map_or_else(Default::default, |o| {
                        (
                            o.overall,
                            self.segment.map_or(o.overall, |s| o.in_segment(s)),
                        )
                    })
            })
            .collect();
        let prior_strength = fit::fitted_prior_strength(
            self.policy.outcome_prior_strength(),
            pool.members
                .iter()
                .filter_map(|m| self.state.outcomes_of(m.rep)),
        );
        let estimates = fit::estimate_pool(prior_strength, &tallies);
        let eligible: Vec<usize> = (0..cands.len())
            .filter(|&i| cands[i].verdict == Verdict::Eligible)
            .collect();
        let counts = ps.counts_in(window_start(bf.window, self.input.now), pool.members.len());
        let total = pool.total_weight.max(1) as f64;
        let shares: Vec<f64> = pool
            .members
            .iter()
            .map(|m| m.weight as f64 / total)
            .collect();
        let band = fit::Band {
            band: bf.fairness_band,
            counts: &counts,
            shares: &shares,
        };
        let g = fit::gate(&estimates, &eligible, base, bf.credibility, &band);
        let note = FitNote {
            pool: pi,
            base_pick: cands[base].rep,
            verdict: g.verdict,
            probability: g.probability,
            credibility: bf.credibility,
            prior_strength,
            estimates: eligible
                .iter()
                .map(|&i| (cands[i].rep, estimates[i]))
                .collect(),
        };
        (g.pick, note)
    }

    fn rep_change(&mut self, rep: RepIdx) -> RepChange {
        let spec = &self.policy.reps[rep as usize];
        let date = self.clock.local(self.policy, spec.tz).dt.date();
        rep_change(
            self.policy,
            &self.state.reps[rep as usize],
            rep,
            date,
            self.input.now,
        )
    }
}

/// Taking one lead of the rep's capacity on its local `date`, with the rep's caps as the
/// write's preconditions.
pub(crate) fn rep_change(
    policy: &CompiledPolicy,
    rs: &RepState,
    rep: RepIdx,
    date: Date,
    now: Timestamp,
) -> RepChange {
    let spec = &policy.reps[rep as usize];
    let week = week_start(date);
    let day_before = rs.day.count_in(date);
    let week_before = rs.week.count_in(week);
    RepChange {
        rep,
        open_before: rs.open,
        open_after: rs.open + 1,
        max_open: spec.caps.max_open,
        day: WindowChange {
            start: date,
            before: day_before,
            after: day_before + 1,
            max: spec.caps.max_per_day,
        },
        week: WindowChange {
            start: week,
            before: week_before,
            after: week_before + 1,
            max: spec.caps.max_per_week,
        },
        last_assigned_at: now,
    }
}

/// First day (UTC) of the fairness window containing `now`.
fn window_start(window: FairnessWindow, now: Timestamp) -> Date {
    let today = jiff::tz::TimeZone::UTC.to_datetime(now).date();
    match window {
        FairnessWindow::Day => today,
        FairnessWindow::Week => week_start(today),
        FairnessWindow::Month => today.first_of_month(),
    }
}

/// The pool's strategy state after its member at `pos` takes the lead (`None`: the
/// strategy keeps none).
fn state_after(
    pool: &crate::policy::PoolSpec,
    cands: &[Candidate],
    ps: &PoolState,
    pos: usize,
) -> Option<PoolState> {
    match pool.strategy {
        StrategyKind::RoundRobin => Some(PoolState {
            version: ps.version + 1,
            cursor: Some(pos as u32),
            ..ps.clone()
        }),
        StrategyKind::WeightedRoundRobin => {
            let members = &pool.members;
            let mut credits = ps.credits.clone();
            credits.resize(members.len(), 0);
            let participates = |v: Verdict| {
                v == Verdict::Eligible
                    || v == Verdict::Picked
                    || (pool.catch_up && accrues_catch_up(v))
            };
            let mut total = 0;
            for (i, c) in cands.iter().enumerate() {
                if participates(c.verdict) {
                    credits[i] += members[i].weight as i64;
                    total += members[i].weight as i64;
                }
            }
            credits[pos] -= total;
            Some(PoolState {
                version: ps.version + 1,
                cursor: Some(pos as u32),
                credits,
                ..ps.clone()
            })
        }
        StrategyKind::LeastLoaded | StrategyKind::BestFit => None,
    }
}

/// Next eligible member after the cursor, in member order. Score: steps from the cursor.
fn pick_round_robin(cands: &mut [Candidate], ps: &PoolState) -> Option<usize> {
    let n = cands.len();
    let first = ps.cursor.map_or(0, |c| (c as usize + 1) % n.max(1));
    for (k, c) in cands.iter_mut().enumerate() {
        if c.verdict == Verdict::Eligible {
            c.score = ((k + n - first) % n) as i64;
        }
    }
    (0..n)
        .map(|k| (first + k) % n)
        .find(|&p| cands[p].verdict == Verdict::Eligible)
}

/// True for skips that mean "temporarily unavailable", which accrue catch-up credit.
fn accrues_catch_up(v: Verdict) -> bool {
    matches!(
        v,
        Verdict::Skipped(
            Skip::Away { .. }
                | Skip::OutOfOffice { .. }
                | Skip::Holiday { .. }
                | Skip::AtCap { .. }
                | Skip::DailyCap { .. }
                | Skip::WeeklyCap { .. }
        )
    )
}

/// Weighted round robin that keeps every rep within one lead of its weighted share after
/// every lead (the quota property), which nginx-style smooth WRR does not guarantee.
///
/// Credits hold `n·wᵢ − W·cᵢ`: how far ahead of its count rep i's share is, scaled by the
/// participants' total weight W. Each lead is a unit job: rep i may take its next lead once
/// its upper quota allows (`creditᵢ + wᵢ > 0`) and must have it by its deadline, which is
/// `⌈(W − creditᵢ)/wᵢ⌉` leads away. Picking the earliest deadline among reps allowed to take
/// one (ties by member order) meets every deadline, because a schedule within quota always
/// exists (Balinski and Young's quota method) and earliest-deadline-first is optimal for
/// unit jobs. After the pick every participant gains its weight and the pick pays W
/// ([`state_after`]).
///
/// Without catch-up only eligible reps participate, so a returning rep resumes at its old
/// credit instead of being owed the leads it missed.
fn pick_weighted(
    cands: &mut [Candidate],
    ps: &PoolState,
    members: &[crate::policy::Member],
    catch_up: bool,
) -> Option<usize> {
    let credit = |i: usize| ps.credits.get(i).copied().unwrap_or(0);
    let participates = |v: Verdict| v == Verdict::Eligible || (catch_up && accrues_catch_up(v));
    let total: i64 = cands
        .iter()
        .zip(members)
        .filter(|(c, _)| participates(c.verdict))
        .map(|(_, m)| m.weight as i64)
        .sum();
    // (deadline, allowed by upper quota, position); allowed reps first, then earliest deadline.
    let mut best: Option<(i64, bool, usize)> = None;
    for (i, c) in cands.iter_mut().enumerate() {
        if c.verdict != Verdict::Eligible {
            continue;
        }
        let w = members[i].weight as i64;
        let deadline = -(credit(i) - total).div_euclid(w);
        let allowed = credit(i) + w > 0;
        c.score = deadline;
        let better =
            best.is_none_or(|(bd, ba, _)| (allowed && !ba) || (allowed == ba && deadline < bd));
        if better {
            best = Some((deadline, allowed, i));
        }
    }
    best.map(|(_, _, pos)| pos)
}

/// Fewest open leads; ties go to the rep idle longest, then to member order.
fn pick_least_loaded(cands: &mut [Candidate], state: &Snapshot) -> Option<usize> {
    let mut best: Option<usize> = None;
    for i in 0..cands.len() {
        if cands[i].verdict != Verdict::Eligible {
            continue;
        }
        let rs = &state.reps[cands[i].rep as usize];
        cands[i].score = rs.open as i64;
        let better = best.is_none_or(|b| {
            let bs = &state.reps[cands[b].rep as usize];
            (rs.open, rs.last_assigned_at) < (bs.open, bs.last_assigned_at)
        });
        if better {
            best = Some(i);
        }
    }
    best
}
