//! Writing a series: rows are validated, sorted and split by period; each touched partition is
//! merged with what it holds and replaced atomically (see [`super::catalog`] for the order of
//! steps that makes a crash harmless). Partitions the new rows do not fall in are not touched,
//! and a partition whose merged content equals what it holds is not rewritten.

use super::catalog;
use super::fileio::{self, AtomicFile};
use super::layout::PartitionKey;
use super::parquet_io::{open_pruned, write_parquet, writer_props};
use super::rows::{MarketRow, merge};
use super::timeframe::{PeriodKind, period_of};
use crate::records::PartitionMeta;
use crate::timefmt::now_ns;
use crate::{Error, Result, Store};

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteReport {
    /// Distinct rows given (after the newest of equal keys was kept).
    pub rows: u64,
    /// Partitions rewritten.
    pub partitions_written: u64,
    /// Partitions the rows fell in whose content was already identical (not rewritten).
    pub partitions_unchanged: u64,
}

/// Reads all rows of a stored partition after checking the file against its catalog row.
pub(crate) fn load_partition<R: MarketRow>(store: &Store, key: &PartitionKey, meta: &PartitionMeta) -> Result<Vec<R>> {
    let path = store.path().join(key.rel_file());
    let data = fileio::read_checked(&path, meta)?
        .map_err(|m| Error::corruption("market_catalog", key, format!("{}: {}", path.display(), m.detail(meta))))?;
    let (reader, _, _) = open_pruned(data, &key.to_string(), &R::schema(), i64::MIN, i64::MAX, 65_536)?;
    let mut out = Vec::with_capacity(usize::try_from(meta.rows).unwrap_or(0));
    for batch in reader {
        let batch = batch.map_err(|e| Error::corruption("market_catalog", key, format!("cannot be decoded: {e}")))?;
        R::from_batch(&batch, &mut out)?;
    }
    Ok(out)
}

/// Writes sorted, deduplicated `rows` of one series into their partitions. The caller holds the
/// market lock.
pub(crate) fn write_series<R: MarketRow>(
    store: &Store,
    pair: &str,
    timeframe: &str,
    kind: PeriodKind,
    rows: &[R],
) -> Result<WriteReport> {
    let mut report = WriteReport {
        rows: rows.len() as u64,
        ..WriteReport::default()
    };
    let mut rest = rows;
    while let Some(first) = rest.first() {
        let (period, _, end) = period_of(kind, first.ts())?;
        let n = rest.partition_point(|r| r.ts() < end);
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let key = PartitionKey {
            pair: pair.into(),
            timeframe: timeframe.into(),
            period,
        };
        if write_partition(store, &key, chunk)? {
            report.partitions_written += 1;
        } else {
            report.partitions_unchanged += 1;
        }
    }
    Ok(report)
}

/// Merges `rows` into partition `key`; returns whether the file was rewritten.
fn write_partition<R: MarketRow>(store: &Store, key: &PartitionKey, rows: &[R]) -> Result<bool> {
    let dir = store.path().join(key.rel_dir());
    catalog::clean_temps(&dir)?;
    let existing = catalog::get(&store.read_txn()?, key)?;
    let merged = match &existing {
        Some(meta) => {
            let old = load_partition::<R>(store, key, meta)?;
            let merged = merge(old.clone(), rows);
            if merged == old {
                return Ok(false);
            }
            merged
        }
        None => rows.to_vec(),
    };
    let (Some(first), Some(last)) = (merged.first(), merged.last()) else {
        return Ok(false);
    };
    let (first_ts, last_ts) = (first.ts(), last.ts());
    let batch = R::to_batch(&merged)?;
    let file = AtomicFile::create(&store.path().join(key.rel_file()))?;
    let props = writer_props(store.inner().config.market_row_group_rows, true);
    let (finished, row_groups) = write_parquet(file, R::schema(), [&batch], props)?;
    let meta = PartitionMeta {
        rows: merged.len() as u64,
        first_ts,
        last_ts,
        bytes: finished.bytes,
        blake3: finished.blake3,
        written_at: now_ns(),
        row_groups,
    };
    catalog::set_pending(store, key, &meta)?;
    finished.rename_into_place()?;
    catalog::promote(store, key, &meta)?;
    Ok(true)
}
