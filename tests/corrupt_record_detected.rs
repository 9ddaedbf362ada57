//! A flipped byte anywhere in a stored trade must make reading it fail with
//! `Error::Corruption` naming table and key: never a wrong value, never a panic.

mod common;

use redb::ReadableDatabase;
use tradestore::envelope::RecBytes;
use tradestore::{Error, Side, Store, TradeOrder, TradeQuery, tables};

#[test]
fn every_flipped_byte_of_a_trade_is_refused() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let id = {
        let store = Store::builder().cache_bytes(0).open(dir.path())?;
        store
            .save_trade(
                common::fill("BTC-EUR", Side::Buy, "1.5", "42000.5")
                    .order_id("X")
                    .meta("[1,2]"),
            )?
            .id
    };
    let file = dir.path().join("tradestore.redb");
    let key = ("BTC-EUR", common::T0, id);
    let original: Vec<u8> = {
        let db = redb::Database::open(&file)?;
        let r = db.begin_read()?;
        let t = r.open_table(tables::TRADES)?;
        t.get(key)?.expect("row").value().bytes().to_vec()
    };
    for pos in 0..original.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bad = original.clone();
            bad[pos] ^= mask;
            {
                let db = redb::Database::open(&file)?;
                let w = db.begin_write()?;
                w.open_table(tables::TRADES)?.insert(key, RecBytes::new(&bad))?;
                w.commit()?;
            }
            let store = Store::builder().cache_bytes(0).open(dir.path())?;
            match store.get_trade(id) {
                Err(Error::Corruption { table, key, .. }) => {
                    assert_eq!(table, "trades");
                    assert_eq!(key, id.to_string());
                }
                other => panic!("flip at byte {pos} mask {mask:#x} gave {other:?}"),
            }
        }
    }
    // Restore the good bytes: the record reads again.
    {
        let db = redb::Database::open(&file)?;
        let w = db.begin_write()?;
        w.open_table(tables::TRADES)?.insert(key, RecBytes::new(&original))?;
        w.commit()?;
    }
    assert_eq!(Store::open(dir.path())?.get_trade(id)?.qty, common::d("1.5"));
    Ok(())
}

#[test]
fn truncated_and_empty_records_are_refused() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let id = Store::open(dir.path())?
        .save_trade(common::fill("ETH-EUR", Side::Sell, "2", "3000"))?
        .id;
    let file = dir.path().join("tradestore.redb");
    let key = ("ETH-EUR", common::T0, id);
    let original: Vec<u8> = {
        let db = redb::Database::open(&file)?;
        let r = db.begin_read()?;
        r.open_table(tables::TRADES)?
            .get(key)?
            .expect("row")
            .value()
            .bytes()
            .to_vec()
    };
    for len in [0, 1, 39, 40, original.len() - 1] {
        {
            let db = redb::Database::open(&file)?;
            let w = db.begin_write()?;
            w.open_table(tables::TRADES)?
                .insert(key, RecBytes::new(&original[..len]))?;
            w.commit()?;
        }
        let store = Store::builder().cache_bytes(0).open(dir.path())?;
        assert!(
            matches!(store.get_trade(id), Err(Error::Corruption { .. })),
            "length {len} accepted"
        );
        let page = store.trade_history(&Default::default());
        assert!(
            matches!(page, Err(Error::Corruption { .. })),
            "history served a truncated record"
        );
    }
    Ok(())
}

/// A symbol scan checks its records a batch at a time: a flipped byte in a record in the middle
/// of a batch still stops the scan at that record, after every record before it and none after;
/// a history page of the symbol, read the same way in either order, is refused.
#[test]
fn a_symbol_scan_stops_at_a_flipped_record_and_serves_none_after_it() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let ids: Vec<u64> = {
        let store = Store::builder().cache_bytes(0).open(dir.path())?;
        let fills: Vec<_> = (0..40i64)
            .map(|i| {
                common::fill("BTC-EUR", Side::Buy, "0.1", "42000")
                    .ts(common::T0 + i * common::SEC)
                    .order_id(format!("S-{i}"))
            })
            .collect();
        store.save_trades(&fills)?.iter().map(|t| t.id).collect()
    };
    // The 20th record: the fourth of the scan's second batch of 16.
    let victim = 19;
    let file = dir.path().join("tradestore.redb");
    let key = ("BTC-EUR", common::T0 + victim as i64 * common::SEC, ids[victim]);
    let original: Vec<u8> = {
        let db = redb::Database::open(&file)?;
        let r = db.begin_read()?;
        let t = r.open_table(tables::TRADES)?;
        t.get(key)?.expect("row").value().bytes().to_vec()
    };
    let mut bad_records: Vec<Vec<u8>> = Vec::new();
    for pos in 0..original.len() {
        for mask in [0x01u8, 0x80] {
            let mut bad = original.clone();
            bad[pos] ^= mask;
            bad_records.push(bad);
        }
    }
    for len in [0, 1, 39, 40, original.len() - 1] {
        bad_records.push(original[..len].to_vec());
    }
    for bad in &bad_records {
        {
            let db = redb::Database::open(&file)?;
            let w = db.begin_write()?;
            w.open_table(tables::TRADES)?.insert(key, RecBytes::new(bad))?;
            w.commit()?;
        }
        let store = Store::builder().cache_bytes(0).open(dir.path())?;
        let mut served = Vec::new();
        let result = store.scan_symbol("BTC-EUR", None, None, |t| {
            served.push(t.id.to_native());
            std::ops::ControlFlow::Continue(())
        });
        match result {
            Err(Error::Corruption { table, key, .. }) => {
                assert_eq!(table, "trades");
                assert_eq!(key, ids[victim].to_string());
            }
            other => panic!("a damaged record of {} bytes gave {other:?}", bad.len()),
        }
        assert_eq!(served, ids[..victim], "records served around a damaged one");
        for order in [TradeOrder::Asc, TradeOrder::Desc] {
            let page = store.trade_history(&TradeQuery {
                symbol: Some("BTC-EUR".into()),
                order,
                ..Default::default()
            });
            assert!(
                matches!(page, Err(Error::Corruption { .. })),
                "a history page ({order:?}) served a damaged record of {} bytes",
                bad.len()
            );
        }
    }
    Ok(())
}
