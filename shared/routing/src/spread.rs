//! Spreading a batch of leads (an event's list, imported at once) over the working time of
//! the reps they would go to, so nobody receives the whole batch on one morning.
//!
//! Each lead's *target* is where the policy would send it, whatever the reps' load: the
//! sticky account owner of the first matching rule, else that rule's target pool. A
//! target's working time in the period is the union of its reps' working hours (in each
//! rep's time zone, without holidays and out-of-office windows; a rep without hours
//! works around the clock). The k-th of a target's n leads is planned at the k/n quantile
//! of that working time, so the leads fall evenly over it: within any hour at most
//! `ceil(n / working hours)` of them, and all inside someone's hours.
//!
//! Planning decides nothing: caps, fairness and availability are checked when each lead
//! is routed at its time, as for any lead (a lead that meets a full cap parks as usual).

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::account::Account;
use crate::condition::{FieldCache, MatchContext};
use crate::lead::Lead;
use crate::policy::{CompiledPolicy, PoolIdx, RepIdx};

/// The longest period a batch may be spread over.
pub const MAX_SPREAD: SignedDuration = SignedDuration::from_hours(30 * 24);

/// Who a lead would be routed to, for planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The target pool of the first matching rule.
    Pool(PoolIdx),
    /// The account owner of a sticky rule.
    Owner(RepIdx),
}

impl Target {
    /// The reps whose working time the target's leads are spread over: the pool's members
    /// with a weight (all members when none has one), or the owner.
    pub fn reps(self, policy: &CompiledPolicy) -> Vec<RepIdx> {
        match self {
            Target::Owner(rep) => vec![rep],
            Target::Pool(pool) => {
                let members = &policy.pools[pool as usize].members;
                let weighted: Vec<RepIdx> = members
                    .iter()
                    .filter(|m| m.weight > 0)
                    .map(|m| m.rep)
                    .collect();
                if weighted.is_empty() {
                    members.iter().map(|m| m.rep).collect()
                } else {
                    weighted
                }
            }
        }
    }

    /// The pool's id, or `owner:REP`.
    pub fn label(self, policy: &CompiledPolicy) -> String {
        match self {
            Target::Pool(pool) => policy.pool_id(pool).to_string(),
            Target::Owner(rep) => format!("owner:{}", policy.rep_id(rep)),
        }
    }
}

/// Where `lead` (with its matched account) would be routed: `None` when the kill switch is
/// on or no rule matches (it parks in triage, whenever it is routed).
pub fn target(policy: &CompiledPolicy, lead: &Lead, account: Option<&Account>) -> Option<Target> {
    if policy.kill_switch() {
        return None;
    }
    let score = policy.score(lead, account);
    let mut fields = FieldCache::new(MatchContext {
        lead,
        account,
        score: score.as_ref(),
    });
    let (_, rule) = policy.first_matching_rule(&mut fields)?;
    if rule.sticky
        && let Some(owner) = account
            .and_then(|a| a.owner.as_deref())
            .and_then(|o| policy.rep_index(o))
    {
        return Some(Target::Owner(owner));
    }
    rule.waterfall.first().map(|&pool| Target::Pool(pool))
}

/// The instants in `[from, to)` when at least one of `reps` works, as sorted, disjoint
/// `[start, end)` windows.
pub fn working_windows(
    policy: &CompiledPolicy,
    reps: &[RepIdx],
    from: Timestamp,
    to: Timestamp,
) -> Vec<(Timestamp, Timestamp)> {
    let mut all = Vec::new();
    if from >= to {
        return all;
    }
    for &rep in reps {
        all.extend(rep_windows(policy, rep, from, to));
    }
    merge(all)
}

