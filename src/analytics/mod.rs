//! Performance analytics: trade-level metrics kept up to date inside every fill's commit, return
//! metrics from the portfolio's daily equity curve, and breakdowns by model, strategy or symbol.
//!
//! Definitions (with formulas) are in `docs/analytics.md`; they follow empyrical's conventions.

mod aggregates;
mod equity;
mod exact;
mod filter;
mod ratios;
mod report;
mod scan;
mod stats;

pub(crate) use aggregates::{AggregateWriter, FillView, backfill};
pub use aggregates::{DIM_ALL, DIM_MODEL, DIM_STRATEGY, DIM_SYMBOL, on_trade};
pub use equity::{ValuePoint, daily_curve};
pub use exact::{ArchivedExactSum, ExactSum};
pub use filter::Filter;
pub use ratios::{RatioOptions, ReturnMetrics, drawdown, return_metrics, sharpe, simple_returns, sortino};
pub use report::{Analytics, Group, GroupBy, Report, Source};
pub use stats::{TradeMetrics, TradeStats};
