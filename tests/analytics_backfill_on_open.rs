//! A store whose fills are not covered by the running aggregates (written before they existed)
//! gets them rebuilt when it is opened, equal to a recompute, model index included.

use redb::ReadableTableMetadata;
use rust_decimal::Decimal;
use tradestore::analytics::{Filter, GroupBy};
use tradestore::tables::{ANALYTICS_AGGREGATES, TRADES_BY_MODEL};
use tradestore::{NewTrade, Result, Side, Store};

#[test]
fn missing_aggregates_are_rebuilt_on_open() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let mut rng = fastrand::Rng::with_seed(3);
    for i in 0..400 {
        let side = if rng.bool() { Side::Buy } else { Side::Sell };
        let t = NewTrade::new(
            ["A-EUR", "B-EUR"][i % 2],
            side,
            Decimal::new(rng.i64(1..1000), 2),
            Decimal::new(rng.i64(100..200), 0),
        )
        .fee(Decimal::new(rng.i64(0..50), 2))
        .model(["m@1.0.0", "m@1.1.0"][i % 2])
        .ts(1_704_067_200_000_000_000 + i as i64 * 60_000_000_000);
        store.save_trade(t)?;
    }
    let before = store.analytics().stats(&Filter::default())?.0;
    let by_model = store.analytics().breakdown(&Filter::default(), GroupBy::Model)?;
    drop(store);

    // Wipe the aggregates and the model index, as in a store written before they existed.
    {
        let db = redb::Database::open(dir.path().join("tradestore.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        txn.delete_table(ANALYTICS_AGGREGATES).unwrap();
        txn.delete_table(TRADES_BY_MODEL).unwrap();
        txn.open_table(ANALYTICS_AGGREGATES).unwrap();
        assert_eq!(txn.open_table(TRADES_BY_MODEL).unwrap().len().unwrap(), 0);
        txn.commit().unwrap();
    }

    let store = Store::open(dir.path())?;
    let a = store.analytics();
    assert_eq!(a.stats(&Filter::default())?.0, before);
    assert_eq!(a.breakdown(&Filter::default(), GroupBy::Model)?, by_model);
    assert_eq!(a.recompute(&Filter::default().model("m@1.1.0"))?, by_model[1].stats);
    Ok(())
}
