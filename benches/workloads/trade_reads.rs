//! Trade reads on the shared dataset: point reads cold and hot, a history page, a symbol scan.

use std::hint::black_box;
use std::ops::ControlFlow;

use tradestore::records::archived_decimal;
use tradestore::{Store, TradeQuery};

use super::dataset::{self, Dataset};
use crate::common::fixture::{self, STEP_NS, SYMBOLS, T0};
use crate::harness::engine::{SQLITE, TRADESTORE};
use crate::harness::stats::mean_ns_interleaved;
use crate::harness::{Ctx, Registry, Result, Sample, Target};
use crate::peers::sqlite::{DEFAULT_CACHE_KIB, Sqlite, Sync};

const COLD: &str = "get_trade_cold";
const HOT: &str = "get_trade_hot";
const PAGE: &str = "history_page_100";
const SCAN: &str = "symbol_scan";
/// Ids a hot working set holds.
const HOT_SET: usize = 1_000;
/// A window of this many seconds holds 125 trades of one symbol.
const WINDOW_S: i64 = 1_000;

/// Registers the read workloads and their targets.
pub fn register(reg: &mut Registry) {
    reg.workload("get_trade", get_trade);
    reg.workload("history_page_100", history);
    reg.workload("symbol_scan", scan);
    reg.target(Target::at_most(HOT, 1_000.0));
    reg.target(Target::ratio(HOT, SQLITE, 3.0));
    reg.target(Target::ratio(COLD, SQLITE, 3.0));
    reg.target(Target::at_least(SCAN, 5_000_000.0));
    reg.target(Target::ratio(SCAN, SQLITE, 3.0));
}

fn open_sqlite(d: &Dataset) -> Result<Sqlite> {
    Sqlite::open(&d.sqlite, Sync::Normal)
}

/// `get_trade` by id. Cold: random ids over the whole dataset, tradestore's read cache disabled
/// (`cache_bytes(0)`), so every read goes to the store file. Hot: ids from a working set of
/// `HOT_SET` already read once, tradestore's cache on. The engines take turns (see
/// [`mean_ns_interleaved`]).
///
/// A smaller dataset (quick runs) would fit in the page caches of both engines, and reads that
/// find their pages cached are not cold ones: for the cold reads, both page caches are cut by the
/// share of the full dataset this one holds, so that the dataset stands to them as the full one
/// does to the defaults (most reads then have to fetch their leaf pages, as in a full run).
fn get_trade(ctx: &Ctx) -> Result<Vec<Sample>> {
    let d = dataset::get(ctx)?;
    let n = ctx.opts.size(50_000, 20_000);
    let mut rng = fastrand::Rng::with_seed(ctx.round as u64 + 1);
    let cold_ids: Vec<u64> = (0..n).map(|_| rng.u64(1..=d.n)).collect();
    let hot_set: Vec<u64> = (0..HOT_SET).map(|_| rng.u64(1..=d.n)).collect();
    let hot_ids: Vec<u64> = (0..n).map(|_| hot_set[rng.usize(..HOT_SET)]).collect();
    let db = open_sqlite(d)?;

    let share = d.n as f64 / dataset::FULL as f64;
    db.cache_kib((DEFAULT_CACHE_KIB as f64 * share) as u64)?;
    let store = Store::builder()
        .cache_bytes(0)
        .page_cache_bytes((dataset::DEFAULT_PAGE_CACHE_BYTES as f64 * share) as usize)
        .open(&d.store)?;
    let [ours_cold, theirs_cold] = mean_ns_interleaved(
        n,
        [
            &mut |i| {
                store
                    .get_trade(cold_ids[i])
                    .map(|t| drop(black_box(t)))
                    .map_err(Into::into)
            },
            &mut |i| db.get(cold_ids[i] as i64).map(|t| drop(black_box(t))),
        ],
    )?;
    drop(store);

    db.cache_kib(DEFAULT_CACHE_KIB)?;
    let store = Store::open(&d.store)?;
    for &id in &hot_set {
        store.get_trade(id)?;
        db.get(id as i64)?;
    }
    let [ours_hot, theirs_hot] = mean_ns_interleaved(
        n,
        [
            &mut |i| {
                store
                    .get_trade(hot_ids[i])
                    .map(|t| drop(black_box(t)))
                    .map_err(Into::into)
            },
            &mut |i| db.get(hot_ids[i] as i64).map(|t| drop(black_box(t))),
        ],
    )?;
    Ok(vec![
        Sample::latency(COLD, TRADESTORE, ours_cold, "ns"),
        Sample::latency(HOT, TRADESTORE, ours_hot, "ns"),
        Sample::latency(COLD, SQLITE, theirs_cold, "ns"),
        Sample::latency(HOT, SQLITE, theirs_hot, "ns"),
    ])
}

