//! `export metrics`: per position (symbol, strategy), what its fills in the range add up to,
//! with the position's current open quantity and average price.
//!
//! Sums are kept as integer counts of the column's smallest unit (i128), so they are exact:
//! summing decimals with 28 significant digits would round.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampNanosecondArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use rust_decimal::Decimal;

use super::decimal::{self, scale_for, to_units};
use super::trades::for_each_trade;
use super::{ExportRange, ExportReport, ExportSink};
use crate::records::{Side, Trade};
use crate::{Error, Position, Result, Store};

/// Summed money columns, in output order.
const SUMS: [&str; 5] = ["qty_bought", "qty_sold", "notional", "fees", "realized_pnl"];

#[derive(Default)]
struct Acc {
    trades: u64,
    buys: u64,
    sells: u64,
    sums: [i128; 5],
    first_ts: i64,
    last_ts: i64,
}

fn notional(t: &Trade) -> Result<Decimal> {
    t.qty
        .checked_mul(t.price)
        .ok_or_else(|| Error::validation("notional", "qty x price overflows the decimal range"))
}

/// The five summed values of a fill (bought, sold, notional, fee, realized P&L).
fn values(t: &Trade) -> Result<[Decimal; 5]> {
    let (bought, sold) = match t.side {
        Side::Buy => (t.qty, Decimal::ZERO),
        Side::Sell => (Decimal::ZERO, t.qty),
    };
    Ok([bought, sold, notional(t)?, t.fee, t.realized_pnl])
}

impl Store {
    /// Writes one row per (symbol, strategy) with fills in `since <= ts < until` to the Parquet
    /// file `out`.
    ///
    /// Columns: `symbol`, `strategy`, `trades`, `buys`, `sells`, `qty_bought`, `qty_sold`,
    /// `notional` (Σ qty × price), `fees`, `realized_pnl` (Σ of the fills' realized P&L, fees
    /// included), `first_ts`, `last_ts`, and the position now: `open_qty`, `avg_price`
    /// (null when flat). Money is Decimal128, sums exact.
    ///
    /// # Errors
    /// [`Error::Validation`] if a sum does not fit Decimal128(38); [`Error::Io`] if the file
    /// cannot be written; [`Error::Corruption`] for a bad record.
    pub fn export_metrics(&self, out: &std::path::Path, range: &ExportRange) -> Result<ExportReport> {
        let rtx = self.read_txn()?;
        let mut scales = [0u32; 5];
        for_each_trade(&rtx, range, |t| {
            for (s, v) in scales.iter_mut().zip(values(&t)?) {
                *s = (*s).max(v.scale());
            }
            Ok(())
        })?;
        let mut groups: BTreeMap<(String, String), Acc> = BTreeMap::new();
        for_each_trade(&rtx, range, |t| {
            let vals = values(&t)?;
            let a = groups.entry((t.symbol.clone(), t.strategy.clone())).or_default();
            if a.trades == 0 {
                a.first_ts = t.ts;
            }
            a.trades += 1;
            a.last_ts = a.last_ts.max(t.ts);
            match t.side {
                Side::Buy => a.buys += 1,
                Side::Sell => a.sells += 1,
            }
            for (i, v) in vals.into_iter().enumerate() {
                let units = to_units(SUMS[i], v, scales[i])?;
                a.sums[i] = a.sums[i]
                    .checked_add(units)
                    .ok_or_else(|| Error::validation(SUMS[i], "the sum overflows 128 bits"))?;
            }
            Ok(())
        })?;
        drop(rtx);
        let positions: BTreeMap<(String, String), Position> = self
            .positions()?
            .into_iter()
            .map(|p| ((p.symbol.clone(), p.strategy.clone()), p))
            .collect();
        let rows: Vec<(&(String, String), &Acc, Option<&Position>)> =
            groups.iter().map(|(k, a)| (k, a, positions.get(k))).collect();
        let open_qty: Vec<Option<Decimal>> = rows
            .iter()
            .map(|r| Some(r.2.map_or(Decimal::ZERO, |p| p.qty)))
            .collect();
        let avg_price: Vec<Option<Decimal>> = rows.iter().map(|r| r.2.and_then(Position::avg_price)).collect();
        let u64s =
            |f: fn(&Acc) -> u64| -> ArrayRef { Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| f(r.1)))) };
        let times = |f: fn(&Acc) -> i64| -> ArrayRef {
            Arc::new(TimestampNanosecondArray::from_iter_values(rows.iter().map(|r| f(r.1))).with_timezone("UTC"))
        };
        let utc = DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
        let mut fields = vec![
            Field::new("symbol", DataType::Utf8, false),
            Field::new("strategy", DataType::Utf8, false),
            Field::new("trades", DataType::UInt64, false),
            Field::new("buys", DataType::UInt64, false),
            Field::new("sells", DataType::UInt64, false),
        ];
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.0.as_str()))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.1.as_str()))),
            u64s(|a| a.trades),
            u64s(|a| a.buys),
            u64s(|a| a.sells),
        ];
        for (i, name) in SUMS.iter().enumerate() {
            fields.push(decimal::field(name, scales[i], false));
            cols.push(decimal::column_units(
                name,
                rows.iter().map(|r| r.1.sums[i]).collect(),
                scales[i],
            )?);
        }
        fields.push(Field::new("first_ts", utc.clone(), false));
        fields.push(Field::new("last_ts", utc, false));
        cols.push(times(|a| a.first_ts));
        cols.push(times(|a| a.last_ts));
        for (name, vals, nullable) in [("open_qty", &open_qty, false), ("avg_price", &avg_price, true)] {
            let scale = scale_for(vals.iter().flatten().copied());
            fields.push(decimal::field(name, scale, nullable));
            cols.push(decimal::column_opt(name, vals, scale)?);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch =
            RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::validation("export", e.to_string()))?;
        let mut sink = ExportSink::new(out, schema)?;
        sink.write(&batch)?;
        sink.finish()
    }
}
