//! Range reads: partitions are pruned by the catalog's ts range, row groups by their `ts`
//! statistics, and batches are sliced to the range.
//!
//! Partitions are decoded by one worker thread per core (partition `i` by worker
//! `i % workers`), each sending its batches through a channel of two batches that the reader
//! drains in partition order. A worker holds at most one partition file and two batches, so
//! reading ten years of minute candles holds a couple of months of them at a time, not ten
//! years.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_schema::SchemaRef;
use crossbeam_channel::{Receiver, Sender};
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use super::catalog;
use super::fileio;
use super::layout::PartitionKey;
use super::parquet_io::open_pruned;
use crate::records::PartitionMeta;
use crate::{Error, Result, Store};

/// Batches a worker may have decoded ahead of the reader.
const AHEAD: usize = 2;

/// What a [`BatchReader`] has touched so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Partitions the catalog excluded before any file was opened.
    pub partitions_pruned: usize,
    /// Partition files opened (that the reader has reached).
    pub partitions_opened: usize,
    /// Row groups decoded.
    pub row_groups_read: usize,
    /// Row groups skipped by their `ts` statistics.
    pub row_groups_skipped: usize,
}

/// How a worker decodes one partition.
#[derive(Clone)]
struct Decoder {
    store: Store,
    schema: SchemaRef,
    /// Range in the file's ts unit, inclusive both ends.
    lo: i64,
    hi: i64,
    batch_rows: usize,
    verify: bool,
}

enum Msg {
    Opened { kept: usize, skipped: usize },
    Batch(RecordBatch),
    End,
    Failed(Error),
}

impl Decoder {
    fn open(&self, key: &PartitionKey, meta: &PartitionMeta) -> Result<(ParquetRecordBatchReader, usize, usize)> {
        let path = self.store.path().join(key.rel_file());
        let data = if self.verify {
            match fileio::read_checked(&path, meta)? {
                Ok(d) => d,
                Err(mismatch) => {
                    // A writer may have replaced the file since the catalog was read, or a
                    // crash cut a rewrite between its rename and its catalog commit (the pending
                    // row describes the file then, and recovery will promote it): check the file
                    // against the current and the pending row before calling it corrupt.
                    let rtx = self.store.read_txn()?;
                    let rows = [catalog::get(&rtx, key)?, catalog::get_pending(&rtx, key)?];
                    let mut found = None;
                    for m in rows.iter().flatten().filter(|m| *m != meta) {
                        if let Ok(d) = fileio::read_checked(&path, m)? {
                            found = Some(d);
                            break;
                        }
                    }
                    found.ok_or_else(|| corrupt(key, &path, &mismatch.detail(meta)))?
                }
            }
        } else {
            bytes::Bytes::from(std::fs::read(&path).map_err(|e| Error::io(&path, e))?)
        };
        open_pruned(data, &key.to_string(), &self.schema, self.lo, self.hi, self.batch_rows)
    }

    fn cut(&self, batch: RecordBatch) -> Option<RecordBatch> {
        let ts = ts_values(&batch)?;
        let start = ts.partition_point(|&t| t < self.lo);
        let end = ts.partition_point(|&t| t <= self.hi);
        (end > start).then(|| batch.slice(start, end - start))
    }

    /// Decodes `parts` in order into `tx`; stops at the first error or when the reader is gone.
    fn run(&self, parts: Vec<(PartitionKey, PartitionMeta)>, tx: &Sender<Msg>) {
        for (key, meta) in parts {
            if self.one(&key, &meta, tx).is_err() {
                return;
            }
        }
    }

