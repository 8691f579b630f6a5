//! Validation and compilation of a policy document. Collects every issue with its path.

use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState;
use jiff::SignedDuration;
use jiff::tz::TimeZone;

use super::{
    AwayWindow, Caps, CompiledPolicy, Escalation, FromLeadReq, Issue, MAX_FROM_LEAD, Member,
    PolicyDocument, PolicyError, PoolIdx, PoolSpec, RepIdx, RepSpec, Requirement, RuleSpec,
    StrategyKind, TagId, TagReq,
};
use crate::condition::{FieldRef, FieldTable, Matcher};
use crate::hours::WeeklyHours;
use crate::ids::{PoolId, RepId};

struct Ctx {
    issues: Vec<Issue>,
    warnings: Vec<Issue>,
}

impl Ctx {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue {
            path: path.into(),
            message: message.into(),
        });
    }
    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Issue {
            path: path.into(),
            message: message.into(),
        });
    }
}

fn positive_cap(ctx: &mut Ctx, path: &str, v: Option<i64>) -> Option<u32> {
    match v {
        None => None,
        Some(n) if n >= 1 && n <= u32::MAX as i64 => Some(n as u32),
        Some(n) => {
            ctx.err(
                path,
                format!("cap must be a positive whole number, got {n} (omit the cap for no limit)"),
            );
            None
        }
    }
}

pub(super) fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    let d: SignedDuration = s
        .trim()
        .parse()
        .map_err(|e| format!("`{s}` is not a duration like `5m`, `1h 30m` or `PT15M`: {e}"))?;
    if d <= SignedDuration::ZERO {
        return Err(format!("duration `{s}` must be positive"));
    }
    Ok(d)
}

fn tag_key(s: &str) -> String {
    s.trim().to_lowercase()
}

