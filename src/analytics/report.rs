//! The performance report: trade-level metrics from the aggregates or a scan, return metrics
//! from the portfolio's equity curve.

use std::collections::BTreeMap;

use super::aggregates::{DIM_ALL, DIM_MODEL, DIM_STRATEGY, DIM_SYMBOL, TABLE_NAME};
use super::equity::{ValuePoint, daily_curve};
use super::filter::{Filter, model_prefix_bounds};
use super::ratios::{RatioOptions, ReturnMetrics, return_metrics};
use super::scan::scan;
use super::stats::{TradeMetrics, TradeStats};
use crate::tables::ANALYTICS_AGGREGATES;
use crate::{Error, Result, Store};

/// How the trade-level figures of a report were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Read from the running aggregates (all-time, at most one name filter): O(1).
    Incremental,
    /// Recomputed by scanning the window through an index.
    Scan,
}

/// A performance report for one [`Filter`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// What the report covers.
    #[serde(skip)]
    pub filter: Filter,
    /// How the trade-level figures were obtained.
    pub source: Source,
    /// Trade-level metrics of the fills in scope.
    pub trades: TradeMetrics,
    /// Return metrics of the portfolio's equity curve over the window; `None` when the filter
    /// selects fills (by symbol, strategy or model), since the portfolio's value does not
    /// describe a subset of its fills.
    pub returns: Option<ReturnMetrics>,
}

/// What a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// By model tag (`name@version`); fills that name no model are left out.
    Model,
    /// By strategy.
    Strategy,
    /// By symbol.
    Symbol,
}

impl GroupBy {
    fn dimension(self) -> &'static str {
        match self {
            GroupBy::Model => DIM_MODEL,
            GroupBy::Strategy => DIM_STRATEGY,
            GroupBy::Symbol => DIM_SYMBOL,
        }
    }
}

impl std::str::FromStr for GroupBy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "model" => Ok(GroupBy::Model),
            "strategy" => Ok(GroupBy::Strategy),
            "symbol" => Ok(GroupBy::Symbol),
            other => Err(Error::validation(
                "by",
                format!("{other:?} is not model, strategy or symbol"),
            )),
        }
    }
}

/// One group of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The model tag, strategy or symbol.
    pub key: String,
    /// Its aggregate.
    pub stats: TradeStats,
}

/// Performance analytics over one store. Get it with [`Store::analytics`].
///
/// # Examples
/// ```
/// # use rust_decimal::Decimal;
/// # use tradestore::{NewTrade, Side, Store};
/// use tradestore::analytics::{Filter, GroupBy};
/// # let dir = tempfile::tempdir()?;
/// # let store = Store::open(dir.path())?;
/// let fill = |side, px: i64, m: &str| NewTrade::new("BTC-EUR", side, Decimal::ONE, Decimal::from(px)).model(m);
/// store.save_trade(fill(Side::Buy, 100, "price_predictor@1.2.0"))?;
/// store.save_trade(fill(Side::Sell, 90, "price_predictor@1.2.0"))?;
/// store.save_trade(fill(Side::Buy, 100, "price_predictor@1.3.0"))?;
/// store.save_trade(fill(Side::Sell, 125, "price_predictor@1.3.0"))?;
/// // P&L of 1.2.0 vs 1.3.0 in one call:
/// let by_model = store.analytics().breakdown(&Filter::default().model("price_predictor"), GroupBy::Model)?;
/// let pnl = by_model
///     .iter()
///     .map(|g| Ok((g.key.as_str(), g.stats.metrics()?.realized_pnl)))
///     .collect::<tradestore::Result<Vec<_>>>()?;
/// assert_eq!(pnl, [("price_predictor@1.2.0", Decimal::from(-10)), ("price_predictor@1.3.0", Decimal::from(25))]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Analytics<'a> {
    store: &'a Store,
    opts: RatioOptions,
}

impl Store {
    /// Performance analytics over this store.
    pub fn analytics(&self) -> Analytics<'_> {
        Analytics {
            store: self,
            opts: RatioOptions::default(),
        }
    }
}

fn decode(v: &crate::envelope::RecBytes<'_, TradeStats>, dim: &str, value: &str) -> Result<TradeStats> {
    v.decode(TABLE_NAME, &format_args!("{dim}/{value}"))
}

