//! `save_trades` is all or none: one bad fill in a batch stores nothing of it.

mod common;

use common::fill;
use tradestore::{Error, Side, Store};

#[test]
fn batch_with_a_duplicate_stores_nothing() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id("dup"))?;
    let batch = vec![
        fill("BTC-EUR", Side::Buy, "1", "101").venue("v").order_id("n1"),
        fill("ETH-EUR", Side::Buy, "1", "102").venue("v").order_id("n2"),
        fill("BTC-EUR", Side::Sell, "1", "103").venue("v").order_id("dup"),
    ];
    assert!(matches!(store.save_trades(&batch), Err(Error::Conflict { .. })));
    assert_eq!(store.trade_history(&Default::default())?.trades.len(), 1);
    assert_eq!(store.positions()?.len(), 1);
    // Ids are not consumed by the failed batch.
    let next = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100"))?;
    assert_eq!(next.id, 2);
    Ok(())
}

#[test]
fn batch_with_an_invalid_fill_names_its_index() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let mut bad = fill("BTC-EUR", Side::Buy, "1", "100");
    bad.qty = rust_decimal::Decimal::ZERO;
    let batch = vec![fill("BTC-EUR", Side::Buy, "1", "100"), bad];
    match store.save_trades(&batch) {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "trades[1].qty"),
        other => panic!("{other:?}"),
    }
    assert!(store.trade_history(&Default::default())?.trades.is_empty());
    let saved = store.save_trades(&batch[..1])?;
    assert_eq!(saved.len(), 1);
    Ok(())
}
