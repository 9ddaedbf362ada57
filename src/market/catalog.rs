//! The catalog of partitions in redb, and recovery of rewrites a crash interrupted.
//!
//! A rewrite of partition K records its new metadata in [`MARKET_PENDING`] *before* the new file
//! is renamed into place, and moves it into [`MARKET_CATALOG`] *after*. So at any crash point
//! the file on disk matches the catalog row or the pending row, and [`recover`] tells which by
//! hashing it: the catalog never ends up vouching for a file it did not hash.

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use super::fileio;
use super::layout::{PartitionKey, is_temp_name};
use crate::envelope::{self, RecBytes};
use crate::records::PartitionMeta;
use crate::tables::{MARKET_CATALOG, MARKET_PENDING};
use crate::{Result, Store};

const CATALOG: &str = "market_catalog";
const PENDING: &str = "market_pending";

/// The catalog row of one partition.
///
/// # Errors
/// [`crate::Error::Corruption`] if the row fails its checks.
pub fn get(rtx: &ReadTransaction, key: &PartitionKey) -> Result<Option<PartitionMeta>> {
    let table = rtx.open_table(MARKET_CATALOG)?;
    let row = table.get((key.pair.as_str(), key.timeframe.as_str(), key.period.as_str()))?;
    row.map(|v| v.value().decode(CATALOG, key)).transpose()
}

/// The pending row of one partition: the file a rewrite put (or is about to put) in place
/// before its catalog commit.
///
/// # Errors
/// [`crate::Error::Corruption`] if the row fails its checks.
pub fn get_pending(rtx: &ReadTransaction, key: &PartitionKey) -> Result<Option<PartitionMeta>> {
    let table = rtx.open_table(MARKET_PENDING)?;
    let row = table.get((key.pair.as_str(), key.timeframe.as_str(), key.period.as_str()))?;
    row.map(|v| v.value().decode(PENDING, key)).transpose()
}

/// Every partition of one series (pair, timeframe), in time order.
///
/// # Errors
/// [`crate::Error::Corruption`] for a row that fails its checks.
pub fn series(rtx: &ReadTransaction, pair: &str, timeframe: &str) -> Result<Vec<(PartitionKey, PartitionMeta)>> {
    let table = rtx.open_table(MARKET_CATALOG)?;
    let mut out = Vec::new();
    // Periods are ASCII digits and '-', all below '~'.
    for row in table.range((pair, timeframe, "")..(pair, timeframe, "~"))? {
        let (k, v) = row?;
        let (p, t, d) = k.value();
        let key = PartitionKey::from_stored(p, t, d, CATALOG)?;
        let meta = v.value().decode(CATALOG, &key)?;
        out.push((key, meta));
    }
    Ok(out)
}

fn all_of(
    rtx: &ReadTransaction,
    def: redb::TableDefinition<(&str, &str, &str), crate::envelope::Rec<PartitionMeta>>,
    name: &str,
) -> Result<Vec<(PartitionKey, PartitionMeta)>> {
    let table = rtx.open_table(def)?;
    let mut out = Vec::new();
    for row in table.iter()? {
        let (k, v) = row?;
        let (p, t, d) = k.value();
        let key = PartitionKey::from_stored(p, t, d, name)?;
        let meta = v.value().decode(name, &key)?;
        out.push((key, meta));
    }
    Ok(out)
}

/// Every catalog row, ordered by (pair, timeframe, period).
///
/// # Errors
/// [`crate::Error::Corruption`] for a row that fails its checks.
pub fn all(rtx: &ReadTransaction) -> Result<Vec<(PartitionKey, PartitionMeta)>> {
    all_of(rtx, MARKET_CATALOG, CATALOG)
}

type Entries = Vec<(PartitionKey, Vec<u8>)>;

fn encode_all(rows: &[(PartitionKey, PartitionMeta)]) -> Result<Entries> {
    rows.iter()
        .map(|(k, m)| Ok((k.clone(), envelope::encode(m)?)))
        .collect()
}

/// Records, in one commit, that each key is about to be replaced by a file described by its
/// row.
///
/// # Errors
/// [`crate::Error::Db`] if the commit fails.
pub fn set_pending(store: &Store, rows: &[(PartitionKey, PartitionMeta)]) -> Result<()> {
    let entries = encode_all(rows)?;
    store.write(move |txn| {
        let mut table = txn.open_table(MARKET_PENDING)?;
        for (k, bytes) in &entries {
            table.insert(
                (k.pair.as_str(), k.timeframe.as_str(), k.period.as_str()),
                RecBytes::new(bytes),
            )?;
        }
        Ok(())
    })
}

/// Makes each row the catalog row of its key and clears their pending rows, in one commit.
///
/// # Errors
/// [`crate::Error::Db`] if the commit fails.
pub fn promote(store: &Store, rows: &[(PartitionKey, PartitionMeta)]) -> Result<()> {
    let entries = encode_all(rows)?;
    store.write(move |txn| {
        let mut catalog = txn.open_table(MARKET_CATALOG)?;
        let mut pending = txn.open_table(MARKET_PENDING)?;
        for (k, bytes) in &entries {
            let tuple = (k.pair.as_str(), k.timeframe.as_str(), k.period.as_str());
            catalog.insert(tuple, RecBytes::new(bytes))?;
            pending.remove(tuple)?;
        }
        Ok(())
    })
}

fn drop_pending(store: &Store, key: &PartitionKey) -> Result<()> {
    let k = key.clone();
    store.write(move |txn| {
        txn.open_table(MARKET_PENDING)?
            .remove((k.pair.as_str(), k.timeframe.as_str(), k.period.as_str()))?;
        Ok(())
    })
}

/// Removes leftover temp files in a partition directory. Call with the market lock held: then no
/// write is in flight, so every temp file is garbage from an interrupted one.
///
/// # Errors
/// [`crate::Error::Io`] if the directory cannot be listed.
pub fn clean_temps(dir: &std::path::Path) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(crate::Error::io(dir, e)),
    };
    let mut n = 0;
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(is_temp_name) && std::fs::remove_file(entry.path()).is_ok() {
            n += 1;
        }
    }
    Ok(n)
}

/// Resolves every pending row left by an interrupted rewrite (see the module docs). Call with
/// the market lock held. Returns how many rewrites were completed and how many rolled back.
///
/// # Errors
/// [`crate::Error::Io`] or [`crate::Error::Db`].
pub fn recover(store: &Store) -> Result<(usize, usize)> {
    let rtx = store.read_txn()?;
    if rtx.open_table(MARKET_PENDING)?.is_empty()? {
        return Ok((0, 0));
    }
    let pending = all_of(&rtx, MARKET_PENDING, PENDING)?;
    drop(rtx);
    let (mut completed, mut rolled_back) = (0, 0);
    for (key, meta) in pending {
        let file = store.path().join(key.rel_file());
        let on_disk = fileio::hash_file(&file)?;
        if on_disk == Some((meta.bytes, meta.blake3)) {
            promote(store, &[(key.clone(), meta)])?;
            completed += 1;
        } else {
            drop_pending(store, &key)?;
            rolled_back += 1;
        }
        clean_temps(&store.path().join(key.rel_dir()))?;
    }
    Ok((completed, rolled_back))
}
