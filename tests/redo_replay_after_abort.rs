//! A process that saved fills, put documents and saved bot states, then died before the store file was synced:
//! the reopened store replays the operation log and holds every acknowledged trade exactly as
//! it was returned (same id, time, realized P&L), an import without the fill it skipped, the same positions, none of the saves that
//! were refused (a duplicate order), every acknowledged document version with the metadata it
//! was returned with, the last state version, and keeps the file 0600 for the document naming a secret. The log is then
//! started over, and a second reopen changes nothing. A save refused because a stored row is
//! damaged does not stop the reopen: its refusal is recorded with the group, never decided again
//! by the replay.

mod common;

use std::process::Command;
use std::time::Duration;

use common::fill;
use tradestore::{Error, Side, Store, Trade};

const CHILD_DIR: &str = "TRADESTORE_REDO_CHILD_DIR";
const DAMAGED_DIR: &str = "TRADESTORE_REDO_DAMAGED_DIR";

/// Saves fills, prints each acknowledged trade, then aborts: no destructor, no flush, no sync
/// of the store file. Does nothing in a normal test run.
#[test]
fn child_saves_then_aborts() -> common::TestResult {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return Ok(());
    };
    // No flush timer during the run: only the operation log makes the saves durable.
    let store = Store::builder().flush_interval(Duration::from_secs(3600)).open(&dir)?;
    let mut out = Vec::new();
    let mut docs_out = Vec::new();
    for i in 0..120u32 {
        let side = if i % 3 == 2 { Side::Sell } else { Side::Buy };
        let symbol = ["BTC-EUR", "ETH-EUR"][i as usize % 2];
        let t = fill(symbol, side, "0.5", &format!("{}", 100 + i))
            .order_id(format!("o{i}"))
            .fee(common::d("0.01"));
        out.push(store.save_trade(t)?);
        if i == 40 {
            // Refused (a duplicate order): must stay refused after the replay.
            let again = fill("BTC-EUR", Side::Buy, "7", "1").order_id("o0");
            assert!(matches!(store.save_trade(again), Err(Error::Conflict { .. })));
        }
        if i % 10 == 0 {
            let docs = store.collection("orders")?;
            let meta = docs.put(&format!("k{}", i % 30), &serde_json::json!({"n": i, "px": "1.25"}))?;
            docs_out.push(serde_json::to_value(&meta)?);
        }
        if i == 80 {
            out.extend(store.save_trades(&[
                fill("SOL-EUR", Side::Buy, "3", "20").order_id("b1"),
                fill("SOL-EUR", Side::Sell, "1", "25").order_id("b2"),
            ])?);
        }
    }
    // An import skips the re-sent fill and stores the two new ones, as trades 123 and 124.
    let report = store.import_trades(&[
        fill("ETH-EUR", Side::Buy, "2", "150").order_id("i1"),
        fill("BTC-EUR", Side::Buy, "7", "1").order_id("o1"),
        fill("ETH-EUR", Side::Sell, "1", "160").order_id("i2"),
    ])?;
    assert_eq!((report.imported, report.skipped_duplicates), (2, 1));
    out.extend([store.get_trade(123)?, store.get_trade(124)?]);
    assert_eq!(out[122].order_id.as_deref(), Some("i1"));
    for v in 1..=5u64 {
        assert_eq!(store.save_state(&format!(r#"{{"tick":{v}}}"#), Some("tick"))?, v);
    }
    let secret = store
        .collection("venues")?
        .put("kraken", &serde_json::json!({"api_key": "k-123"}))?;
    docs_out.push(serde_json::to_value(&secret)?);
    // The test harness has started a line ("test child_saves_then_aborts ... ").
    println!();
    for t in &out {
        println!("ack {}", serde_json::to_string(t)?);
    }
    for d in &docs_out {
        println!("doc {d}");
    }
    std::process::abort();
}

#[test]
fn acknowledged_saves_come_back_from_the_operation_log() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let status = Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "child_saves_then_aborts",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_DIR, dir.path())
        .output()?;
    assert!(!status.status.success(), "the child must die by abort");
    let acked: Vec<Trade> = String::from_utf8(status.stdout.clone())?
        .lines()
        .filter_map(|l| l.strip_prefix("ack "))
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(acked.len(), 124);
    let docs: Vec<serde_json::Value> = String::from_utf8(status.stdout.clone())?
        .lines()
        .filter_map(|l| l.strip_prefix("doc "))
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(docs.len(), 13);
    let log = dir.path().join(tradestore::redo::REDO_FILE);
    assert!(
        std::fs::metadata(&log)?.len() > 4096,
        "the saves are in the operation log"
    );

    let store = Store::open(dir.path())?;
    for t in &acked {
        assert_eq!(&store.get_trade(t.id)?, t, "trade {} as acknowledged", t.id);
    }
    let ids: Vec<u64> = acked.iter().map(|t| t.id).collect();
    assert_eq!(
        ids,
        (1..=124).collect::<Vec<_>>(),
        "no refused save was replayed into an id"
    );
    for d in &docs {
        let (c, k) = (
            d["collection"].as_str().ok_or("collection")?,
            d["key"].as_str().ok_or("key")?,
        );
        let stored = store
            .collection(c)?
            .get_version(k, d["version"].as_u64().ok_or("version")?)?;
        assert_eq!(
            &serde_json::to_value(&stored.meta)?,
            d,
            "document {c}/{k} as acknowledged"
        );
    }
    assert_eq!(store.collection("orders")?.get("k0")?.json["n"], 90);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir.path().join("tradestore.redb"))?.permissions());
    assert_eq!(mode & 0o777, 0o600, "a replayed secret keeps the store file private");
    let state = store.load_state()?.ok_or("no state after the replay")?;
    assert_eq!(
        (state.version, state.json.as_str(), state.label.as_deref()),
        (5, r#"{"tick":5}"#, Some("tick"))
    );
    let positions = store.positions()?;
    assert_eq!(positions.len(), 3);
    let next = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "1").order_id("after"))?;
    assert_eq!(next.id, 125);
    drop(store);

    // The replay is durable in the store file and the log started over: a second open finds
    // exactly the same store.
    assert_eq!(std::fs::metadata(&log)?.len(), 4096, "a clean close empties the log");
    let store = Store::open(dir.path())?;
    assert_eq!(store.positions()?, positions_after(&positions, &next)?);
    assert_eq!(store.get_trade(125)?, next);
    assert!(matches!(store.get_trade(126), Err(Error::NotFound(_))));
    Ok(())
}

