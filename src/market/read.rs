//! Range reads: partitions are pruned by the catalog's ts range, row groups by their `ts`
//! statistics, and batches are sliced to the range.
//!
//! Partitions are decoded by one worker thread per core, each sending its batches through a
//! channel of two batches that the reader drains in partition order. The work is cut into
//! units, unit `i` going to worker `i % workers`: a unit is a whole partition, or, when there
//! are fewer partitions than workers, a contiguous share of a partition's row groups (its file
//! is read and verified once, by whichever of its units gets there first). A worker holds at
//! most one partition file and two batches, so reading ten years of minute candles holds a
//! couple of months of them at a time, not ten years.

use std::collections::VecDeque;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_schema::SchemaRef;
use crossbeam_channel::{Receiver, Sender};
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use super::catalog;
use super::fileio;
use super::layout::PartitionKey;
use super::parquet_io::open_pruned_within;
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

/// A decode worker's share of one partition.
struct Unit {
    key: PartitionKey,
    meta: PartitionMeta,
    /// Row groups of the file this unit decodes.
    groups: Range<usize>,
    /// The verified file, loaded by the first unit of the partition to need it (`None` if that
    /// failed).
    file: Arc<OnceLock<Option<bytes::Bytes>>>,
}

/// Cuts a partition into `pieces` units of contiguous row groups (fewer if it has fewer row
/// groups); the last unit runs to the end of the file whatever the catalog says.
fn units(key: PartitionKey, meta: PartitionMeta, pieces: usize) -> Vec<Unit> {
    let groups = usize::try_from(meta.row_groups).unwrap_or(usize::MAX);
    let pieces = pieces.min(groups).max(1);
    let per = groups.div_ceil(pieces);
    let file = Arc::new(OnceLock::new());
    (0..pieces)
        .map(|j| Unit {
            key: key.clone(),
            meta,
            groups: j * per..if j + 1 == pieces { usize::MAX } else { (j + 1) * per },
            file: Arc::clone(&file),
        })
        .collect()
}

enum Msg {
    Opened { kept: usize, skipped: usize },
    Batch(RecordBatch),
    End,
    Failed(Error),
}

impl Decoder {
    fn open(&self, unit: &Unit) -> Result<(ParquetRecordBatchReader, usize, usize)> {
        let mut failure = None;
        let loaded = unit.file.get_or_init(|| match self.load(&unit.key, &unit.meta) {
            Ok(data) => Some(data),
            Err(e) => {
                failure = Some(e);
                None
            }
        });
        let data = match (loaded, failure) {
            (Some(data), _) => data.clone(),
            (None, Some(e)) => return Err(e),
            // Another unit of this partition failed to load it: load again for this unit's error.
            (None, None) => self.load(&unit.key, &unit.meta)?,
        };
        open_pruned_within(
            data,
            &unit.key.to_string(),
            &self.schema,
            (self.lo, self.hi),
            self.batch_rows,
            unit.groups.clone(),
        )
    }

    /// The partition's file, checked against its catalog row unless verification is off.
    fn load(&self, key: &PartitionKey, meta: &PartitionMeta) -> Result<bytes::Bytes> {
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
        Ok(data)
    }

    fn cut(&self, batch: RecordBatch) -> Option<RecordBatch> {
        let ts = ts_values(&batch)?;
        let start = ts.partition_point(|&t| t < self.lo);
        let end = ts.partition_point(|&t| t <= self.hi);
        (end > start).then(|| batch.slice(start, end - start))
    }

    /// Decodes `units` in order into `tx`; stops at the first error or when the reader is gone.
    fn run(&self, units: Vec<Unit>, tx: &Sender<Msg>) {
        for unit in units {
            if self.one(&unit, tx).is_err() {
                return;
            }
        }
    }

    /// Sends one unit; `Err(())` when the reader is gone or the partition failed.
    ///
    /// The Parquet decoder can panic on a damaged file (reachable when reads are not verified
    /// against the catalog): such a panic is caught here and reported as corruption of the
    /// partition, and the decoder is not used again.
    fn one(&self, unit: &Unit, tx: &Sender<Msg>) -> std::result::Result<(), ()> {
        let key = &unit.key;
        let send = |m: Msg| tx.send(m).map_err(|_| ());
        let failed = |detail: String| Msg::Failed(Error::corruption("market_catalog", key, detail));
        let opened = catch_unwind(AssertUnwindSafe(|| self.open(unit)));
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
    /// Worker of each unit not yet begun, in order, and whether it begins a partition.
    order: VecDeque<(usize, bool)>,
    channels: Vec<Receiver<Msg>>,
    /// The unit being drained: its worker, and whether it begins a partition.
    current: Option<(usize, bool)>,
    stats: ReadStats,
}

impl std::fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchReader")
            .field("partitions_left", &self.partitions_left())
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
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pieces = if parts.len() < cores { cores } else { 1 };
        let mut all_units: Vec<(Unit, bool)> = Vec::new();
        for (key, meta) in parts {
            for (j, unit) in units(key, meta, pieces).into_iter().enumerate() {
                all_units.push((unit, j == 0));
            }
        }
        let workers = cores.min(all_units.len()).max(1);
        let mut order = VecDeque::with_capacity(all_units.len());
        let mut assigned: Vec<Vec<Unit>> = (0..workers).map(|_| Vec::new()).collect();
        for (i, (unit, first)) in all_units.into_iter().enumerate() {
            order.push_back((i % workers, first));
            assigned[i % workers].push(unit);
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
        self.order.iter().filter(|(_, first)| *first).count()
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
            let (w, first) = match self.current {
                Some(c) => c,
                None => {
                    let c = self.order.pop_front()?;
                    self.current = Some(c);
                    c
                }
            };
            let msg = self.channels.get(w).map(Receiver::recv);
            match msg {
                Some(Ok(Msg::Batch(b))) => return Some(Ok(b)),
                Some(Ok(Msg::Opened { kept, skipped })) => {
                    self.stats.partitions_opened += usize::from(first);
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