pub(super) fn compile(doc: PolicyDocument, version: u64) -> Result<CompiledPolicy, PolicyError> {
    let mut ctx = Ctx {
        issues: Vec::new(),
        warnings: Vec::new(),
    };

    if doc.triage_pool.trim().is_empty() {
        ctx.err("triage_pool", "triage pool name must not be empty");
    }
    let default_sla = doc.default_sla.as_deref().and_then(|s| {
        parse_duration(s)
            .map_err(|m| ctx.err("default_sla", m))
            .ok()
    });

    // Reps: ids first, so managers and members can refer forward.
    let mut rep_by_id: HashMap<String, RepIdx, RandomState> = HashMap::default();
    for (i, r) in doc.reps.iter().enumerate() {
        if r.id.trim().is_empty() {
            ctx.err(format!("reps[{i}].id"), "rep id must not be empty");
        } else if rep_by_id.insert(r.id.clone(), i as RepIdx).is_some() {
            ctx.err(
                format!("reps[{i}].id"),
                format!("duplicate rep id `{}`", r.id),
            );
        }
    }

    let mut tag_ids: HashMap<String, TagId, RandomState> = HashMap::default();
    let mut tag_names: Vec<String> = Vec::new();
    let mut intern = |name: String| -> TagId {
        *tag_ids.entry(name.clone()).or_insert_with(|| {
            tag_names.push(name);
            (tag_names.len() - 1) as TagId
        })
    };

    let mut time_zones: Vec<TimeZone> = Vec::new();
    let mut tz_names: Vec<String> = Vec::new();
    let mut reps = Vec::with_capacity(doc.reps.len());
    for (i, r) in doc.reps.iter().enumerate() {
        let p = format!("reps[{i}]");
        let tz = match tz_names.iter().position(|n| *n == r.time_zone) {
            Some(t) => t as u16,
            None => match TimeZone::get(&r.time_zone) {
                Ok(tz) => {
                    time_zones.push(tz);
                    tz_names.push(r.time_zone.clone());
                    (time_zones.len() - 1) as u16
                }
                Err(_) => {
                    ctx.err(
                        format!("{p}.time_zone"),
                        format!(
                            "unknown time zone `{}` (use an IANA name such as Europe/Berlin)",
                            r.time_zone
                        ),
                    );
                    0
                }
            },
        };
        let hours = r.working_hours.as_ref().and_then(|spec| {
            WeeklyHours::parse(spec)
                .map_err(|(key, m)| ctx.err(format!("{p}.working_hours.{key}"), m))
                .ok()
        });
        if let Some(m) = &r.manager
            && !rep_by_id.contains_key(m)
        {
            ctx.err(format!("{p}.manager"), format!("unknown rep `{m}`"));
        }
        let names: Vec<String> = r
            .skills
            .iter()
            .map(|s| tag_key(s))
            .chain(r.languages.iter().map(|l| format!("lang:{}", tag_key(l))))
            .collect();
        let mut tags: Vec<TagId> = names.into_iter().map(&mut intern).collect();
        tags.sort_unstable();
        tags.dedup();
        let caps = Caps {
            max_open: positive_cap(&mut ctx, &format!("{p}.caps.max_open"), r.caps.max_open),
            max_per_day: positive_cap(
                &mut ctx,
                &format!("{p}.caps.max_per_day"),
                r.caps.max_per_day,
            ),
            max_per_week: positive_cap(
                &mut ctx,
                &format!("{p}.caps.max_per_week"),
                r.caps.max_per_week,
            ),
        };
        let mut away = Vec::new();
        for (j, a) in r.away.iter().enumerate() {
            let parse = |s: &str| s.trim().parse::<jiff::Timestamp>();
            match (parse(&a.from), parse(&a.until)) {
                (Ok(from), Ok(until)) if from < until => away.push(AwayWindow {
                    from,
                    until,
                    reason: a.reason.clone(),
                }),
                (Ok(_), Ok(_)) => ctx.err(format!("{p}.away[{j}]"), "`until` must be after `from`"),
                (Err(e), _) => ctx.err(
                    format!("{p}.away[{j}].from"),
                    format!("`{}` is not an RFC 3339 instant: {e}", a.from),
                ),
                (_, Err(e)) => ctx.err(
                    format!("{p}.away[{j}].until"),
                    format!("`{}` is not an RFC 3339 instant: {e}", a.until),
                ),
            }
        }
        let mut holidays = Vec::new();
        for (j, h) in r.holidays.iter().enumerate() {
            match h.trim().parse::<jiff::civil::Date>() {
                Ok(d) => holidays.push(d),
                Err(e) => ctx.err(
                    format!("{p}.holidays[{j}]"),
                    format!("`{h}` is not a date YYYY-MM-DD: {e}"),
                ),
            }
        }
        holidays.sort_unstable();
        for (field, message) in r.booking.iter().flat_map(|b| b.problems()) {
            ctx.err(format!("{p}.booking.{field}"), message);
        }
        reps.push(RepSpec {
            id: RepId::from(&r.id),
            name: if r.name.is_empty() {
                r.id.clone()
            } else {
                r.name.clone()
            },
            email: r.email.clone(),
            manager: r.manager.as_deref().and_then(|m| rep_by_id.get(m).copied()),
            tz,
            hours,
            tags,
            caps,
            away,
            holidays,
        });
    }

    // Pools.
    let mut pool_by_id: HashMap<String, PoolIdx, RandomState> = HashMap::default();
    let mut pools = Vec::with_capacity(doc.pools.len());
    let mut in_some_pool = vec![false; reps.len()];
    for (i, pd) in doc.pools.iter().enumerate() {
        let p = format!("pools[{i}]");
        if pd.id.trim().is_empty() {
            ctx.err(format!("{p}.id"), "pool id must not be empty");
        } else if pool_by_id.insert(pd.id.clone(), i as PoolIdx).is_some() {
            ctx.err(format!("{p}.id"), format!("duplicate pool id `{}`", pd.id));
        }
        if pd.id == doc.triage_pool {
            ctx.err(
                format!("{p}.id"),
                format!(
                    "`{}` is the triage pool, where leads park for manual handling; give the routing pool another id",
                    pd.id
                ),
            );
        }
        if pd.members.is_empty() {
            ctx.err(format!("{p}.members"), "pool has no members");
        }
        // A best_fit pool keeps its base strategy's state; its rules are the base's.
        let best_fit =
            (pd.strategy == StrategyKind::BestFit).then(|| pd.best_fit.unwrap_or_default());
        let strategy = best_fit.map_or(pd.strategy, |b| b.base);
        if let Some(b) = &best_fit {
            if b.base == StrategyKind::BestFit {
                ctx.err(
                    format!("{p}.best_fit.base"),
                    "the base strategy must be round_robin, weighted_round_robin or least_loaded",
                );
            }
            if !(0.5..1.0).contains(&b.credibility) {
                ctx.err(
                    format!("{p}.best_fit.credibility"),
                    format!("must be at least 0.5 and below 1, got {}", b.credibility),
                );
            }
            if !(0.0..=1.0).contains(&b.fairness_band) {
                ctx.err(
                    format!("{p}.best_fit.fairness_band"),
                    format!("must be between 0 and 1, got {}", b.fairness_band),
                );
            }
        } else if pd.best_fit.is_some() {
            ctx.err(
                format!("{p}.best_fit"),
                "best_fit settings need strategy best_fit",
            );
        }
        if pd.catch_up && strategy != StrategyKind::WeightedRoundRobin {
            ctx.err(
                format!("{p}.catch_up"),
                "catch_up applies to weighted_round_robin only (round robin keeps no debts; least loaded always favours the emptiest rep)",
            );
        }
        let mut members = Vec::with_capacity(pd.members.len());
        let mut seen = HashSet::new();
        for (j, m) in pd.members.iter().enumerate() {
            let mp = format!("{p}.members[{j}]");
            let weight = m.weight();
            if !(1..=1_000_000).contains(&weight) {
                ctx.err(
                    format!("{mp}.weight"),
                    format!("weight must be between 1 and 1000000, got {weight}"),
                );
            } else if weight != 1 && strategy != StrategyKind::WeightedRoundRobin {
                ctx.err(
                    format!("{mp}.weight"),
                    format!(
                        "weights need strategy weighted_round_robin (pool uses {})",
                        strategy.as_str()
                    ),
                );
            }
            match rep_by_id.get(m.rep()) {
                None => ctx.err(mp.clone(), format!("unknown rep `{}`", m.rep())),
                Some(&r) => {
                    if !seen.insert(r) {
                        ctx.err(mp.clone(), format!("rep `{}` is listed twice", m.rep()));
                    }
                    in_some_pool[r as usize] = true;
                    members.push(Member {
                        rep: r,
                        weight: weight.clamp(1, 1_000_000) as u32,
                    });
                }
            }
        }
        let total_weight = members.iter().map(|m| m.weight as i64).sum();
        pools.push(PoolSpec {
            id: PoolId::from(&pd.id),
            strategy,
            catch_up: pd.catch_up,
            parked_retry: pd.parked_retry,
            members,
            total_weight,
            best_fit,
        });
    }
    for (i, used) in in_some_pool.iter().enumerate() {
        if !used {
            ctx.warn(
                format!("reps[{i}]"),
                format!(
                    "rep `{}` is in no pool (only sticky account ownership can reach them)",
                    reps[i].id
                ),
            );
        }
    }

    // Rules.
    let mut fields = FieldTable::default();
    let mut rules = Vec::with_capacity(doc.rules.len());
    let mut rule_ids = HashSet::new();
    let mut catch_all_at: Option<usize> = None;
    for (i, rd) in doc.rules.iter().enumerate() {
        let p = format!("rules[{i}]");
        if rd.id.trim().is_empty() {
            ctx.err(format!("{p}.id"), "rule id must not be empty");
        } else if !rule_ids.insert(rd.id.clone()) {
            ctx.err(format!("{p}.id"), format!("duplicate rule id `{}`", rd.id));
        }
        if let Some(c) = catch_all_at {
            ctx.err(
                p.clone(),
                format!(
                    "rule `{}` can never match: rule `{}` (rules[{c}]) before it matches every lead",
                    rd.id, doc.rules[c].id
                ),
            );
        }
        let matcher = rd.when.as_ref().and_then(|c| {
            Matcher::compile(c, &format!("{p}.when"), &mut fields)
                .map_err(|errs| {
                    for e in errs {
                        ctx.err(e.path, e.message);
                    }
                })
                .ok()
        });
        let is_catch_all = match (&rd.when, &matcher) {
            (None, _) => true,
            (Some(_), Some(m)) => m.is_catch_all(),
            (Some(_), None) => false,
        };
        if is_catch_all && catch_all_at.is_none() {
            catch_all_at = Some(i);
        }

        let mut waterfall: Vec<PoolIdx> = Vec::new();
        let targets = std::iter::once((format!("{p}.pool"), &rd.pool)).chain(
            rd.fallbacks
                .iter()
                .enumerate()
                .map(|(j, f)| (format!("{p}.fallbacks[{j}]"), f)),
        );
        for (path, pool) in targets {
            match pool_by_id.get(pool.as_str()) {
                None if *pool == doc.triage_pool => ctx.err(
                    path,
                    format!("`{pool}` is the triage pool; leads park there by themselves when the waterfall is exhausted (use park_in to choose another parking pool)"),
                ),
                None => ctx.err(path, format!("unknown pool `{pool}`")),
                Some(&pi) if waterfall.contains(&pi) => ctx.err(
                    path,
                    format!("pool `{pool}` appears twice in this rule's waterfall (fallback cycle)"),
                ),
                Some(&pi) => waterfall.push(pi),
            }
        }

        let sla = rd.sla.as_deref().and_then(|s| {
            parse_duration(s)
                .map_err(|m| ctx.err(format!("{p}.sla"), m))
                .ok()
        });

        let mut require = Requirement::default();
        if let Some(req) = &rd.require {
            let resolve = |name: &String| TagReq {
                name: tag_key(name),
                id: tag_ids.get(&tag_key(name)).copied(),
            };
            require.all = req.all.iter().map(resolve).collect();
            require.any = req.any.iter().map(resolve).collect();
            if req.from_lead.len() > MAX_FROM_LEAD {
                ctx.err(
                    format!("{p}.require.from_lead"),
                    format!("at most {MAX_FROM_LEAD} lead-derived tags per rule"),
                );
            }
            for (j, fl) in req.from_lead.iter().enumerate() {
                let Some(field) = FieldRef::parse(&fl.field) else {
                    ctx.err(
                        format!("{p}.require.from_lead[{j}].field"),
                        "field name is empty",
                    );
                    continue;
                };
                let prefix = tag_key(&fl.prefix);
                let by_suffix = tag_names
                    .iter()
                    .enumerate()
                    .filter_map(|(t, name)| {
                        name.strip_prefix(prefix.as_str())
                            .map(|s| (s.to_owned(), t as TagId))
                    })
                    .collect();
                require.from_lead.push(FromLeadReq {
                    field,
                    prefix,
                    by_suffix,
                });
            }
            // A requirement no member of the waterfall can meet is a finding
            // (`unmeetable-requirement`, policy/lint).
        }

        let park_in = rd
            .park_in
            .clone()
            .unwrap_or_else(|| doc.triage_pool.clone());
        if park_in.trim().is_empty() {
            ctx.err(
                format!("{p}.park_in"),
                "parking pool name must not be empty",
            );
        } else if pool_by_id.contains_key(park_in.as_str()) {
            ctx.err(
                format!("{p}.park_in"),
                format!("`{park_in}` is a routing pool; parking pools hold leads for manual handling (add it to fallbacks instead)"),
            );
        }

        rules.push(RuleSpec {
            id: rd.id.clone(),
            matcher,
            sticky: rd.sticky,
            waterfall,
            require,
            sla,
            park_in,
        });
    }
    if doc.rules.is_empty() {
        ctx.warn("rules", "policy has no rules: every lead parks in triage");
    }

    if !(0..=99).contains(&doc.sla_warning_percent) {
        ctx.err(
            "sla_warning_percent",
            format!(
                "must be a whole percentage from 1 to 99 (0 turns reminders off), got {}",
                doc.sla_warning_percent
            ),
        );
    }

    let escalation = doc.escalation.as_ref().and_then(|e| {
        let to_pool = e.to_pool.clone().unwrap_or_else(|| doc.triage_pool.clone());
        if to_pool.trim().is_empty() {
            ctx.err("escalation.to_pool", "parking pool name must not be empty");
        } else if pool_by_id.contains_key(to_pool.as_str()) {
            ctx.err(
                "escalation.to_pool",
                format!("`{to_pool}` is a routing pool; escalated leads park for manual handling (name a parking pool such as the triage pool)"),
            );
        }
        let after_bounces = match e.after_bounces {
            n if n >= 1 && n <= u32::MAX as i64 => n as u32,
            n => {
                ctx.err(
                    "escalation.after_bounces",
                    format!("must be a positive whole number, got {n}"),
                );
                return None;
            }
        };
        Some(Escalation {
            after_bounces,
            to_pool,
            notify_manager: e.notify_manager,
        })
    });

    let scoring = doc.scoring.as_ref().and_then(|s| {
        super::compile_scoring::compile(s, &mut fields)
            .map_err(|problems| {
                for (path, message) in problems {
                    ctx.err(path, message);
                }
            })
            .ok()
    });

    let enrichment = doc.enrichment.as_ref().and_then(|e| {
        super::enrichment::compile(e)
            .map_err(|problems| {
                for (path, message) in problems {
                    ctx.err(path, message);
                }
            })
            .ok()
    });

    let mut segment_fields = Vec::new();
    if let Some(o) = &doc.outcomes {
        if !(0.0..=10_000.0).contains(&o.prior_strength) {
            ctx.err(
                "outcomes.prior_strength",
                format!("must be between 0 and 10000, got {}", o.prior_strength),
            );
        }
        for (i, name) in o.segment.iter().enumerate() {
            match FieldRef::parse(name) {
                Some(f) if !segment_fields.iter().any(|(n, _)| n == name.trim()) => {
                    segment_fields.push((name.trim().to_owned(), f))
                }
                Some(_) => ctx.err(
                    format!("outcomes.segment[{i}]"),
                    format!("`{name}` is listed twice"),
                ),
                None => ctx.err(format!("outcomes.segment[{i}]"), "field name is empty"),
            }
        }
    }

    let recycle = match &doc.recycle {
        None => super::RecycleSettings::default(),
        Some(r) => super::recycle::compile(r, |id| pool_by_id.contains_key(id)).unwrap_or_else(
            |problems| {
                for (path, message) in problems {
                    ctx.err(path, message);
                }
                super::RecycleSettings::default()
            },
        ),
    };

    if !ctx.issues.is_empty() {
        return Err(PolicyError::Invalid(ctx.issues));
    }
    if time_zones.is_empty() {
        time_zones.push(TimeZone::UTC);
    }
    Ok(CompiledPolicy {
        version,
        document: doc,
        reps,
        pools,
        rules,
        time_zones,
        tag_names,
        rep_by_id,
        pool_by_id,
        default_sla,
        escalation,
        recycle,
        scoring,
        enrichment,
        segment_fields,
        warnings: ctx.warnings,
    })
}
