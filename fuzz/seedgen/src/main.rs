//! Writes the seeds that need the engine to make them, into `<corpus>/<target>/`:
//! - `snapshot_import`: a real snapshot file of an empty store, and the redb payload inside the
//!   snapshots of an empty and a small store. The payload seeds let the fuzzer mutate the database
//!   file itself: the target wraps any input that is not a valid snapshot into a valid frame.
//! - `candle_import`: freqtrade JSON, feather and Parquet files exported by the engine, behind
//!   the target's one-byte prefix (format, skip-bad flag, timeframe).
//! - `wal_replay`: the commit log of a store after a few commits (its intact frames, without the
//!   zero padding), whole (mode 0) and its first frame's payload (mode 2); a small log built with
//!   `tradestore::wal::format`; inputs for the structured mode (3).
//! - `redo_replay`: the operation log of a store after saves of fills and document puts (its
//!   intact frames), as a payload (mode 0), whole (mode 1) and as the frame area behind a header
//!   (mode 2); a payload built with `tradestore::redo::format`; inputs for the structured mode (3).

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

/// The commit log's bytes up to the end of its last intact frame, and the frames' payloads.
fn log_frames(log: &[u8]) -> Res<(Vec<u8>, Vec<Vec<u8>>)> {
    frames_of(tradestore::wal::format::LOG_MAGIC, log)
}

/// The frames of a log of kind `magic` (see [`log_frames`]).
fn frames_of(magic: &[u8; 8], log: &[u8]) -> Res<(Vec<u8>, Vec<Vec<u8>>)> {
    use tradestore::wal::format::{self, FRAME_HEADER_LEN, FRAMES_START};
    let generation = format::decode_header_for(magic, log).ok_or("no log header")?;
    let mut pos = FRAMES_START as usize;
    let mut payloads = Vec::new();
    while let Some(head) = log.get(pos..pos + FRAME_HEADER_LEN) {
        let head: &[u8; FRAME_HEADER_LEN] = head.try_into()?;
        let Some(len) = format::frame_payload_len(head, generation, payloads.len() as u64) else {
            break;
        };
        payloads.push(log[pos + FRAME_HEADER_LEN..pos + FRAME_HEADER_LEN + len].to_vec());
        pos += FRAME_HEADER_LEN + len;
    }
    Ok((log[..pos].to_vec(), payloads))
}

