//! The demo's market step: a few months of hourly candles per demo pair into Parquet
//! partitions, then the fills exported for analysts.

use std::path::PathBuf;

use crate::export::ExportRange;
use crate::market::{Candle, Timeframe};
use crate::timefmt::NANOS_PER_SEC;
use crate::{Error, Result, Store};

/// Months of hourly candles written per pair.
const MONTHS: i64 = 4;
const HOUR: i64 = 3_600 * NANOS_PER_SEC;

/// What the market step did.
pub(crate) struct MarketDemo {
    pub(crate) candles: u64,
    pub(crate) partitions: u64,
    pub(crate) export: PathBuf,
    pub(crate) exported: u64,
}

/// A random walk of hourly candles starting at `start_ns`.
fn candles(base: f64, start_ns: i64, n: usize, seed: u64) -> Vec<Candle> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut price = base;
    (0..n)
        .map(|i| {
            let open = price;
            let close = open * (1.0 + (rng.f64() - 0.5) * 0.02);
            let high = open.max(close) * (1.0 + rng.f64() * 0.005);
            let low = open.min(close) * (1.0 - rng.f64() * 0.005);
            price = close;
            Candle {
                ts: start_ns + i as i64 * HOUR,
                open,
                high,
                low,
                close,
                volume: (rng.f64() * 50.0 * 1000.0).round() / 1000.0,
            }
        })
        .collect()
}

pub(crate) fn run(store: &Store, pairs: &[(&str, i64)], start_ns: i64, seed: u64) -> Result<MarketDemo> {
    let tf: Timeframe = "1h".parse()?;
    let n = (MONTHS * 30 * 24) as usize;
    let mut total = 0;
    for (i, &(pair, base)) in pairs.iter().enumerate() {
        let rows = candles(base as f64, start_ns, n, seed.wrapping_add(i as u64));
        store.market().write_candles(pair, tf, &rows)?;
        total += rows.len() as u64;
    }
    let (partitions, rows) = store.market().summary()?;
    if rows != total {
        return Err(Error::Db(format!(
            "{total} candles written but the catalog counts {rows}"
        )));
    }
    let export = store.path().join("exports").join("trades.parquet");
    let report = store.export_trades(&export, &ExportRange::default())?;
    Ok(MarketDemo {
        candles: total,
        partitions,
        export,
        exported: report.rows,
    })
}
