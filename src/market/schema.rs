//! The Arrow schemas of candle and tick partitions, and conversion between rows and batches.
//!
//! Candles: `ts` Timestamp(ms, "UTC"), `open`, `high`, `low`, `close`, `volume` Float64.
//! Ticks: `ts` Timestamp(ns, "UTC"), `price`, `amount` Float64, `side` Utf8 (`buy`/`sell`),
//! `trade_id` Utf8. No column is nullable; rows are sorted by `ts` (ticks by `ts, trade_id`).

use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMillisecondType, TimestampNanosecondType};
use arrow_array::{
    ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray, TimestampNanosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::records::Side;
use crate::{Error, Result};

const NS_PER_MS: i64 = 1_000_000;

/// One OHLCV candle. `ts` is the open time in ns since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candle {
    /// Open time, ns since the epoch, UTC, aligned to the timeframe.
    pub ts: i64,
    /// First price.
    pub open: f64,
    /// Highest price.
    pub high: f64,
    /// Lowest price.
    pub low: f64,
    /// Last price.
    pub close: f64,
    /// Traded volume (base currency).
    pub volume: f64,
}

/// One market trade (tick).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tick {
    /// Trade time, ns since the epoch, UTC.
    pub ts: i64,
    /// Price.
    pub price: f64,
    /// Amount (base currency).
    pub amount: f64,
    /// Taker side.
    pub side: Side,
    /// The venue's trade id (may be empty).
    pub trade_id: String,
}

fn utc(unit: TimeUnit) -> DataType {
    DataType::Timestamp(unit, Some("UTC".into()))
}

/// The schema of candle partitions.
pub fn candle_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let f = |n: &str| Field::new(n, DataType::Float64, false);
        Arc::new(Schema::new(vec![
            Field::new("ts", utc(TimeUnit::Millisecond), false),
            f("open"),
            f("high"),
            f("low"),
            f("close"),
            f("volume"),
        ]))
    })
    .clone()
}

/// The schema of tick partitions.
pub fn tick_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new("ts", utc(TimeUnit::Nanosecond), false),
            Field::new("price", DataType::Float64, false),
            Field::new("amount", DataType::Float64, false),
            Field::new("side", DataType::Utf8, false),
            Field::new("trade_id", DataType::Utf8, false),
        ]))
    })
    .clone()
}

fn schema_error(e: arrow_schema::ArrowError) -> Error {
    Error::validation("batch", e.to_string())
}

/// Builds a candle batch (timestamps truncated to ms: aligned candles lose nothing).
///
/// # Errors
/// [`Error::Validation`] if Arrow refuses the columns (it should not).
pub fn candles_to_batch(rows: &[Candle]) -> Result<RecordBatch> {
    let col = |f: fn(&Candle) -> f64| -> ArrayRef { Arc::new(Float64Array::from_iter_values(rows.iter().map(f))) };
    let ts = TimestampMillisecondArray::from_iter_values(rows.iter().map(|c| c.ts / NS_PER_MS)).with_timezone("UTC");
    RecordBatch::try_new(
        candle_schema(),
        vec![
            Arc::new(ts),
            col(|c| c.open),
            col(|c| c.high),
            col(|c| c.low),
            col(|c| c.close),
            col(|c| c.volume),
        ],
    )
    .map_err(schema_error)
}

/// Builds a tick batch.
///
/// # Errors
/// [`Error::Validation`] if Arrow refuses the columns (it should not).
pub fn ticks_to_batch(rows: &[Tick]) -> Result<RecordBatch> {
    let ts = TimestampNanosecondArray::from_iter_values(rows.iter().map(|t| t.ts)).with_timezone("UTC");
    RecordBatch::try_new(
        tick_schema(),
        vec![
            Arc::new(ts),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|t| t.price))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|t| t.amount))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|t| t.side.as_str()))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|t| t.trade_id.as_str()))),
        ],
    )
    .map_err(schema_error)
}

/// Checks that `batch` has exactly the columns and types of `schema` (metadata aside).
///
/// # Errors
/// [`Error::Schema`] naming the first difference.
pub fn check_schema(batch_schema: &Schema, schema: &Schema) -> Result<()> {
    let got: Vec<(&String, &DataType)> = batch_schema
        .fields()
        .iter()
        .map(|f| (f.name(), f.data_type()))
        .collect();
    let want: Vec<(&String, &DataType)> = schema.fields().iter().map(|f| (f.name(), f.data_type())).collect();
    if got != want {
        return Err(Error::Schema(format!("columns {got:?} where {want:?} were expected")));
    }
    Ok(())
}

/// The `ts` column of a candle batch, in ms.
///
/// # Errors
/// [`Error::Schema`] if the batch is not a candle batch.
pub fn candle_ts_ms(batch: &RecordBatch) -> Result<&[i64]> {
    check_schema(&batch.schema(), &candle_schema())?;
    Ok(batch.column(0).as_primitive::<TimestampMillisecondType>().values())
}

/// The `ts` column of a tick batch, in ns.
///
/// # Errors
/// [`Error::Schema`] if the batch is not a tick batch.
pub fn tick_ts_ns(batch: &RecordBatch) -> Result<&[i64]> {
    check_schema(&batch.schema(), &tick_schema())?;
    Ok(batch.column(0).as_primitive::<TimestampNanosecondType>().values())
}

/// The rows of a candle batch.
///
/// # Errors
/// [`Error::Schema`] if the batch is not a candle batch.
pub fn batch_to_candles(batch: &RecordBatch, out: &mut Vec<Candle>) -> Result<()> {
    let ts = candle_ts_ms(batch)?;
    let f = |i: usize| batch.column(i).as_primitive::<Float64Type>().values();
    let (o, h, l, c, v) = (f(1), f(2), f(3), f(4), f(5));
    out.reserve(ts.len());
    for i in 0..ts.len() {
        out.push(Candle {
            ts: ts[i].saturating_mul(NS_PER_MS),
            open: o[i],
            high: h[i],
            low: l[i],
            close: c[i],
            volume: v[i],
        });
    }
    Ok(())
}

/// The rows of a tick batch.
///
/// # Errors
/// [`Error::Schema`] if the batch is not a tick batch; [`Error::Validation`] for a bad side.
pub fn batch_to_ticks(batch: &RecordBatch, out: &mut Vec<Tick>) -> Result<()> {
    let ts = tick_ts_ns(batch)?;
    let price = batch.column(1).as_primitive::<Float64Type>().values();
    let amount = batch.column(2).as_primitive::<Float64Type>().values();
    let side = batch.column(3).as_string::<i32>();
    let id = batch.column(4).as_string::<i32>();
    out.reserve(ts.len());
    for i in 0..ts.len() {
        out.push(Tick {
            ts: ts[i],
            price: price[i],
            amount: amount[i],
            side: side.value(i).parse()?,
            trade_id: id.value(i).to_owned(),
        });
    }
    Ok(())
}
