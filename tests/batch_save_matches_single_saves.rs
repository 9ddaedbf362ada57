//! A batch opens the trade tables once and inserts every fill through them. Saving fills in
//! batches must leave exactly what saving them one by one leaves: the same ids, realized P&L and
//! positions, including several fills of one position in a batch, and a rejected batch must
//! change nothing (no id used up, no position moved).

use rust_decimal::Decimal;
use tradestore::{Error, NewTrade, Side, Store};

fn fills() -> Vec<NewTrade> {
    let d = |v: i64, s: u32| Decimal::new(v, s);
    let f = |i: i64, sym: &str, side: Side, qty: Decimal, price: Decimal| {
        NewTrade::new(sym, side, qty, price)
            .fee(d(25, 2))
            .ts(1_700_000_000_000_000_000 + i)
            .strategy(if i % 2 == 0 { "grid" } else { "dca" })
            .venue("kraken")
            .order_id(format!("O-{i}"))
    };
    vec![
        f(0, "BTC-EUR", Side::Buy, d(2, 0), d(100, 0)),
        f(1, "ETH-EUR", Side::Buy, d(5, 0), d(10, 0)),
        f(2, "BTC-EUR", Side::Buy, d(1, 0), d(130, 0)),
        f(3, "ETH-EUR", Side::Sell, d(2, 0), d(12, 0)),
        f(4, "BTC-EUR", Side::Sell, d(4, 0), d(150, 0)),
        f(5, "ETH-EUR", Side::Sell, d(4, 0), d(9, 0)),
        f(6, "BTC-EUR", Side::Buy, d(15, 1), d(140, 0)),
    ]
}

#[test]
fn batch_save_matches_single_saves() -> Result<(), Box<dyn std::error::Error>> {
    let one = tempfile::tempdir()?;
    let many = tempfile::tempdir()?;
    let single = Store::open(one.path())?;
    let batch = Store::open(many.path())?;

    let mut saved_single = Vec::new();
    for f in fills() {
        saved_single.push(single.save_trade(f)?);
    }
    let all = fills();
    let (first, rest) = all.split_at(2);
    let mut saved_batch = batch.save_trades(first)?;
    saved_batch.extend(batch.save_trades(rest)?);

    assert_eq!(saved_single, saved_batch);
    assert_eq!(single.positions()?, batch.positions()?);

    // A batch with a duplicate is refused whole: no id is used up, no position moves.
    let dup = fills()[0].clone();
    let fresh = NewTrade::new("BTC-EUR", Side::Buy, Decimal::ONE, Decimal::ONE_HUNDRED)
        .venue("kraken")
        .order_id("O-new");
    let before = batch.positions()?;
    assert!(matches!(
        batch.save_trades(&[fresh.clone(), dup]),
        Err(Error::Conflict { .. })
    ));
    assert_eq!(batch.positions()?, before);
    let next = batch.save_trade(fresh)?;
    assert_eq!(next.id, saved_batch.len() as u64 + 1);
    Ok(())
}
