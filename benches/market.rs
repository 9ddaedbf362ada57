//! Market history throughput against pyarrow, in one run.
//!
//! Writes and reads the same candles (default 1 M one-minute candles, ~23 monthly partitions)
//! and ticks (default 2 M, daily partitions) through `store.market()`, and runs
//! `benches/pyarrow_peer.py` on identical data (one snappy file per dataset). Prints medians,
//! rows per second, sizes and the ratios tradestore / pyarrow.
//!
//! Repetitions alternate between tradestore and the peer so both see the same machine load.
//! A last line times the snappy codec alone (the `snap` crate parquet uses, one thread) on the
//! candles' float pages, and prints the load average: the ceiling snappy puts on both paths.
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
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[derive(Default)]
struct Figures {
    writes: Vec<f64>,
    reads: Vec<f64>,
    bytes: u64,
}

impl Figures {
    fn write_s(&self) -> f64 {
        median(self.writes.clone())
    }
    fn read_s(&self) -> f64 {
        median(self.reads.clone())
    }
}

/// One repetition: writes into a fresh store and reads everything back.
fn once(fig: &mut Figures, rows: usize, write: &dyn Fn(&Store), read: &dyn Fn(&Store) -> usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let start = Instant::now();
    write(&store);
    fig.writes.push(start.elapsed().as_secs_f64());
    fig.bytes = store.market().list().expect("list").iter().map(|p| p.meta.bytes).sum();
    let start = Instant::now();
    assert_eq!(read(&store), rows);
    fig.reads.push(start.elapsed().as_secs_f64());
}

/// One repetition of the pyarrow peer on the same sizes; `None` if it cannot run.
fn peer_once(n_candles: usize, n_ticks: usize) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pyarrow_peer.py");
    let out = Command::new("python3")
        .arg(script)
        .args([
            "--candles",
            &n_candles.to_string(),
            "--ticks",
            &n_ticks.to_string(),
            "--reps",
            "1",
        ])
        .arg("--dir")
        .arg(dir.path())
        .output();
    match out {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).ok(),
        Ok(out) => {
            eprintln!("pyarrow peer failed: {}", String::from_utf8_lossy(&out.stderr));
            None
        }
        Err(e) => {
            eprintln!("pyarrow peer not runnable: {e}");
            None
        }
    }
}

/// The snappy codec alone (the `snap` crate that parquet uses), on one thread, on the bytes the
/// writer hands it for candles: each float column plain-encoded, in pages of one row group
/// (16 384 rows). Returns (compress s, decompress s, input bytes, compressed bytes), medians.
fn snap_alone(cs: &[Candle], reps: usize) -> (f64, f64, usize, usize) {
    let fields: [fn(&Candle) -> f64; 5] = [|c| c.open, |c| c.high, |c| c.low, |c| c.close, |c| c.volume];
    let pages: Vec<Vec<u8>> = fields
        .iter()
        .flat_map(|f| {
            cs.chunks(16_384)
                .map(|rows| rows.iter().flat_map(|c| f(c).to_le_bytes()).collect::<Vec<u8>>())
                .collect::<Vec<_>>()
        })
        .collect();
    let raw: usize = pages.iter().map(Vec::len).sum();
    let (mut enc, mut dec) = (snap::raw::Encoder::new(), snap::raw::Decoder::new());
    let (mut ct, mut dt, mut packed) = (Vec::new(), Vec::new(), 0);
    for _ in 0..reps {
        let start = Instant::now();
        let compressed: Vec<Vec<u8>> = pages
            .iter()
            .map(|p| enc.compress_vec(p).expect("snappy compress"))
            .collect();
        ct.push(start.elapsed().as_secs_f64());
        packed = compressed.iter().map(Vec::len).sum();
        let start = Instant::now();
        let back: usize = compressed
            .iter()
            .map(|c| dec.decompress_vec(c).expect("snappy decompress").len())
            .sum();
        dt.push(start.elapsed().as_secs_f64());
        assert_eq!(back, raw);
    }
    (median(ct), median(dt), raw, packed)
}

fn count(reader: tradestore::market::BatchReader) -> usize {
    reader.map(|b| b.expect("batch").num_rows()).sum()
}

