//! Running aggregates, kept inside the commit of every fill, and the model index.
//!
//! Each fill updates four rows of [`ANALYTICS_AGGREGATES`] — overall, its strategy, its symbol
//! and (when it names one) its model — so an all-time report is one point read.

use std::collections::HashMap;

use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};

use crate::Result;
use crate::envelope::{self, RecBytes};
use crate::records::{ArchivedTrade, Trade, TradeStats, archived_decimal};
use crate::tables::{ANALYTICS_AGGREGATES, TRADES, TRADES_BY_MODEL};

/// Dimension of the overall aggregate (its value is `""`).
pub const DIM_ALL: &str = "all";
/// Dimension of per-strategy aggregates.
pub const DIM_STRATEGY: &str = "strategy";
/// Dimension of per-symbol aggregates.
pub const DIM_SYMBOL: &str = "symbol";
/// Dimension of per-model aggregates (value `name@version`).
pub const DIM_MODEL: &str = "model";

pub(crate) const TABLE_NAME: &str = "analytics_aggregates";

type AggTable<'t> = redb::Table<'t, (&'static str, &'static str), crate::envelope::Rec<TradeStats>>;

/// The fields of a fill that analytics needs, from an owned or an archived trade.
pub(crate) struct FillView<'a> {
    pub(crate) id: u64,
    pub(crate) ts: i64,
    pub(crate) symbol: &'a str,
    pub(crate) strategy: &'a str,
    pub(crate) model: Option<&'a str>,
    pub(crate) realized_pnl: rust_decimal::Decimal,
    pub(crate) fee: rust_decimal::Decimal,
}

impl<'a> FillView<'a> {
    pub(crate) fn owned(t: &'a Trade) -> Self {
        FillView {
            id: t.id,
            ts: t.ts,
            symbol: &t.symbol,
            strategy: &t.strategy,
            model: t.model.as_deref(),
            realized_pnl: t.realized_pnl,
            fee: t.fee,
        }
    }

    pub(crate) fn archived(t: &'a ArchivedTrade) -> Self {
        FillView {
            id: t.id.to_native(),
            ts: t.ts.to_native(),
            symbol: t.symbol.as_str(),
            strategy: t.strategy.as_str(),
            model: t.model.as_ref().map(|m| m.as_str()),
            realized_pnl: archived_decimal(&t.realized_pnl),
            fee: archived_decimal(&t.fee),
        }
    }
}

/// The aggregate rows and model index of one write transaction, for a run of fills.
///
/// Rows touched by the fills are read once, updated in memory and written back once by
/// [`AggregateWriter::flush`]: a batch of ten thousand fills on a few symbols rewrites a few
/// rows instead of forty thousand.
pub(crate) struct AggregateWriter<'txn> {
    table: AggTable<'txn>,
    by_model: redb::Table<'txn, (&'static str, i64, u64), &'static str>,
    /// Updated rows not yet written, by dimension then value.
    pending: HashMap<&'static str, HashMap<String, TradeStats>>,
    /// Model index rows not yet written: (model, ts, id) and the fill's symbol.
    pending_models: Vec<((String, i64, u64), String)>,
}

impl<'txn> AggregateWriter<'txn> {
    pub(crate) fn open(txn: &'txn WriteTransaction) -> Result<Self> {
        Ok(AggregateWriter {
            table: txn.open_table(ANALYTICS_AGGREGATES)?,
            by_model: txn.open_table(TRADES_BY_MODEL)?,
            pending: HashMap::new(),
            pending_models: Vec::new(),
        })
    }

    /// Counts `fill` in its three or four rows and indexes it under its model.
    ///
    /// # Errors
    /// [`crate::Error::Corruption`] if a stored row fails its checks, [`crate::Error::Validation`]
    /// if a running sum would overflow.
    pub(crate) fn add(&mut self, fill: &FillView<'_>) -> Result<()> {
        self.bump(DIM_ALL, "", fill)?;
        self.bump(DIM_STRATEGY, fill.strategy, fill)?;
        self.bump(DIM_SYMBOL, fill.symbol, fill)?;
        if let Some(model) = fill.model {
            self.bump(DIM_MODEL, model, fill)?;
            self.pending_models
                .push(((model.to_owned(), fill.ts, fill.id), fill.symbol.to_owned()));
        }
        Ok(())
    }

    fn bump(&mut self, dim: &'static str, value: &str, fill: &FillView<'_>) -> Result<()> {
        let rows = self.pending.entry(dim).or_default();
        let stats = match rows.get_mut(value) {
            Some(s) => s,
            None => {
                let stored = match self.table.get((dim, value))? {
                    Some(v) => v.value().decode(TABLE_NAME, &format_args!("{dim}/{value}"))?,
                    None => TradeStats::default(),
                };
                rows.entry(value.to_owned()).or_insert(stored)
            }
        };
        stats.add_fill(fill.realized_pnl, fill.fee, fill.ts)
    }

    /// Writes every updated row and the model index back (each in key order, the cheapest
    /// order for redb). Must be called before the transaction commits.
    pub(crate) fn flush(&mut self) -> Result<()> {
        let mut models = std::mem::take(&mut self.pending_models);
        models.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((model, ts, id), symbol) in &models {
            self.by_model.insert((model.as_str(), *ts, *id), symbol.as_str())?;
        }
        for (dim, rows) in self.pending.drain() {
            let mut rows: Vec<_> = rows.into_iter().collect();
            rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (value, stats) in rows {
                let bytes = envelope::encode(&stats)?;
                self.table.insert((dim, value.as_str()), RecBytes::new(&bytes))?;
            }
        }
        Ok(())
    }
}

/// Updates the running aggregates and the model index for a fill being inserted in `txn`, so
/// both land in the fill's own commit. The trade insert path does the same for its batches
/// through one writer per operation.
///
/// # Errors
/// [`crate::Error::Corruption`] if a stored aggregate fails its checks (the fill is then refused),
/// [`crate::Error::Validation`] if a running sum would overflow.
pub fn on_trade(txn: &WriteTransaction, trade: &Trade) -> Result<()> {
    let mut w = AggregateWriter::open(txn)?;
    w.add(&FillView::owned(trade))?;
    w.flush()
}

/// Rebuilds the aggregates and the model index from the trades when they do not account for
/// every stored fill (a store written before they existed). A no-op otherwise. A trade that
/// fails its checks is left out (so the store still opens and `verify` can name it). Returns
/// whether it rebuilt anything.
pub(crate) fn backfill(txn: &WriteTransaction) -> Result<bool> {
    let trades = txn.open_table(TRADES)?;
    let stored = trades.len()?;
    let counted = {
        let agg = txn.open_table(ANALYTICS_AGGREGATES)?;
        match agg.get((DIM_ALL, ""))? {
            Some(v) => v.value().decode(TABLE_NAME, &"all/")?.fills,
            None => 0,
        }
    };
    if stored == counted {
        return Ok(false);
    }
    txn.open_table(ANALYTICS_AGGREGATES)?.retain(|_, _| false)?;
    txn.open_table(TRADES_BY_MODEL)?.retain(|_, _| false)?;
    let mut w = AggregateWriter::open(txn)?;
    for row in trades.iter()? {
        let (k, v) = row?;
        let (_, _, id) = k.value();
        let rec = v.value();
        if let Ok(t) = rec.open(crate::trades::TRADES_NAME, &id) {
            w.add(&FillView::archived(t))?;
        }
    }
    w.flush()?;
    Ok(true)
}
