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

// Market helpers.

use tradestore::market::{Candle, Timeframe};

/// 2024-01-01T00:00:00Z in ns.
pub const JAN_2024: i64 = 1_704_067_200_000_000_000;
/// One minute in ns.
pub const MINUTE: i64 = 60_000_000_000;
/// One hour in ns.
pub const HOUR: i64 = 60 * MINUTE;
/// One day in ns.
pub const DAY: i64 = 24 * HOUR;

/// `n` valid candles `step` apart from `start`, closes `base + i`.
pub fn candles(start: i64, step: i64, n: usize, base: f64) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            let close = base + i as f64;
            Candle {
                ts: start + i as i64 * step,
                open: close - 0.5,
                high: close + 1.0,
                low: close - 1.0,
                close,
                volume: (i % 10) as f64,
            }
        })
        .collect()
}

/// Parses a timeframe.
pub fn tf(s: &str) -> Timeframe {
    s.parse().unwrap()
}
