//! What housekeeping remembers in the store: usage samples, alerts, cleanups and marks
//! (last runs, cooldowns).

use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};

use crate::envelope::{self, Rec, RecBytes, Record};
use crate::records::{AlertRecord, CleanupRecord, UsageSample};
use crate::tables::{HK_ALERTS, HK_CLEANUPS, HK_MARKS, HK_METRICS, META, META_NEXT_HK_SEQ};
use crate::{Result, Store};

type Rows<T> = TableDefinition<'static, (i64, u64), Rec<T>>;

/// Next sequence number for a housekeeping row (unique across every housekeeping table).
fn next_seq(txn: &WriteTransaction) -> Result<u64> {
    let mut meta = txn.open_table(META)?;
    let seq = meta.get(META_NEXT_HK_SEQ)?.map_or(1, |v| v.value());
    meta.insert(META_NEXT_HK_SEQ, seq + 1)?;
    Ok(seq)
}

/// Appends `rec` at `ts` in `def`.
pub(crate) fn append<T: Record>(txn: &WriteTransaction, def: Rows<T>, ts: i64, rec: &T) -> Result<()> {
    let bytes = envelope::encode(rec)?;
    let seq = next_seq(txn)?;
    txn.open_table(def)?.insert((ts, seq), RecBytes::new(&bytes))?;
    Ok(())
}

/// Rows of `def` with `ts >= since`, oldest first, at most the newest `limit`. Corrupt rows are
/// skipped (they are reported by `verify`, and history is not worth failing a dashboard for).
fn rows_since<T: Record>(store: &Store, def: Rows<T>, since: i64, limit: usize) -> Result<Vec<T>> {
    let rtx = store.read_txn()?;
    let table = rtx.open_table(def)?;
    let mut out = Vec::new();
    for row in table.range((since, 0)..)?.rev() {
        if out.len() >= limit {
            break;
        }
        let (k, v) = row?;
        let key = k.value();
        if let Ok(rec) = v.value().decode(def.name(), &format!("{key:?}")) {
            out.push(rec);
        }
    }
    out.reverse();
    Ok(out)
}

/// Usage samples since `since`, oldest first.
pub(crate) fn samples_since(store: &Store, since: i64) -> Result<Vec<UsageSample>> {
    rows_since(store, HK_METRICS, since, usize::MAX)
}

/// The newest `limit` alerts since `since`, oldest first.
pub(crate) fn alerts_since(store: &Store, since: i64, limit: usize) -> Result<Vec<AlertRecord>> {
    rows_since(store, HK_ALERTS, since, limit)
}

/// The newest `limit` cleanups, oldest first.
pub(crate) fn cleanups(store: &Store, limit: usize) -> Result<Vec<CleanupRecord>> {
    rows_since(store, HK_CLEANUPS, i64::MIN, limit)
}

/// Mark `key` (ns), if set.
pub(crate) fn mark(store: &Store, key: &str) -> Result<Option<i64>> {
    let rtx = store.read_txn()?;
    let table = rtx.open_table(HK_MARKS)?;
    Ok(table.get(key)?.map(|v| v.value()))
}

/// Sets mark `key` to `ts`.
pub(crate) fn set_mark(txn: &WriteTransaction, key: &str, ts: i64) -> Result<()> {
    txn.open_table(HK_MARKS)?.insert(key, ts)?;
    Ok(())
}

/// Deletes usage samples, alerts and cleanup records older than `before`. Returns rows removed.
pub(crate) fn prune(store: &Store, before: i64) -> Result<u64> {
    store.write(move |txn| {
        let mut n = 0;
        n += prune_table(txn, HK_METRICS, before)?;
        n += prune_table(txn, HK_ALERTS, before)?;
        n += prune_table(txn, HK_CLEANUPS, before)?;
        Ok(n)
    })
}

fn prune_table<T: Record>(txn: &WriteTransaction, def: Rows<T>, before: i64) -> Result<u64> {
    let mut table = txn.open_table(def)?;
    let mut n = 0;
    table.retain_in(..(before, 0), |_, _| {
        n += 1;
        false
    })?;
    Ok(n)
}
