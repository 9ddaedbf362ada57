//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rust_decimal::Decimal;
use tradestore::{NewTrade, Side};

/// 2024-01-01T00:00:00Z in ns.
pub const T0: i64 = 1_704_067_200_000_000_000;
/// One second in ns.
pub const SEC: i64 = 1_000_000_000;

pub fn d(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

pub fn fill(symbol: &str, side: Side, qty: &str, price: &str) -> NewTrade {
    NewTrade::new(symbol, side, d(qty), d(price)).ts(T0)
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub mod hk;
