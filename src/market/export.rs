//! Candle files out: freqtrade's data layout (`<PAIR>-<timeframe>.<ext>`, pair with `_` for
//! `/`) and the single-file legacy name `{ASSET}-{BASE}_{granularity}_{N}d.parquet`. Each file
//! is written atomically (temp file, fsync, rename).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, TimestampNanosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::fileio::AtomicFile;
use super::parquet_io::{ParquetSink, writer_props};
use super::schema::{batch_to_candles, candle_schema, candle_ts_ms};
use super::timeframe::Timeframe;
use super::{Market, normalize_pair};
use crate::timefmt::NANOS_PER_DAY;
use crate::{Error, Result};

/// freqtrade's data formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FreqtradeFormat {
    /// `.feather` (Arrow IPC, lz4), freqtrade's default.
    #[default]
    Feather,
    /// `.json`: `[[epoch_ms, open, high, low, close, volume], …]`.
    Json,
    /// `.parquet`.
    Parquet,
}

impl std::str::FromStr for FreqtradeFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "feather" => Ok(FreqtradeFormat::Feather),
            "json" => Ok(FreqtradeFormat::Json),
            "parquet" => Ok(FreqtradeFormat::Parquet),
            _ => Err(Error::validation(
                "data-format",
                format!("{s:?} is not feather, json or parquet"),
            )),
        }
    }
}

impl FreqtradeFormat {
    fn ext(self) -> &'static str {
        match self {
            FreqtradeFormat::Feather => "feather",
            FreqtradeFormat::Json => "json",
            FreqtradeFormat::Parquet => "parquet",
        }
    }
}

/// freqtrade's file name for a series: `BTC-EUR`, `1h`, feather → `BTC_EUR-1h.feather`.
pub fn freqtrade_file_name(pair: &str, timeframe: Timeframe, format: FreqtradeFormat) -> String {
    format!("{}-{timeframe}.{}", pair.replace('-', "_"), format.ext())
}

