//! Analyst exports: trades, portfolio history and per-position metrics as Parquet files that
//! notebooks open as they are. Money is Decimal128 (exact, at the largest scale the column
//! holds), timestamps are UTC timestamps, and a time range selects what is exported.
//!
//! # Examples
//! ```
//! # use rust_decimal::Decimal;
//! # use tradestore::{NewTrade, Side, Store};
//! # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
//! let store = Store::open(dir.path())?;
//! store.save_trade(NewTrade::new("BTC-EUR", Side::Buy, Decimal::ONE, Decimal::new(50_000_10, 2)))?;
//! let out = dir.path().join("trades.parquet");
//! let report = store.export_trades(&out, &tradestore::export::ExportRange::default())?;
//! assert_eq!(report.rows, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod decimal;
mod metrics;
mod portfolio;
mod trades;

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::Result;
use crate::market::fileio::AtomicFile;
use crate::market::parquet_io::{ParquetSink, writer_props};

/// Rows exported per Arrow batch.
const BATCH_ROWS: usize = 65_536;

/// Which times to export: `since <= ts < until`, ns since the epoch (`None` = unbounded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportRange {
    /// Inclusive lower bound.
    pub since: Option<i64>,
    /// Exclusive upper bound.
    pub until: Option<i64>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    /// The file written.
    pub path: PathBuf,
    /// Rows in it.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// An export file being written batch by batch; [`ExportSink::finish`] renames it into place.
struct ExportSink {
    sink: ParquetSink,
    out: PathBuf,
    rows: u64,
}

impl ExportSink {
    fn new(out: &Path, schema: SchemaRef) -> Result<ExportSink> {
        Ok(ExportSink {
            sink: ParquetSink::new(AtomicFile::create(out)?, schema, writer_props(1 << 20, false))?,
            out: out.to_path_buf(),
            rows: 0,
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows() as u64;
        self.sink.write(batch)
    }

    fn finish(self) -> Result<ExportReport> {
        let (finished, _) = self.sink.finish()?;
        let bytes = finished.bytes;
        finished.rename_into_place()?;
        Ok(ExportReport {
            path: self.out,
            rows: self.rows,
            bytes,
        })
    }
}
