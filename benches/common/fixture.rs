//! Deterministic fills shaped like a bot's real ones: 8 symbols, 4 strategies, 3 venues,
//! unique (venue, order id), small JSON metadata, one fill per second.
//!
//! Every engine in the benches stores exactly these rows, so their figures compare like with like.

#![allow(dead_code)]

use rust_decimal::Decimal;
use tradestore::{NewTrade, Side};

/// Symbols the fills cycle through; fill `i` has symbol `SYMBOLS[i % 8]`.
pub const SYMBOLS: [&str; 8] = [
    "BTC-EUR", "ETH-EUR", "SOL-EUR", "XRP-EUR", "ADA-EUR", "DOT-EUR", "LINK-EUR", "AVAX-EUR",
];
/// Strategies the fills cycle through.
pub const STRATEGIES: [&str; 4] = ["grid", "momentum", "mean-revert", "dca"];
/// Venues the fills cycle through.
pub const VENUES: [&str; 3] = ["kraken", "binance", "coinbase"];
/// Time of fill 0 (2023-11-14T22:13:20Z), ns since the epoch.
pub const T0: i64 = 1_700_000_000_000_000_000;
/// Time between consecutive fills.
pub const STEP_NS: i64 = 1_000_000_000;
/// Metadata every fill carries, as a bot would attach it.
pub const META: &str = r#"{"signal":0.4213,"reason":"grid level 7","client_order":"c-81f2"}"#;

/// Fill number `i`. Equal `i` give equal fills (and equal order ids: a duplicate).
pub fn fill(i: u64) -> NewTrade {
    let n = i as i64;
    let side = if (i / 3).is_multiple_of(2) {
        Side::Buy
    } else {
        Side::Sell
    };
    NewTrade::new(
        SYMBOLS[(i % 8) as usize],
        side,
        Decimal::new(1 + (n * 7919) % 5000, 4),
        Decimal::new(2_000_000 + (n * 104_729) % 400_000, 2),
    )
    .fee(Decimal::new(1 + (n * 31) % 900, 4))
    .fee_currency("EUR")
    .ts(T0 + n * STEP_NS)
    .strategy(STRATEGIES[((i / 8) % 4) as usize])
    .venue(VENUES[(i % 3) as usize])
    .order_id(format!("OID-{i:012}"))
    .meta(META)
}

/// Fills `from..from + n`.
pub fn fills(from: u64, n: u64) -> Vec<NewTrade> {
    (from..from + n).map(fill).collect()
}

/// How many of the fills `0..n` have symbol `SYMBOLS[s]`.
pub fn per_symbol(n: u64, s: usize) -> u64 {
    n / 8 + u64::from((n % 8) as usize > s)
}

/// A bot's state document of about 3 KiB: open orders, balances, grid levels, parameters.
pub fn bot_state(version: u64) -> String {
    let orders: Vec<String> = (0..12)
        .map(|k| {
            format!(
                r#"{{"id":"OID-{version:08}-{k:02}","symbol":"{}","side":"{}","qty":"0.{k}25","price":"{}.50","status":"open"}}"#,
                SYMBOLS[k % 8],
                if k % 2 == 0 { "buy" } else { "sell" },
                20_000 + k * 37
            )
        })
        .collect();
    let levels: Vec<String> = (0..40).map(|k| format!("\"{}.{k:02}\"", 19_000 + k * 50)).collect();
    format!(
        r#"{{"version":{version},"mode":"live","open_orders":[{}],"balances":{{"EUR":"10432.17","BTC":"0.4172","ETH":"3.51"}},"grid_levels":[{}],"params":{{"spread":"0.0025","max_position":"1.5","cooldown_s":30}},"last_signal":{{"ts":"2024-05-01T12:00:00Z","value":0.4213}}}}"#,
        orders.join(","),
        levels.join(",")
    )
}
