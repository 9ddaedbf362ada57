//! `get_trade` with the record cache off sees every acknowledged save at once, although point
//! reads share a read snapshot for a few milliseconds; the shared snapshot does not outlive the
//! store (it reopens at once, and a compaction due at close is not lost).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::fill;
use tradestore::{Error, Side, Store};

#[test]
fn each_save_is_readable_right_after_it_returns() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    for i in 0..200 {
        let saved = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").order_id(format!("o{i}")))?;
        assert_eq!(store.get_trade(saved.id)?, saved);
        // Not yet stored: refused, and the refusal does not hide the next save.
        assert!(matches!(store.get_trade(saved.id + 1), Err(Error::NotFound(_))));
        // Earlier trades are still served.
        assert_eq!(store.get_trade(1)?.id, 1);
    }
    Ok(())
}

#[test]
fn a_reader_thread_sees_what_a_writer_thread_acknowledged() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    let acked = AtomicU64::new(0);
    std::thread::scope(|s| -> common::TestResult {
        let writer = s.spawn(|| -> tradestore::Result<()> {
            for i in 0..300 {
                let t = store.save_trade(fill("ETH-EUR", Side::Sell, "2", "50").order_id(format!("w{i}")))?;
                acked.store(t.id, Ordering::SeqCst);
            }
            Ok(())
        });
        let mut seen = 0;
        while seen < 300 {
            let id = acked.load(Ordering::SeqCst);
            if id > 0 {
                assert_eq!(store.get_trade(id)?.id, id);
            }
            seen = id;
        }
        writer.join().map_err(|_| "writer panicked")??;
        Ok(())
    })?;
    Ok(())
}

#[test]
fn the_store_reopens_right_after_a_read() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    let t = store.save_trade(fill("SOL-EUR", Side::Buy, "3", "20"))?;
    store.request_compaction()?;
    store.get_trade(t.id)?;
    drop(store);
    let store = Store::open(dir.path())?;
    assert_eq!(store.get_trade(t.id)?, t);
    // Run at close, or at this open when a snapshot taken just before the close was still live.
    assert!(!store.compaction_pending()?, "the compaction due at close was lost");
    Ok(())
}
