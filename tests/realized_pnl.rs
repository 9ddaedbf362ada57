//! Realized P&L on save, average cost per (symbol, strategy), fees included: long, short,
//! partial closes and flips through zero, hand-computed.

mod common;

use common::{d, fill};
use tradestore::{Side, Store};

#[test]
fn long_short_partial_and_flip_through_the_store() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let s = |side, q: &str, p: &str, f: &str| fill("BTC-EUR", side, q, p).fee(d(f)).strategy("s1");
    // Long 2 @ 100 + fee 2 => cost 202.
    assert_eq!(store.save_trade(s(Side::Buy, "2", "100", "2"))?.realized_pnl, d("0"));
    // Sell 1 @ 110 fee 1 => 110 - 101 - 1 = 8.
    assert_eq!(store.save_trade(s(Side::Sell, "1", "110", "1"))?.realized_pnl, d("8"));
    // Sell 3 @ 120 fee 3: closes 1 (120 - 101 - 1 = 18), opens short 2 with cost -240 + 2.
    assert_eq!(store.save_trade(s(Side::Sell, "3", "120", "3"))?.realized_pnl, d("18"));
    // Cover 2 @ 100 fee 2 => -200 + 238 - 2 = 36.
    assert_eq!(store.save_trade(s(Side::Buy, "2", "100", "2"))?.realized_pnl, d("36"));
    // A different strategy on the same symbol has its own position.
    assert_eq!(
        store
            .save_trade(fill("BTC-EUR", Side::Sell, "1", "50").strategy("s2"))?
            .realized_pnl,
        d("0")
    );

    let positions = store.positions()?;
    let p1 = positions.iter().find(|p| p.strategy == "s1").expect("s1");
    assert_eq!(
        (p1.qty, p1.cost, p1.realized_pnl, p1.fees, p1.fills),
        (d("0"), d("0"), d("62"), d("8"), 4)
    );
    let p2 = positions.iter().find(|p| p.strategy == "s2").expect("s2");
    assert_eq!((p2.qty, p2.avg_price()), (d("-1"), Some(d("50"))));
    // Trades read back carry the same realized figures.
    let sum: rust_decimal::Decimal = store
        .trade_history(&Default::default())?
        .trades
        .iter()
        .map(|t| t.realized_pnl)
        .sum();
    assert_eq!(sum, d("62"));
    Ok(())
}

#[test]
fn repeating_decimals_stay_consistent_when_flat() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    // 3 @ 1 with fee 0.01 => avg 1.00333..., closing in thirds must leave exactly zero cost.
    store.save_trade(fill("X-EUR", Side::Buy, "3", "1").fee(d("0.01")))?;
    let mut total = rust_decimal::Decimal::ZERO;
    for _ in 0..3 {
        total += store.save_trade(fill("X-EUR", Side::Sell, "1", "1"))?.realized_pnl;
    }
    let p = &store.positions()?[0];
    assert_eq!((p.qty, p.cost), (d("0"), d("0")));
    assert_eq!(total.round_dp(20), d("-0.01"));
    Ok(())
}
