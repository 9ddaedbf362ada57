//! Documents and snapshots, against the peers they replace, in one run.
//!
//! 1. Document put with schema validation and version history (the hub `opportunities`
//!    collection, durable) vs the JSON-file pattern a bot uses today: keep the old file as
//!    `.bak`, write a temp file, fsync it, rename it over the document, fsync the directory. Same
//!    documents, same order, same disk; one writer, then 8 concurrent writers.
//! 2. Snapshot create and restore throughput (MB/s of snapshot file) vs copying the store file
//!    with fsync, the floor for moving those bytes.
//!
//! `cargo bench --bench documents` (set `BENCH_DOCS` to change the document count).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use tradestore::{NewTrade, Side, Store};

fn doc(i: usize, rev: usize) -> Value {
    json!({"pair": "ETH-USDC", "buy_venue": "uniswap", "sell_venue": "curve",
           "buy_price": format!("{}.{:02}", 3000 + i % 50, rev), "sell_price": format!("{}.50", 3001 + i % 50),
           "amount": "1.5", "expected_profit": format!("{}.{}", i % 7, rev), "gas_cost": "2.10", "fees": "0.90",
           "status": "detected", "timestamp": 1_704_067_200_000i64 + i as i64})
}

fn json_file_put(dir: &Path, key: &str, v: &Value) -> std::io::Result<()> {
    let target = dir.join(format!("{key}.json"));
    let tmp = dir.join(format!("{key}.json.tmp"));
    if target.exists() {
        std::fs::rename(&target, dir.join(format!("{key}.json.bak")))?;
    }
    let mut f = File::create(&tmp)?;
    f.write_all(serde_json::to_string_pretty(v)?.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &target)?;
    File::open(dir)?.sync_all()
}

/// Runs puts 0..n on `threads` threads; put i writes key `i % (n / 2)`, and each key belongs to
/// one thread (as each bot owns its files), so its two revisions are written in order.
fn run_threads(threads: usize, n: usize, f: impl Fn(usize) + Sync) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let f = &f;
            s.spawn(move || {
                for i in (0..n).filter(|i| (i % (n / 2)) % threads == t) {
                    f(i);
                }
            });
        }
    });
    start.elapsed().as_secs_f64()
}

fn puts(n: usize) {
    println!("## document put: {n} puts (each key written twice), durable");
    println!("| writers | tradestore (schema + history) | JSON file + .bak | ratio |");
    println!("|---|---|---|---|");
    for threads in [1usize, 8] {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("store")).unwrap();
        let opps = store.hub().opportunities().unwrap();
        let ts = run_threads(threads, n, |i| {
            opps.put(&format!("opp-{}", i % (n / 2)), &doc(i, i / (n / 2))).unwrap();
        });
        assert_eq!(opps.history("opp-0").unwrap().len(), 2);
        let files = tmp.path().join("files");
        std::fs::create_dir_all(&files).unwrap();
        let tj = run_threads(threads, n, |i| {
            json_file_put(&files, &format!("opp-{}", i % (n / 2)), &doc(i, i / (n / 2))).unwrap();
        });
        let (rs, rj) = (n as f64 / ts, n as f64 / tj);
        println!(
            "| {threads} | {rs:.0} puts/s ({:.0} µs) | {rj:.0} puts/s ({:.0} µs) | {:.2}x |",
            1e6 / rs,
            1e6 / rj,
            rs / rj
        );
    }
}

fn snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("store")).unwrap();
    let fills: Vec<NewTrade> = (0..100_000i64)
        .map(|i| {
            NewTrade::new(
                ["BTC-EUR", "ETH-EUR", "SOL-EUR"][(i % 3) as usize],
                Side::Buy,
                Decimal::new(15, 1),
                Decimal::from(100 + i % 1000),
            )
            .ts(1_704_067_200_000_000_000 + i * 1_000_000_000)
            .order_id(format!("o{i}"))
            .venue("sim")
            .strategy("grid")
        })
        .collect();
    for chunk in fills.chunks(10_000) {
        store.save_trades(chunk).unwrap();
    }
    let opps = store.collection("opportunities").unwrap();
    for i in 0..5_000 {
        opps.put(&format!("opp-{}", i % 2_500), &doc(i, i / 2_500)).unwrap();
    }
    let db = tmp.path().join("store/tradestore.redb");
    let db_bytes = std::fs::metadata(&db).unwrap().len();
    println!();
    println!(
        "## snapshot of a store with 100k trades and 5k document versions ({:.1} MiB file)",
        db_bytes as f64 / 1048576.0
    );
    println!("| operation | time | snapshot MB/s | peer: file copy + fsync | ratio |");
    println!("|---|---|---|---|---|");
    let copy_start = Instant::now();
    let copy_to = tmp.path().join("copy.redb");
    std::fs::copy(&db, &copy_to).unwrap();
    File::open(&copy_to).unwrap().sync_all().unwrap();
    let copy_s = copy_start.elapsed().as_secs_f64();
    let copy_mbs = db_bytes as f64 / 1e6 / copy_s;
    let t = Instant::now();
    let snap = store.create_snapshot(Some(&tmp.path().join("s.tsnap"))).unwrap();
    let create_s = t.elapsed().as_secs_f64();
    let mb = snap.bytes as f64 / 1e6;
    println!(
        "| create ({:.1} MB file) | {:.3} s | {:.0} | {copy_mbs:.0} MB/s | {:.2}x |",
        mb,
        create_s,
        mb / create_s,
        (mb / create_s) / copy_mbs
    );
    let t = Instant::now();
    let restored = tradestore::snapshot::restore(&snap.path, &tmp.path().join("restored")).unwrap();
    let restore_s = t.elapsed().as_secs_f64();
    println!(
        "| restore (verify, write, open) | {:.3} s | {:.0} | {copy_mbs:.0} MB/s | {:.2}x |",
        restore_s,
        mb / restore_s,
        (mb / restore_s) / copy_mbs
    );
    let t = Instant::now();
    tradestore::snapshot::verify_file(&snap.path).unwrap();
    let verify_s = t.elapsed().as_secs_f64();
    println!("| verify only | {:.3} s | {:.0} | | |", verify_s, mb / verify_s);
    assert!(restored.verify().unwrap().ok);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    puts(n);
    snapshots();
}