/// The candle schema as freqtrade's files have it: `date` as ns UTC timestamps (what pandas
/// writes), then the float columns.
fn freqtrade_schema() -> SchemaRef {
    let fields: Vec<Field> = candle_schema()
        .fields()
        .iter()
        .map(|f| {
            let f = f.as_ref().clone();
            if f.name() == "ts" {
                Field::new(
                    "date",
                    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                    false,
                )
            } else {
                f
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// A candle batch in [`freqtrade_schema`].
fn to_freqtrade(schema: &SchemaRef, batch: &RecordBatch) -> Result<RecordBatch> {
    let ts = candle_ts_ms(batch)?;
    let date = TimestampNanosecondArray::from_iter_values(ts.iter().map(|ms| ms.saturating_mul(1_000_000)))
        .with_timezone("UTC");
    let mut cols: Vec<ArrayRef> = vec![Arc::new(date)];
    cols.extend(batch.columns().iter().skip(1).cloned());
    RecordBatch::try_new(schema.clone(), cols).map_err(|e| arrow_error("freqtrade batch", e))
}

fn arrow_error(what: &str, e: arrow_schema::ArrowError) -> Error {
    Error::Db(format!("{what}: {e}"))
}

/// What a market export wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportedFile {
    /// The file.
    pub path: PathBuf,
    /// Candles in it.
    pub rows: u64,
    /// Its size.
    pub bytes: u64,
}

impl Market<'_> {
    /// Writes one series with `from <= ts < to` into `dir` under freqtrade's file name.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the range holds no candle; [`Error::Io`]; file problems as
    /// [`Market::read_candles`].
    pub fn export_freqtrade(
        &self,
        dir: &Path,
        pair: &str,
        timeframe: Timeframe,
        format: FreqtradeFormat,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<ExportedFile> {
        let pair = normalize_pair(pair)?;
        let path = dir.join(freqtrade_file_name(&pair, timeframe, format));
        let reader = self.read_candles(&pair, timeframe, from, to)?;
        let mut file = AtomicFile::create(&path)?;
        let mut rows = 0u64;
        let finished = match format {
            FreqtradeFormat::Json => {
                file.write_all(b"[").map_err(|e| Error::io(&path, e))?;
                let mut candles = Vec::new();
                for batch in reader {
                    candles.clear();
                    batch_to_candles(&batch?, &mut candles)?;
                    for c in &candles {
                        let sep = if rows == 0 { "" } else { "," };
                        let row = serde_json::json!([c.ts / 1_000_000, c.open, c.high, c.low, c.close, c.volume]);
                        write!(file, "{sep}{row}").map_err(|e| Error::io(&path, e))?;
                        rows += 1;
                    }
                }
                file.write_all(b"]").map_err(|e| Error::io(&path, e))?;
                file.finish()?
            }
            FreqtradeFormat::Feather => {
                let schema = freqtrade_schema();
                let opts = arrow_ipc::writer::IpcWriteOptions::default()
                    .try_with_compression(Some(arrow_ipc::CompressionType::LZ4_FRAME))
                    .map_err(|e| arrow_error("feather options", e))?;
                let mut w = arrow_ipc::writer::FileWriter::try_new_with_options(file, &schema, opts)
                    .map_err(|e| arrow_error("feather writer", e))?;
                for batch in reader {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    w.write(&to_freqtrade(&schema, &batch)?)
                        .map_err(|e| arrow_error("feather write", e))?;
                }
                w.finish().map_err(|e| arrow_error("feather footer", e))?;
                w.into_inner().map_err(|e| arrow_error("feather footer", e))?.finish()?
            }
            FreqtradeFormat::Parquet => {
                let schema = freqtrade_schema();
                let mut sink = ParquetSink::new(file, schema.clone(), writer_props(1 << 20, false))?;
                for batch in reader {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    sink.write(&to_freqtrade(&schema, &batch)?)?;
                }
                sink.finish()?.0
            }
        };
        if rows == 0 {
            return Err(Error::NotFound(format!("candles of {pair} {timeframe} in the range")));
        }
        let bytes = finished.bytes;
        finished.rename_into_place()?;
        Ok(ExportedFile { path, rows, bytes })
    }

    /// Writes one series with `from <= ts < to` into `dir` as
    /// `{ASSET}-{BASE}_{granularity}_{N}d.parquet` (N = days covered, rounded up), columns as
    /// the partitions have them.
    ///
    /// # Errors
    /// As [`Market::export_freqtrade`].
    pub fn export_legacy(
        &self,
        dir: &Path,
        pair: &str,
        timeframe: Timeframe,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<ExportedFile> {
        let pair = normalize_pair(pair)?;
        // The name depends on the span, known only at the end: stream into a temp file beside a
        // provisional name, then rename to the real one.
        let provisional = dir.join(format!("{pair}_{}.parquet", timeframe.legacy_granularity()));
        let mut sink = ParquetSink::new(
            AtomicFile::create(&provisional)?,
            candle_schema(),
            writer_props(1 << 20, true),
        )?;
        let (mut first, mut last, mut rows) = (None, None, 0u64);
        for batch in self.read_candles(&pair, timeframe, from, to)? {
            let batch = batch?;
            let ts = candle_ts_ms(&batch)?;
            first = first.or(ts.first().map(|ms| ms.saturating_mul(1_000_000)));
            last = ts.last().map(|ms| ms.saturating_mul(1_000_000)).or(last);
            rows += batch.num_rows() as u64;
            sink.write(&batch)?;
        }
        let (Some(first), Some(last)) = (first, last) else {
            return Err(Error::NotFound(format!("candles of {pair} {timeframe} in the range")));
        };
        let span = last - first + timeframe.nanos().unwrap_or(NANOS_PER_DAY);
        let days = (span + NANOS_PER_DAY - 1) / NANOS_PER_DAY;
        let path = dir.join(format!("{pair}_{}_{days}d.parquet", timeframe.legacy_granularity()));
        let (finished, _) = sink.finish()?;
        let bytes = finished.bytes;
        finished.rename_to(&path)?;
        Ok(ExportedFile { path, rows, bytes })
    }
}
