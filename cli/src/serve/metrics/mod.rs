//! The local process's counters for `GET /metrics`, in the Prometheus text format: the
//! same facts the Lambdas send CloudWatch (docs/DEPLOY.md, "Metrics and the dashboard"),
//! counted since the process started, plus the pipeline's own counters and queue depths.
//!
//! Each fact is counted where serve learns it: intake's reception (`queues`), the router
//! workers' `finish` (through [`DecisionCount`], the router function's derivation), the
//! SLA sweep (`sweep`). Label values are bounded by the configuration: sources of the
//! intake file, pools of the policies, park reasons.

mod render;
pub mod text;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use switchboard_lambda::DecisionCount;
use switchboard_store::sweeper::SweepReport;

/// Upper bounds of the time-to-assign buckets, in seconds: from a lead decided at once on
/// a quiet store to one that waited for a redelivery or a re-drive.
pub const TIME_TO_ASSIGN_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// Every counter, behind one lock: each is touched once per lead or per sweep, so
/// contention is nothing next to a store commit.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

#[derive(Debug, Default, Clone)]
struct Counts {
    received: BTreeMap<String, u64>,
    duplicate: BTreeMap<String, u64>,
    assigned: BTreeMap<String, u64>,
    time_to_assign: BTreeMap<String, Histogram>,
    reassigned: BTreeMap<String, u64>,
    parked: BTreeMap<(String, String), u64>,
    sla: Sla,
    conflicts: Conflicts,
}

/// Routing's lost races: decisions that had to be made again on fresh state because
/// another write changed a rep or pool first (`Router`'s retry on `Conflict`).
#[derive(Debug, Default, Clone)]
struct Conflicts {
    /// Attempts that lost, over every lead.
    lost: u64,
    /// Receipt to decision of the leads decided after at least one lost attempt.
    time_to_decide: Histogram,
}

#[derive(Debug, Default, Clone, Copy)]
struct Sla {
    expired: u64,
    reassigned: u64,
    escalated: u64,
    warnings: u64,
    failures: u64,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations per bucket (not cumulative), the last one above every bound.
    buckets: [u64; TIME_TO_ASSIGN_BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let i = TIME_TO_ASSIGN_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(TIME_TO_ASSIGN_BUCKETS.len());
        self.buckets[i] += 1;
        self.sum += seconds;
        self.count += 1;
    }
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u64>, key: K) {
    *map.entry(key).or_default() += 1;
}

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A lead intake stored now (not a redelivered submission, which stored nothing).
    pub fn received(&self, source: &str, duplicate: bool) {
        let mut c = self.counts();
        bump(&mut c.received, source.to_owned());
        // Present from the source's first lead, so a rate over it starts at zero.
        *c.duplicate.entry(source.to_owned()).or_default() += u64::from(duplicate);
    }

    /// A routing outcome a router worker finished.
    pub fn decided(&self, count: DecisionCount<'_>) {
        let mut c = self.counts();
        match count {
            DecisionCount::Assigned {
                pool,
                time_to_assign,
            } => {
                bump(&mut c.assigned, pool.to_owned());
                observe(&mut c, pool, time_to_assign);
            }
            DecisionCount::Reassigned { pool } => bump(&mut c.reassigned, pool.to_owned()),
            DecisionCount::Parked { pool, reason } => {
                bump(&mut c.parked, (pool.to_owned(), reason.to_owned()))
            }
        }
    }

    /// A lead decided after losing `lost` races (`Routed::lost_races`), `waited` after
    /// intake received it.
    pub fn conflicted(&self, lost: u32, waited: Duration) {
        let mut c = self.counts();
        c.conflicts.lost += u64::from(lost);
        c.conflicts.time_to_decide.observe(waited.as_secs_f64());
    }

    /// One SLA pass.
    pub fn swept(&self, report: &SweepReport) {
        let sla = &mut self.counts().sla;
        sla.expired += report.expired as u64;
        sla.reassigned += report.reassigned as u64;
        sla.escalated += report.escalated as u64;
        sla.warnings += report.warned as u64;
        sla.failures += report.failures as u64;
    }
}

fn observe(c: &mut Counts, pool: &str, waited: Duration) {
    c.time_to_assign
        .entry(pool.to_owned())
        .or_default()
        .observe(waited.as_secs_f64());
}
