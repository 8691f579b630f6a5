//! The store engine's own floor: what redb alone costs to write a lead's records, with no
//! server, no packing and no JSON around it, on this machine's disk.
//!
//!   cargo run --release -p switchboard-store --example commit_floor -- DIR [FILL] [RATE] [SECONDS] [BATCHES] [HASHED]
//!
//! Creates a redb file in DIR (on the disk the server's data directory is on), fills it with
//! FILL leads (default 80,000), then measures this process's CPU time per lead:
//!
//! - `paced`: RATE leads a second (default 1,000) for SECONDS (default 10), each lead's
//!   writes in one durable commit of its own: the least a store can do per lead when every
//!   lead must be on disk before it is answered and no lead waits for another;
//! - `batched`: the same number of leads again, for each batch size in BATCHES (default
//!   `20,100`), that many leads to a durable commit, as fast as it goes: what the same writes
//!   cost when commits are shared, as under load (at 8,000 leads/s offered the server's
//!   durable commits carry about 20 leads each);
//! - `log paced` and `log batched`: the same leads' entries appended to a plain file, one
//!   record and one `fdatasync` per commit. That is the disk's floor under any store engine:
//!   what making a lead durable costs with no index, no pages and no reads at all.
//!
//! Each lead writes the entries a lead of the load test leaves in the store (layout 5,
//! docs/DATA-MODEL.md), with the key and value sizes `store_sizes` measured on one
//! (docs/BENCHMARKS.md, "Cost per lead"): the lead, its assignment and decision in `leads`,
//! its idempotency and email keys, the received, open-by-rep and SLA-due index entries, an
//! awaiting-routing entry added and removed, its rep's counter and pool's state rewritten,
//! and a delivery record. Values are random bytes of those sizes.
//!
//! HASHED says how the email and idempotency entries are written: `folded` (the default), as
//! the store writes a lead from a new address under a key made from its content: one entry
//! keyed by a hash, the email entry with the idempotency key in it, 28 bytes longer;
//! `hashed`, both entries keyed by hashes (as every lead was written before the fold, and
//! as a lead under a provider's or sender's key still is), so each lands on a leaf page of
//! its own; `ordered`, both keyed by the lead's number instead, a measurement of what the
//! random keys cost (no lookup by address could use it); or `without`, the two left out.
//!
//! `cli/bench/cost-per-lead.sh` runs this next to the server, so both figures come from the
//! same machine in the same run.

use std::io::Write;
use std::time::{Duration, Instant};

use redb::{Database, TableDefinition, TableHandle, WriteTransaction};

type Table = TableDefinition<'static, &'static str, &'static [u8]>;

const LEADS: Table = TableDefinition::new("leads");
const IDEMPOTENCY: Table = TableDefinition::new("idempotency_hashes");
const EMAILS: Table = TableDefinition::new("email_hashes");
const AWAITING: Table = TableDefinition::new("awaiting_routing");
const RECEIVED: Table = TableDefinition::new("leads_by_received");
const REPS: Table = TableDefinition::new("rep_counters");
const POOLS: Table = TableDefinition::new("pool_states");
const OPEN_BY_REP: Table = TableDefinition::new("open_by_rep");
const DUE: Table = TableDefinition::new("sla_due");
const NOTIFIED: Table = TableDefinition::new("notified");

/// Value sizes per entry, from `store_sizes` on a load-test store (80,000 leads at 8,000/s;
/// records packed against the trained dictionaries, compact index entries).
const LEAD_BYTES: usize = 147;
const ASSIGNMENT_BYTES: usize = 57;
const DECISION_BYTES: usize = 230;
const IDEMPOTENCY_BYTES: usize = 30;
const EMAIL_BYTES: usize = 30;
/// What a folded idempotency key adds to the email entry: its hash and expiry.
const FOLDED_KEY_BYTES: usize = 28;
const DELIVERY_BYTES: usize = 29;
const REP_BYTES: usize = 52;
const POOL_BYTES: usize = 37;
/// The load policy's reps and pools.
const REPS_IN_POLICY: u64 = 17;
const POOLS_IN_POLICY: u64 = 8;

/// How a lead's email and idempotency entries are keyed (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keying {
    Folded,
    Hashed,
    Ordered,
    Without,
}

impl std::str::FromStr for Keying {
    type Err = String;
    fn from_str(s: &str) -> Result<Keying, String> {
        match s {
            "folded" => Ok(Keying::Folded),
            "hashed" => Ok(Keying::Hashed),
            "ordered" => Ok(Keying::Ordered),
            "without" => Ok(Keying::Without),
            other => Err(format!(
                "HASHED is folded, hashed, ordered or without, not {other:?}"
            )),
        }
    }
}

/// One lead's keys, shaped like the store's: time-ordered ids, email and idempotency keys
/// as [`Keying`] says, time-keyed indexes.
struct Lead {
    id: String,
    keying: Keying,
    n: u64,
    /// The email entry's key.
    hash: String,
    /// The idempotency entry's key.
    key: String,
    received: String,
}

