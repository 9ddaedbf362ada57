//! Criterion micro-benchmarks of the core engine: durable saves (1 and 8 threads), batch saves,
//! point reads with and without the read cache, a history page and a symbol range scan.
//!
//! `cargo bench --bench core`. Figures and the machine they were taken on: `docs/benchmarks.md`.

mod common;

use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tradestore::{Store, TradeQuery};

use common::fixture::{self, STEP_NS, SYMBOLS, T0};

/// Trades in the store the read benchmarks run against.
const READ_SET: u64 = 200_000;
/// Fills per `save_trades` call when filling that store.
const FILL_BATCH: u64 = 10_000;
/// Concurrent writers in the multi-threaded save benchmark.
const WRITERS: u64 = 8;

fn durable_saves(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let next = AtomicU64::new(0);
    let mut g = c.benchmark_group("save_trade_durable");
    g.throughput(Throughput::Elements(1));
    g.bench_function("1_thread", |b| {
        b.iter(|| {
            store
                .save_trade(fixture::fill(next.fetch_add(1, Ordering::Relaxed)))
                .expect("save")
        })
    });
    g.bench_function("8_threads", |b| {
        b.iter_custom(|iters| {
            let per_thread = iters.div_ceil(WRITERS);
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..WRITERS {
                    s.spawn(|| {
                        for _ in 0..per_thread {
                            store
                                .save_trade(fixture::fill(next.fetch_add(1, Ordering::Relaxed)))
                                .expect("save");
                        }
                    });
                }
            });
            // Report the time of `iters` saves; the threads did `per_thread * WRITERS` of them.
            start.elapsed().mul_f64(iters as f64 / (per_thread * WRITERS) as f64)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("save_trades_batch");
    for n in [100u64, 1000] {
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("{n}"), |b| {
            b.iter_batched(
                || fixture::fills(next.fetch_add(n, Ordering::Relaxed), n),
                |batch| store.save_trades(&batch).expect("save batch"),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// Writes `READ_SET` fills into a store in `dir`, closes it and returns.
fn fill_store(dir: &Path) {
    let store = Store::open(dir).expect("open store");
    let mut i = 0;
    while i < READ_SET {
        store.import_trades(&fixture::fills(i, FILL_BATCH)).expect("import");
        i += FILL_BATCH;
    }
}

/// The filled store directory, built on first use so that filtered runs (`cargo bench --bench
/// core save_trade`) skip it.
struct ReadSet {
    dir: OnceLock<tempfile::TempDir>,
}

impl ReadSet {
    fn path(&self) -> &Path {
        self.dir
            .get_or_init(|| {
                let dir = tempfile::tempdir().expect("temp dir");
                fill_store(dir.path());
                dir
            })
            .path()
    }

    /// Opens the filled store with a read cache of `cache_bytes`.
    fn open(&self, cache_bytes: u64) -> Store {
        Store::builder()
            .cache_bytes(cache_bytes)
            .open(self.path())
            .expect("open")
    }
}

fn reads(c: &mut Criterion) {
    let set = ReadSet { dir: OnceLock::new() };
    let mut rng = fastrand::Rng::with_seed(7);

    let mut g = c.benchmark_group("get_trade");
    g.bench_function("cold_cache_disabled", |b| {
        let store = set.open(0);
        b.iter(|| store.get_trade(rng.u64(1..=READ_SET)).expect("get"))
    });
    let hot: Vec<u64> = (0..10_000).map(|_| rng.u64(1..=READ_SET)).collect();
    let warm = || {
        let store = set.open(32 << 20);
        for &id in &hot {
            store.get_trade(id).expect("warm");
        }
        store
    };
    g.bench_function("cached", |b| {
        let store = warm();
        b.iter(|| store.get_trade(hot[rng.usize(..hot.len())]).expect("get"))
    });
    g.bench_function("cached_shared_arc", |b| {
        let store = warm();
        b.iter(|| store.get_trade_arc(hot[rng.usize(..hot.len())]).expect("get"))
    });
    g.finish();

    let mut g = c.benchmark_group("trade_history");
    g.throughput(Throughput::Elements(100));
    // One symbol trades every 8 s: a 1000 s window holds 125 of its trades.
    let span = READ_SET as i64 * STEP_NS - 1_000 * STEP_NS;
    g.bench_function("page_100_symbol_window", |b| {
        let store = set.open(0);
        b.iter(|| {
            let since = T0 + rng.i64(0..span);
            let q = TradeQuery {
                symbol: Some(SYMBOLS[0].into()),
                since: Some(since),
                until: Some(since + 1_000 * STEP_NS),
                limit: 100,
                ..TradeQuery::default()
            };
            let page = store.trade_history(&q).expect("history");
            assert_eq!(page.trades.len(), 100);
            page
        })
    });
    g.finish();

    let mut g = c.benchmark_group("scan_symbol");
    let n = fixture::per_symbol(READ_SET, 0);
    g.throughput(Throughput::Elements(n));
    g.bench_function("full_symbol", |b| {
        let store = set.open(0);
        b.iter(|| {
            let mut rows = 0u64;
            let mut ts_sum = 0i64;
            store
                .scan_symbol(SYMBOLS[0], None, None, |t| {
                    rows += 1;
                    ts_sum = ts_sum.wrapping_add(t.ts.to_native());
                    ControlFlow::Continue(())
                })
                .expect("scan");
            assert_eq!(rows, n);
            black_box(ts_sum)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = durable_saves, reads
}
criterion_main!(benches);
