//! Candle files in: CSV, freqtrade's OHLCV files (`.json`, `.feather`, `.parquet`) and the
//! single-file legacy name `{ASSET}-{BASE}_{granularity}_{period}.parquet`.
//!
//! Every row is parsed and checked before anything is written; a bad row refuses the file,
//! naming its line (CSV) or row (other formats) and the rule, unless bad rows are skipped, in
//! which case they are listed in the report.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::schema::Candle;
use super::timeframe::Timeframe;
use super::validate::{Rule, check_candle};
use super::{Market, WriteReport, normalize_pair};
use crate::timefmt::parse_ts;
use crate::{Error, Result};

/// File formats `market import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// CSV with a header: `ts|date|timestamp`, `open`, `high`, `low`, `close`, `volume`.
    Csv,
    /// freqtrade JSON: an array of `[epoch_ms, open, high, low, close, volume]`.
    FreqtradeJson,
    /// Arrow IPC file (feather v2) with columns `date, open, high, low, close, volume`.
    Feather,
    /// Parquet with columns `date` (or `ts`), `open`, `high`, `low`, `close`, `volume`.
    Parquet,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        match s {
            "csv" => Ok(Format::Csv),
            "freqtrade-json" | "json" => Ok(Format::FreqtradeJson),
            "feather" => Ok(Format::Feather),
            "parquet" => Ok(Format::Parquet),
            _ => Err(Error::validation(
                "format",
                format!("{s:?} is not csv, freqtrade-json, feather or parquet"),
            )),
        }
    }
}

impl Format {
    /// The format a file's extension implies.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::FreqtradeJson),
            "feather" | "arrow" | "ipc" => Some(Format::Feather),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// Whether positions are reported as lines (CSV) or rows.
    fn unit(self) -> &'static str {
        if self == Format::Csv { "line" } else { "row" }
    }
}

/// Pair and timeframe read off a file name: freqtrade's `BTC_EUR-1h.json` (also
/// `…-1h-futures.feather`) or the legacy `BTC-EUR_hour_180d.parquet`.
///
/// # Examples
/// ```
/// use tradestore::market::import::guess_from_name;
/// let (pair, tf) = guess_from_name(std::path::Path::new("data/BTC_EUR-5m.feather")).ok_or("no guess")?;
/// assert_eq!((pair.as_str(), tf.to_string().as_str()), ("BTC-EUR", "5m"));
/// let (pair, tf) = guess_from_name(std::path::Path::new("BTC-EUR_hour_180d.parquet")).ok_or("no guess")?;
/// assert_eq!((pair.as_str(), tf.to_string().as_str()), ("BTC-EUR", "1h"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn guess_from_name(path: &Path) -> Option<(String, Timeframe)> {
    let stem = path.file_stem()?.to_str()?;
    let legacy: Vec<&str> = stem.split('_').collect();
    if let [pair, gran, _period] = legacy.as_slice()
        && let Ok(tf) = Timeframe::from_legacy_granularity(gran)
        && pair.contains('-')
    {
        return Some((normalize_pair(pair).ok()?, tf));
    }
    let mut parts = stem.split('-');
    let pair = parts.next()?;
    let tf = parts.next()?.parse().ok()?;
    Some((normalize_pair(pair).ok()?, tf))
}

/// Rows parsed from a file, each with its 1-based line (CSV) or row number.
#[derive(Debug)]
pub struct Parsed<R = Candle> {
    /// The rows that parsed.
    pub rows: Vec<R>,
    /// Line or row of each candle.
    pub positions: Vec<u64>,
    /// Rows that did not parse: (position, detail).
    pub unparsed: Vec<(u64, String)>,
}

impl<R> Default for Parsed<R> {
    fn default() -> Self {
        Parsed {
            rows: Vec::new(),
            positions: Vec::new(),
            unparsed: Vec::new(),
        }
    }
}

impl<R> Parsed<R> {
    pub(crate) fn push(&mut self, pos: u64, c: std::result::Result<R, String>) {
        match c {
            Ok(c) => {
                self.rows.push(c);
                self.positions.push(pos);
            }
            Err(e) => self.unparsed.push((pos, e)),
        }
    }
}

