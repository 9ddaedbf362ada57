//! Analytics and artifact benchmarks (a bench binary: the setup is a 1 M-fill store).
//!
//! - all-time report from the running aggregates vs a full recompute over every fill;
//! - windowed reports (1 day, 30 days) through the time index vs the full recompute;
//! - model save/load throughput vs a plain file write + fsync / read of the same bytes.
//!
//! `cargo bench --bench analytics` (TRADES=N to change the store size).

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use tradestore::analytics::Filter;
use tradestore::{Durability, NewTrade, PortfolioSnapshot, Side, Store};

const T0: i64 = 1_704_067_200_000_000_000;
const DAY: i64 = 86_400_000_000_000;
const SYMBOLS: [&str; 3] = ["BTC-EUR", "ETH-EUR", "SOL-EUR"];
const STRATEGIES: [&str; 3] = ["grid", "momentum", "mean_revert"];
const MODELS: [&str; 2] = ["price_predictor@1.2.0", "price_predictor@1.3.0"];

/// Median wall time of `f` over runs lasting at least `budget` (and at least `min_runs`).
fn time<R>(budget: Duration, min_runs: usize, mut f: impl FnMut() -> R) -> Duration {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < min_runs || start.elapsed() < budget {
        let t = Instant::now();
        black_box(f());
        samples.push(t.elapsed());
        if samples.len() >= 100_000 {
            break;
        }
    }
    samples.sort();
    samples[samples.len() / 2]
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn build_store(dir: &std::path::Path, n: usize) -> Store {
    let store = Store::builder()
        .durability(Durability::Eventual)
        .open(dir)
        .expect("open");
    let mut rng = fastrand::Rng::with_seed(1);
    let spacing = 365 * DAY / n as i64;
    let batch = 10_000;
    let started = Instant::now();
    for start in (0..n).step_by(batch) {
        let fills: Vec<NewTrade> = (start..(start + batch).min(n))
            .map(|i| {
                let side = if rng.bool() { Side::Buy } else { Side::Sell };
                let qty = Decimal::new(rng.i64(1..100_000), 4);
                let price = Decimal::new(rng.i64(90_000..110_000), 2);
                NewTrade::new(SYMBOLS[i % 3], side, qty, price)
                    .fee(Decimal::new(rng.i64(0..500), 3))
                    .strategy(STRATEGIES[(i / 3) % 3])
                    .model(MODELS[(i / 9) % 2])
                    .ts(T0 + i as i64 * spacing)
            })
            .collect();
        store.save_trades(&fills).expect("save");
    }
    for day in 0..365 {
        store
            .save_portfolio_snapshot(&PortfolioSnapshot {
                ts: T0 + day * DAY + DAY / 2,
                total_value: Decimal::from(1_000_000 + rng.i64(-50_000..50_000)),
                positions: vec![],
                balances: vec![],
                snapshot_type: "daily".into(),
                session_id: "bench".into(),
            })
            .expect("snapshot");
    }
    store.flush().expect("flush");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "setup: {n} fills in {secs:.1} s ({:.0} fills/s, eventual durability, aggregates updated per fill)",
        n as f64 / secs
    );
    store
}

