//! Shared fixtures for the analytics tests.
#![allow(dead_code)]

use rust_decimal::Decimal;
use tradestore::{NewTrade, PortfolioSnapshot, Result, Side, Store};

/// 2024-01-01T00:00:00Z in ns.
pub const DAY0: i64 = 1_704_067_200_000_000_000;
pub const HOUR: i64 = 3_600_000_000_000;
pub const DAY: i64 = 24 * HOUR;

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Saves a fill of `qty` at `price` with `fee`, at `ts`, on BTC-EUR / grid.
pub fn fill(store: &Store, side: Side, qty: &str, price: &str, fee: &str, ts: i64) -> Result<tradestore::Trade> {
    store.save_trade(
        NewTrade::new("BTC-EUR", side, d(qty), d(price))
            .fee(d(fee))
            .strategy("grid")
            .ts(ts),
    )
}

/// Saves a portfolio snapshot of `value` at `ts`.
pub fn snap(store: &Store, ts: i64, value: &str) -> Result<()> {
    store.save_portfolio_snapshot(&PortfolioSnapshot {
        ts,
        total_value: d(value),
        positions: vec![],
        balances: vec![],
        snapshot_type: "periodic".into(),
        session_id: "test".into(),
    })
}

/// Asserts two floats agree to 1e-12 relative.
pub fn close(got: Option<f64>, want: f64) {
    let g = got.expect("metric is null");
    assert!((g - want).abs() <= 1e-12 * want.abs().max(1.0), "got {g}, want {want}");
}
