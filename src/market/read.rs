//! Range reads: partitions are pruned by the catalog's ts range, row groups by their `ts`
//! statistics, and batches are sliced to the range. One partition file is in memory at a time,
//! so reading ten years of minute candles holds one month of them, not ten years.

use std::collections::VecDeque;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use super::catalog;
use super::fileio;
use super::layout::PartitionKey;
use super::parquet_io::open_pruned;
use crate::records::PartitionMeta;
use crate::{Error, Result, Store};

/// Streams the record batches of one series within `[from, to)`, oldest first.
///
/// Each item is a batch of at most the configured batch size, already cut to the range. Files
/// are checked against their catalog row (size and blake3) before they are decoded, unless the
/// store was opened with [`crate::StoreBuilder::verify_market_reads`] off.
pub struct BatchReader {
    store: Store,
    parts: VecDeque<(PartitionKey, PartitionMeta)>,
    current: Option<ParquetRecordBatchReader>,
    schema: SchemaRef,
    /// Range in the file's ts unit, inclusive both ends.
    lo: i64,
    hi: i64,
    batch_rows: usize,
    verify: bool,
    stats: ReadStats,
}

/// What a [`BatchReader`] has touched so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Partitions the catalog excluded before any file was opened.
    pub partitions_pruned: usize,
    /// Partition files opened.
    pub partitions_opened: usize,
    /// Row groups decoded.
    pub row_groups_read: usize,
    /// Row groups skipped by their `ts` statistics.
    pub row_groups_skipped: usize,
}

impl std::fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("partitions_left", &self.parts.len())
            .finish_non_exhaustive()
    }
}

impl BatchReader {
    pub(crate) fn new(
        store: &Store,
        pair: &str,
        timeframe: &str,
        schema: SchemaRef,
        unit_ns: i64,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<BatchReader> {
        let from = from.unwrap_or(i64::MIN);
        let to = to.unwrap_or(i64::MAX);
        let all = catalog::series(&store.read_txn()?, pair, timeframe)?;
        let total = all.len();
        let parts: VecDeque<_> = all
            .into_iter()
            .filter(|(_, m)| m.last_ts >= from && m.first_ts < to)
            .collect();
        let stats = ReadStats {
            partitions_pruned: total - parts.len(),
            ..ReadStats::default()
        };
        let config = &store.inner().config;
        Ok(BatchReader {
            store: store.clone(),
            parts,
            current: None,
            schema,
            lo: ceil_div(from, unit_ns),
            hi: floor_div(to.saturating_sub(1), unit_ns),
            batch_rows: config.market_batch_rows,
            verify: config.market_verify_reads,
            stats,
        })
    }

    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Counters of what has been pruned and read so far.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// Partitions not yet opened.
    pub fn partitions_left(&self) -> usize {
        self.parts.len()
    }

    fn open(&mut self, key: &PartitionKey, meta: &PartitionMeta) -> Result<ParquetRecordBatchReader> {
        let path = self.store.path().join(key.rel_file());
        let data = if self.verify {
            match fileio::read_checked(&path, meta)? {
                Ok(d) => d,
                Err(mismatch) => {
                    // A writer may have replaced the file since the catalog was read: check it
                    // against the current row before calling it corrupt.
                    let now = catalog::get(&self.store.read_txn()?, key)?;
                    match now.filter(|m| m != meta) {
                        Some(m) => fileio::read_checked(&path, &m)?.map_err(|e| corrupt(key, &path, &e.detail(&m)))?,
                        None => return Err(corrupt(key, &path, &mismatch.detail(meta))),
                    }
                }
            }
        } else {
            bytes::Bytes::from(std::fs::read(&path).map_err(|e| Error::io(&path, e))?)
        };
        let (reader, kept, skipped) =
            open_pruned(data, &key.to_string(), &self.schema, self.lo, self.hi, self.batch_rows)?;
        self.stats.partitions_opened += 1;
        self.stats.row_groups_read += kept;
        self.stats.row_groups_skipped += skipped;
        Ok(reader)
    }

    fn cut(&self, batch: RecordBatch) -> Option<RecordBatch> {
        let ts = ts_values(&batch)?;
        let start = ts.partition_point(|&t| t < self.lo);
        let end = ts.partition_point(|&t| t <= self.hi);
        (end > start).then(|| batch.slice(start, end - start))
    }
}

fn corrupt(key: &PartitionKey, path: &std::path::Path, detail: &str) -> Error {
    Error::corruption("market_catalog", key, format!("{}: {detail}", path.display()))
}

/// The `ts` column's raw values (ms or ns by schema); `None` for a batch without one.
fn ts_values(batch: &RecordBatch) -> Option<&[i64]> {
    use arrow_array::types::{TimestampMillisecondType, TimestampNanosecondType};
    let col = batch.columns().first()?;
    if let Some(a) = col.as_primitive_opt::<TimestampMillisecondType>() {
        return Some(a.values());
    }
    col.as_primitive_opt::<TimestampNanosecondType>()
        .map(|a| a.values().as_ref())
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn ceil_div(a: i64, b: i64) -> i64 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 { q } else { q.saturating_add(1) }
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(reader) = self.current.as_mut() {
                match reader.next() {
                    Some(Ok(batch)) => match self.cut(batch) {
                        Some(b) => return Some(Ok(b)),
                        None => continue,
                    },
                    Some(Err(e)) => {
                        self.current = None;
                        return Some(Err(Error::corruption(
                            "market_catalog",
                            "partition",
                            format!("decode failed: {e}"),
                        )));
                    }
                    None => self.current = None,
                }
            }
            let (key, meta) = self.parts.pop_front()?;
            match self.open(&key, &meta) {
                Ok(r) => self.current = Some(r),
                Err(e) => {
                    self.parts.clear();
                    return Some(Err(e));
                }
            }
        }
    }
}
