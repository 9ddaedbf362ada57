//! Market history: OHLCV candles and market trades (ticks) in hive-partitioned, snappy Parquet
//! under the store directory, with a catalog of every partition in redb.
//!
//! - [`timeframe`]: timeframes, alignment, calendar periods.
//! - [`layout`]: partition directories and pair names.
//! - [`schema`]: the Arrow schemas and row types.
//! - [`validate`]: row rules.
//! - [`fileio`]: atomic file replacement, the write lock, verified reads.
//! - [`parquet_io`]: Parquet encoding and pruned decoding.
//! - `encode`: a partition encoded row group by row group on several threads.
//! - [`catalog`]: catalog rows and crash recovery.
//! - `rows`, `write`, `read`, `verify`: merging writes, streaming reads, the integrity scan.
//! - [`import`], [`import_ticks`] and [`export`]: CSV, freqtrade and legacy files in and out.
//!
//! See `docs/market.md` for the format.
//!
//! # Examples
//! ```
//! use tradestore::market::{Candle, Timeframe};
//! # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
//! let store = tradestore::Store::open(dir.path())?;
//! let tf: Timeframe = "1h".parse()?;
//! let t0 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z
//! let candles: Vec<Candle> = (0..48)
//!     .map(|i| Candle { ts: t0 + i * 3_600_000_000_000, open: 100.0, high: 101.0, low: 99.0, close: 100.5, volume: 3.0 })
//!     .collect();
//! store.market().write_candles("BTC/EUR", tf, &candles)?;
//! let day2 = store.market().candles("BTC-EUR", tf, Some(t0 + 86_400_000_000_000), None)?;
//! assert_eq!(day2.len(), 24);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod catalog;
mod encode;
pub mod export;
pub mod fileio;
pub mod import;
pub mod import_ticks;
mod ipc_guard;
pub mod layout;
pub mod parquet_io;
mod read;
mod rows;
pub mod schema;
pub mod timeframe;
pub mod validate;
mod verify;
mod write;

pub use layout::{PartitionKey, normalize_pair};
pub use read::{BatchReader, ReadStats};
pub use rows::MarketRow;
pub use schema::{Candle, Tick};
pub use timeframe::{PeriodKind, Timeframe};
pub use verify::{MarketVerifyReport, Problem};
pub use write::WriteReport;

use arrow_array::RecordBatch;
use redb::ReadableTable;

use crate::records::PartitionMeta;
use crate::tables::MARKET_CATALOG;
use crate::{Result, Store};
use layout::{MARKET_DIR, TICKS};
use rows::sort_dedup;
use validate::{check_candle, check_tick, refuse_bad};

/// The market history of a store; get it with [`Store::market`].
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    store: &'a Store,
}

/// One catalog row, as `market list` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartitionInfo {
    /// Pair.
    pub pair: String,
    /// Timeframe, or `ticks`.
    pub timeframe: String,
    /// Period.
    pub period: String,
    /// The catalog row.
    pub meta: PartitionMeta,
    /// The data file, absolute.
    pub path: std::path::PathBuf,
}

impl Store {
    /// The market history API of this store.
    pub fn market(&self) -> Market<'_> {
        Market { store: self }
    }
}

