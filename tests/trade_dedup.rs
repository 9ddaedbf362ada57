//! Exchanges re-send fills. A fill whose (venue, order id) is stored already is refused with
//! the existing trade's id, and nothing changes: no trade, no position update.

mod common;

use common::fill;
use tradestore::{Error, Side, Store};

#[test]
fn resent_fill_is_a_conflict_naming_the_existing_trade() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let first = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("kraken").order_id("A1"))?;
    let positions = store.positions()?;
    match store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("kraken").order_id("A1")) {
        Err(Error::Conflict { existing_id, .. }) => assert_eq!(existing_id, Some(first.id)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.positions()?, positions);
    assert_eq!(store.trade_history(&Default::default())?.trades.len(), 1);
    // Same order id on another venue is a different order.
    store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("binance").order_id("A1"))?;
    // Fills without an order id are never duplicates of each other.
    store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100"))?;
    store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100"))?;
    assert_eq!(store.trade_history(&Default::default())?.trades.len(), 4);
    Ok(())
}

#[test]
fn import_skips_duplicates_and_counts_them() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id("1"))?;
    let batch = vec![
        fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id("1"),
        fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id("2"),
        fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id("2"),
    ];
    let report = store.import_trades(&batch)?;
    assert_eq!((report.imported, report.skipped_duplicates), (1, 2));
    Ok(())
}
