//! Trains the v2 packing dictionaries (`src/packed/*-v2.zdict`) from store files.
//!
//!   cli/bench/packing-corpus.sh OUT        # the demo's records, in two store files
//!   cargo run --release -p switchboard-store --example train_dictionaries -- \
//!       OUT/parking/switchboard.redb OUT/assigning/switchboard.redb
//!
//! Every record of the leads table is a sample of its kind (a lead, a decision, an
//! assignment), taken as the store packs it: its JSON with the lead's id taken out
//! (`packed::elide`). Each kind's dictionary is zstd's training on its samples
//! (`ZDICT_trainFromBuffer`), at most 16 KB: larger ones packed the demo's leads a few
//! percent smaller and the load test's not at all. Prints each kind's sample count and
//! the mean packed size of its samples under the new dictionary.
//!
//! The dictionaries committed are part of the storage format: a stored value reads only
//! with the bytes it was packed against, so they are never replaced. Better ones would be
//! a new format (tags of their own), the old kept for reading.

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use switchboard_store::embedded::{packed_kind_of, stored_json};
use switchboard_store::packed::{Kind, elide};

const MAX_SIZE: usize = 16 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        return Err("usage: train_dictionaries STORE_FILE...".into());
    }
    let kinds = [
        (Kind::Lead, "lead"),
        (Kind::Decision, "decision"),
        (Kind::Assignment, "assignment"),
    ];
    let mut samples: Vec<Vec<Vec<u8>>> = vec![Vec::new(); kinds.len()];
    for file in &files {
        let db = Database::open(file)?;
        let txn = db.begin_read()?;
        let table = txn.open_table(TableDefinition::<&str, &[u8]>::new("leads"))?;
        for row in table.iter()? {
            let (key, value) = row?;
            let key = key.value();
            let kind = packed_kind_of("leads", key);
            let Some(at) = kinds.iter().position(|(k, _)| *k == kind) else {
                continue;
            };
            let json = stored_json(key, value.value())?;
            let id = key.split('\0').next().unwrap_or(key);
            samples[at].push(elide(&json, id).unwrap_or(json));
        }
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/packed");
    for ((_, name), samples) in kinds.iter().zip(&samples) {
        let dictionary = zstd::dict::from_samples(samples, MAX_SIZE)?;
        let path = out.join(format!("{name}-v2.zdict"));
        std::fs::write(&path, &dictionary)?;
        let mut compressor = zstd::bulk::Compressor::with_dictionary(3, &dictionary)?;
        let packed: usize = samples
            .iter()
            .map(|s| compressor.compress(s).map(|c| c.len()))
            .sum::<Result<usize, _>>()?;
        let raw: usize = samples.iter().map(Vec::len).sum();
        println!(
            "{name}: {} samples of {} bytes on average, packed to {} with the new dictionary ({} bytes) -> {}",
            samples.len(),
            raw / samples.len().max(1),
            packed / samples.len().max(1),
            dictionary.len(),
            path.display()
        );
    }
    Ok(())
}
