//! The store engine's own floor: what redb alone costs to write a lead's records, with no
//! server, no packing and no JSON around it, on this machine's disk.
//!
//!   cargo run --release -p switchboard-store --example commit_floor -- DIR [FILL] [RATE] [SECONDS] [BATCHES]
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
//!   durable commits carry about 20 leads each).
//!
//! Each lead writes the entries a lead of the load test leaves in the store (layout 5,
//! docs/DATA-MODEL.md), with the key and value sizes `store_sizes` measured on one
//! (docs/BENCHMARKS.md, "Cost per lead"): the lead, its assignment and decision in `leads`,
//! its idempotency and email keys, the received, open-by-rep and SLA-due index entries, an
//! awaiting-routing entry added and removed, its rep's counter and pool's state rewritten,
//! and a delivery record. Values are random bytes of those sizes. `cli/bench/cost-per-lead.sh`
//! runs this next to the server, so both figures come from the same machine in the same run.

use std::time::{Duration, Instant};

use redb::{Database, TableDefinition, WriteTransaction};

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
const DELIVERY_BYTES: usize = 29;
const REP_BYTES: usize = 52;
const POOL_BYTES: usize = 37;
/// The load policy's reps and pools.
const REPS_IN_POLICY: u64 = 17;
const POOLS_IN_POLICY: u64 = 8;

/// One lead's keys, shaped like the store's: time-ordered ids, hashed email and
/// idempotency keys, time-keyed indexes.
struct Lead {
    id: String,
    n: u64,
    /// The email entry's key.
    hash: String,
    /// The idempotency entry's key.
    key: String,
    received: String,
}

impl Lead {
    fn new(n: u64) -> Lead {
        let rand = fastrand::u64(..);
        Lead {
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
            // 22 characters, as the store's hashed keys (16 bytes in base64url).
            hash: format!("{:011x}{:011x}", rand >> 20, (rand ^ n) & 0xfff_ffff_ffff),
            key: format!(
                "{:011x}{:011x}",
                fastrand::u64(..) >> 20,
                fastrand::u64(..) >> 20
            ),
            received: format!(
                "2026-12-05T23:{:02}:{:02}.{:09}Z",
                n / 60_000 % 60,
                n / 1000 % 60,
                n % 1000 * 1_000_000
            ),
        }
    }

    /// Everything the lead writes from its arrival to its delivery record.
    fn write(&self, txn: &WriteTransaction, bytes: &Bytes) -> Result<(), redb::Error> {
        let id = &self.id;
        let rep = self.n % REPS_IN_POLICY;
        {
            let mut leads = txn.open_table(LEADS)?;
            leads.insert(id.as_str(), bytes.get(LEAD_BYTES))?;
            leads.insert(format!("{id}\0a").as_str(), bytes.get(ASSIGNMENT_BYTES))?;
            leads.insert(
                format!("{id}\0{:010}", 1).as_str(),
                bytes.get(DECISION_BYTES),
            )?;
        }
        let hash = &self.hash;
        txn.open_table(IDEMPOTENCY)?
            .insert(self.key.as_str(), bytes.get(IDEMPOTENCY_BYTES))?;
        txn.open_table(EMAILS)?
            .insert(hash.as_str(), bytes.get(EMAIL_BYTES))?;
        let received = format!("{}\0{id}", self.received);
        {
            let mut awaiting = txn.open_table(AWAITING)?;
            awaiting.insert(received.as_str(), bytes.get(0))?;
            awaiting.remove(received.as_str())?;
        }
        txn.open_table(RECEIVED)?
            .insert(received.as_str(), bytes.get(0))?;
        txn.open_table(OPEN_BY_REP)?
            .insert(format!("br-{rep}\0{id}").as_str(), bytes.get(0))?;
        txn.open_table(DUE)?.insert(
            format!("{:020}\0{id}", 1_796_512_537_569 + self.n).as_str(),
            bytes.get(0),
        )?;
        txn.open_table(REPS)?
            .insert(format!("br-{rep}").as_str(), bytes.get(REP_BYTES))?;
        txn.open_table(POOLS)?.insert(
            format!("pool-{}", self.n % POOLS_IN_POLICY).as_str(),
            bytes.get(POOL_BYTES),
        )?;
        txn.open_table(NOTIFIED)?.insert(
            format!("{id}\0:1\0assigned\0_log").as_str(),
            bytes.get(DELIVERY_BYTES),
        )?;
        Ok(())
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: commit_floor DIR [FILL] [RATE] [SECONDS] [BATCHES]")?;
    let (fill, rate, seconds) = (arg(2, 80_000)?, arg(3, 1000)?, arg(4, 10)?);
    let batch_sizes = std::env::args()
        .nth(5)
        .unwrap_or_else(|| "20,100".to_owned())
        .split(',')
        .map(str::parse::<u64>)
        .collect::<Result<Vec<_>, _>>()?;
    let path = std::path::Path::new(&dir).join("commit-floor.redb");
    // The server's page cache bound (`--store-cache-mb`, default 64).
    let db = Database::builder().set_cache_size(64 << 20).create(&path)?;
    let bytes = Bytes((0..1 << 16).map(|_| fastrand::u8(..)).collect());
    let mut next = 0u64;
    // Durable, as every commit that answers a lead is.
    let mut commit = |leads: u64| -> Result<(), redb::Error> {
        let txn = db.begin_write()?;
        for _ in 0..leads {
            Lead::new(next).write(&txn, &bytes)?;
            next += 1;
        }
        txn.commit()?;
        Ok(())
    };

    for _ in 0..fill / 500 {
        commit(500)?;
    }

    let leads = rate * seconds;
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
    let paced = per_lead(before, cpu_ticks()?, leads);
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;

    let mut batched = Vec::new();
    for batch in batch_sizes {
        let batches = (leads / batch).max(1);
        let before = cpu_ticks()?;
        for _ in 0..batches {
            commit(batch)?;
        }
        batched.push((
            batch,
            batches * batch,
            per_lead(before, cpu_ticks()?, batches * batch),
        ));
    }

    println!(
        "paced: {leads} leads at {rate}/s, one durable commit each: {paced:.0} µs CPU per lead, commit p50 / p99 {:.2} / {:.2} ms",
        at(0.5),
        at(0.99)
    );
    for (batch, leads, cpu) in batched {
        println!("batched: {leads} leads, {batch} to a durable commit: {cpu:.0} µs CPU per lead");
    }
    drop(db);
    std::fs::remove_file(&path)?;
    Ok(())
}
