//! Full recompute: walking the fills of a filter through the narrowest index.
//!
//! A symbol filter walks that symbol's cluster of the trade table; a model filter the model
//! index; a strategy filter the strategy index; a bare time window the time index; no filter at
//! all the whole trade table in storage order. Index rows lead to the trade record, which is
//! verified and read in place. Only the window's part of an index is visited. Walks of the trade
//! table itself (a symbol's cluster, or all of it) check their records' checksums 16 at a time.

use std::ops::ControlFlow;

use redb::{ReadTransaction, ReadableTable};

use super::aggregates::{DIM_MODEL, FillView};
use super::filter::{Filter, model_prefix_bounds};
use crate::envelope::{self, Rec};
use crate::records::Trade;
use crate::tables::{ANALYTICS_AGGREGATES, TRADES, TRADES_BY_MODEL, TRADES_BY_STRATEGY, TRADES_BY_TIME};
use crate::trades::TRADES_NAME;
use crate::{Error, Result, Store};

type TradeTable = redb::ReadOnlyTable<(&'static str, i64, u64), Rec<Trade>>;

fn lo(f: &Filter) -> i64 {
    f.since.unwrap_or(i64::MIN)
}

/// Reads the trade an index row points at and hands it to `visit` if it passes the filter.
fn visit_indexed<V>(trades: &TradeTable, f: &Filter, symbol: &str, ts: i64, id: u64, visit: &mut V) -> Result<()>
where
    V: FnMut(&FillView<'_>) -> Result<()>,
{
    let rec = trades
        .get((symbol, ts, id))?
        .ok_or_else(|| Error::corruption("trade index", id, "index points at a missing trade"))?;
    let value = rec.value();
    let fill = FillView::archived(value.open(TRADES_NAME, &id)?);
    if f.matches(fill.symbol, fill.strategy, fill.model) {
        visit(&fill)?;
    }
    Ok(())
}

/// Calls `visit` with every fill matching `f`.
pub(crate) fn scan<V>(store: &Store, f: &Filter, mut visit: V) -> Result<()>
where
    V: FnMut(&FillView<'_>) -> Result<()>,
{
    if let Some(symbol) = &f.symbol {
        let mut failed = None;
        store.scan_symbol(symbol, f.since, f.until, |t| {
            let fill = FillView::archived(t);
            if !f.matches(fill.symbol, fill.strategy, fill.model) {
                return ControlFlow::Continue(());
            }
            match visit(&fill) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            }
        })?;
        return failed.map_or(Ok(()), Err);
    }
    let rtx = store.read_txn()?;
    let trades = rtx.open_table(TRADES)?;
    if let Some(model) = &f.model {
        scan_model(&rtx, &trades, f, model, &mut visit)
    } else if let Some(strategy) = &f.strategy {
        let index = rtx.open_table(TRADES_BY_STRATEGY)?;
        let start = (strategy.as_str(), lo(f), 0u64);
        let range = match f.until {
            Some(u) => index.range(start..(strategy.as_str(), u, 0u64))?,
            None => index.range(start..=(strategy.as_str(), i64::MAX, u64::MAX))?,
        };
        for row in range {
            let (k, v) = row?;
            let (_, ts, id) = k.value();
            visit_indexed(&trades, f, v.value(), ts, id, &mut visit)?;
        }
        Ok(())
    } else if f.is_all_time() {
        envelope::visit_in_batches(trades.iter()?, |(_, _, id), bytes, sum| {
            let t = envelope::open_summed::<Trade>(bytes, sum, TRADES_NAME, &id)?;
            visit(&FillView::archived(t))?;
            Ok(ControlFlow::Continue(()))
        })
    } else {
        let index = rtx.open_table(TRADES_BY_TIME)?;
        let start = (lo(f), 0u64);
        let range = match f.until {
            Some(u) => index.range(start..(u, 0u64))?,
            None => index.range(start..)?,
        };
        for row in range {
            let (k, v) = row?;
            let (ts, id) = k.value();
            visit_indexed(&trades, f, v.value(), ts, id, &mut visit)?;
        }
        Ok(())
    }
}

fn scan_model<V>(rtx: &ReadTransaction, trades: &TradeTable, f: &Filter, model: &str, visit: &mut V) -> Result<()>
where
    V: FnMut(&FillView<'_>) -> Result<()>,
{
    let index = rtx.open_table(TRADES_BY_MODEL)?;
    let tags = if model.contains('@') {
        vec![model.to_owned()]
    } else {
        // Every version: the versions come from the per-model aggregates, then each version's
        // run of the index is walked over the window only.
        let (first, past) = model_prefix_bounds(model);
        let agg = rtx.open_table(ANALYTICS_AGGREGATES)?;
        let mut tags = Vec::new();
        for row in agg.range((DIM_MODEL, first.as_str())..(DIM_MODEL, past.as_str()))? {
            tags.push(row?.0.value().1.to_owned());
        }
        tags
    };
    for tag in &tags {
        let start = (tag.as_str(), lo(f), 0u64);
        let range = match f.until {
            Some(u) => index.range(start..(tag.as_str(), u, 0u64))?,
            None => index.range(start..=(tag.as_str(), i64::MAX, u64::MAX))?,
        };
        for row in range {
            let (k, v) = row?;
            let (_, ts, id) = k.value();
            visit_indexed(trades, f, v.value(), ts, id, visit)?;
        }
    }
    Ok(())
}