fn line(what: &str, rows: usize, ours: &Figures, peer: &Figures) {
    let (ow, or, pw, pr) = (ours.write_s(), ours.read_s(), peer.write_s(), peer.read_s());
    let m = |s: f64| rows as f64 / s / 1e6;
    println!(
        "| {what} | write | {:.1} ms | {:.2} M/s | {:.1} ms | {:.2} M/s | {:.2}x |",
        ow * 1e3,
        m(ow),
        pw * 1e3,
        m(pw),
        pw / ow
    );
    println!(
        "| {what} | read  | {:.1} ms | {:.2} M/s | {:.1} ms | {:.2} M/s | {:.2}x |",
        or * 1e3,
        m(or),
        pr * 1e3,
        m(pr),
        pr / or
    );
    println!(
        "| {what} | bytes | {} | | {} | | {:.2}x |",
        ours.bytes,
        peer.bytes,
        peer.bytes as f64 / ours.bytes.max(1) as f64
    );
}

fn main() {
    let n_candles = env_usize("MARKET_BENCH_CANDLES", 1_000_000);
    let n_ticks = env_usize("MARKET_BENCH_TICKS", 2_000_000);
    let reps = env_usize("MARKET_BENCH_REPS", 5).max(1);
    let tf: Timeframe = "1m".parse().expect("timeframe");
    let cs = candles(n_candles);
    let ts = ticks(n_ticks);

    // Ours and the peer alternate repetition by repetition, so both see the same machine load.
    let (mut oc, mut ot, mut pc, mut pt) = (
        Figures::default(),
        Figures::default(),
        Figures::default(),
        Figures::default(),
    );
    let mut version = String::from("unavailable");
    for _ in 0..reps {
        once(
            &mut oc,
            n_candles,
            &|s| {
                s.market().write_candles("BTC-EUR", tf, &cs).expect("write");
            },
            &|s| count(s.market().read_candles("BTC-EUR", tf, None, None).expect("read")),
        );
        if n_ticks > 0 {
            once(
                &mut ot,
                n_ticks,
                &|s| {
                    s.market().write_ticks("BTC-EUR", &ts).expect("write");
                },
                &|s| count(s.market().read_ticks("BTC-EUR", None, None).expect("read")),
            );
        }
        if let Some(p) = peer_once(n_candles, n_ticks) {
            version = p["pyarrow"].as_str().unwrap_or("?").to_string();
            for (fig, key) in [(&mut pc, "candles"), (&mut pt, "ticks")] {
                if let (Some(w), Some(r)) = (p[key]["write_s"].as_f64(), p[key]["read_s"].as_f64()) {
                    fig.writes.push(w);
                    fig.reads.push(r);
                    fig.bytes = p[key]["bytes"].as_u64().unwrap_or(0);
                }
            }
        }
    }

    println!(
        "market bench: {n_candles} candles (1m), {n_ticks} ticks, median of {reps}, alternating; pyarrow {version}"
    );
    println!(
        "tradestore: partitioned store writes (temp file, fsync, rename, dir fsync, catalog commits) and verified reads (blake3 per file)"
    );
    println!("pyarrow: one snappy file per dataset, write + fsync, read_table\n");
    println!("| data | op | tradestore | rate | pyarrow | rate | pyarrow time / ours |");
    println!("|---|---|---|---|---|---|---|");
    if pc.writes.is_empty() {
        println!("(pyarrow peer unavailable: pip install -r tests/interop/requirements.txt)");
        pc = Figures {
            writes: vec![f64::NAN],
            reads: vec![f64::NAN],
            bytes: 0,
        };
        pt = Figures {
            writes: vec![f64::NAN],
            reads: vec![f64::NAN],
            bytes: 0,
        };
    }
    line("candles", n_candles, &oc, &pc);
    if n_ticks > 0 {
        line("ticks", n_ticks, &ot, &pt);
    }
    let (c, d, raw, packed) = snap_alone(&cs, reps);
    let m = |s: f64| n_candles as f64 / s / 1e6;
    println!(
        "\nsnap crate alone, one thread, candle float pages ({raw} -> {packed} bytes): compress {:.1} ms ({:.0} MB/s, {:.2} M candles/s), decompress {:.1} ms ({:.0} MB/s, {:.2} M candles/s)",
        c * 1e3,
        raw as f64 / c / 1e6,
        m(c),
        d * 1e3,
        raw as f64 / d / 1e6,
        m(d)
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at the end: {}", load.trim());
}
