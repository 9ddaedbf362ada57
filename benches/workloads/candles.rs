//! Candles: writing one series of one-minute candles into a fresh store and reading it back,
//! whole and as a one-week range, through `store.market()`, against pyarrow writing and reading
//! the same candles as one snappy Parquet file (`benches/pyarrow_peer.py`, run once per round).
//!
//! The script reads only whole files. Its file holds every candle in one row group (pyarrow's
//! default group is 1 Mi rows), so a range read from it, filtered or not, decodes the whole
//! group: its whole-file read time is the least a range read from that file costs, and stands
//! as pyarrow's figure for the range read.

use std::time::Instant;

use tradestore::Store;
use tradestore::market::{BatchReader, Candle, Timeframe};

use crate::harness::engine::{PYARROW, TRADESTORE};
use crate::harness::stats::median;
use crate::harness::{Ctx, Registry, Result, Sample, Target, note};
use crate::peers::pyarrow;

const WRITE: &str = "candle_write";
const READ: &str = "candle_read_all";
const RANGE: &str = "candle_range_read_1w";
const PAIR: &str = "BTC-EUR";
/// First candle's open time, ms (2024-01-01T00:00:00Z), as in the script.
const T0_MS: i64 = 1_704_067_200_000;
const MINUTE_NS: i64 = 60_000_000_000;
/// Candles in the range read: one week of minutes.
const WEEK: i64 = 7 * 24 * 60;

/// Registers the candle workload and its targets.
pub fn register(reg: &mut Registry) {
    reg.workload("candles", candles);
    reg.target(Target::ratio(WRITE, PYARROW, 1.0));
    reg.target(Target::ratio(READ, PYARROW, 1.0));
    reg.target(Target::ratio(RANGE, PYARROW, 1.0));
}

/// Candle `i`, by the formulas of `benches/pyarrow_peer.py`, so both engines store equal values.
fn candle(i: i64) -> Candle {
    let open = 100.0 + (i % 1000) as f64 * 0.01;
    let close = open + 0.005 * ((i % 7) - 3) as f64;
    Candle {
        ts: T0_MS * 1_000_000 + i * MINUTE_NS,
        open,
        high: open.max(close) + 0.1,
        low: open.min(close) - 0.1,
        close,
        volume: (i % 100) as f64 * 0.5,
    }
}

fn count(reader: BatchReader) -> Result<usize> {
    let mut n = 0;
    for b in reader {
        n += b?.num_rows();
    }
    Ok(n)
}

/// Tradestore's figures of one repetition: write and whole-read rates (rows/s), range read (ms).
fn ours(dir: &std::path::Path, rows: &[Candle], tf: Timeframe, range_reads: usize) -> Result<[f64; 3]> {
    let n = rows.len();
    let store = Store::open(dir)?;
    let t = Instant::now();
    store.market().write_candles(PAIR, tf, rows)?;
    let write = n as f64 / t.elapsed().as_secs_f64();

    let t = Instant::now();
    let got = count(store.market().read_candles(PAIR, tf, None, None)?)?;
    let read = n as f64 / t.elapsed().as_secs_f64();
    if got != n {
        return Err(format!("tradestore read {got} of {n} candles").into());
    }

    let from = rows[n / 2].ts;
    let want = (n - n / 2).min(WEEK as usize);
    let t = Instant::now();
    for _ in 0..range_reads {
        let got = count(
            store
                .market()
                .read_candles(PAIR, tf, Some(from), Some(from + WEEK * MINUTE_NS))?,
        )?;
        if got != want {
            return Err(format!("tradestore read {got} of {want} candles in the range").into());
        }
    }
    let range = t.elapsed().as_secs_f64() * 1e3 / range_reads as f64;
    Ok([write, read, range])
}

/// Each engine writes and reads the series `reps` times (each time into a fresh store or file)
/// and reports its medians: one quick round of single writes of 100,000 candles (tens of ms)
/// moved with every stall of the disk.
fn candles(ctx: &Ctx) -> Result<Vec<Sample>> {
    let n = ctx.opts.size(1_000_000usize, 100_000);
    let range_reads = ctx.opts.size(20, 5);
    let reps = ctx.opts.size(1, 3);
    let tf: Timeframe = "1m".parse()?;
    let rows: Vec<Candle> = (0..n as i64).map(candle).collect();

    let mut figures = [const { Vec::new() }; 3];
    for r in 0..reps {
        let f = ours(&ctx.dir.join(format!("tradestore-{r}")), &rows, tf, range_reads)?;
        for (all, v) in figures.iter_mut().zip(f) {
            all.push(v);
        }
    }
    let [write, read, range] = figures.map(median);
    let mut out = vec![
        Sample::rate(WRITE, TRADESTORE, write, "rows/s"),
        Sample::rate(READ, TRADESTORE, read, "rows/s"),
        Sample::latency(RANGE, TRADESTORE, range, "ms"),
    ];

    if let Some(p) = pyarrow::candles(n, reps, ctx.dir)? {
        note(format!(
            "{RANGE}: pyarrow's figure is its read of the whole file (one row group), the least a range read from it costs"
        ));
        out.push(Sample::rate(WRITE, PYARROW, n as f64 / p.write_s, "rows/s"));
        out.push(Sample::rate(READ, PYARROW, n as f64 / p.read_s, "rows/s"));
        out.push(Sample::latency(RANGE, PYARROW, p.read_s * 1e3, "ms"));
        if p.bytes == 0 {
            return Err("pyarrow wrote an empty file".into());
        }
    }
    Ok(out)
}
