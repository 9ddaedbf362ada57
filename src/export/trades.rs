//! `export trades`: one row per fill, in time order.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampNanosecondArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use redb::ReadTransaction;
use rust_decimal::Decimal;

use super::decimal::{self, scale_for};
use super::{BATCH_ROWS, ExportRange, ExportReport, ExportSink};
use crate::records::Trade;
use crate::tables::{TRADES, TRADES_BY_TIME};
use crate::{Error, Result, Store};

/// Calls `f` with every trade in `range`, in (ts, id) order, from one read transaction.
pub(crate) fn for_each_trade(
    rtx: &ReadTransaction,
    range: &ExportRange,
    mut f: impl FnMut(Trade) -> Result<()>,
) -> Result<()> {
    let by_time = rtx.open_table(TRADES_BY_TIME)?;
    let trades = rtx.open_table(TRADES)?;
    let lo = (range.since.unwrap_or(i64::MIN), 0u64);
    let rows = match range.until {
        Some(u) => by_time.range(lo..(u, 0u64))?,
        None => by_time.range(lo..)?,
    };
    for row in rows {
        let (k, sym) = row?;
        let (ts, id) = k.value();
        let rec = trades
            .get((sym.value(), ts, id))?
            .ok_or_else(|| Error::corruption("trades_by_time", id, "index points at a missing trade"))?;
        f(rec.value().decode("trades", &id)?)?;
    }
    Ok(())
}

fn schema(scales: [u32; 4]) -> SchemaRef {
    let s = |n| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::UInt64, false),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        ),
        s("symbol"),
        s("side"),
        decimal::field("qty", scales[0], false),
        decimal::field("price", scales[1], false),
        decimal::field("fee", scales[2], false),
        s("fee_currency"),
        s("strategy"),
        s("venue"),
        Field::new("order_id", DataType::Utf8, true),
        Field::new("model", DataType::Utf8, true),
        decimal::field("realized_pnl", scales[3], false),
    ]))
}

fn batch(schema: &SchemaRef, scales: [u32; 4], t: &[Trade]) -> Result<RecordBatch> {
    let text = |f: fn(&Trade) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(t.iter().map(f))) };
    let opt = |f: fn(&Trade) -> Option<&str>| -> ArrayRef { Arc::new(t.iter().map(f).collect::<StringArray>()) };
    let dec = |name: &str, f: fn(&Trade) -> Decimal, scale: u32| {
        decimal::column(name, &t.iter().map(f).collect::<Vec<_>>(), scale)
    };
    RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(UInt64Array::from_iter_values(t.iter().map(|t| t.id))),
            Arc::new(TimestampNanosecondArray::from_iter_values(t.iter().map(|t| t.ts)).with_timezone("UTC")),
            text(|t| &t.symbol),
            text(|t| t.side.as_str()),
            dec("qty", |t| t.qty, scales[0])?,
            dec("price", |t| t.price, scales[1])?,
            dec("fee", |t| t.fee, scales[2])?,
            text(|t| &t.fee_currency),
            text(|t| &t.strategy),
            text(|t| &t.venue),
            opt(|t| t.order_id.as_deref()),
            opt(|t| t.model.as_deref()),
            dec("realized_pnl", |t| t.realized_pnl, scales[3])?,
        ],
    )
    .map_err(|e| Error::validation("export", e.to_string()))
}

impl Store {
    /// Writes every trade with `since <= ts < until` to the Parquet file `out`, oldest first.
    ///
    /// Columns: `id`, `ts` (UTC), `symbol`, `side`, `qty`, `price`, `fee`, `fee_currency`,
    /// `strategy`, `venue`, `order_id`, `model`, `realized_pnl`; money as Decimal128(38, s)
    /// with `s` the largest scale in the column, so every value is exact.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written; [`Error::Corruption`] for a bad record.
    pub fn export_trades(&self, out: &std::path::Path, range: &ExportRange) -> Result<ExportReport> {
        let rtx = self.read_txn()?;
        let mut scales = [0u32; 4];
        for_each_trade(&rtx, range, |t| {
            for (s, d) in scales.iter_mut().zip([t.qty, t.price, t.fee, t.realized_pnl]) {
                *s = (*s).max(scale_for([d]));
            }
            Ok(())
        })?;
        let schema = schema(scales);
        let mut sink = ExportSink::new(out, schema.clone())?;
        let mut chunk = Vec::with_capacity(BATCH_ROWS);
        for_each_trade(&rtx, range, |t| {
            chunk.push(t);
            if chunk.len() == BATCH_ROWS {
                sink.write(&batch(&schema, scales, &chunk)?)?;
                chunk.clear();
            }
            Ok(())
        })?;
        sink.write(&batch(&schema, scales, &chunk)?)?;
        sink.finish()
    }
}