/// `before` with `t` (a buy of 1 BTC-EUR at 1, default strategy) applied.
fn positions_after(before: &[tradestore::Position], t: &Trade) -> tradestore::Result<Vec<tradestore::Position>> {
    before
        .iter()
        .map(|p| {
            if p.symbol == t.symbol && p.strategy == t.strategy {
                tradestore::trades::apply_fill(p, t.side, t.qty, t.price, t.fee, t.ts).map(|(p, _)| p)
            } else {
                Ok(p.clone())
            }
        })
        .collect()
}

/// Saves around a fill whose position row is damaged, then aborts. Does nothing in a normal
/// test run.
#[test]
fn child_meets_a_damaged_row_then_aborts() -> common::TestResult {
    let Ok(dir) = std::env::var(DAMAGED_DIR) else {
        return Ok(());
    };
    let store = Store::builder().flush_interval(Duration::from_secs(3600)).open(&dir)?;
    let first = store.save_trade(fill("ETH-EUR", Side::Buy, "1", "2000").order_id("e1"))?;
    let refused = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "40000").order_id("b2"));
    assert!(matches!(refused, Err(Error::Corruption { .. })), "{refused:?}");
    let second = store.save_trade(fill("ETH-EUR", Side::Sell, "1", "2100").order_id("e2"))?;
    println!();
    println!("ack {}", serde_json::to_string(&first)?);
    println!("ack {}", serde_json::to_string(&second)?);
    std::process::abort();
}

#[test]
fn a_save_refused_by_a_damaged_row_does_not_stop_the_reopen() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let btc = Store::open(dir.path())?.save_trade(fill("BTC-EUR", Side::Buy, "1", "39000").order_id("b1"))?;
    {
        let db = redb::Database::open(dir.path().join("tradestore.redb"))?;
        let w = db.begin_write()?;
        let key = ("BTC-EUR", tradestore::trades::DEFAULT_STRATEGY);
        w.open_table(tradestore::tables::POSITIONS)?
            .insert(key, tradestore::envelope::RecBytes::new(b"not a position"))?;
        w.commit()?;
    }
    let out = Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "child_meets_a_damaged_row_then_aborts",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(DAMAGED_DIR, dir.path())
        .output()?;
    assert!(!out.status.success(), "the child must die by abort");
    let acked: Vec<Trade> = String::from_utf8(out.stdout)?
        .lines()
        .filter_map(|l| l.strip_prefix("ack "))
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(acked.len(), 2, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(dir.path())?;
    assert_eq!(store.get_trade(btc.id)?, btc);
    for t in &acked {
        assert_eq!(&store.get_trade(t.id)?, t);
    }
    assert!(matches!(store.get_trade(acked[1].id + 1), Err(Error::NotFound(_))));
    Ok(())
}