/// A page of 100 trades of one symbol in a random time window; the engines take turns.
fn history(ctx: &Ctx) -> Result<Vec<Sample>> {
    let d = dataset::get(ctx)?;
    let n = ctx.opts.size(2_000, 300);
    let mut rng = fastrand::Rng::with_seed(ctx.round as u64 + 11);
    let span = (d.n as i64 - WINDOW_S) * STEP_NS;
    let starts: Vec<i64> = (0..n).map(|_| T0 + rng.i64(0..span)).collect();
    let until = |since: i64| since + WINDOW_S * STEP_NS;

    let store = Store::builder().cache_bytes(0).open(&d.store)?;
    let db = open_sqlite(d)?;
    let [ours, theirs] = mean_ns_interleaved(
        n,
        [
            &mut |i| {
                let q = TradeQuery {
                    symbol: Some(SYMBOLS[0].into()),
                    since: Some(starts[i]),
                    until: Some(until(starts[i])),
                    limit: 100,
                    ..TradeQuery::default()
                };
                let page = store.trade_history(&q)?;
                if page.trades.len() != 100 {
                    return Err(format!("tradestore page of {} trades", page.trades.len()).into());
                }
                Ok(())
            },
            &mut |i| {
                // One more row than the page, as a cursor needs to know whether a next page exists.
                let rows = db.history(SYMBOLS[0], starts[i], until(starts[i]), 101)?;
                if rows.len() != 101 {
                    return Err(format!("sqlite page of {} trades", rows.len()).into());
                }
                Ok(())
            },
        ],
    )?;
    Ok(vec![
        Sample::latency(PAGE, TRADESTORE, ours / 1e3, "µs"),
        Sample::latency(PAGE, SQLITE, theirs / 1e3, "µs"),
    ])
}

/// Every trade of one symbol, in time order, reading each record's time and price; the engines
/// take turns.
fn scan(ctx: &Ctx) -> Result<Vec<Sample>> {
    let d = dataset::get(ctx)?;
    let repeats = ctx.opts.size(10, 20);
    let want = fixture::per_symbol(d.n, 0);

    let store = Store::builder().cache_bytes(0).open(&d.store)?;
    let db = open_sqlite(d)?;
    let [ours, theirs] = mean_ns_interleaved(
        repeats,
        [
            &mut |_| {
                let (mut rows, mut sum) = (0u64, 0i64);
                store.scan_symbol(SYMBOLS[0], None, None, |t| {
                    rows += 1;
                    sum = sum
                        .wrapping_add(t.ts.to_native())
                        .wrapping_add(i64::from(archived_decimal(&t.price).scale()));
                    ControlFlow::Continue(())
                })?;
                if rows != want {
                    return Err(format!("tradestore scanned {rows} of {want} trades").into());
                }
                black_box(sum);
                Ok(())
            },
            &mut |_| {
                let (rows, sum) = db.scan(SYMBOLS[0])?;
                if rows != want {
                    return Err(format!("sqlite scanned {rows} of {want} trades").into());
                }
                black_box(sum);
                Ok(())
            },
        ],
    )?;
    let rate = |ns: f64| want as f64 * 1e9 / ns;
    Ok(vec![
        Sample::rate(SCAN, TRADESTORE, rate(ours), "rows/s"),
        Sample::rate(SCAN, SQLITE, rate(theirs), "rows/s"),
    ])
}