impl Lead {
    fn new(n: u64, keying: Keying) -> Lead {
        let rand = fastrand::u64(..);
        let (hash, key) = if keying == Keying::Ordered {
            (format!("{n:022}"), format!("{n:022}"))
        } else {
            (
                // 22 characters, as the store's hashed keys (16 bytes in base64url).
                format!("{:011x}{:011x}", rand >> 20, (rand ^ n) & 0xfff_ffff_ffff),
                format!(
                    "{:011x}{:011x}",
                    fastrand::u64(..) >> 20,
                    fastrand::u64(..) >> 20
                ),
            )
        };
        Lead {
            keying,
            // Time-ordered like the store's ids: the sequence first, then random bits.
            id: format!(
                "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
                n >> 16,
                n & 0xffff,
                rand & 0xfff,
                (rand >> 12) & 0xffff,
                rand >> 16
            ),
            n,
            hash,
            key,
            received: format!(
                "2026-12-05T23:{:02}:{:02}.{:09}Z",
                n / 60_000 % 60,
                n / 1000 % 60,
                n % 1000 * 1_000_000
            ),
        }
    }

    /// Everything the lead writes from its arrival to its delivery record, in order:
    /// (table, key, value), no value for a removal.
    fn entries<'b>(&self, bytes: &'b Bytes) -> Vec<(Table, String, Option<&'b [u8]>)> {
        let id = &self.id;
        let rep = self.n % REPS_IN_POLICY;
        let received = format!("{}\0{id}", self.received);
        let mut entries = vec![
            (LEADS, id.clone(), Some(bytes.get(LEAD_BYTES))),
            (LEADS, format!("{id}\0a"), Some(bytes.get(ASSIGNMENT_BYTES))),
            (
                LEADS,
                format!("{id}\0{:010}", 1),
                Some(bytes.get(DECISION_BYTES)),
            ),
            (
                IDEMPOTENCY,
                self.key.clone(),
                Some(bytes.get(IDEMPOTENCY_BYTES)),
            ),
            (EMAILS, self.hash.clone(), Some(bytes.get(EMAIL_BYTES))),
            (AWAITING, received.clone(), Some(bytes.get(0))),
            (AWAITING, received.clone(), None),
            (RECEIVED, received, Some(bytes.get(0))),
            (OPEN_BY_REP, format!("br-{rep}\0{id}"), Some(bytes.get(0))),
            (
                DUE,
                format!("{:020}\0{id}", 1_796_512_537_569 + self.n),
                Some(bytes.get(0)),
            ),
            (REPS, format!("br-{rep}"), Some(bytes.get(REP_BYTES))),
            (
                POOLS,
                format!("pool-{}", self.n % POOLS_IN_POLICY),
                Some(bytes.get(POOL_BYTES)),
            ),
            (
                NOTIFIED,
                format!("{id}\0:1\0assigned\0_log"),
                Some(bytes.get(DELIVERY_BYTES)),
            ),
        ];
        match self.keying {
            Keying::Without => entries.retain(|(table, _, _)| {
                ![EMAILS.name(), IDEMPOTENCY.name()].contains(&table.name())
            }),
            Keying::Folded => {
                entries.retain(|(table, _, _)| table.name() != IDEMPOTENCY.name());
                for entry in entries.iter_mut().filter(|e| e.0.name() == EMAILS.name()) {
                    entry.2 = Some(bytes.get(EMAIL_BYTES + FOLDED_KEY_BYTES));
                }
            }
            Keying::Hashed | Keying::Ordered => {}
        }
        entries
    }

    /// The lead's entries written into redb, each table opened once per run of its entries.
    fn write(&self, txn: &WriteTransaction, bytes: &Bytes) -> Result<(), redb::Error> {
        let entries = self.entries(bytes);
        for run in entries.chunk_by(|a, b| a.0.name() == b.0.name()) {
            let mut table = txn.open_table(run[0].0)?;
            for (_, key, value) in run {
                match value {
                    Some(value) => table.insert(key.as_str(), *value)?,
                    None => table.remove(key.as_str())?,
                };
            }
        }
        Ok(())
    }

    /// The lead's entries as a record for an append-only log: table name, key and value,
    /// each length-prefixed.
    fn encode(&self, bytes: &Bytes, out: &mut Vec<u8>) {
        for (table, key, value) in self.entries(bytes) {
            let value = value.unwrap_or_default();
            for part in [table.name().as_bytes(), key.as_bytes(), value] {
                out.extend_from_slice(&u16::try_from(part.len()).unwrap_or(u16::MAX).to_le_bytes());
                out.extend_from_slice(part);
            }
        }
    }
}

/// Random bytes to take values from, so that nothing compresses or repeats by accident.
struct Bytes(Vec<u8>);

impl Bytes {
    fn get(&self, len: usize) -> &[u8] {
        let start = fastrand::usize(..self.0.len() - len);
        &self.0[start..start + len]
    }
}

/// This process's user + system CPU time, in clock ticks (`/proc/self/stat`).
fn cpu_ticks() -> Result<u64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let after_name = &stat[stat.rfind(')').ok_or("no comm in /proc/self/stat")? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
}