/// One row an import skipped.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Skipped {
    /// 1-based line (CSV) or row.
    pub line: u64,
    /// The rule it broke.
    pub rule: Rule,
    /// The offending values.
    pub detail: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// Pair written.
    pub pair: String,
    /// Timeframe written.
    pub timeframe: String,
    /// Rows imported.
    pub imported: u64,
    /// Rows skipped (only with `skip_bad`).
    pub skipped: Vec<Skipped>,
    /// What the write did.
    pub write: WriteReport,
}

fn ts_text(field: &str, s: &str) -> std::result::Result<i64, String> {
    parse_ts(field, s)
        .or_else(|_| parse_ts(field, &s.trim().replacen(' ', "T", 1)))
        .map_err(|e| e.to_string())
}

/// Opens a CSV file with a header row and finds each wanted column by any of its names
/// (case-insensitive).
///
/// # Errors
/// [`Error::Validation`] for an unreadable header or a missing column.
pub(crate) fn open_csv(path: &Path, wanted: &[&[&str]]) -> Result<(csv::Reader<std::fs::File>, Vec<usize>)> {
    let bad = |e: csv::Error| Error::validation(path.display().to_string(), e.to_string());
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(bad)?;
    let headers = rdr.headers().map_err(bad)?.clone();
    let cols = wanted
        .iter()
        .map(|names| {
            headers
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
                .ok_or_else(|| {
                    Error::validation(
                        format!("{} header", path.display()),
                        format!("no {} column", names.join("/")),
                    )
                })
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok((rdr, cols))
}

/// Parses a CSV file with a header row.
///
/// # Errors
/// [`Error::Validation`] if the header lacks a column; [`Error::Io`].
pub fn parse_csv(path: &Path) -> Result<Parsed> {
    parse_csv_rows(
        path,
        &[
            &["ts", "date", "timestamp", "time", "datetime", "open_time"],
            &["open"],
            &["high"],
            &["low"],
            &["close"],
            &["volume"],
        ],
        |r| {
            Ok(Candle {
                ts: r.ts(0)?,
                open: r.num(1, "open")?,
                high: r.num(2, "high")?,
                low: r.num(3, "low")?,
                close: r.num(4, "close")?,
                volume: r.num(5, "volume")?,
            })
        },
    )
}

/// One CSV record with its wanted columns located.
pub(crate) struct CsvRow<'a> {
    rec: &'a csv::StringRecord,
    cols: &'a [usize],
}

impl CsvRow<'_> {
    /// The text of wanted column `i`.
    pub(crate) fn text(&self, i: usize) -> &str {
        self.cols.get(i).and_then(|&c| self.rec.get(c)).unwrap_or("")
    }

    /// Wanted column `i` as a number.
    pub(crate) fn num(&self, i: usize, name: &str) -> std::result::Result<f64, String> {
        let t = self.text(i);
        t.parse::<f64>().map_err(|_| format!("{name} {t:?} is not a number"))
    }

    /// Wanted column `i` as a timestamp (ns).
    pub(crate) fn ts(&self, i: usize) -> std::result::Result<i64, String> {
        ts_text("ts", self.text(i))
    }
}