fn main() {
    let n: usize = std::env::var("TRADES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = build_store(&dir.path().join("store"), n);
    let a = store.analytics();
    let all = Filter::default();
    assert_eq!(a.stats(&all).expect("stats").0, a.recompute(&all).expect("recompute"));

    println!();
    println!("| workload ({n} fills, 365 daily snapshots) | median | vs full recompute |");
    println!("|---|---|---|");
    let full = time(Duration::from_secs(10), 3, || a.recompute(&all).expect("recompute"));
    let full_report = time(Duration::from_secs(10), 3, || {
        let s = a.recompute(&all).expect("recompute");
        (
            s.metrics().expect("metrics"),
            a.equity_curve(None, None).expect("curve"),
        )
    });
    let inc_stats = time(Duration::from_secs(2), 100, || a.stats(&all).expect("stats"));
    let inc_report = time(Duration::from_secs(2), 100, || a.report(&all).expect("report"));
    let ratio = |d: Duration| format!("{:.0}× faster", full.as_secs_f64() / d.as_secs_f64());
    println!(
        "| all-time trade stats, full recompute (scan of every fill) | {} | 1× |",
        fmt(full)
    );
    println!(
        "| all-time report, full recompute + equity curve | {} | — |",
        fmt(full_report)
    );
    println!(
        "| all-time trade stats, incremental aggregates | {} | {} |",
        fmt(inc_stats),
        ratio(inc_stats)
    );
    println!(
        "| all-time report, incremental (+ equity curve, 365 days) | {} | {} |",
        fmt(inc_report),
        ratio(inc_report)
    );
    let by_model = time(Duration::from_secs(2), 100, || {
        a.breakdown(
            &Filter::default().model("price_predictor"),
            tradestore::analytics::GroupBy::Model,
        )
        .expect("breakdown")
    });
    println!(
        "| P&L by model version, all-time (incremental) | {} | {} |",
        fmt(by_model),
        ratio(by_model)
    );
    for (label, days) in [("1 day", 1), ("30 days", 30)] {
        let f = Filter::default().since(T0 + 100 * DAY).until(T0 + (100 + days) * DAY);
        let fills = a.recompute(&f).expect("window").fills;
        let w = time(Duration::from_secs(3), 5, || a.report(&f).expect("window"));
        println!(
            "| windowed report, {label} ({fills} fills, time index) | {} | {} |",
            fmt(w),
            ratio(w)
        );
        let fm = Filter::default()
            .model("price_predictor@1.3.0")
            .since(T0 + 100 * DAY)
            .until(T0 + (100 + days) * DAY);
        let wm = time(Duration::from_secs(3), 5, || a.report(&fm).expect("window"));
        println!(
            "| windowed report, {label}, one model (model index) | {} | {} |",
            fmt(wm),
            ratio(wm)
        );
    }
    drop(store);

    // Model save/load throughput against plain file I/O of the same bytes.
    let store = Store::open(dir.path().join("models")).expect("open");
    let art = store.artifacts();
    let size = 64usize << 20;
    let mut blob: Vec<u8> = (0..size)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761) as u8)
        .collect();
    let mb = size as f64 / (1 << 20) as f64;
    let mut version = 0u64;
    let save = time(Duration::from_secs(5), 5, || {
        version += 1;
        blob[0..8].copy_from_slice(&version.to_le_bytes()); // new content: no dedupe shortcut
        art.save_model("bench", &format!("1.0.{version}"), &blob, None)
            .expect("save")
    });
    let raw_path = dir.path().join("raw.bin");
    let raw_write = time(Duration::from_secs(5), 5, || {
        let mut f = std::fs::File::create(&raw_path).expect("create");
        f.write_all(&blob).expect("write");
        f.sync_all().expect("fsync");
    });
    let load = time(Duration::from_secs(5), 5, || {
        art.load_model("bench", None).expect("load").bytes.len()
    });
    let raw_read = time(Duration::from_secs(5), 5, || {
        std::fs::read(&raw_path).expect("read").len()
    });
    let dedupe = time(Duration::from_secs(2), 5, || {
        art.save_model("bench", "9.9.9", &blob, None).expect("save")
    });
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!();
    println!("| model blob (64 MiB) | median | MB/s | peer | peer MB/s | ratio |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| save_model (blake3, temp + fsync + rename + dir fsync, record commit) | {} | {:.0} | write + fsync | {:.0} | {:.2} |",
        fmt(save),
        rate(save),
        rate(raw_write),
        raw_write.as_secs_f64() / save.as_secs_f64()
    );
    println!(
        "| load_model (read + blake3 verify) | {} | {:.0} | fs::read | {:.0} | {:.2} |",
        fmt(load),
        rate(load),
        rate(raw_read),
        raw_read.as_secs_f64() / load.as_secs_f64()
    );
    println!(
        "| save_model of content already stored (dedupe) | {} | {:.0} | — | — | — |",
        fmt(dedupe),
        rate(dedupe)
    );
}