/// Microseconds of CPU per lead between two readings (Linux counts 100 ticks a second).
fn per_lead(before: u64, after: u64, leads: u64) -> f64 {
    (after - before) as f64 * 10_000.0 / leads as f64
}

fn arg(n: usize, default: u64) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(match std::env::args().nth(n) {
        Some(v) => v.parse()?,
        None => default,
    })
}

type Failure = Box<dyn std::error::Error>;

/// CPU per lead and commit latencies of `leads` commits of one lead each, one every
/// `1/rate` s: what a commit costs when nothing shares it.
fn paced(
    rate: u64,
    leads: u64,
    mut commit: impl FnMut(u64) -> Result<(), Failure>,
) -> Result<(f64, Vec<Duration>), Failure> {
    let period = Duration::from_secs(1) / u32::try_from(rate)?;
    let mut latencies = Vec::with_capacity(usize::try_from(leads)?);
    let (start, before) = (Instant::now(), cpu_ticks()?);
    for i in 0..leads {
        let began = Instant::now();
        commit(1)?;
        latencies.push(began.elapsed());
        let due = start + period * u32::try_from(i + 1)?;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let cpu = per_lead(before, cpu_ticks()?, leads);
    latencies.sort();
    Ok((cpu, latencies))
}

/// CPU per lead of about `leads` leads, `batch` to a commit, as fast as it goes.
fn batched(
    batch: u64,
    leads: u64,
    mut commit: impl FnMut(u64) -> Result<(), Failure>,
) -> Result<(u64, f64), Failure> {
    let batches = (leads / batch).max(1);
    let before = cpu_ticks()?;
    for _ in 0..batches {
        commit(batch)?;
    }
    Ok((
        batches * batch,
        per_lead(before, cpu_ticks()?, batches * batch),
    ))
}

/// "p50 / p99" of sorted latencies, in milliseconds.
fn quantiles(sorted: &[Duration]) -> String {
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    format!("{:.2} / {:.2}", at(0.5), at(0.99))
}

fn main() -> Result<(), Failure> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: commit_floor DIR [FILL] [RATE] [SECONDS] [BATCHES] [HASHED]")?;
    let (fill, rate, seconds) = (arg(2, 80_000)?, arg(3, 1000)?, arg(4, 10)?);
    let batch_sizes = std::env::args()
        .nth(5)
        .unwrap_or_else(|| "20,100".to_owned())
        .split(',')
        .map(str::parse::<u64>)
        .collect::<Result<Vec<_>, _>>()?;
    let keying: Keying = std::env::args()
        .nth(6)
        .unwrap_or_else(|| "folded".to_owned())
        .parse()?;
    let dir = std::path::Path::new(&dir);
    let path = dir.join("commit-floor.redb");
    // The server's page cache bound (`--store-cache-mb`, default 64).
    let db = Database::builder().set_cache_size(64 << 20).create(&path)?;
    let bytes = Bytes((0..1 << 16).map(|_| fastrand::u8(..)).collect());
    let mut next = 0u64;
    // Durable, as every commit that answers a lead is.
    let mut commit = |leads: u64| -> Result<(), Failure> {
        let txn = db.begin_write()?;
        for _ in 0..leads {
            Lead::new(next, keying).write(&txn, &bytes)?;
            next += 1;
        }
        txn.commit()?;
        Ok(())
    };

    for _ in 0..fill / 500 {
        commit(500)?;
    }

    let leads = rate * seconds;
    let (cpu, latencies) = paced(rate, leads, &mut commit)?;
    println!(
        "paced: {leads} leads at {rate}/s, one durable commit each: {cpu:.0} µs CPU per lead, commit p50 / p99 {} ms",
        quantiles(&latencies)
    );
    for &batch in &batch_sizes {
        let (leads, cpu) = batched(batch, leads, &mut commit)?;
        println!("batched: {leads} leads, {batch} to a durable commit: {cpu:.0} µs CPU per lead");
    }
    drop(db);
    std::fs::remove_file(&path)?;

    // The disk's own floor, under any engine: the same entries appended to a file as one
    // record per commit, made durable by one `fdatasync`. No index, no pages, no reads.
    let log_path = dir.join("commit-floor.log");
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    let mut record = Vec::new();
    let mut append = |leads: u64| -> Result<(), Failure> {
        record.clear();
        for _ in 0..leads {
            Lead::new(next, keying).encode(&bytes, &mut record);
            next += 1;
        }
        log.write_all(&record)?;
        log.sync_data()?;
        Ok(())
    };
    let (cpu, latencies) = paced(rate, leads, &mut append)?;
    println!(
        "log paced: {leads} leads at {rate}/s, one append and fdatasync each: {cpu:.0} µs CPU per lead, p50 / p99 {} ms",
        quantiles(&latencies)
    );
    for &batch in &batch_sizes {
        let (leads, cpu) = batched(batch, leads, &mut append)?;
        println!("log batched: {leads} leads, {batch} to an fdatasync: {cpu:.0} µs CPU per lead");
    }
    std::fs::remove_file(&log_path)?;
    Ok(())
}
