//! Return-based metrics of an equity curve, following empyrical's conventions.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::equity::ValuePoint;
use crate::timefmt::NANOS_PER_SEC;

/// Options of the return metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioOptions {
    /// Periods (daily returns) per year used to annualise. Default = 365 (crypto trades every
    /// day; use 252 for exchange-traded markets).
    pub periods_per_year: f64,
    /// Risk-free rate per period (per day), subtracted from each daily return. Default = 0.
    pub risk_free: f64,
}

impl Default for RatioOptions {
    fn default() -> Self {
        RatioOptions {
            periods_per_year: 365.0,
            risk_free: 0.0,
        }
    }
}

/// Return-based metrics of a daily equity curve. `None` (JSON `null`) where there are too few
/// points or the metric is undefined; never NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ReturnMetrics {
    /// Points of the daily equity curve.
    pub equity_points: usize,
    /// last / first − 1.
    pub total_return: Option<f64>,
    /// Compound annual growth: (last / first)^(periods_per_year / n) − 1, n daily returns.
    pub annual_return: Option<f64>,
    /// mean(r − rf) / std(r − rf, ddof 1) × √periods_per_year.
    pub sharpe: Option<f64>,
    /// mean(r − rf) × P / (√mean(min(r − rf, 0)²) × √P).
    pub sortino: Option<f64>,
    /// Largest fall from a running peak, as a positive fraction of the peak.
    pub max_drawdown: Option<f64>,
    /// Longest time below a running peak, from the peak to the recovery (or to the end), seconds.
    pub max_drawdown_duration_s: Option<i64>,
    /// annual_return / max_drawdown.
    pub calmar: Option<f64>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Simple returns between consecutive points, `None` if any value is ≤ 0 (returns undefined).
pub fn simple_returns(curve: &[ValuePoint]) -> Option<Vec<f64>> {
    if curve.iter().any(|p| p.total_value <= Decimal::ZERO) {
        return None;
    }
    curve
        .windows(2)
        .map(|w| {
            w[1].total_value
                .checked_div(w[0].total_value)
                .and_then(|q| (q - Decimal::ONE).to_f64())
        })
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Annualised Sharpe ratio of per-period returns (empyrical `sharpe_ratio`); `None` for fewer
/// than two returns or zero volatility.
///
/// # Examples
/// ```
/// use tradestore::analytics::sharpe;
/// // mean 0.01, sample std 0.01 → 1 × √365
/// let s = sharpe(&[0.0, 0.01, 0.02], 0.0, 365.0).ok_or("no ratio")?;
/// assert!((s - 365f64.sqrt()).abs() < 1e-12);
/// assert_eq!(sharpe(&[0.01, 0.01], 0.0, 365.0), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sharpe(returns: &[f64], risk_free: f64, periods_per_year: f64) -> Option<f64> {
    if returns.len() < 2 {
        return None;
    }
    let excess: Vec<f64> = returns.iter().map(|r| r - risk_free).collect();
    let m = mean(&excess);
    let var = excess.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (excess.len() - 1) as f64;
    let sd = var.sqrt();
    if sd == 0.0 {
        return None;
    }
    finite(m / sd * periods_per_year.sqrt())
}

/// Annualised Sortino ratio with target `risk_free` (empyrical `sortino_ratio`); `None` for
/// fewer than two returns or no downside.
///
/// # Examples
/// ```
/// use tradestore::analytics::sortino;
/// // excess −0.02, 0.04: mean 0.01, downside √(0.0004 / 2)
/// let s = sortino(&[-0.02, 0.04], 0.0, 365.0).ok_or("no ratio")?;
/// let want = 0.01 * 365.0 / ((0.0004f64 / 2.0).sqrt() * 365f64.sqrt());
/// assert!((s - want).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sortino(returns: &[f64], risk_free: f64, periods_per_year: f64) -> Option<f64> {
    if returns.len() < 2 {
        return None;
    }
    let excess: Vec<f64> = returns.iter().map(|r| r - risk_free).collect();
    let downside = excess.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / excess.len() as f64;
    let risk = downside.sqrt() * periods_per_year.sqrt();
    if risk == 0.0 {
        return None;
    }
    finite(mean(&excess) * periods_per_year / risk)
}

/// Maximum drawdown (positive fraction of the running peak) and the longest time below a
/// running peak in seconds; `None` for fewer than two points or a value ≤ 0.
pub fn drawdown(curve: &[ValuePoint]) -> Option<(f64, i64)> {
    let first = curve.first()?;
    if curve.len() < 2 || curve.iter().any(|p| p.total_value <= Decimal::ZERO) {
        return None;
    }
    let (mut peak, mut peak_ts) = (first.total_value, first.ts);
    let (mut worst, mut longest, mut under) = (Decimal::ZERO, 0i64, false);
    for p in &curve[1..] {
        if p.total_value >= peak {
            if under {
                longest = longest.max(p.ts - peak_ts);
                under = false;
            }
            peak = p.total_value;
            peak_ts = p.ts;
        } else {
            under = true;
            let dd = (peak - p.total_value).checked_div(peak)?;
            worst = worst.max(dd);
        }
    }
    if under && let Some(last) = curve.last() {
        longest = longest.max(last.ts - peak_ts);
    }
    Some((worst.to_f64()?, longest / NANOS_PER_SEC))
}

/// Every return metric of a daily equity curve.
pub fn return_metrics(curve: &[ValuePoint], opts: &RatioOptions) -> ReturnMetrics {
    let mut m = ReturnMetrics {
        equity_points: curve.len(),
        ..ReturnMetrics::default()
    };
    let Some(returns) = simple_returns(curve) else {
        return m;
    };
    let (Some(first), Some(last)) = (curve.first(), curve.last()) else {
        return m;
    };
    let growth = last.total_value.checked_div(first.total_value);
    if !returns.is_empty() {
        m.total_return = growth.and_then(|g| (g - Decimal::ONE).to_f64());
        m.annual_return = growth
            .and_then(|g| g.to_f64())
            .and_then(|g| finite(g.powf(opts.periods_per_year / returns.len() as f64) - 1.0));
    }
    m.sharpe = sharpe(&returns, opts.risk_free, opts.periods_per_year);
    m.sortino = sortino(&returns, opts.risk_free, opts.periods_per_year);
    if let Some((dd, dur)) = drawdown(curve) {
        m.max_drawdown = Some(dd);
        m.max_drawdown_duration_s = Some(dur);
        if dd > 0.0 {
            m.calmar = m.annual_return.and_then(|a| finite(a / dd));
        }
    }
    m
}