    /// Sends one partition; `Err(())` when the reader is gone or the partition failed.
    ///
    /// The Parquet decoder can panic on a damaged file (reachable when reads are not verified
    /// against the catalog): such a panic is caught here and reported as corruption of the
    /// partition, and the decoder is not used again.
    fn one(&self, key: &PartitionKey, meta: &PartitionMeta, tx: &Sender<Msg>) -> std::result::Result<(), ()> {
        let send = |m: Msg| tx.send(m).map_err(|_| ());
        let failed = |detail: String| Msg::Failed(Error::corruption("market_catalog", key, detail));
        let opened = catch_unwind(AssertUnwindSafe(|| self.open(key, meta)));
        let (mut reader, kept, skipped) = match opened {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return send(Msg::Failed(e)).and(Err(())),
            Err(p) => return send(failed(panicked(&*p))).and(Err(())),
        };
        send(Msg::Opened { kept, skipped })?;
        loop {
            match catch_unwind(AssertUnwindSafe(|| reader.next())) {
                Ok(None) => return send(Msg::End),
                Ok(Some(Ok(b))) => {
                    if let Some(b) = self.cut(b) {
                        send(Msg::Batch(b))?;
                    }
                }
                Ok(Some(Err(e))) => return send(failed(format!("decode failed: {e}"))).and(Err(())),
                Err(p) => return send(failed(panicked(&*p))).and(Err(())),
            }
        }
    }
}

/// The message of a caught decoder panic.
fn panicked(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown");
    format!("decode failed: the Parquet decoder panicked ({what})")
}

/// Streams the record batches of one series within `[from, to)`, oldest first.
///
/// Each item is a batch of at most the configured batch size, already cut to the range. Files
/// are checked against their catalog row (size and blake3) before they are decoded, unless the
/// store was opened with [`crate::StoreBuilder::verify_market_reads`] off. After an error the
/// iterator ends.
pub struct BatchReader {
    schema: SchemaRef,
    /// Worker of each partition not yet begun, in partition order.
    order: VecDeque<usize>,
    channels: Vec<Receiver<Msg>>,
    current: Option<usize>,
    stats: ReadStats,
}

impl std::fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("partitions_left", &self.order.len())
            .field("stats", &self.stats)
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
        let parts: Vec<_> = all
            .into_iter()
            .filter(|(_, m)| m.last_ts >= from && m.first_ts < to)
            .collect();
        let stats = ReadStats {
            partitions_pruned: total - parts.len(),
            ..ReadStats::default()
        };
        let config = &store.inner().config;
        let decoder = Decoder {
            store: store.clone(),
            schema: schema.clone(),
            lo: ceil_div(from, unit_ns),
            hi: floor_div(to.saturating_sub(1), unit_ns),
            batch_rows: config.market_batch_rows,
            verify: config.market_verify_reads,
        };
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(parts.len())
            .max(1);
        let order: VecDeque<usize> = (0..parts.len()).map(|i| i % workers).collect();
        let mut assigned: Vec<Vec<(PartitionKey, PartitionMeta)>> = vec![Vec::new(); workers];
        for (i, p) in parts.into_iter().enumerate() {
            assigned[i % workers].push(p);
        }
        let mut channels = Vec::with_capacity(workers);
        for mine in assigned {
            let (tx, rx) = crossbeam_channel::bounded(AHEAD);
            let dec = decoder.clone();
            std::thread::Builder::new()
                .name("tradestore-market-read".into())
                .spawn(move || dec.run(mine, &tx))
                .map_err(|e| Error::io("tradestore-market-read thread", e))?;
            channels.push(rx);
        }
        Ok(BatchReader {
            schema,
            order,
            channels,
            current: None,
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

    /// Partitions the reader has not begun yet.
    pub fn partitions_left(&self) -> usize {
        self.order.len()
    }

    fn stop(&mut self) {
        self.order.clear();
        self.current = None;
        self.channels.clear();
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
            let w = match self.current {
                Some(w) => w,
                None => {
                    let w = self.order.pop_front()?;
                    self.current = Some(w);
                    w
                }
            };
            let msg = self.channels.get(w).map(Receiver::recv);
            match msg {
                Some(Ok(Msg::Batch(b))) => return Some(Ok(b)),
                Some(Ok(Msg::Opened { kept, skipped })) => {
                    self.stats.partitions_opened += 1;
                    self.stats.row_groups_read += kept;
                    self.stats.row_groups_skipped += skipped;
                }
                Some(Ok(Msg::End)) => self.current = None,
                Some(Ok(Msg::Failed(e))) => {
                    self.stop();
                    return Some(Err(e));
                }
                Some(Err(_)) | None => {
                    self.stop();
                    return Some(Err(Error::Unavailable("a market read worker stopped".into())));
                }
            }
        }
    }
}
