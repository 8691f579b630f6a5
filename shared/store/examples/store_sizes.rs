//! Where an embedded store file's bytes go, per table: entries, key and value bytes, pages.
//!
//!   cargo run --release -p switchboard-store --example store_sizes -- PATH/TO/switchboard.redb [TABLE]
//!
//! With a TABLE, also prints that table's first value (unpacked) and its stored size.
//!
//! Used by the hot-path measurements (docs/BENCHMARKS.md, "Cost per lead") to see which
//! records make a stored lead's bytes. Opens the file read-only in effect: nothing is written.

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: store_sizes PATH")?;
    let file_bytes = std::fs::metadata(&path)?.len();
    let db = Database::open(&path)?;
    let txn = db.begin_read()?;
    let names: Vec<String> = txn.list_tables()?.map(|t| t.name().to_string()).collect();
    println!(
        "{:<22} {:>9} {:>11} {:>12} {:>8} {:>12}",
        "table", "entries", "key bytes", "value bytes", "pages", "fragmented"
    );
    let (mut keys_total, mut values_total) = (0u64, 0u64);
    for name in names {
        if name == "policy_versions" {
            continue; // keyed by number; small
        }
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let table = txn.open_table(def)?;
        let (mut k, mut v) = (0u64, 0u64);
        for row in table.iter()? {
            let (key, value) = row?;
            k += key.value().len() as u64;
            v += value.value().len() as u64;
        }
        let stats = table.stats()?;
        println!(
            "{:<22} {:>9} {:>11} {:>12} {:>8} {:>12}",
            name,
            table.len()?,
            k,
            v,
            stats.leaf_pages() + stats.branch_pages(),
            stats.fragmented_bytes()
        );
        keys_total += k;
        values_total += v;
    }
    // The leads table holds each lead's assignment and decisions too (keys with a NUL):
    // their count and mean stored size by kind of record.
    let leads = {
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new("leads");
        let mut by_kind: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for row in txn.open_table(def)?.iter()? {
            let (key, value) = row?;
            let kind = switchboard_store::embedded::packed_kind_of("leads", key.value());
            let entry = by_kind.entry(format!("{kind:?}")).or_default();
            entry.0 += 1;
            entry.1 += value.value().len() as u64;
        }
        for (kind, (count, bytes)) in &by_kind {
            println!(
                "  leads table, {kind}: {count} records, {} bytes stored on average",
                bytes / count
            );
        }
        by_kind.get("Lead").map_or(0, |(count, _)| *count)
    };
    println!(
        "file {file_bytes} bytes, {leads} leads: {} bytes per lead on disk, {} of keys and values",
        file_bytes / leads.max(1),
        (keys_total + values_total) / leads.max(1)
    );
    drop(txn);
    // The file's pages as the allocator sees them: what the tables hold, what the store's
    // own bookkeeping holds, and what is allocated but free.
    let write = db.begin_write()?;
    let stats = write.stats()?;
    println!(
        "allocated pages {} ({} bytes each): leaf {}, branch {}, tree height {}; stored leaf bytes {}, metadata bytes {}, fragmented bytes {}",
        stats.allocated_pages(),
        stats.page_size(),
        stats.leaf_pages(),
        stats.branch_pages(),
        stats.tree_height(),
        stats.stored_bytes(),
        stats.metadata_bytes(),
        stats.fragmented_bytes()
    );
    write.abort()?;
    if let Some(table) = std::env::args().nth(2) {
        // One value of the named table, unpacked (`switchboard_store::packed`).
        let txn = db.begin_read()?;
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&table);
        if let Some(row) = txn.open_table(def)?.iter()?.next() {
            let (key, value) = row?;
            let json = switchboard_store::embedded::stored_json(key.value(), value.value())?;
            println!(
                "{:?} => {} ({} bytes stored)",
                key.value(),
                String::from_utf8_lossy(&json),
                value.value().len()
            );
        }
    }
    Ok(())
}