impl Market<'_> {
    /// Writes candles of one series (pair, timeframe). Rows are checked first (one bad row
    /// refuses the call); then sorted, the last of equal `ts` kept, merged into the partitions
    /// they fall in (stored rows with the same `ts` are replaced), and each touched partition
    /// replaced atomically. Writing the same candles twice changes nothing.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] naming `candles[i]` and the rule; [`crate::Error::Corruption`]
    /// if a partition to merge into does not match its catalog row; [`crate::Error::Io`].
    pub fn write_candles(&self, pair: &str, timeframe: Timeframe, candles: &[Candle]) -> Result<WriteReport> {
        let pair = normalize_pair(pair)?;
        refuse_bad("candles", candles, |c| check_candle(timeframe, c))?;
        let rows = sort_dedup(candles);
        let _lock = fileio::lock(&self.store.path().join(MARKET_DIR))?;
        catalog::recover(self.store)?;
        write::write_series(
            self.store,
            &pair,
            &timeframe.to_string(),
            timeframe.period_kind(),
            &rows,
        )
    }

    /// Writes ticks of one pair into day partitions; unique by (`ts`, `trade_id`), the newest
    /// copy wins. Otherwise as [`Market::write_candles`].
    ///
    /// # Errors
    /// As [`Market::write_candles`].
    pub fn write_ticks(&self, pair: &str, ticks: &[Tick]) -> Result<WriteReport> {
        let pair = normalize_pair(pair)?;
        refuse_bad("ticks", ticks, check_tick)?;
        let rows = sort_dedup(ticks);
        let _lock = fileio::lock(&self.store.path().join(MARKET_DIR))?;
        catalog::recover(self.store)?;
        write::write_series(self.store, &pair, TICKS, PeriodKind::Day, &rows)
    }

    /// Streams candles of one series with `from <= ts < to` (ns; `None` = unbounded) as Arrow
    /// batches; see [`BatchReader`].
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for a bad pair; [`crate::Error::Corruption`] for a bad
    /// catalog row. File problems come out of the iterator.
    pub fn read_candles(
        &self,
        pair: &str,
        timeframe: Timeframe,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<BatchReader> {
        let pair = normalize_pair(pair)?;
        BatchReader::new(
            self.store,
            &pair,
            &timeframe.to_string(),
            Candle::schema(),
            Candle::TS_UNIT_NS,
            from,
            to,
        )
    }

    /// Streams ticks of one pair with `from <= ts < to`.
    ///
    /// # Errors
    /// As [`Market::read_candles`].
    pub fn read_ticks(&self, pair: &str, from: Option<i64>, to: Option<i64>) -> Result<BatchReader> {
        let pair = normalize_pair(pair)?;
        BatchReader::new(self.store, &pair, TICKS, Tick::schema(), Tick::TS_UNIT_NS, from, to)
    }

    /// Candles of one series with `from <= ts < to`, collected.
    ///
    /// # Errors
    /// As [`Market::read_candles`], plus any file problem.
    pub fn candles(&self, pair: &str, timeframe: Timeframe, from: Option<i64>, to: Option<i64>) -> Result<Vec<Candle>> {
        collect(self.read_candles(pair, timeframe, from, to)?)
    }

    /// Ticks of one pair with `from <= ts < to`, collected.
    ///
    /// # Errors
    /// As [`Market::read_ticks`], plus any file problem.
    pub fn ticks(&self, pair: &str, from: Option<i64>, to: Option<i64>) -> Result<Vec<Tick>> {
        collect(self.read_ticks(pair, from, to)?)
    }

    /// Every catalog row, ordered by pair, timeframe and period.
    ///
    /// # Errors
    /// [`crate::Error::Corruption`] for a row that fails its checks.
    pub fn list(&self) -> Result<Vec<PartitionInfo>> {
        Ok(catalog::all(&self.store.read_txn()?)?
            .into_iter()
            .map(|(k, meta)| PartitionInfo {
                path: self.store.path().join(k.rel_file()),
                pair: k.pair,
                timeframe: k.timeframe,
                period: k.period,
                meta,
            })
            .collect())
    }

    /// Number of partitions and total rows in the catalog.
    ///
    /// # Errors
    /// [`crate::Error::Corruption`] for a row that fails its checks.
    pub fn summary(&self) -> Result<(u64, u64)> {
        let rtx = self.store.read_txn()?;
        let table = rtx.open_table(MARKET_CATALOG)?;
        let (mut parts, mut rows) = (0, 0);
        for row in table.iter()? {
            let (k, v) = row?;
            let (p, t, d) = k.value();
            let meta = v.value().open("market_catalog", &format_args!("{p}/{t}/{d}"))?;
            parts += 1;
            rows += meta.rows.to_native();
        }
        Ok((parts, rows))
    }

    /// Every (pair, timeframe) series in the catalog, candles only.
    ///
    /// # Errors
    /// As [`Market::list`].
    pub fn series(&self) -> Result<Vec<(String, Timeframe)>> {
        let mut out: Vec<(String, Timeframe)> = Vec::new();
        for (k, _) in catalog::all(&self.store.read_txn()?)? {
            if let Ok(tf) = k.timeframe.parse::<Timeframe>()
                && out.last() != Some(&(k.pair.clone(), tf))
            {
                out.push((k.pair, tf));
            }
        }
        Ok(out)
    }
}

fn collect<R: MarketRow>(reader: BatchReader) -> Result<Vec<R>> {
    let mut out = Vec::new();
    for batch in reader {
        let batch: RecordBatch = batch?;
        // The rows come from the store's own files: a row that does not decode (a side that is
        // neither buy nor sell, a column of the wrong type) is damage, not bad input.
        R::from_batch(&batch, &mut out).map_err(|e| match e {
            crate::Error::Validation { .. } | crate::Error::Schema(_) => {
                crate::Error::corruption("market_catalog", "a decoded partition", e.to_string())
            }
            other => other,
        })?;
    }
    Ok(out)
}
