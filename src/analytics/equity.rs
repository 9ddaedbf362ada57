//! Portfolio value history and the daily equity curve built from it.

use rust_decimal::Decimal;

use crate::records::archived_decimal;
use crate::timefmt::NANOS_PER_DAY;
use crate::{Result, Store};

/// One point of a value series: a time and the portfolio's total value then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ValuePoint {
    /// ns since the Unix epoch, UTC.
    pub ts: i64,
    /// Total value in the quote currency.
    pub total_value: Decimal,
}

impl Store {
    /// The portfolio's total value at every snapshot with `since <= ts < until`, oldest first
    /// (snapshots at the same instant in the order they were saved). Reads each snapshot in
    /// place, without decoding its holdings.
    ///
    /// # Examples
    /// ```
    /// # use rust_decimal::Decimal;
    /// # use tradestore::{PortfolioSnapshot, Store};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(dir.path())?;
    /// let day = 86_400_000_000_000_i64;
    /// for (i, v) in [100, 110, 99].into_iter().enumerate() {
    ///     store.save_portfolio_snapshot(&PortfolioSnapshot {
    ///         ts: 19_700 * day + i as i64 * day, total_value: Decimal::from(v), positions: vec![],
    ///         balances: vec![], snapshot_type: "daily".into(), session_id: "s".into(),
    ///     })?;
    /// }
    /// let h = store.portfolio_value_history(Some(19_701 * day), None)?;
    /// assert_eq!(h.iter().map(|p| p.total_value).collect::<Vec<_>>(), [Decimal::from(110), Decimal::from(99)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Corruption`] for a snapshot that fails its checks.
    pub fn portfolio_value_history(&self, since: Option<i64>, until: Option<i64>) -> Result<Vec<ValuePoint>> {
        let mut out = Vec::new();
        self.scan_portfolio(since, until, |rec, key| {
            let snap = rec.open("portfolio", key)?;
            out.push(ValuePoint {
                ts: snap.ts.to_native(),
                total_value: archived_decimal(&snap.total_value),
            });
            Ok(())
        })?;
        Ok(out)
    }
}

/// The equity curve: the last point of each UTC day that has one, in time order. Days without
/// a point are absent (not filled). `points` must be in time order.
///
/// # Examples
/// ```
/// use rust_decimal::Decimal;
/// use tradestore::analytics::{ValuePoint, daily_curve};
/// let h = 3_600_000_000_000_i64; // one hour in ns
/// let p = |ts, v| ValuePoint { ts, total_value: Decimal::from(v) };
/// let curve = daily_curve(&[p(h, 100), p(23 * h, 105), p(25 * h, 90)]);
/// assert_eq!(curve, vec![p(23 * h, 105), p(25 * h, 90)]);
/// ```
pub fn daily_curve(points: &[ValuePoint]) -> Vec<ValuePoint> {
    let mut out: Vec<ValuePoint> = Vec::new();
    for p in points {
        match out.last_mut() {
            Some(last) if last.ts.div_euclid(NANOS_PER_DAY) == p.ts.div_euclid(NANOS_PER_DAY) => *last = *p,
            _ => out.push(*p),
        }
    }
    out
}
