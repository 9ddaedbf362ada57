//! Trade writes: durable single-writer saves (back to back, and each after a pause), 8
//! concurrent durable writers, bulk import.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tradestore::Store;

use super::dataset;
use crate::common::fixture;
use crate::harness::engine::{FDATASYNC, SQLITE, TRADESTORE};
use crate::harness::stats::{Latencies, ThreadsOp, threads_rates, time_after_pause, time_interleaved};
use crate::harness::{Ctx, Registry, Result, Sample, Target, note};
use crate::peers::fdatasync::Floor;
use crate::peers::sqlite::{Sqlite, Sync};

const P50: &str = "save_trade_durable_p50";
const P99: &str = "save_trade_durable_p99";
const RATE: &str = "save_trade_durable_rate";
const PAUSED_P50: &str = "save_trade_after_pause_p50";
const PAUSED_P99: &str = "save_trade_after_pause_p99";
/// The pause before each save of [`save_after_pause`].
const PAUSE: Duration = Duration::from_millis(5);
const CONCURRENT: &str = "save_trade_8_writers";
const BULK: &str = "bulk_import";
/// Concurrent writers.
const WRITERS: u64 = 8;
/// Bytes the floor appends per write: about one stored trade record.
const TRADE_BYTES: usize = 320;
/// Saves before timing starts.
const WARMUP: usize = 20;
/// A floor p50 from this many µs (or a p99 from twice that) gets a note: durable commits then
/// wait mostly on the disk, and their ratios between engines say little of the engines.
const SLOW_DISK_US: f64 = 1_000.0;

/// Registers the write workloads and their targets.
pub fn register(reg: &mut Registry) {
    reg.workload("save_trade_durable", save_durable);
    reg.workload("save_trade_after_pause", save_after_pause);
    reg.workload("save_trade_8_writers", concurrent);
    reg.workload("bulk_import", bulk);
    reg.target(Target::ratio(RATE, SQLITE, 1.2));
    reg.target(Target::ratio(P50, FDATASYNC, 0.5));
    reg.target(Target::at_least(CONCURRENT, 100_000.0));
    reg.target(Target::ratio(CONCURRENT, SQLITE, 10.0));
    reg.target(Target::ratio(BULK, SQLITE, 1.5));
}

fn latency_samples(engine: &'static str, l: &Latencies) -> Vec<Sample> {
    vec![
        Sample::latency(P50, engine, l.percentile_us(50.0), "µs"),
        Sample::latency(P99, engine, l.percentile_us(99.0), "µs"),
        Sample::rate(RATE, engine, l.rate(), "trades/s"),
    ]
}

/// The floor, a store and a SQLite file (`synchronous=FULL`) in `ctx.dir`, each past
/// [`WARMUP`] durable writes of its own; the fills after those start at `WARMUP`.
fn single_writer_engines(ctx: &Ctx) -> Result<(Floor, Store, Sqlite)> {
    let mut floor = Floor::create(&ctx.dir.join("floor.log"), TRADE_BYTES)?;
    let store = Store::open(ctx.dir.join("tradestore"))?;
    let db = Sqlite::open(&ctx.dir.join("trades.sqlite"), Sync::Full)?;
    db.warm_wal()?;
    for i in 0..WARMUP as u64 {
        floor.append()?;
        store.save_trade(fixture::fill(i))?;
        db.insert(&fixture::fill(i))?;
    }
    Ok((floor, store, db))
}

/// One thread saving fills one at a time, each acknowledged only once durable; the floor, the
/// store and SQLite take turns (see [`time_interleaved`]).
fn save_durable(ctx: &Ctx) -> Result<Vec<Sample>> {
    let n = ctx.opts.size(2_000, 300);
    let (mut floor, store, db) = single_writer_engines(ctx)?;
    let fill = |i: usize| fixture::fill((WARMUP + i) as u64);
    let [f, ours, theirs] = time_interleaved(
        n,
        [
            &mut |_| floor.append(),
            &mut |i| store.save_trade(fill(i)).map(drop).map_err(Into::into),
            &mut |i| db.insert(&fill(i)).map(drop),
        ],
    )?;
    let (p50, p99) = (f.percentile_us(50.0), f.percentile_us(99.0));
    if p50 >= SLOW_DISK_US || p99 >= 2.0 * SLOW_DISK_US {
        note(format!(
            "the disk was slow during the durable saves (fdatasync p50 {p50:.0} µs, p99 {p99:.0} µs): \
             the durable ratios of this run are mostly the disk's"
        ));
    }
    let mut out = latency_samples(FDATASYNC, &f);
    out.extend(latency_samples(TRADESTORE, &ours));
    out.extend(latency_samples(SQLITE, &theirs));
    Ok(out)
}

