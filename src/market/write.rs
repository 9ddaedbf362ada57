//! Writing a series: rows are validated, sorted and split by period; each touched partition is
//! merged with what it holds and replaced atomically (see [`super::catalog`] for the order of
//! steps that makes a crash harmless). Partitions the new rows do not fall in are not touched,
//! and a partition whose merged content equals what it holds is not rewritten.

use std::borrow::Cow;

use super::catalog;
use super::encode::write_rows;
use super::fileio::{self, AtomicFile, Finished};
use super::layout::PartitionKey;
use super::parquet_io::{open_pruned, writer_props};
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
///
/// All new files are written first and fsynced together; then one commit records them as
/// pending, they are renamed into place (their directories then fsynced together), and one
/// commit moves them into the catalog. A multi-partition write therefore costs two catalog
/// commits, not two per partition.
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
    let mut chunks: Vec<(PartitionKey, &[R])> = Vec::new();
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
        chunks.push((key, chunk));
    }
    let mut staged: Vec<(PartitionKey, PartitionMeta, Finished)> = Vec::new();
    for (key, outcome) in stage_all(store, chunks)? {
        match outcome {
            Some((meta, file)) => staged.push((key, meta, file)),
            None => report.partitions_unchanged += 1,
        }
    }
    if staged.is_empty() {
        return Ok(report);
    }
    // The temp files are fsynced together, several at a time, before anything refers to them.
    let temps: Vec<_> = staged.iter().map(|(_, _, f)| f.temp_path().to_path_buf()).collect();
    fileio::sync_files(&temps)?;
    let rows: Vec<(PartitionKey, PartitionMeta)> = staged.iter().map(|(k, m, _)| (k.clone(), *m)).collect();
    catalog::set_pending(store, &rows)?;
    let mut dirs = Vec::with_capacity(staged.len());
    for (_, _, file) in staged {
        crate::store::crash::hit("parquet_before_rename");
        dirs.push(file.rename_unsynced()?);
        report.partitions_written += 1;
    }
    // Every rename is made durable before the catalog adopts the new files.
    fileio::sync_dirs(&dirs)?;
    crate::store::crash::hit("parquet_after_rename");
    catalog::promote(store, &rows)?;
    Ok(report)
}

type Staged = Option<(PartitionMeta, Finished)>;

/// Stages every partition, spreading the work over the machine's cores (encoding and
/// compression dominate a write). With many partitions, each core stages whole partitions;
/// with fewer than two per core, partitions are staged one after the other, each encoding its
/// row groups on every core. Results keep the input order.
fn stage_all<R: MarketRow>(store: &Store, chunks: Vec<(PartitionKey, &[R])>) -> Result<Vec<(PartitionKey, Staged)>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if chunks.len() >= 2 * cores { cores } else { 1 };
    if threads <= 1 {
        return chunks
            .into_iter()
            .map(|(key, rows)| Ok((key.clone(), stage_partition(store, &key, rows, cores)?)))
            .collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<Staged>>>> =
        chunks.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((key, rows)) = chunks.get(i) else { break };
                    let outcome = stage_partition(store, key, rows, 1);
                    if let Some(slot) = results.get(i)
                        && let Ok(mut slot) = slot.lock()
                    {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    chunks
        .into_iter()
        .zip(results)
        .map(|((key, _), slot)| {
            let outcome = slot
                .into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(Error::Unavailable("a partition writer thread stopped".into())));
            Ok((key, outcome?))
        })
        .collect()
}

/// Merges `rows` into partition `key` and writes the result to a temp file beside it (flushed,
/// not yet fsynced), encoding on up to `threads` threads; `None` when the merge leaves the
/// partition as it is.
fn stage_partition<R: MarketRow>(
    store: &Store,
    key: &PartitionKey,
    rows: &[R],
    threads: usize,
) -> Result<Option<(PartitionMeta, Finished)>> {
    let dir = store.path().join(key.rel_dir());
    catalog::clean_temps(&dir)?;
    let existing = catalog::get(&store.read_txn()?, key)?;
    let merged = match &existing {
        Some(meta) => {
            let old = load_partition::<R>(store, key, meta)?;
            let merged = merge(old.clone(), rows);
            if merged == old {
                return Ok(None);
            }
            Cow::Owned(merged)
        }
        None => Cow::Borrowed(rows),
    };
    let (Some(first), Some(last)) = (merged.first(), merged.last()) else {
        return Ok(None);
    };
    let (first_ts, last_ts) = (first.ts(), last.ts());
    let file = AtomicFile::create(&store.path().join(key.rel_file()))?;
    let group_rows = store.inner().config.market_row_group_rows;
    let (finished, row_groups) = write_rows(file, &merged, writer_props(group_rows, true), group_rows, threads)?;
    let meta = PartitionMeta {
        rows: merged.len() as u64,
        first_ts,
        last_ts,
        bytes: finished.bytes,
        blake3: finished.blake3,
        written_at: now_ns(),
        row_groups,
    };
    Ok(Some((meta, finished)))
}
