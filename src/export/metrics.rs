//! `export metrics`: per position (symbol, strategy), what its fills in the range add up to,
//! with the position's current open quantity and average price.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampNanosecondArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use rust_decimal::Decimal;

use super::decimal::{self, scale_for};
use super::trades::for_each_trade;
use super::{ExportRange, ExportReport, ExportSink};
use crate::records::Side;
use crate::{Error, Result, Store};

#[derive(Default)]
struct Acc {
    trades: u64,
    buys: u64,
    sells: u64,
    bought: Decimal,
    sold: Decimal,
    notional: Decimal,
    fees: Decimal,
    realized_pnl: Decimal,
    first_ts: i64,
    last_ts: i64,
}

fn add(field: &str, a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b)
        .ok_or_else(|| Error::validation(field, "sum overflows the decimal range"))
}

const DEC_COLS: [&str; 7] = [
    "qty_bought",
    "qty_sold",
    "notional",
    "fees",
    "realized_pnl",
    "open_qty",
    "avg_price",
];

impl Store {
    /// Writes one row per (symbol, strategy) with fills in `since <= ts < until` to the Parquet
    /// file `out`.
    ///
    /// Columns: `symbol`, `strategy`, `trades`, `buys`, `sells`, `qty_bought`, `qty_sold`,
    /// `notional` (Σ qty × price), `fees`, `realized_pnl` (Σ of the fills' realized P&L, fees
    /// included), `first_ts`, `last_ts`, and the position now: `open_qty`, `avg_price`
    /// (null when flat). Money is Decimal128.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written; [`Error::Corruption`] for a bad record.
    pub fn export_metrics(&self, out: &std::path::Path, range: &ExportRange) -> Result<ExportReport> {
        let rtx = self.read_txn()?;
        let mut groups: BTreeMap<(String, String), Acc> = BTreeMap::new();
        for_each_trade(&rtx, range, |t| {
            let a = groups.entry((t.symbol.clone(), t.strategy.clone())).or_default();
            if a.trades == 0 {
                a.first_ts = t.ts;
            }
            a.trades += 1;
            a.last_ts = a.last_ts.max(t.ts);
            match t.side {
                Side::Buy => {
                    a.buys += 1;
                    a.bought = add("qty_bought", a.bought, t.qty)?;
                }
                Side::Sell => {
                    a.sells += 1;
                    a.sold = add("qty_sold", a.sold, t.qty)?;
                }
            }
            let value = t
                .qty
                .checked_mul(t.price)
                .ok_or_else(|| Error::validation("notional", "overflows the decimal range"))?;
            a.notional = add("notional", a.notional, value)?;
            a.fees = add("fees", a.fees, t.fee)?;
            a.realized_pnl = add("realized_pnl", a.realized_pnl, t.realized_pnl)?;
            Ok(())
        })?;
        drop(rtx);
        let positions: BTreeMap<(String, String), crate::Position> = self
            .positions()?
            .into_iter()
            .map(|p| ((p.symbol.clone(), p.strategy.clone()), p))
            .collect();
        let rows: Vec<(&(String, String), &Acc, Option<&crate::Position>)> =
            groups.iter().map(|(k, a)| (k, a, positions.get(k))).collect();
        let dec_values: [Vec<Option<Decimal>>; 7] = [
            rows.iter().map(|r| Some(r.1.bought)).collect(),
            rows.iter().map(|r| Some(r.1.sold)).collect(),
            rows.iter().map(|r| Some(r.1.notional)).collect(),
            rows.iter().map(|r| Some(r.1.fees)).collect(),
            rows.iter().map(|r| Some(r.1.realized_pnl)).collect(),
            rows.iter()
                .map(|r| Some(r.2.map_or(Decimal::ZERO, |p| p.qty)))
                .collect(),
            rows.iter().map(|r| r.2.and_then(crate::Position::avg_price)).collect(),
        ];
        let scales: Vec<u32> = dec_values
            .iter()
            .map(|v| scale_for(v.iter().flatten().copied()))
            .collect();
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
        for (i, name) in DEC_COLS.iter().enumerate().take(5) {
            fields.push(decimal::field(name, scales[i], false));
            cols.push(decimal::column_opt(name, &dec_values[i], scales[i])?);
        }
        fields.push(Field::new("first_ts", utc.clone(), false));
        fields.push(Field::new("last_ts", utc, false));
        cols.push(times(|a| a.first_ts));
        cols.push(times(|a| a.last_ts));
        for (i, name) in DEC_COLS.iter().enumerate().skip(5) {
            fields.push(decimal::field(name, scales[i], i == 6));
            cols.push(decimal::column_opt(name, &dec_values[i], scales[i])?);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch =
            RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::validation("export", e.to_string()))?;
        let mut sink = ExportSink::new(out, schema)?;
        sink.write(&batch)?;
        sink.finish()
    }
}
