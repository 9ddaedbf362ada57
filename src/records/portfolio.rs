use rkyv::{Archive, Deserialize, Serialize};
use rust_decimal::Decimal;

use super::decimal::RkyvDecimal;
use crate::envelope::Record;

/// One holding inside a portfolio snapshot.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// Instrument or asset.
    pub symbol: String,
    /// Quantity held (signed: negative for shorts).
    #[serde(with = "rust_decimal::serde::str")]
    #[rkyv(with = RkyvDecimal)]
    pub qty: Decimal,
    /// Value in the portfolio's quote currency.
    #[serde(with = "rust_decimal::serde::str")]
    #[rkyv(with = RkyvDecimal)]
    pub value: Decimal,
}

/// A point-in-time valuation of the bot's portfolio.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PortfolioSnapshot {
    /// Valuation time, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// Total value in the quote currency.
    #[serde(with = "rust_decimal::serde::str")]
    #[rkyv(with = RkyvDecimal)]
    pub total_value: Decimal,
    /// Open positions.
    pub positions: Vec<Holding>,
    /// Cash balances per asset.
    pub balances: Vec<Holding>,
    /// Kind of snapshot, e.g. `periodic`, `daily`, `manual`.
    pub snapshot_type: String,
    /// Bot session that took it.
    pub session_id: String,
}

impl Record for PortfolioSnapshot {
    const KIND: u8 = 4;
    const NAME: &'static str = "PortfolioSnapshot";
}
