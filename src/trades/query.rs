//! Trade history: filtered, ordered, paged with an opaque cursor, served from the indexes.
//!
//! A symbol filter ranges over the symbol-clustered trade table; a strategy filter (without a
//! symbol) over the strategy index; otherwise the time index. Pages are cut at `(ts, id)`
//! positions, which are unique, so paging has no duplicates and no gaps.

use std::ops::{Bound, ControlFlow};

use redb::AccessGuard;

use crate::envelope::{self, Rec};

use super::TRADES_NAME;
use crate::records::{Side, Trade};
use crate::tables::{TRADES, TRADES_BY_STRATEGY, TRADES_BY_TIME};
use crate::{Error, Result, Store};

/// Largest page [`Store::trade_history`] returns.
pub const MAX_PAGE: usize = 10_000;

/// Time order of a history query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TradeOrder {
    /// Oldest first. The default.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// Which trades to return. `since` is inclusive, `until` exclusive (ns since the epoch).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TradeQuery {
    /// Only this symbol.
    pub symbol: Option<String>,
    /// Only this strategy.
    pub strategy: Option<String>,
    /// Only this side.
    pub side: Option<Side>,
    /// Only trades at or after this time.
    pub since: Option<i64>,
    /// Only trades before this time.
    pub until: Option<i64>,
    /// Page size; 0 means 100. At most [`MAX_PAGE`].
    pub limit: usize,
    /// Continue after this cursor (from [`TradePage::next_cursor`]).
    pub after: Option<String>,
    /// Time order.
    pub order: TradeOrder,
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradePage {
    /// The trades, in the requested order.
    pub trades: Vec<Trade>,
    /// Pass as [`TradeQuery::after`] for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

type Pos = (i64, u64);

fn encode_cursor((ts, id): Pos) -> String {
    format!("{:016x}{id:016x}", (ts as u64) ^ (1 << 63))
}

fn decode_cursor(c: &str) -> Result<Pos> {
    let bad = || Error::validation("after", format!("{c:?} is not a cursor returned by trade_history"));
    if c.len() != 32 || !c.is_ascii() {
        return Err(bad());
    }
    let ts = u64::from_str_radix(&c[..16], 16).map_err(|_| bad())? ^ (1 << 63);
    let id = u64::from_str_radix(&c[16..], 16).map_err(|_| bad())?;
    Ok((ts as i64, id))
}

/// The `(ts, id)` bounds of a query, with the cursor applied.
fn bounds(q: &TradeQuery) -> Result<(Bound<Pos>, Bound<Pos>)> {
    let mut lo = Bound::Included((q.since.unwrap_or(i64::MIN), 0));
    let mut hi = match q.until {
        Some(u) => Bound::Excluded((u, 0)),
        None => Bound::Included((i64::MAX, u64::MAX)),
    };
    if let Some(c) = &q.after {
        let pos = decode_cursor(c)?;
        match q.order {
            TradeOrder::Asc => lo = Bound::Excluded(pos),
            TradeOrder::Desc => hi = Bound::Excluded(pos),
        }
    }
    Ok((lo, hi))
}

fn with_prefix<P: Copy>(b: &Bound<Pos>, p: P) -> Bound<(P, i64, u64)> {
    match *b {
        Bound::Included((t, i)) => Bound::Included((p, t, i)),
        Bound::Excluded((t, i)) => Bound::Excluded((p, t, i)),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Collects up to `want` trades from an ordered iterator, applying the post-filters.
fn collect<I>(iter: I, q: &TradeQuery, want: usize) -> Result<Vec<Trade>>
where
    I: Iterator<Item = Result<Trade>>,
{
    let mut out = Vec::new();
    for t in iter {
        if keep(&mut out, t?, q, want).is_break() {
            break;
        }
    }
    Ok(out)
}

/// Adds `t` to the page when it matches the query's side and strategy; breaks once the page
/// holds `want` trades.
fn keep(out: &mut Vec<Trade>, t: Trade, q: &TradeQuery, want: usize) -> ControlFlow<()> {
    if q.side.is_some_and(|s| s != t.side) || q.strategy.as_ref().is_some_and(|s| *s != t.strategy) {
        return ControlFlow::Continue(());
    }
    out.push(t);
    if out.len() == want {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

type Row<'a, K, V> = std::result::Result<(AccessGuard<'a, K>, AccessGuard<'a, V>), redb::StorageError>;
type TradeTable = redb::ReadOnlyTable<(&'static str, i64, u64), Rec<Trade>>;

fn fetch(trades: &TradeTable, symbol: &str, ts: i64, id: u64) -> Result<Trade> {
    let rec = trades
        .get((symbol, ts, id))?
        .ok_or_else(|| Error::corruption("trades index", id, "index points at a missing trade"))?;
    rec.value().decode(TRADES_NAME, &id)
}

impl Store {
    /// One page of trade history matching `q`.
    ///
    /// # Examples
    /// ```
    /// # use rust_decimal::Decimal;
    /// # use tradestore::{NewTrade, Side, Store, TradeQuery};
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// # let store = Store::open(dir.path())?;
    /// # for i in 0..5 { store.save_trade(NewTrade::new("BTC-EUR", Side::Buy, Decimal::ONE, Decimal::from(100 + i)))?; }
    /// let mut q = TradeQuery { symbol: Some("BTC-EUR".into()), limit: 2, ..Default::default() };
    /// let mut seen = 0;
    /// loop {
    ///     let page = store.trade_history(&q)?;
    ///     seen += page.trades.len();
    ///     match page.next_cursor { Some(c) => q.after = Some(c), None => break }
    /// }
    /// assert_eq!(seen, 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad cursor or limit; [`Error::Corruption`] for a bad record.
    pub fn trade_history(&self, q: &TradeQuery) -> Result<TradePage> {
        let limit = if q.limit == 0 { 100 } else { q.limit };
        if limit > MAX_PAGE {
            return Err(Error::validation("limit", format!("{limit} is more than {MAX_PAGE}")));
        }
        let want = limit + 1;
        let (lo, hi) = bounds(q)?;
        let rtx = self.read_txn()?;
        let desc = q.order == TradeOrder::Desc;
        let trades_table = rtx.open_table(TRADES)?;
        let mut trades = if let Some(sym) = &q.symbol {
            let range = trades_table
                .range::<(&str, i64, u64)>((with_prefix(&lo, sym.as_str()), with_prefix(&hi, sym.as_str())))?;
            // A symbol's trades are clustered: read them a batch at a time, so that their
            // checksums are computed side by side.
            let mut out = Vec::new();
            let visit = |(_, _, id): (&str, i64, u64), bytes: &[u8], sum: Option<&[u8; 32]>| {
                let t = envelope::decode_summed::<Trade>(bytes, sum, TRADES_NAME, &id)?;
                Ok(keep(&mut out, t, q, want))
            };
            if desc {
                envelope::visit_in_batches(range.rev(), visit)?;
            } else {
                envelope::visit_in_batches(range, visit)?;
            }
            out
        } else if let Some(strat) = &q.strategy {
            let table = rtx.open_table(TRADES_BY_STRATEGY)?;
            let range = table
                .range::<(&str, i64, u64)>((with_prefix(&lo, strat.as_str()), with_prefix(&hi, strat.as_str())))?;
            let lookup = |row: Row<(&str, i64, u64), &str>| -> Result<Trade> {
                let (k, v) = row?;
                let (_, ts, id) = k.value();
                fetch(&trades_table, v.value(), ts, id)
            };
            if desc {
                collect(range.rev().map(lookup), q, want)?
            } else {
                collect(range.map(lookup), q, want)?
            }
        } else {
            let table = rtx.open_table(TRADES_BY_TIME)?;
            let range = table.range::<(i64, u64)>((lo, hi))?;
            let lookup = |row: Row<(i64, u64), &str>| -> Result<Trade> {
                let (k, v) = row?;
                let (ts, id) = k.value();
                fetch(&trades_table, v.value(), ts, id)
            };
            if desc {
                collect(range.rev().map(lookup), q, want)?
            } else {
                collect(range.map(lookup), q, want)?
            }
        };
        let next_cursor = if trades.len() > limit {
            trades.truncate(limit);
            trades.last().map(|t| encode_cursor((t.ts, t.id)))
        } else {
            None
        };
        Ok(TradePage { trades, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        for pos in [(i64::MIN, 0), (-5, 7), (0, 1), (1_700_000_000_000_000_000, u64::MAX)] {
            assert_eq!(decode_cursor(&encode_cursor(pos)).unwrap(), pos);
        }
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor(&"g".repeat(32)).is_err());
    }
}
