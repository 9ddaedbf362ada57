//! Trade-level statistics: accumulating fills into a [`TradeStats`] and deriving the metrics.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

pub use crate::records::TradeStats;
use crate::{Error, Result};

/// Trade-level metrics of a set of fills. Money is exact; ratios are `f64`. `None` (JSON `null`)
/// where the metric is undefined (see `docs/analytics.md`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TradeMetrics {
    /// Every fill in the set.
    pub fills: u64,
    /// Closing fills (realized P&L ≠ 0): the `trades` of the report.
    pub trades: u64,
    /// Closing fills with P&L > 0.
    pub wins: u64,
    /// Closing fills with P&L < 0.
    pub losses: u64,
    /// Σ realized P&L (fees included).
    pub realized_pnl: Decimal,
    /// Σ fees of every fill.
    pub fees: Decimal,
    /// Σ P&L of the wins.
    pub gross_profit: Decimal,
    /// Σ P&L of the losses (≤ 0).
    pub gross_loss: Decimal,
    /// wins / trades.
    pub win_rate: Option<f64>,
    /// gross_profit / wins.
    pub avg_win: Option<Decimal>,
    /// gross_loss / losses (negative).
    pub avg_loss: Option<Decimal>,
    /// gross_profit / |gross_loss|.
    pub profit_factor: Option<f64>,
    /// realized_pnl / trades.
    pub expectancy: Option<Decimal>,
    /// Earliest fill (ns).
    pub first_ts: Option<i64>,
    /// Latest fill (ns).
    pub last_ts: Option<i64>,
}

fn range() -> Error {
    Error::validation("analytics", "a sum exceeds the decimal range")
}

impl TradeStats {
    /// Counts one fill with the P&L it realized, its fee and its time.
    ///
    /// # Errors
    /// [`Error::Validation`] if a running sum would overflow (beyond 10³⁸).
    pub fn add_fill(&mut self, realized_pnl: Decimal, fee: Decimal, ts: i64) -> Result<()> {
        self.fills += 1;
        if realized_pnl > Decimal::ZERO {
            self.closing += 1;
            self.wins += 1;
            self.gross_profit.add(realized_pnl)?;
        } else if realized_pnl < Decimal::ZERO {
            self.closing += 1;
            self.losses += 1;
            self.gross_loss.add(realized_pnl)?;
        }
        self.fees.add(fee)?;
        self.first_ts = Some(self.first_ts.map_or(ts, |f| f.min(ts)));
        self.last_ts = Some(self.last_ts.map_or(ts, |l| l.max(ts)));
        Ok(())
    }

    /// Adds every count and sum of `other` (exactly).
    ///
    /// # Errors
    /// As [`TradeStats::add_fill`].
    pub fn merge(&mut self, other: &TradeStats) -> Result<()> {
        self.fills += other.fills;
        self.closing += other.closing;
        self.wins += other.wins;
        self.losses += other.losses;
        self.gross_profit.merge(&other.gross_profit)?;
        self.gross_loss.merge(&other.gross_loss)?;
        self.fees.merge(&other.fees)?;
        for (mine, theirs, pick) in [
            (&mut self.first_ts, other.first_ts, i64::min as fn(i64, i64) -> i64),
            (&mut self.last_ts, other.last_ts, i64::max),
        ] {
            *mine = match (*mine, theirs) {
                (Some(a), Some(b)) => Some(pick(a, b)),
                (a, b) => a.or(b),
            };
        }
        Ok(())
    }

    /// The derived metrics.
    ///
    /// # Examples
    /// ```
    /// use rust_decimal::Decimal;
    /// use tradestore::analytics::TradeStats;
    /// let mut s = TradeStats::default();
    /// s.add_fill(Decimal::ZERO, Decimal::ONE, 1)?; // opening fill
    /// s.add_fill(Decimal::from(30), Decimal::ONE, 2)?;
    /// s.add_fill(Decimal::from(-10), Decimal::ONE, 3)?;
    /// let m = s.metrics()?;
    /// assert_eq!((m.fills, m.trades, m.realized_pnl), (3, 2, Decimal::from(20)));
    /// assert_eq!(m.profit_factor, Some(3.0));
    /// assert_eq!(m.expectancy, Some(Decimal::from(10)));
    /// # Ok::<(), tradestore::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] if a sum is beyond the decimal range.
    pub fn metrics(&self) -> Result<TradeMetrics> {
        let gross_profit = self.gross_profit.to_decimal().ok_or_else(range)?;
        let gross_loss = self.gross_loss.to_decimal().ok_or_else(range)?;
        let mut pnl = self.gross_profit;
        pnl.merge(&self.gross_loss)?;
        let realized_pnl = pnl.to_decimal().ok_or_else(range)?;
        let fees = self.fees.to_decimal().ok_or_else(range)?;
        let ratio = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
        let per = |sum: Decimal, n: u64| {
            if n == 0 {
                None
            } else {
                sum.checked_div(Decimal::from(n)).map(|q| q.normalize())
            }
        };
        let profit_factor = if self.losses == 0 {
            None
        } else {
            gross_profit.checked_div(gross_loss.abs()).and_then(|q| q.to_f64())
        };
        Ok(TradeMetrics {
            fills: self.fills,
            trades: self.closing,
            wins: self.wins,
            losses: self.losses,
            realized_pnl,
            fees,
            gross_profit,
            gross_loss,
            win_rate: ratio(self.wins, self.closing),
            avg_win: per(gross_profit, self.wins),
            avg_loss: per(gross_loss, self.losses),
            profit_factor,
            expectancy: per(realized_pnl, self.closing),
            first_ts: self.first_ts,
            last_ts: self.last_ts,
        })
    }
}
