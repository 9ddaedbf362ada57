//! Two processes append to one store at the same time (shared concurrency): every trade of
//! both is present afterwards. An exclusive store refuses a second opener with `Locked`, shared or
//! not; shared openers starting together do not refuse each other over logs with nothing to
//! replay.

mod common;

use std::process::Command;

use common::fill;
use tradestore::{Concurrency, Error, Side, Store};

const CHILD_ENV: &str = "TRADESTORE_TEST_CHILD_DIR";
const PER_CHILD: u64 = 300;

/// The body each child process runs; does nothing in a normal test run.
#[test]
fn child_writer() -> common::TestResult {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return Ok(());
    };
    let tag = std::env::var("TRADESTORE_TEST_CHILD_TAG")?;
    let store = Store::builder().concurrency(Concurrency::Shared).open(&dir)?;
    for i in 0..PER_CHILD {
        store.save_trade(
            fill("BTC-EUR", Side::Buy, "1", "100")
                .venue(tag.clone())
                .order_id(i.to_string()),
        )?;
        if i % 50 == 0 {
            store.save_state(&format!("{{\"{tag}\":{i}}}"), None)?;
        }
    }
    Ok(())
}

#[test]
fn two_processes_append_concurrently() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    // This process holds the store open too, reading while the children write.
    let store = Store::builder().concurrency(Concurrency::Shared).open(dir.path())?;
    let exe = std::env::current_exe()?;
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|tag| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
                .env(CHILD_ENV, dir.path())
                .env("TRADESTORE_TEST_CHILD_TAG", tag)
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    for mut c in children {
        assert!(c.wait()?.success(), "a writer process failed");
    }
    let page = store.trade_history(&tradestore::TradeQuery {
        limit: 10_000,
        ..Default::default()
    })?;
    assert_eq!(page.trades.len() as u64, 2 * PER_CHILD);
    for tag in ["a", "b"] {
        let mine: Vec<_> = page.trades.iter().filter(|t| t.venue == tag).collect();
        assert_eq!(mine.len() as u64, PER_CHILD, "trades of process {tag}");
    }
    let mut ids: Vec<u64> = page.trades.iter().map(|t| t.id).collect();
    ids.dedup();
    assert_eq!(ids.len() as u64, 2 * PER_CHILD, "ids must be unique across processes");
    assert_eq!(store.state_history()?.len(), 12);
    assert_eq!(store.positions()?[0].qty, common::d("600"));
    Ok(())
}

#[test]
fn exclusive_store_refuses_a_second_opener() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let _first = Store::open(dir.path())?;
    match Store::open(dir.path()) {
        Err(Error::Locked(msg)) => assert!(msg.contains("shared"), "{msg}"),
        other => panic!("expected Locked, got {other:?}"),
    }
    Ok(())
}

#[test]
fn a_shared_opener_is_refused_while_an_exclusive_store_is_open() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let first = Store::open(dir.path())?;
    // Nothing written yet: the logs hold their headers alone, so only the store file's own
    // lock stands between the two.
    let shared = Store::builder()
        .concurrency(tradestore::Concurrency::Shared)
        .open(dir.path());
    assert!(matches!(shared, Err(Error::Locked(_))), "{shared:?}");
    first.save_trade(common::fill("BTC-EUR", tradestore::Side::Buy, "1", "1"))?;
    let shared = Store::builder()
        .concurrency(tradestore::Concurrency::Shared)
        .open(dir.path());
    assert!(matches!(shared, Err(Error::Locked(_))), "{shared:?}");
    Ok(())
}

#[test]
fn shared_openers_do_not_refuse_each_other_over_empty_logs() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    drop(Store::open(dir.path())?);
    // Another opener in the middle of its recovery holds the logs' locks.
    let held: Vec<std::fs::File> = ["tradestore.wal", "tradestore.redo"]
        .iter()
        .map(|f| -> std::io::Result<std::fs::File> {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(dir.path().join(f))?;
            file.try_lock().map_err(std::io::Error::other)?;
            Ok(file)
        })
        .collect::<Result<_, _>>()?;
    let store = Store::builder()
        .concurrency(tradestore::Concurrency::Shared)
        .open(dir.path())?;
    store.save_trade(common::fill("ETH-EUR", tradestore::Side::Buy, "1", "1"))?;
    drop(held);
    Ok(())
}
