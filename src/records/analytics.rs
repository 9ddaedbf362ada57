use rkyv::{Archive, Deserialize, Serialize};

use crate::analytics::ExactSum;
use crate::envelope::Record;

/// Running trade-level aggregate of a set of fills (all fills, one strategy, one symbol or one
/// model). Kept up to date inside the commit of every fill; merging two aggregates is exact.
///
/// A *closing fill* is a fill whose `realized_pnl` is not zero (see `docs/analytics.md`).
#[derive(
    Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq, Default,
)]
pub struct TradeStats {
    /// Every fill counted.
    pub fills: u64,
    /// Closing fills (realized P&L ≠ 0).
    pub closing: u64,
    /// Closing fills with realized P&L > 0.
    pub wins: u64,
    /// Closing fills with realized P&L < 0.
    pub losses: u64,
    /// Σ realized P&L of the winning fills.
    pub gross_profit: ExactSum,
    /// Σ realized P&L of the losing fills (≤ 0).
    pub gross_loss: ExactSum,
    /// Σ fees of every fill.
    pub fees: ExactSum,
    /// Time of the earliest fill counted (ns), if any.
    pub first_ts: Option<i64>,
    /// Time of the latest fill counted (ns), if any.
    pub last_ts: Option<i64>,
}

impl Record for TradeStats {
    const KIND: u8 = 40;
    const NAME: &'static str = "TradeStats";
}