/// Operation log seeds, behind the target's mode byte.
fn redo(scratch: &Path, out: &Path) -> Res<()> {
    use tradestore::redo::format::{Op, decode_payload, encode_frame, encode_op};
    use tradestore::wal::format::{FRAME_HEADER_LEN, FRAMES_START};
    let dir = scratch.join("redo");
    let store = Store::open(&dir)?;
    // Registering a collection is not logged and starts the log over: do it first.
    let config = store.collection("config")?;
    config.put("bot", &json!({"dry_run": false}))?;
    store
        .save_trade(NewTrade::new("BTC-EUR", Side::Buy, Decimal::new(5, 1), Decimal::new(42_000, 0)).order_id("o-1"))?;
    store.save_trades(&[
        NewTrade::new("BTC-EUR", Side::Sell, Decimal::new(2, 1), Decimal::new(43_000, 0))
            .order_id("o-2")
            .meta(r#"{"reason":"tp"}"#),
        NewTrade::new("ETH-EUR", Side::Buy, Decimal::new(15, 1), Decimal::new(2_500, 0)),
    ])?;
    config.put("bot", &json!({"dry_run": true, "pairs": ["BTC-EUR"]}))?;
    // Read while the store is open: a clean close empties the log.
    let bytes = std::fs::read(dir.join(tradestore::redo::REDO_FILE))?;
    let (log, payloads) = frames_of(tradestore::redo::format::REDO_MAGIC, &bytes)?;
    drop(store);
    println!("redo: {} frames, {} bytes", payloads.len(), log.len());
    if payloads.len() < 4 || payloads.iter().any(|p| decode_payload(p).is_none()) {
        return Err("the operation log does not hold the four operations".into());
    }
    for (name, mode, bytes) in [
        ("payload-store", 0u8, &payloads[2][..]),
        ("payload-doc-store", 0, &payloads[payloads.len() - 1][..]),
        ("log-store", 1, &log[..]),
        ("frames-store", 2, &log[FRAMES_START as usize..]),
    ] {
        let mut seed = vec![mode];
        seed.extend_from_slice(bytes);
        std::fs::write(out.join(format!("seed-{name}")), seed)?;
    }

    let ops = [
        Op::SaveTrades {
            now: 1_704_067_200_000_000_000,
            trades: vec![
                NewTrade::new("BTC-EUR", Side::Buy, Decimal::new(125, 3), Decimal::new(4_200_050, 2))
                    .fee(Decimal::new(21, 2))
                    .ts(1_704_067_100_000_000_000),
            ],
        },
        Op::SaveTrades {
            now: 7,
            trades: Vec::new(),
        },
    ];
    let encoded = ops
        .iter()
        .map(encode_op)
        .collect::<Option<Vec<_>>>()
        .ok_or("too large")?;
    let frame = encode_frame(41, encoded.iter().map(Vec::as_slice)).ok_or("too large")?;
    let mut seed = vec![0u8];
    seed.extend_from_slice(&frame[FRAME_HEADER_LEN..]);
    std::fs::write(out.join("seed-payload-built"), seed)?;
    for n in [64usize, 256, 1024] {
        let bytes: Vec<u8> = std::iter::once(3u8)
            .chain((0..n).map(|i| (i * 37 % 256) as u8))
            .collect();
        std::fs::write(out.join(format!("seed-structured-{n}")), bytes)?;
    }
    Ok(())
}

/// Commit log seeds, behind the target's mode byte.
fn wal(scratch: &Path, out: &Path) -> Res<()> {
    use tradestore::wal::format;
    let dir = scratch.join("wal");
    let store = Store::open(&dir)?;
    // Registering a collection is not logged and starts the log over: do it first.
    let config = store.collection("config")?;
    config.put("bot", &json!({"dry_run": false}))?;
    store.save_trade(NewTrade::new(
        "ETH-EUR",
        Side::Buy,
        Decimal::new(15, 1),
        Decimal::new(2_500, 0),
    ))?;
    store.save_state(r#"{"mode":"paper"}"#, None)?;
    store.kv().set("tick", b"1", None)?;
    // Read while the store is open: a clean close checkpoints and empties the log.
    let (log, payloads) = log_frames(&std::fs::read(dir.join(tradestore::wal::WAL_FILE))?)?;
    drop(store);
    println!("wal: {} frames, {} bytes", payloads.len(), log.len());
    let mut whole = vec![0u8];
    whole.extend_from_slice(&log);
    std::fs::write(out.join("seed-log-store"), whole)?;
    let first = payloads.first().ok_or("the log holds no frame")?;
    let mut wrapped = vec![2u8];
    wrapped.extend_from_slice(first);
    std::fs::write(out.join("seed-payload-store"), wrapped)?;

    let mut small = vec![0u8];
    small.extend(format::encode_header(7));
    for seq in 0..3u64 {
        let mut payload = Vec::new();
        format::push_set_len(&mut payload, 8192 + seq * 4096);
        format::push_write(&mut payload, 4096 * seq, &[seq as u8 + 1; 100]);
        small.extend(format::frame_header(7, seq, &payload));
        small.extend(payload);
    }
    std::fs::write(out.join("seed-log-small"), small)?;
    for n in [16usize, 64, 256] {
        let bytes: Vec<u8> = std::iter::once(3u8)
            .chain((0..n).map(|i| (i * 37 % 256) as u8))
            .collect();
        std::fs::write(out.join(format!("seed-structured-{n}")), bytes)?;
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
    std::fs::create_dir_all(corpus.join("wal_replay"))?;
    wal(&scratch, &corpus.join("wal_replay"))?;
    std::fs::create_dir_all(corpus.join("redo_replay"))?;
    redo(&scratch, &corpus.join("redo_replay"))?;
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}