/// Parses every record of a CSV file with `build`, keeping line numbers; a record `build`
/// refuses is listed as unparsed.
///
/// # Errors
/// As [`open_csv`]; [`Error::Validation`] for malformed CSV.
pub(crate) fn parse_csv_rows<R>(
    path: &Path,
    wanted: &[&[&str]],
    build: impl Fn(&CsvRow<'_>) -> std::result::Result<R, String>,
) -> Result<Parsed<R>> {
    let (mut rdr, cols) = open_csv(path, wanted)?;
    let mut out = Parsed::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::validation(path.display().to_string(), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        out.push(line, build(&CsvRow { rec: &rec, cols: &cols }));
    }
    Ok(out)
}

/// Parses freqtrade's JSON OHLCV array.
///
/// # Errors
/// [`Error::Validation`] if the file is not a JSON array of arrays; [`Error::Io`].
pub fn parse_freqtrade_json(path: &Path) -> Result<Parsed> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let rows: Vec<Vec<serde_json::Value>> = serde_json::from_slice(&text)
        .map_err(|e| Error::validation(path.display().to_string(), format!("not a JSON array of arrays: {e}")))?;
    let mut out = Parsed::default();
    for (i, row) in rows.iter().enumerate() {
        let num = |j: usize| -> std::result::Result<f64, String> {
            row.get(j)
                .and_then(serde_json::Value::as_f64)
                .ok_or_else(|| format!("element {j} {:?} is not a number", row.get(j)))
        };
        let candle = (|| {
            if row.len() != 6 {
                return Err(format!("{} elements, expected 6", row.len()));
            }
            let ts = row[0]
                .as_i64()
                .or_else(|| {
                    row[0]
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .and_then(|ms| ms.checked_mul(1_000_000))
                .ok_or_else(|| format!("time {} is not integer epoch milliseconds", row[0]))?;
            Ok(Candle {
                ts,
                open: num(1)?,
                high: num(2)?,
                low: num(3)?,
                close: num(4)?,
                volume: num(5)?,
            })
        })();
        out.push(i as u64 + 1, candle);
    }
    Ok(out)
}

/// ns values of a time column: any timestamp unit (naive times are taken as UTC) or integer
/// epoch milliseconds. `None` at nulls.
fn time_column(col: &dyn Array) -> std::result::Result<Vec<Option<i64>>, String> {
    fn conv<T: arrow_array::ArrowPrimitiveType<Native = N>, N: Into<i64> + Copy>(
        col: &dyn Array,
        mul: i64,
    ) -> Vec<Option<i64>> {
        col.as_primitive::<T>()
            .iter()
            .map(|v| v.and_then(|v| v.into().checked_mul(mul)))
            .collect()
    }
    Ok(match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => conv::<TimestampSecondType, _>(col, 1_000_000_000),
        DataType::Timestamp(TimeUnit::Millisecond, _) => conv::<TimestampMillisecondType, _>(col, 1_000_000),
        DataType::Timestamp(TimeUnit::Microsecond, _) => conv::<TimestampMicrosecondType, _>(col, 1_000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => conv::<TimestampNanosecondType, _>(col, 1),
        DataType::Int64 => conv::<Int64Type, _>(col, 1_000_000),
        other => {
            return Err(format!(
                "time column of type {other} (expected a timestamp or epoch ms)"
            ));
        }
    })
}

fn float_column(col: &dyn Array) -> std::result::Result<Vec<Option<f64>>, String> {
    Ok(match col.data_type() {
        DataType::Float64 => col.as_primitive::<Float64Type>().iter().collect(),
        DataType::Float32 => col
            .as_primitive::<Float32Type>()
            .iter()
            .map(|v| v.map(f64::from))
            .collect(),
        DataType::Int64 => col
            .as_primitive::<Int64Type>()
            .iter()
            .map(|v| v.map(|v| v as f64))
            .collect(),
        DataType::Int32 => col
            .as_primitive::<Int32Type>()
            .iter()
            .map(|v| v.map(f64::from))
            .collect(),
        other => return Err(format!("column of type {other} (expected numbers)")),
    })
}

/// Appends the candles of one Arrow batch with columns found by name.
fn parse_batch(batch: &RecordBatch, first_row: u64, out: &mut Parsed, file: &Path) -> Result<()> {
    let schema = batch.schema();
    let find = |names: &[&str]| {
        schema
            .fields()
            .iter()
            .position(|f| names.iter().any(|n| f.name().eq_ignore_ascii_case(n)))
            .ok_or_else(|| {
                Error::validation(
                    format!("{} columns", file.display()),
                    format!("no {} column", names.join("/")),
                )
            })
    };
    let bad_type = |e: String| Error::validation(format!("{} columns", file.display()), e);
    let ts = time_column(batch.column(find(&["date", "ts", "timestamp", "time"])?).as_ref()).map_err(bad_type)?;
    let mut vals = Vec::with_capacity(5);
    for name in ["open", "high", "low", "close", "volume"] {
        vals.push(float_column(batch.column(find(&[name])?).as_ref()).map_err(bad_type)?);
    }
    for (i, t) in ts.iter().enumerate() {
        let get = |c: usize| vals[c][i];
        let candle = match (t, get(0), get(1), get(2), get(3), get(4)) {
            (Some(ts), Some(open), Some(high), Some(low), Some(close), Some(volume)) => Ok(Candle {
                ts: *ts,
                open,
                high,
                low,
                close,
                volume,
            }),
            _ => Err("a field is null or out of range".to_string()),
        };
        out.push(first_row + i as u64, candle);
    }
    Ok(())
}

/// Parses an Arrow IPC file (feather v2), as freqtrade writes them.
///
/// # Errors
/// [`Error::Validation`] for a file that is not Arrow IPC or lacks a column; [`Error::Io`].
pub fn parse_feather(path: &Path) -> Result<Parsed> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    super::ipc_guard::check(&bytes).map_err(|e| {
        Error::validation(
            path.display().to_string(),
            format!("damaged Arrow IPC (feather v2) file: {e}"),
        )
    })?;
    let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None).map_err(|e| {
        Error::validation(
            path.display().to_string(),
            format!("not an Arrow IPC (feather v2) file: {e}"),
        )
    })?;
    parse_batches(reader, path)
}

