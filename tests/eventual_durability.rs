//! `Durability::Eventual` commits are visible at once and made durable by the flush timer,
//! `flush()` or closing the store; shared stores refuse the mode.

mod common;

use common::fill;
use tradestore::{Concurrency, Durability, Error, Side, Store};

#[test]
fn eventual_writes_survive_a_clean_close() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    {
        let store = Store::builder().durability(Durability::Eventual).open(dir.path())?;
        for i in 0..100 {
            store.save_trade(fill("BTC-EUR", Side::Buy, "1", "1").order_id(i.to_string()))?;
        }
        assert_eq!(store.trade_history(&Default::default())?.trades.len(), 100);
        store.flush()?;
        store.save_state("{}", None)?;
    }
    let store = Store::open(dir.path())?;
    assert_eq!(store.trade_history(&Default::default())?.trades.len(), 100);
    assert!(store.load_state()?.is_some());
    Ok(())
}

#[test]
fn shared_stores_refuse_eventual_durability() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = Store::builder()
        .concurrency(Concurrency::Shared)
        .durability(Durability::Eventual)
        .open(dir.path());
    assert!(matches!(r, Err(Error::Validation { .. })));
}
