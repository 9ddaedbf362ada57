//! Writes the seeds that need the engine to make them, into `<corpus>/<target>/`:
//! - `snapshot_import`: a real snapshot file of an empty store, and the redb payload inside the
//!   snapshots of an empty and a small store. The payload seeds let the fuzzer mutate the database
//!   file itself: the target wraps any input that is not a valid snapshot into a valid frame.
//! - `candle_import`: freqtrade JSON, feather and Parquet files exported by the engine, behind
//!   the target's one-byte prefix (format, skip-bad flag, timeframe).

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde_json::json;
use tradestore::kv::Kv;
use tradestore::market::export::FreqtradeFormat;
use tradestore::market::{Candle, Timeframe};
use tradestore::{NewTrade, Side, Store};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The payload of a snapshot file: its chunks' bytes concatenated (layout in
/// `tradestore::snapshot::format`).
fn payload(snap: &[u8]) -> Vec<u8> {
    use tradestore::snapshot::format::{CHUNK_HEAD_LEN, HEADER_LEN};
    let mut out = Vec::new();
    let mut at = HEADER_LEN;
    loop {
        let head = &snap[at..at + 8];
        if head[..4] == [0xFF; 4] {
            return out;
        }
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        out.extend_from_slice(&snap[at + CHUNK_HEAD_LEN..at + CHUNK_HEAD_LEN + len]);
        at += CHUNK_HEAD_LEN + len;
    }
}

fn emit(store: &Store, scratch: &Path, out: &Path, name: &str, whole: bool) -> Res<()> {
    let file = scratch.join(format!("{name}.tsnap"));
    store.create_snapshot(Some(&file))?;
    let bytes = std::fs::read(&file)?;
    tradestore::snapshot::verify_bytes(&bytes)?;
    if whole {
        std::fs::write(out.join(format!("seed-snap-{name}")), &bytes)?;
    }
    std::fs::write(out.join(format!("seed-db-{name}")), payload(&bytes))?;
    println!("snapshot {name}: {} bytes", bytes.len());
    Ok(())
}

/// Candle seeds: the prefix byte is `timeframe index << 3 | format` (1h is index 3 of the
/// target's list; formats 1 json, 2 feather, 3 parquet).
fn candles(scratch: &Path, out: &Path) -> Res<()> {
    let store = Store::open(scratch.join("market"))?;
    let h1: Timeframe = "1h".parse()?;
    let hour = 3_600_000_000_000i64;
    let t0 = 1_704_067_200_000_000_000i64;
    let rows: Vec<Candle> = (0..6)
        .map(|i| {
            let open = 42_000.0 + 10.0 * i as f64;
            Candle {
                ts: t0 + i * hour,
                open,
                high: open + 25.5,
                low: open - 12.25,
                close: open + 5.0,
                volume: 1.5 * i as f64,
            }
        })
        .collect();
    store.market().write_candles("BTC-EUR", h1, &rows)?;
    for (fmt, code, name) in [
        (FreqtradeFormat::Json, 1u8, "json"),
        (FreqtradeFormat::Feather, 2, "feather"),
        (FreqtradeFormat::Parquet, 3, "parquet"),
    ] {
        let dir = scratch.join(name);
        std::fs::create_dir_all(&dir)?;
        let file = store.market().export_freqtrade(&dir, "BTC-EUR", h1, fmt, None, None)?;
        let mut bytes = vec![(3 << 3) | code];
        bytes.extend(std::fs::read(&file.path)?);
        println!("candles {name}: {} bytes", bytes.len());
        std::fs::write(out.join(format!("seed-{name}-1h")), bytes)?;
    }
    Ok(())
}

fn main() -> Res<()> {
    let corpus = PathBuf::from(std::env::args().nth(1).ok_or("usage: seedgen <corpus dir>")?);
    let out = corpus.join("snapshot_import");
    std::fs::create_dir_all(&out)?;
    std::fs::create_dir_all(corpus.join("candle_import"))?;
    let scratch = std::env::temp_dir().join(format!("tradestore-seedgen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);

    let store = Store::open(scratch.join("empty"))?;
    emit(&store, &scratch, &out, "empty", true)?;
    drop(store);

    let store = Store::open(scratch.join("small"))?;
    store.save_trade(NewTrade::new(
        "BTC-EUR",
        Side::Buy,
        Decimal::new(5, 1),
        Decimal::new(42_000, 0),
    ))?;
    store.save_trade(NewTrade::new(
        "BTC-EUR",
        Side::Sell,
        Decimal::new(2, 1),
        Decimal::new(43_000, 0),
    ))?;
    store.save_state(r#"{"mode":"live","open_orders":[1,2]}"#, Some("boot"))?;
    store
        .collection("config")?
        .put("bot", &json!({"dry_run": true, "pairs": ["BTC-EUR"]}))?;
    store.kv().set("last_tick", b"1704067200", None)?;
    emit(&store, &scratch, &out, "small", false)?;
    drop(store);

    candles(&scratch, &corpus.join("candle_import"))?;
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}
