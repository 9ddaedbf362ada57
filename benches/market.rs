//! Market history throughput against pyarrow, in one run.
//!
//! Writes and reads the same candles (default 1 M one-minute candles, ~23 monthly partitions)
//! and ticks (default 2 M, daily partitions) through `store.market()`, and runs
//! `benches/pyarrow_peer.py` on identical data (one snappy file per dataset). Prints medians,
//! rows per second, sizes and the ratios tradestore / pyarrow.
//!
//! Knobs (environment): `MARKET_BENCH_CANDLES`, `MARKET_BENCH_TICKS` (0 skips ticks),
//! `MARKET_BENCH_REPS` (default 5). Run: `cargo bench --bench market`.

use std::process::Command;
use std::time::Instant;

use tradestore::market::{Candle, Tick, Timeframe};
use tradestore::{Side, Store};

const T0_MS: i64 = 1_704_067_200_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Same formulas as `pyarrow_peer.py`.
fn candles(n: usize) -> Vec<Candle> {
    (0..n as i64)
        .map(|i| {
            let open = 100.0 + (i % 1000) as f64 * 0.01;
            let close = open + 0.005 * ((i % 7) - 3) as f64;
            Candle {
                ts: (T0_MS + i * 60_000) * 1_000_000,
                open,
                high: open.max(close) + 0.1,
                low: open.min(close) - 0.1,
                close,
                volume: (i % 100) as f64 * 0.5,
            }
        })
        .collect()
}

fn ticks(n: usize) -> Vec<Tick> {
    (0..n as i64)
        .map(|i| Tick {
            ts: T0_MS * 1_000_000 + i * 37_000_000,
            price: 100.0 + (i % 1000) as f64 * 0.01,
            amount: (i % 50) as f64 * 0.001 + 0.001,
            side: if i % 2 == 0 { Side::Buy } else { Side::Sell },
            trade_id: i.to_string(),
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Figures {
    write_s: f64,
    read_s: f64,
    bytes: u64,
}

/// Writes into a fresh store and reads everything back, `reps` times; medians.
fn run(reps: usize, rows: usize, write: &dyn Fn(&Store), read: &dyn Fn(&Store) -> usize) -> Figures {
    let (mut writes, mut reads, mut bytes) = (Vec::new(), Vec::new(), 0);
    for _ in 0..reps {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        let start = Instant::now();
        write(&store);
        writes.push(start.elapsed().as_secs_f64());
        bytes = store.market().list().expect("list").iter().map(|p| p.meta.bytes).sum();
        let start = Instant::now();
        assert_eq!(read(&store), rows);
        reads.push(start.elapsed().as_secs_f64());
    }
    Figures {
        write_s: median(writes),
        read_s: median(reads),
        bytes,
    }
}

fn count(reader: tradestore::market::BatchReader) -> usize {
    reader.map(|b| b.expect("batch").num_rows()).sum()
}

fn line(what: &str, rows: usize, ours: &Figures, peer: &serde_json::Value) {
    let pw = peer["write_s"].as_f64().unwrap_or(f64::NAN);
    let pr = peer["read_s"].as_f64().unwrap_or(f64::NAN);
    let pb = peer["bytes"].as_u64().unwrap_or(0);
    let m = |s: f64| rows as f64 / s / 1e6;
    println!(
        "| {what} | write | {:.1} ms | {:.2} M/s | {:.1} ms | {:.2} M/s | {:.2}x |",
        ours.write_s * 1e3,
        m(ours.write_s),
        pw * 1e3,
        m(pw),
        pw / ours.write_s
    );
    println!(
        "| {what} | read  | {:.1} ms | {:.2} M/s | {:.1} ms | {:.2} M/s | {:.2}x |",
        ours.read_s * 1e3,
        m(ours.read_s),
        pr * 1e3,
        m(pr),
        pr / ours.read_s
    );
    println!(
        "| {what} | bytes | {} | | {} | | {:.2}x |",
        ours.bytes,
        pb,
        pb as f64 / ours.bytes.max(1) as f64
    );
}

fn main() {
    let n_candles = env_usize("MARKET_BENCH_CANDLES", 1_000_000);
    let n_ticks = env_usize("MARKET_BENCH_TICKS", 2_000_000);
    let reps = env_usize("MARKET_BENCH_REPS", 5).max(1);
    let tf: Timeframe = "1m".parse().expect("timeframe");

    let cs = candles(n_candles);
    let ours_c = run(
        reps,
        n_candles,
        &|s| {
            s.market().write_candles("BTC-EUR", tf, &cs).expect("write");
        },
        &|s| count(s.market().read_candles("BTC-EUR", tf, None, None).expect("read")),
    );
    let ts = ticks(n_ticks);
    let ours_t = (n_ticks > 0).then(|| {
        run(
            reps,
            n_ticks,
            &|s| {
                s.market().write_ticks("BTC-EUR", &ts).expect("write");
            },
            &|s| count(s.market().read_ticks("BTC-EUR", None, None).expect("read")),
        )
    });

    let peer_dir = tempfile::tempdir().expect("temp dir");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pyarrow_peer.py");
    let peer = Command::new("python3")
        .arg(script)
        .args(["--candles", &n_candles.to_string(), "--ticks", &n_ticks.to_string()])
        .args(["--reps", &reps.to_string()])
        .arg("--dir")
        .arg(peer_dir.path())
        .output();
    let peer: serde_json::Value = match peer {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).unwrap_or_default(),
        Ok(out) => {
            eprintln!("pyarrow peer failed: {}", String::from_utf8_lossy(&out.stderr));
            serde_json::Value::Null
        }
        Err(e) => {
            eprintln!("pyarrow peer not runnable: {e}");
            serde_json::Value::Null
        }
    };

    println!(
        "market bench: {n_candles} candles (1m), {n_ticks} ticks, median of {reps}; pyarrow {}",
        peer["pyarrow"].as_str().unwrap_or("unavailable")
    );
    println!(
        "tradestore: partitioned store writes (temp file, fsync, rename, dir fsync, catalog commit) and verified reads (blake3 per file)"
    );
    println!("pyarrow: one snappy file per dataset, write + fsync, read_table\n");
    println!("| data | op | tradestore | rate | pyarrow | rate | pyarrow time / ours |");
    println!("|---|---|---|---|---|---|---|");
    line("candles", n_candles, &ours_c, &peer["candles"]);
    if let Some(t) = &ours_t {
        line("ticks", n_ticks, t, &peer["ticks"]);
    }
}