/// Parses a Parquet candle file (freqtrade's or the legacy single file).
///
/// # Errors
/// [`Error::Validation`] for a file that is not Parquet or lacks a column; [`Error::Io`].
pub fn parse_parquet(path: &Path) -> Result<Parsed> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let not_parquet = |e: parquet::errors::ParquetError| Error::validation(path.display().to_string(), e.to_string());
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(not_parquet)?
        .with_batch_size(65_536)
        .build()
        .map_err(not_parquet)?;
    parse_batches(reader, path)
}

/// Parses every record batch a file reader yields, numbering rows from 1 across batches.
fn parse_batches(
    reader: impl Iterator<Item = std::result::Result<RecordBatch, arrow_schema::ArrowError>>,
    path: &Path,
) -> Result<Parsed> {
    let mut out = Parsed::default();
    let mut row = 1;
    for batch in reader {
        let batch = batch.map_err(|e| Error::validation(path.display().to_string(), e.to_string()))?;
        parse_batch(&batch, row, &mut out, path)?;
        row += batch.num_rows() as u64;
    }
    Ok(out)
}

/// Parses `path` in `format`.
///
/// # Errors
/// As the per-format parsers.
pub fn parse_file(path: &Path, format: Format) -> Result<Parsed> {
    match format {
        Format::Csv => parse_csv(path),
        Format::FreqtradeJson => parse_freqtrade_json(path),
        Format::Feather => parse_feather(path),
        Format::Parquet => parse_parquet(path),
    }
}

impl Market<'_> {
    /// Imports a candle file into series (`pair`, `timeframe`). Without `skip_bad`, one bad row
    /// refuses the file and nothing is written; with it, bad rows are left out and listed.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the file, the line or row and the rule; as
    /// [`Market::write_candles`] for the write.
    pub fn import_file(
        &self,
        path: &Path,
        pair: &str,
        timeframe: Timeframe,
        format: Format,
        skip_bad: bool,
    ) -> Result<ImportReport> {
        let pair = normalize_pair(pair)?;
        let parsed = parse_file(path, format)?;
        let (good, skipped) = screen(path, format.unit(), parsed, |c| check_candle(timeframe, c), skip_bad)?;
        let write = self.write_candles(&pair, timeframe, &good)?;
        Ok(ImportReport {
            pair,
            timeframe: timeframe.to_string(),
            imported: good.len() as u64,
            skipped,
            write,
        })
    }
}

/// Splits parsed rows into good ones and skipped ones (unparsed or breaking a rule), in file
/// order; without `skip_bad`, the first bad row refuses the file.
pub(crate) fn screen<R>(
    path: &Path,
    unit: &str,
    parsed: Parsed<R>,
    check: impl Fn(&R) -> Option<(Rule, String)>,
    skip_bad: bool,
) -> Result<(Vec<R>, Vec<Skipped>)> {
    let mut skipped: Vec<Skipped> = parsed
        .unparsed
        .into_iter()
        .map(|(line, detail)| Skipped {
            line,
            rule: Rule::Parse,
            detail,
        })
        .collect();
    let mut good = Vec::with_capacity(parsed.rows.len());
    for (r, line) in parsed.rows.into_iter().zip(parsed.positions) {
        match check(&r) {
            None => good.push(r),
            Some((rule, detail)) => skipped.push(Skipped { line, rule, detail }),
        }
    }
    skipped.sort_by_key(|s| s.line);
    if !skip_bad && let Some(first) = skipped.first() {
        return Err(Error::validation(
            format!("{} {unit} {}", path.display(), first.line),
            format!(
                "breaks rule `{}` ({}); {} bad {unit}s in all, pass --skip-bad to import the rest",
                first.rule.text(),
                first.detail,
                skipped.len()
            ),
        ));
    }
    Ok((good, skipped))
}
