//! The health report's cost on a large embedded store (docs/BENCHMARKS.md, "Health report
//! on 1M leads").
//!
//! Fills a fresh embedded store with leads received over the days before a fixed instant,
//! through the writes the pipeline makes (insert with same-email dedupe, `queued`, the
//! routing decision, accept, reject, expire, give back, re-route, close), then times the
//! health report (`switchboard_admin::health`, as the admin API runs it) over windows ending
//! at that instant, and apart from it the index pages of `received_between` alone.
//!
//! ```sh
//! cargo run --release -p switchboard-admin --example health_at_scale -- \
//!     --store /var/tmp/health-1m.redb --leads 1000000 --days 100
//! ```
//!
//! Without `--store` the store is a temporary file, deleted at the end. With `--store`, an
//! existing file this program filled is reused as it is (only the report is timed), so the
//! measurement can be repeated without filling again; a missing file is filled and kept.
//! Other flags: `--reps N` (timed repetitions per window, default 5), `--windows 1,7,30,100`
//! (days), `--concurrency N` (leads in flight per market, default 64).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};
use switchboard_routing::report::HealthReport;
use switchboard_routing::{CompiledPolicy, DecideInput, DecisionRecord, Lead, PolicyDocument};
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{
    Applied, Apply, Assignment, CloseOutcome, Insert, LeadIndex, LeadStatus, LeadStore, NewLead,
    NoEvents, PolicyStore, ReleaseOutcome, Router, RoutingState, StoreError, StoredLead,
};

/// Every window ends here; the fill's leads are received in the days before it.
const END: &str = "2026-03-02T00:00:00Z";
/// The markets: one rule and one pool each, so the routing writes of two markets never
/// touch the same rep or pool (one task per market needs no retries).
const MARKETS: &[(&str, &[&str], &str)] = &[
    ("us", &["US"], "weighted_round_robin"),
    ("ca", &["CA"], "round_robin"),
    ("mx", &["MX"], "round_robin"),
    ("br", &["BR"], "weighted_round_robin"),
    ("ar", &["AR", "CL"], "round_robin"),
    ("uk", &["GB", "IE"], "weighted_round_robin"),
    ("dach", &["DE", "AT", "CH"], "weighted_round_robin"),
    ("fr", &["FR", "BE"], "round_robin"),
    ("benelux", &["NL", "LU"], "round_robin"),
    ("iberia", &["ES", "PT"], "round_robin"),
    ("it", &["IT"], "least_loaded"),
    ("nordics", &["SE", "NO", "DK", "FI"], "round_robin"),
    ("cee", &["PL", "CZ"], "least_loaded"),
    ("jp", &["JP"], "round_robin"),
    ("anz", &["AU", "NZ"], "weighted_round_robin"),
    ("sea", &["SG", "MY"], "round_robin"),
    ("in", &["IN"], "least_loaded"),
    ("kr", &["KR"], "round_robin"),
    ("za", &["ZA"], "round_robin"),
    ("mena", &["AE", "SA"], "round_robin"),
];
const REPS_PER_POOL: usize = 8;
/// Countries no rule covers: their leads park in triage (`no_rule`).
const UNCOVERED: &[&str] = &["EG", "NG", "KE"];
/// Share of the leads from uncovered countries, in percent.
const UNCOVERED_PERCENT: u64 = 2;
/// The note of the policy version activated when a fill completes.
const FILLED: &str = "health_at_scale: filled";