/// One thread saving fills one at a time, each after a pause of [`PAUSE`] (a bot between two
/// fills), each acknowledged only once durable; the floor, the store and SQLite take turns (see
/// [`time_after_pause`]). No target: the figure shows what a save costs when everything has
/// gone idle, which on a virtual machine includes the disk's own slower sync after a pause.
fn save_after_pause(ctx: &Ctx) -> Result<Vec<Sample>> {
    let n = ctx.opts.size(300, 60);
    let (mut floor, store, db) = single_writer_engines(ctx)?;
    let fill = |i: usize| fixture::fill((WARMUP + i) as u64);
    let [f, ours, theirs] = time_after_pause(
        n,
        PAUSE,
        [
            &mut |_| floor.append(),
            &mut |i| store.save_trade(fill(i)).map(drop).map_err(Into::into),
            &mut |i| db.insert(&fill(i)).map(drop),
        ],
    )?;
    let mut out = Vec::new();
    for (engine, l) in [(FDATASYNC, &f), (TRADESTORE, &ours), (SQLITE, &theirs)] {
        out.push(Sample::latency(PAUSED_P50, engine, l.percentile_us(50.0), "µs"));
        out.push(Sample::latency(PAUSED_P99, engine, l.percentile_us(99.0), "µs"));
    }
    Ok(out)
}

/// Eight threads saving fills one at a time, each acknowledged only once durable; the store and
/// SQLite take turns (see [`threads_rates`]).
fn concurrent(ctx: &Ctx) -> Result<Vec<Sample>> {
    let per_thread = ctx.opts.size(2_000, 300);
    let store = Store::open(ctx.dir.join("tradestore"))?;
    // SQLite allows one writer at a time. Its best arrangement for threads of one process is one
    // connection shared behind a mutex: with a connection per thread, waiting writers sleep in
    // SQLite's busy handler (1, 2, 5, 10 ms, ...) and the rate drops about tenfold. Fewer rows
    // keep its run short; the figure is a rate.
    let sqlite_per_thread = ctx.opts.size(150, 30);
    let db = Sqlite::open(&ctx.dir.join("trades.sqlite"), Sync::Full)?;
    db.warm_wal()?;
    let db = Mutex::new(db);
    let [ours, theirs] = threads_rates(
        WRITERS,
        [
            ThreadsOp {
                per_thread,
                op: &|w, i| {
                    store.save_trade(fixture::fill(w * per_thread + i))?;
                    Ok(())
                },
            },
            ThreadsOp {
                per_thread: sqlite_per_thread,
                op: &|w, i| {
                    let db = db.lock().map_err(|_| "connection poisoned")?;
                    db.insert(&fixture::fill(w * sqlite_per_thread + i))?;
                    Ok(())
                },
            },
        ],
    )?;
    Ok(vec![
        Sample::rate(CONCURRENT, TRADESTORE, ours, "trades/s"),
        Sample::rate(CONCURRENT, SQLITE, theirs, "trades/s"),
    ])
}

/// Importing many fills in chunks of `dataset::CHUNK` (one transaction each). The first round
/// loads them where the read workloads' dataset goes, so that the run loads those fills once.
fn bulk(ctx: &Ctx) -> Result<Vec<Sample>> {
    let n = dataset::size(ctx.opts);
    let fills = fixture::fills(0, n);
    let shared = dataset::unbuilt(ctx)?;
    let (store, sqlite) = match &shared {
        Some(d) => (d.store.clone(), d.sqlite.clone()),
        None => (ctx.dir.join("tradestore"), ctx.dir.join("trades.sqlite")),
    };
    let t = Instant::now();
    dataset::import_into_store(&store, &fills)?;
    let ours = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    dataset::import_into_sqlite(&sqlite, &fills)?;
    let theirs = n as f64 / t.elapsed().as_secs_f64();
    if let Some(d) = shared {
        dataset::adopt(d);
    }
    Ok(vec![
        Sample::rate(BULK, TRADESTORE, ours, "trades/s"),
        Sample::rate(BULK, SQLITE, theirs, "trades/s"),
    ])
}