impl Analytics<'_> {
    /// Uses `opts` for the return metrics (annualisation, risk-free rate).
    pub fn with_options(mut self, opts: RatioOptions) -> Self {
        self.opts = opts;
        self
    }

    /// The report for `f`: from the running aggregates when `f` is all-time with at most one
    /// of symbol, strategy or model, otherwise by scanning the window.
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad filter; [`Error::Corruption`] for a record that fails
    /// its checks.
    pub fn report(&self, f: &Filter) -> Result<Report> {
        let (stats, source) = self.stats(f)?;
        let returns = if f.selects_fills() {
            None
        } else {
            Some(return_metrics(&self.equity_curve(f.since, f.until)?, &self.opts))
        };
        Ok(Report {
            filter: f.clone(),
            source,
            trades: stats.metrics()?,
            returns,
        })
    }

    /// The aggregate of the fills in `f`, and how it was obtained.
    ///
    /// # Errors
    /// As [`Analytics::report`].
    pub fn stats(&self, f: &Filter) -> Result<(TradeStats, Source)> {
        f.validate()?;
        let names = [&f.symbol, &f.strategy, &f.model]
            .iter()
            .filter(|n| n.is_some())
            .count();
        if !f.is_all_time() || names > 1 {
            return Ok((self.recompute(f)?, Source::Scan));
        }
        let stats = match (&f.symbol, &f.strategy, &f.model) {
            (Some(s), _, _) => self.aggregate(DIM_SYMBOL, s)?,
            (_, Some(s), _) => self.aggregate(DIM_STRATEGY, s)?,
            (_, _, Some(m)) if m.contains('@') => self.aggregate(DIM_MODEL, m)?,
            (_, _, Some(m)) => {
                let mut total = TradeStats::default();
                for g in self.model_versions(m)? {
                    total.merge(&g.stats)?;
                }
                total
            }
            _ => self.aggregate(DIM_ALL, "")?,
        };
        Ok((stats, Source::Incremental))
    }

    /// Recomputes the aggregate of `f` from the fills themselves, ignoring the running
    /// aggregates (they must agree exactly).
    ///
    /// # Errors
    /// As [`Analytics::report`].
    pub fn recompute(&self, f: &Filter) -> Result<TradeStats> {
        f.validate()?;
        let mut stats = TradeStats::default();
        scan(self.store, f, |fill| {
            stats.add_fill(fill.realized_pnl, fill.fee, fill.ts)
        })?;
        Ok(stats)
    }

    /// The running aggregate of one dimension value (`"all"`/`""`, `"strategy"`/name, …).
    fn aggregate(&self, dim: &str, value: &str) -> Result<TradeStats> {
        let rtx = self.store.read_txn()?;
        let table = rtx.open_table(ANALYTICS_AGGREGATES)?;
        match table.get((dim, value))? {
            Some(v) => decode(&v.value(), dim, value),
            None => Ok(TradeStats::default()),
        }
    }

    /// Every stored aggregate of `dim` whose value lies in `[lo, hi)`.
    fn aggregates_in(&self, dim: &str, lo: &str, hi: Option<&str>) -> Result<Vec<Group>> {
        let rtx = self.store.read_txn()?;
        let table = rtx.open_table(ANALYTICS_AGGREGATES)?;
        let range = match hi {
            Some(hi) => table.range((dim, lo)..(dim, hi))?,
            // Every value of `dim`: the next dimension starts with a longer or greater name.
            None => table.range((dim, lo)..(format!("{dim}\u{0}").as_str(), ""))?,
        };
        let mut out = Vec::new();
        for row in range {
            let (k, v) = row?;
            let (_, value) = k.value();
            out.push(Group {
                key: value.to_owned(),
                stats: decode(&v.value(), dim, value)?,
            });
        }
        Ok(out)
    }

    fn model_versions(&self, name: &str) -> Result<Vec<Group>> {
        let (lo, hi) = model_prefix_bounds(name);
        self.aggregates_in(DIM_MODEL, &lo, Some(&hi))
    }

    /// The aggregate of each model, strategy or symbol among the fills in `f`, ordered by key.
    /// All-time breakdowns with no filter (or, by model, a model-name filter) come from the
    /// running aggregates; others scan the window.
    ///
    /// # Errors
    /// As [`Analytics::report`].
    pub fn breakdown(&self, f: &Filter, by: GroupBy) -> Result<Vec<Group>> {
        f.validate()?;
        if f.is_all_time() && !f.selects_fills() {
            return self.aggregates_in(by.dimension(), "", None);
        }
        if f.is_all_time()
            && by == GroupBy::Model
            && f.symbol.is_none()
            && f.strategy.is_none()
            && let Some(m) = &f.model
        {
            return if m.contains('@') {
                let stats = self.aggregate(DIM_MODEL, m)?;
                Ok(if stats.fills == 0 {
                    vec![]
                } else {
                    vec![Group { key: m.clone(), stats }]
                })
            } else {
                self.model_versions(m)
            };
        }
        self.recompute_breakdown(f, by)
    }

    /// As [`Analytics::breakdown`], always by scanning the fills.
    ///
    /// # Errors
    /// As [`Analytics::report`].
    pub fn recompute_breakdown(&self, f: &Filter, by: GroupBy) -> Result<Vec<Group>> {
        f.validate()?;
        let mut groups: BTreeMap<String, TradeStats> = BTreeMap::new();
        scan(self.store, f, |fill| {
            let key = match by {
                GroupBy::Model => match fill.model {
                    Some(m) => m,
                    None => return Ok(()),
                },
                GroupBy::Strategy => fill.strategy,
                GroupBy::Symbol => fill.symbol,
            };
            let entry = match groups.get_mut(key) {
                Some(e) => e,
                None => groups.entry(key.to_owned()).or_default(),
            };
            entry.add_fill(fill.realized_pnl, fill.fee, fill.ts)
        })?;
        Ok(groups.into_iter().map(|(key, stats)| Group { key, stats }).collect())
    }

    /// The daily equity curve (last portfolio value of each UTC day) over `[since, until)`.
    ///
    /// # Errors
    /// [`Error::Corruption`] for a snapshot that fails its checks.
    pub fn equity_curve(&self, since: Option<i64>, until: Option<i64>) -> Result<Vec<ValuePoint>> {
        Ok(daily_curve(&self.store.portfolio_value_history(since, until)?))
    }
}