/// One rep's working windows in `[from, to)`.
fn rep_windows(
    policy: &CompiledPolicy,
    rep: RepIdx,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(Timestamp, Timestamp)> {
    const ALL_DAY: [(u16, u16); 1] = [(0, 24 * 60)];
    let spec = &policy.reps[rep as usize];
    let tz = policy.rep_time_zone(rep);
    let mut out = Vec::new();
    // From the day before: a local day that began before `from` may still be open.
    let first = tz.to_datetime(from).date();
    let mut day = first.yesterday().unwrap_or(first);
    let last = tz.to_datetime(to).date();
    while day <= last {
        if spec.holidays.binary_search(&day).is_err() {
            let intervals = match &spec.hours {
                Some(hours) => hours.intervals(day.weekday()),
                None => &ALL_DAY,
            };
            for &(start, end) in intervals {
                let (Some(open), Some(close)) = (
                    crate::sla::instant(tz, day, start),
                    crate::sla::instant(tz, day, end),
                ) else {
                    continue;
                };
                let (open, close) = (open.max(from), close.min(to));
                if open < close {
                    out.push((open, close));
                }
            }
        }
        day = match next_day(day) {
            Some(d) => d,
            None => break,
        };
    }
    for away in &spec.away {
        out = out
            .into_iter()
            .flat_map(|w| without(w, (away.from, away.until)))
            .collect();
    }
    out
}

fn next_day(day: Date) -> Option<Date> {
    day.tomorrow().ok()
}

/// `window` with `gap` taken out: none, one or two pieces.
fn without(
    window: (Timestamp, Timestamp),
    gap: (Timestamp, Timestamp),
) -> impl Iterator<Item = (Timestamp, Timestamp)> {
    let (start, end) = window;
    let before = (start, end.min(gap.0));
    let after = (start.max(gap.1), end);
    [before, after].into_iter().filter(|(a, b)| a < b)
}

/// Sorts and joins overlapping or touching windows.
fn merge(mut windows: Vec<(Timestamp, Timestamp)>) -> Vec<(Timestamp, Timestamp)> {
    windows.sort_unstable();
    let mut out: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(windows.len());
    for (start, end) in windows {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// `n` instants spread evenly over `windows` (sorted, disjoint): the k-th at the k/n
/// quantile of their total length, so the first is at the first window's start. Empty
/// when the windows are.
pub fn spread_over(windows: &[(Timestamp, Timestamp)], n: usize) -> Vec<Timestamp> {
    let lengths: Vec<i128> = windows
        .iter()
        .map(|(s, e)| e.duration_since(*s).as_nanos())
        .collect();
    let total: i128 = lengths.iter().sum();
    if total <= 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(n);
    // Offsets grow with k, so one walk over the windows places them all.
    let (mut window, mut before) = (0usize, 0i128);
    for k in 0..n {
        let offset = total * k as i128 / n as i128;
        while offset >= before + lengths[window] {
            before += lengths[window];
            window += 1;
        }
        let into = SignedDuration::from_nanos((offset - before) as i64);
        // Inside the window by construction; the fallback never runs.
        out.push(
            windows[window]
                .0
                .checked_add(into)
                .unwrap_or(windows[window].0),
        );
    }
    out
}

/// When each lead of a batch goes to routing, for leads whose targets are `targets` (in
/// the batch's order), spread over `[from, to)`. `None` for a lead without a target or
/// whose target has no working time in the period: it is routed at once.
pub fn plan(
    policy: &CompiledPolicy,
    targets: &[Option<Target>],
    from: Timestamp,
    to: Timestamp,
) -> Vec<Option<Timestamp>> {
    let mut by_target: BTreeMap<Target, Vec<usize>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(t) = t {
            by_target.entry(*t).or_default().push(i);
        }
    }
    let mut out = vec![None; targets.len()];
    for (target, rows) in by_target {
        let windows = working_windows(policy, &target.reps(policy), from, to);
        for (row, at) in rows.iter().zip(spread_over(&windows, rows.len())) {
            out[*row] = Some(at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn windows_join_and_gaps_cut() {
        let w = |a: &str, b: &str| (ts(a), ts(b));
        let merged = merge(vec![
            w("2026-12-07T12:00:00Z", "2026-12-07T14:00:00Z"),
            w("2026-12-07T09:00:00Z", "2026-12-07T12:00:00Z"),
            w("2026-12-07T16:00:00Z", "2026-12-07T17:00:00Z"),
        ]);
        assert_eq!(
            merged,
            [
                w("2026-12-07T09:00:00Z", "2026-12-07T14:00:00Z"),
                w("2026-12-07T16:00:00Z", "2026-12-07T17:00:00Z"),
            ]
        );
        let cut: Vec<_> = without(
            w("2026-12-07T09:00:00Z", "2026-12-07T17:00:00Z"),
            w("2026-12-07T12:00:00Z", "2026-12-07T13:00:00Z"),
        )
        .collect();
        assert_eq!(
            cut,
            [
                w("2026-12-07T09:00:00Z", "2026-12-07T12:00:00Z"),
                w("2026-12-07T13:00:00Z", "2026-12-07T17:00:00Z"),
            ]
        );
    }

    #[test]
    fn leads_fall_at_even_quantiles_of_the_working_time() {
        // Two hours of work with a gap: four leads, one every half hour of working time.
        let windows = [
            (ts("2026-12-07T09:00:00Z"), ts("2026-12-07T10:00:00Z")),
            (ts("2026-12-07T15:00:00Z"), ts("2026-12-07T16:00:00Z")),
        ];
        assert_eq!(
            spread_over(&windows, 4),
            [
                ts("2026-12-07T09:00:00Z"),
                ts("2026-12-07T09:30:00Z"),
                ts("2026-12-07T15:00:00Z"),
                ts("2026-12-07T15:30:00Z"),
            ]
        );
        assert!(spread_over(&[], 3).is_empty());
    }
}