struct Args {
    store: Option<PathBuf>,
    leads: u64,
    days: i64,
    reps: usize,
    windows: Vec<i64>,
    concurrency: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        store: None,
        leads: 1_000_000,
        days: 100,
        reps: 5,
        windows: vec![1, 7, 30, 100],
        concurrency: 64,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--store" => a.store = Some(PathBuf::from(value()?)),
            "--leads" => a.leads = number(value()?)?,
            "--days" => a.days = number(value()?)? as i64,
            "--reps" => a.reps = number(value()?)? as usize,
            "--concurrency" => a.concurrency = number(value()?)? as usize,
            "--windows" => {
                a.windows = value()?
                    .split(',')
                    .map(|d| {
                        d.trim()
                            .parse::<i64>()
                            .map_err(|e| format!("--windows {d}: {e}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.leads == 0 || a.days <= 0 || a.reps == 0 || a.concurrency == 0 {
        return Err("--leads, --days, --reps and --concurrency must be positive".into());
    }
    Ok(a)
}

fn policy_yaml() -> String {
    let mut reps = String::new();
    let mut pools = String::new();
    let mut rules = String::new();
    for (i, (pool, countries, strategy)) in MARKETS.iter().enumerate() {
        pools.push_str(&format!(
            "  - id: {pool}\n    strategy: {strategy}\n    members:\n"
        ));
        for r in 1..=REPS_PER_POOL {
            // Every third market caps its reps' open leads; the others are uncapped.
            let caps = if i % 3 == 0 {
                ", caps: { max_open: 120 }"
            } else {
                ""
            };
            reps.push_str(&format!("  - {{ id: {pool}-{r}{caps} }}\n"));
            if *strategy == "weighted_round_robin" {
                let weight = if r <= 2 { 2 } else { 1 };
                pools.push_str(&format!(
                    "      - {{ rep: {pool}-{r}, weight: {weight} }}\n"
                ));
            } else {
                pools.push_str(&format!("      - {pool}-{r}\n"));
            }
        }
        let sla = if i % 2 == 0 { "15m" } else { "1h" };
        rules.push_str(&format!(
            "  - {{ id: {pool}, when: {{ field: country, in: [{}] }}, pool: {pool}, sla: {sla} }}\n",
            countries.join(", ")
        ));
    }
    format!(
        "name: health-at-scale\ntriage_pool: triage\ndefault_sla: 30m\n\nreps:\n{reps}\npools:\n{pools}\nrules:\n{rules}"
    )
}

/// The `i`-th lead of market `m` (the uncovered countries are market `MARKETS.len()`),
/// received at `at`.
fn lead(m: usize, i: u64, at: Timestamp, rng: &mut fastrand::Rng) -> Lead {
    let country = match MARKETS.get(m) {
        Some((_, countries, _)) => countries[rng.usize(..countries.len())],
        None => UNCOVERED[rng.usize(..UNCOVERED.len())],
    };
    let secs = u64::try_from(at.as_second()).unwrap_or(0);
    let nanos = u32::try_from(at.subsec_nanosecond()).unwrap_or(0);
    let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos));
    let company = rng.u32(1..40_000);
    let industries = [
        "software",
        "manufacturing",
        "retail",
        "finance",
        "health",
        "logistics",
    ];
    Lead {
        source: Some("webflow-contact".into()),
        phone: Some(format!("+1555{:07}", rng.u32(..10_000_000))),
        first_name: Some(format!("First{}", rng.u32(..5000))),
        last_name: Some(format!("Last{}", rng.u32(..20_000))),
        ..Lead::new(id.to_string(), at)
            .with_email(&format!("contact{m}x{i}@company{company}.example"))
            .with_country(country)
            .with_company(&format!("Company {company}"))
            .with_attr("employees", f64::from(rng.u32(1..5000)))
            .with_attr("industry", industries[rng.usize(..industries.len())])
            .with_attr(
                "message",
                "We are looking for a routing solution for our inbound sales team and would \
                 like to see a demo next week. Please get in touch with pricing details.",
            )
    }
}

/// What happened to the leads, for the summary line.
#[derive(Default)]
struct Tally {
    inserted: AtomicU64,
    duplicates: AtomicU64,
    assigned: AtomicU64,
    parked: AtomicU64,
    rerouted: AtomicU64,
    retried: AtomicU64,
}

struct Fill {
    store: EmbeddedStore,
    router: Router<EmbeddedStore, NoEvents>,
    policy: Arc<CompiledPolicy>,
    end: Timestamp,
    tally: Tally,
}

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

/// Decides each lead (with the time it is routed at) on the state the ones before it
/// leave, and writes the decisions together, as `Router::route_run` does; a write whose
/// conditions no longer hold is routed again by `Router::route_lead`. Returns the
/// assignment made, if any, per lead.
async fn route(
    fill: &Fill,
    leads: &[(StoredLead, Timestamp)],
) -> Result<Vec<Option<Assignment>>, String> {
    let Some((first, _)) = leads.first() else {
        return Ok(Vec::new());
    };
    let policy = &fill.policy;
    let mut snapshot = fill
        .store
        .load(policy, &first.lead.id)
        .await
        .map_err(|e| e.to_string())?
        .snapshot;
    let mut applies = Vec::with_capacity(leads.len());
    for (lead, now) in leads {
        let decision = switchboard_routing::decide(
            policy,
            &snapshot,
            &DecideInput {
                lead: &lead.lead,
                account: None,
                bounced: &lead.bounced,
                now: *now,
            },
        );
        snapshot.apply(&decision.change);
        let record = DecisionRecord::new(policy, &lead.lead, &decision);
        applies.push(Apply::new(lead, record).map_err(|e| e.to_string())?);
    }
    let written = join_all(applies.iter().map(|a| fill.store.apply(a))).await;
    let mut out = Vec::with_capacity(leads.len());
    for ((apply, written), (lead, now)) in applies.into_iter().zip(written).zip(leads) {
        match written {
            Ok(Applied::Committed) => out.push(apply.assignment),
            Ok(Applied::AlreadyAssigned(_)) | Err(StoreError::Conflict(_)) => {
                fill.tally.retried.fetch_add(1, Ordering::Relaxed);
                let routed = fill
                    .router
                    .route_lead(&lead.lead.id, *now)
                    .await
                    .map_err(|e| e.to_string())?;
                out.push(match routed {
                    switchboard_store::Routed::Decided { assignment, .. } => assignment,
                    switchboard_store::Routed::Existing(a) => Some(a),
                    switchboard_store::Routed::NotAwaitingRouting(_) => None,
                });
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    for a in &out {
        let counter = if a.is_some() {
            &fill.tally.assigned
        } else {
            &fill.tally.parked
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    Ok(out)
}

/// How a rep answers an assignment, drawn per lead.
enum Answer {
    /// Accepted after the minutes, closed after the further minutes (open when that is
    /// after the end).
    Accept(i64, i64, CloseOutcome),
    /// Ended by the rep (rejected, given back) after the minutes, or by the SLA sweep.
    Bounce(ReleaseOutcome, i64),
    /// Never accepted; closed as unqualified after the minutes.
    Drop(i64),
}

fn answer(rng: &mut fastrand::Rng, may_bounce: bool) -> Answer {
    let outcome = match rng.u32(..10) {
        0..=2 => CloseOutcome::Won,
        3..=7 => CloseOutcome::Lost,
        _ => CloseOutcome::Unqualified,
    };
    match rng.u32(..100) {
        0..=7 if may_bounce => Answer::Bounce(ReleaseOutcome::Rejected, rng.i64(5..60)),
        8..=11 if may_bounce => Answer::Bounce(ReleaseOutcome::Expired, 0),
        12..=14 if may_bounce => Answer::Bounce(ReleaseOutcome::Released, rng.i64(10..120)),
        15..=19 => Answer::Drop(rng.i64(24 * 60..5 * 24 * 60)),
        _ => Answer::Accept(rng.i64(2..90), rng.i64(60..3 * 24 * 60), outcome),
    }
}

/// Plays the rep's answer to `a`; returns the lead when it bounced and awaits routing
/// again, with the time it is routed at.
async fn follow_up(
    fill: &Fill,
    a: &Assignment,
    answer: Answer,
) -> Result<Option<(StoredLead, Timestamp)>, String> {
    let s = &fill.store;
    let e = |e: StoreError| e.to_string();
    match answer {
        Answer::Accept(accept, close, outcome) => {
            let accepted = a.assigned_at + mins(accept);
            if accepted >= fill.end {
                return Ok(None);
            }
            s.accept_attempt(&a.lead_id, &a.rep, a.attempt, accepted)
                .await
                .map_err(e)?;
            let closed = accepted + mins(close);
            if closed < fill.end {
                s.end_attempt(
                    &a.lead_id,
                    a.attempt,
                    ReleaseOutcome::Closed,
                    Some(outcome),
                    closed,
                )
                .await
                .map_err(e)?;
            }
            Ok(None)
        }
        Answer::Drop(close) => {
            let closed = a.assigned_at + mins(close);
            if closed < fill.end {
                s.end_attempt(
                    &a.lead_id,
                    a.attempt,
                    ReleaseOutcome::Closed,
                    Some(CloseOutcome::Unqualified),
                    closed,
                )
                .await
                .map_err(e)?;
            }
            Ok(None)
        }
        Answer::Bounce(how, after) => {
            let at = match (how, a.sla_due) {
                (ReleaseOutcome::Expired, Some(due)) => due,
                _ => a.assigned_at + mins(after.max(1)),
            };
            if at >= fill.end {
                return Ok(None);
            }
            let ended = s
                .end_attempt(&a.lead_id, a.attempt, how, None, at)
                .await
                .map_err(e)?;
            if ended.is_none() {
                return Ok(None);
            }
            let lead = s.get(&a.lead_id).await.map_err(e)?;
            Ok(lead.map(|l| (l, at + SignedDuration::from_secs(2))))
        }
    }
}

/// Fills market `m` with `n` leads received in `[start, end)`, `batch` at a time. Its
/// routing decisions are made in time order: a bounced lead waits for the batch that
/// reaches the time it is routed again at (rep day and week counts are kept per window,
/// and a decision may not go back to an earlier window than the rep's stored one).
async fn fill_market(
    fill: Arc<Fill>,
    m: usize,
    n: u64,
    start: Timestamp,
    batch: usize,
    done: Arc<AtomicU64>,
) -> Result<(), String> {
    let span = (fill.end - start).as_nanos();
    let step = span / i128::from(n.max(1));
    let mut rng = fastrand::Rng::with_seed(0x5eed + m as u64);
    let mut previous_emails: Vec<String> = Vec::new();
    // Bounced leads waiting to be routed again, with the time they are routed at.
    let mut pending: Vec<(StoredLead, Timestamp)> = Vec::new();
    let mut last_routed = start;
    let mut i = 0u64;
    while i < n || !pending.is_empty() {
        let count = (n - i).min(batch as u64);
        // The leads of this batch, in the order received.
        let mut leads = Vec::with_capacity(count as usize);
        for j in i..i + count {
            let offset = step * i128::from(j) + i128::from(rng.u64(..step.max(1) as u64));
            let at = start + SignedDuration::from_nanos(offset as i64);
            let mut lead = lead(m, j, at, &mut rng);
            // About 2 % send the form again with an address of the previous batch (a few
            // hours earlier): same-email duplicates.
            if !previous_emails.is_empty() && rng.u32(..100) < 2 {
                let email = &previous_emails[rng.usize(..previous_emails.len())];
                lead = lead.with_email(email);
            }
            leads.push(lead);
        }
        if count > 0 {
            previous_emails = leads
                .iter()
                .filter_map(|l| l.email.as_ref().map(|e| e.to_string()))
                .collect();
        }
        // Intake: insert (same-email dedupe over a day), then `queued`.
        let inserted = join_all(leads.into_iter().map(|lead| {
            let fill = &fill;
            async move {
                let at = lead.received_at;
                let key = format!("webflow-contact:hash:{}", lead.id);
                let new = NewLead::new(lead, key).dedupe_since(at - SignedDuration::from_hours(24));
                let stored = match fill.store.insert_if_absent(&new, at).await {
                    Ok(Insert::Created(l) | Insert::Existing(l)) => l,
                    Err(e) => return Err(e.to_string()),
                };
                fill.tally.inserted.fetch_add(1, Ordering::Relaxed);
                if stored.status == LeadStatus::Duplicate {
                    fill.tally.duplicates.fetch_add(1, Ordering::Relaxed);
                    return Ok(None);
                }
                let queued_at = at + SignedDuration::from_millis(40);
                let queued = fill
                    .store
                    .set_status(
                        &stored.lead.id,
                        LeadStatus::Received,
                        LeadStatus::Queued,
                        queued_at,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                // Routed a moment later.
                Ok(Some((queued, at + SignedDuration::from_millis(300), true)))
            }
        }))
        .await;
        let mut round = Vec::with_capacity(inserted.len() + pending.len());
        for lead in inserted {
            round.extend(lead?);
        }
        // The bounced leads due by this batch's last routing (all of them after the last
        // batch), never before the market's last decision; they do not bounce again.
        let horizon = round.last().map_or(fill.end, |(_, at, _)| *at);
        let (due, later): (Vec<_>, Vec<_>) =
            pending.into_iter().partition(|(_, at)| *at <= horizon);
        pending = later;
        fill.tally
            .rerouted
            .fetch_add(due.len() as u64, Ordering::Relaxed);
        round.extend(due.into_iter().map(|(lead, at)| (lead, at, false)));
        round.sort_by_key(|(_, at, _)| *at);
        for (_, at, _) in &mut round {
            if *at < last_routed {
                *at = last_routed;
            }
            last_routed = *at;
        }
        let to_route: Vec<(StoredLead, Timestamp)> =
            round.iter().map(|(l, at, _)| (l.clone(), *at)).collect();
        let assigned = route(&fill, &to_route).await?;
        let answers: Vec<_> = assigned
            .iter()
            .zip(&round)
            .filter_map(|(a, (_, _, may_bounce))| {
                Some((a.as_ref()?, answer(&mut rng, *may_bounce)))
            })
            .collect();
        let bounced = join_all(answers.into_iter().map(|(a, ans)| follow_up(&fill, a, ans))).await;
        for b in bounced {
            pending.extend(b?);
        }
        done.fetch_add(count, Ordering::Relaxed);
        i += count;
    }
    Ok(())
}

async fn fill_store(store: &EmbeddedStore, a: &Args, end: Timestamp) -> Result<(), String> {
    let doc = PolicyDocument::from_yaml(&policy_yaml()).map_err(|e| e.to_string())?;
    let start = end - SignedDuration::from_hours(24 * a.days);
    let e = |e: StoreError| e.to_string();
    let version = store
        .put_version(&doc, Some("health_at_scale: filling"), start)
        .await
        .map_err(e)?;
    store
        .set_active(version.version, None, start)
        .await
        .map_err(e)?;
    let policy =
        Arc::new(CompiledPolicy::compile(doc.clone(), version.version).map_err(|e| e.to_string())?);
    let fill = Arc::new(Fill {
        store: store.clone(),
        router: Router::new(store.clone(), NoEvents),
        policy,
        end,
        tally: Tally::default(),
    });
    let done = Arc::new(AtomicU64::new(0));
    let uncovered = a.leads * UNCOVERED_PERCENT / 100;
    let per_market = (a.leads - uncovered) / MARKETS.len() as u64;
    let mut shares: Vec<u64> = vec![per_market; MARKETS.len()];
    shares.push(a.leads - per_market * MARKETS.len() as u64);
    println!(
        "filling {} leads over {} days before {end} ({} markets and uncovered countries, {} in flight per market)",
        a.leads,
        a.days,
        MARKETS.len(),
        a.concurrency
    );
    let began = Instant::now();
    let tasks: Vec<_> = shares
        .iter()
        .enumerate()
        .map(|(m, n)| {
            tokio::spawn(fill_market(
                fill.clone(),
                m,
                *n,
                start,
                a.concurrency,
                done.clone(),
            ))
        })
        .collect();
    let progress = {
        let done = done.clone();
        let total = a.leads;
        tokio::spawn(async move {
            let mut last = (Instant::now(), 0u64);
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let now = (Instant::now(), done.load(Ordering::Relaxed));
                let elapsed = began.elapsed().as_secs_f64();
                let rate = (now.1 - last.1) as f64 / (now.0 - last.0).as_secs_f64();
                let overall = now.1 as f64 / elapsed;
                println!(
                    "  {:>9} leads  {:5.1} %  {:7.0} s  {:6.0} leads/s (last 10 s)  {:6.0} leads/s overall  ~{:.0} s to go",
                    now.1,
                    100.0 * now.1 as f64 / total as f64,
                    elapsed,
                    rate,
                    overall,
                    (total - now.1) as f64 / overall.max(1.0)
                );
                last = now;
            }
        })
    };
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    progress.abort();
    let secs = began.elapsed().as_secs_f64();
    let t = &fill.tally;
    println!(
        "filled {} leads in {secs:.0} s ({:.0} leads/s): {} duplicates, {} decisions assigned, {} parked, {} re-routed, {} routing writes decided again",
        t.inserted.load(Ordering::Relaxed),
        a.leads as f64 / secs,
        t.duplicates.load(Ordering::Relaxed),
        t.assigned.load(Ordering::Relaxed),
        t.parked.load(Ordering::Relaxed),
        t.rerouted.load(Ordering::Relaxed),
        t.retried.load(Ordering::Relaxed),
    );
    // The same document again, its note marking the fill complete.
    let filled = store
        .put_version(
            &doc,
            Some(&format!("{FILLED} {} leads over {} days", a.leads, a.days)),
            end,
        )
        .await
        .map_err(e)?;
    store
        .set_active(filled.version, Some(version.version), end)
        .await
        .map_err(e)?;
    Ok(())
}

/// The health report over `[from, to)` at `now`: `switchboard_admin::health`, as the
/// admin API and `switchboard report health` run it.
async fn report(
    store: &EmbeddedStore,
    window: (Timestamp, Timestamp),
    now: Timestamp,
) -> Result<HealthReport, String> {
    switchboard_admin::health(store, window, now)
        .await
        .map_err(|e| e.to_string())
}

/// Pages through the index only (no routing reads, no report), to split the cost.
async fn list_only(
    store: &EmbeddedStore,
    (from, to): (Timestamp, Timestamp),
) -> Result<u64, String> {
    let mut after = None;
    let mut listed = 0u64;
    loop {
        let page = store
            .received_between(from, to, after.as_ref(), 500)
            .await
            .map_err(|e| e.to_string())?;
        listed += page.leads.len() as u64;
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(listed),
        }
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn time_reports(store: &EmbeddedStore, a: &Args, end: Timestamp) -> Result<(), String> {
    println!(
        "\n| window | leads in window | received (no duplicates) | report median | min | max | per lead in window | index pages only (median) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut last = None;
    for days in &a.windows {
        let from = end - SignedDuration::from_hours(24 * days);
        let mut times = Vec::with_capacity(a.reps);
        let mut listing = Vec::with_capacity(a.reps);
        let mut listed = 0;
        let mut health = None;
        for _ in 0..a.reps {
            let began = Instant::now();
            health = Some(report(store, (from, end), end).await?);
            times.push(began.elapsed());
            let began = Instant::now();
            listed = list_only(store, (from, end)).await?;
            listing.push(began.elapsed());
        }
        let received = health.as_ref().map_or(0, |h| h.overall.leads.received);
        let m = median(&mut times);
        let per_lead = m.as_secs_f64() * 1e6 / (listed.max(1) as f64);
        println!(
            "| {days} d | {listed} | {received} | {:.3} s | {:.3} s | {:.3} s | {per_lead:.1} µs | {:.3} s |",
            m.as_secs_f64(),
            times[0].as_secs_f64(),
            times[times.len() - 1].as_secs_f64(),
            median(&mut listing).as_secs_f64(),
        );
        last = health.map(|h| (*days, h));
    }
    if let Some((days, h)) = last {
        let (l, s) = (&h.overall.leads, &h.overall.assignments);
        let pct = |p: Option<f64>| p.map_or("-".to_owned(), |p| format!("{p:.1} %"));
        println!(
            "\n{days}-day report: {} received, {} duplicates; {} assigned ({}), {} parked ({}), {} awaiting routing; {} reassigned ({}); {} assignments: {} accepted, {} rejected, {} expired, {} unrecorded; time to assign p50 {} ms; {} pools, {} reps",
            l.received,
            h.duplicates,
            l.assigned,
            pct(l.assigned_percent),
            l.parked,
            pct(l.parked_percent),
            l.awaiting_routing,
            l.reassigned,
            pct(l.reassignment_percent),
            s.assignments,
            s.accepted,
            s.rejected,
            s.expired,
            s.unrecorded,
            l.time_to_assign.p50_ms.unwrap_or(0),
            h.pools.len(),
            h.reps.len(),
        );
    }
    Ok(())
}

fn file_size(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!(
            "{} bytes ({:.2} GB)",
            m.len(),
            m.len() as f64 / 1_000_000_000.0
        ),
        Err(e) => format!("unknown ({e})"),
    }
}

async fn run(a: Args) -> Result<(), String> {
    let end: Timestamp = END.parse().map_err(|e| format!("{e}"))?;
    let (path, temporary) = match &a.store {
        Some(p) => (p.clone(), false),
        None => {
            let dir = std::env::temp_dir().join(format!("health-at-scale-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            (dir.join("store.redb"), true)
        }
    };
    let result = measure(&path, &a, end).await;
    if temporary && let Some(dir) = path.parent() {
        std::fs::remove_dir_all(dir).map_err(|e| e.to_string())?;
        println!("deleted {}", dir.display());
    }
    result
}

/// Fills the store at `path` unless it holds a completed fill, then times the reports.
async fn measure(path: &Path, a: &Args, end: Timestamp) -> Result<(), String> {
    let existed = path.exists();
    let store = EmbeddedStore::open(path).map_err(|e| e.to_string())?;
    if existed {
        let active = store.get_active().await.map_err(|e| e.to_string())?;
        let note = match active {
            Some(active) => store
                .get_version(active.version)
                .await
                .map_err(|e| e.to_string())?
                .and_then(|v| v.note),
            None => None,
        };
        match note {
            Some(note) if note.starts_with(FILLED) => {
                println!("reusing {} ({note})", path.display());
            }
            _ => {
                return Err(format!(
                    "{} exists but is not a completed fill of this program; delete it to fill again",
                    path.display()
                ));
            }
        }
    } else {
        fill_store(&store, a, end).await?;
    }
    println!("store file {}: {}", path.display(), file_size(path));
    time_reports(&store, a, end).await
}

fn main() -> std::process::ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("health_at_scale: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(a)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("health_at_scale: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
