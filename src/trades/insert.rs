//! Writing one operation's fills into every trade table.
//!
//! The fills are first worked out in memory, in input order: duplicate checks, ids, positions,
//! realized P&L, the encoded records and the analytics rows. Only then is anything written, each
//! table's rows in that table's key order. A redb insert walks the tree from its root; keys in
//! order keep that walk on the pages the previous insert touched (and already copied), where
//! interleaved keys jump between leaves of several indexes at once. Positions and the id counter
//! are written once per operation, not once per fill.
//!
//! The rows of the per-fill tables go in through a cursor ([`insert_ascending`]): redb buffers a
//! run of keys inserted into one gap and splices them in as packed leaves, where one insert at a
//! time walks the tree from the root and splits a leaf in two every few rows.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Bound;

use redb::{CursorError, Key, ReadableTable, Table, Value, WriteTransaction};

use super::{NewTrade, POSITIONS_NAME, apply_fill_in_place};
use crate::Result;
use crate::analytics::{AggregateWriter, FillView};
use crate::envelope::{self, Rec, RecBytes};
use crate::records::{Position, Trade};
use crate::tables::{
    META, META_NEXT_TRADE_ID, ORDER_IDS, POSITIONS, TRADE_IDS, TRADES, TRADES_BY_STRATEGY, TRADES_BY_TIME,
};

/// Where a fill's (venue, order id) already is.
#[derive(Clone, Copy)]
enum Seen {
    /// Stored, under this trade id.
    Stored(u64),
    /// On this earlier fill of the same operation.
    Earlier(usize),
}

/// A fill's (venue, order id), when it names an order id.
fn order_key(t: &NewTrade) -> Option<(&str, &str)> {
    t.order_id.as_deref().map(|oid| (t.venue.as_str(), oid))
}

/// Every table a trade insert writes, opened once per operation (or once per group commit, see
/// [`crate::store::Shared`]).
///
/// Opening a redb table looks it up in the table tree, checks its key and value types and, on
/// close, writes its root back: several microseconds each, so an operation opens each once.
pub(crate) struct TradeTables<'txn> {
    order_ids: Table<'txn, (&'static str, &'static str), u64>,
    meta: Table<'txn, &'static str, u64>,
    positions: Table<'txn, (&'static str, &'static str), Rec<Position>>,
    trades: Table<'txn, (&'static str, i64, u64), Rec<Trade>>,
    ids: Table<'txn, u64, (&'static str, i64)>,
    by_time: Table<'txn, (i64, u64), &'static str>,
    by_strategy: Table<'txn, (&'static str, i64, u64), &'static str>,
    analytics: AggregateWriter<'txn>,
}

impl<'txn> TradeTables<'txn> {
    pub(crate) fn open(txn: &'txn WriteTransaction) -> Result<Self> {
        Ok(TradeTables {
            order_ids: txn.open_table(ORDER_IDS)?,
            meta: txn.open_table(META)?,
            positions: txn.open_table(POSITIONS)?,
            trades: txn.open_table(TRADES)?,
            ids: txn.open_table(TRADE_IDS)?,
            by_time: txn.open_table(TRADES_BY_TIME)?,
            by_strategy: txn.open_table(TRADES_BY_STRATEGY)?,
            analytics: AggregateWriter::open(txn)?,
        })
    }

    /// Stores validated fills, in input order: ids, positions and realized P&L follow it. A
    /// fill whose (venue, order id) is already stored, or repeated earlier in `batch`, is not
    /// stored: it goes to `on_duplicate` with the existing id, and an error from there stops
    /// the operation before anything is written (as does any other error). Returns the
    /// stored trades in input order.
    pub(super) fn insert_all(
        &mut self,
        batch: &[NewTrade],
        now: i64,
        mut on_duplicate: impl FnMut(&NewTrade, u64) -> Result<()>,
    ) -> Result<Vec<Trade>> {
        let (seen, by_order) = self.find_duplicates(batch)?;
        let mut next_id = self.meta.get(META_NEXT_TRADE_ID)?.map_or(1, |v| v.value());
        // The id each fill of `batch` was stored under (0: not stored).
        let mut row_ids = vec![0u64; batch.len()];
        let mut positions: HashMap<(&str, &str), Position> = HashMap::new();
        let mut stored: Vec<Trade> = Vec::with_capacity(batch.len());
        let mut records: Vec<Vec<u8>> = Vec::with_capacity(batch.len());
        for (i, t) in batch.iter().enumerate() {
            match seen[i] {
                Some(Seen::Stored(existing)) => {
                    on_duplicate(t, existing)?;
                    continue;
                }
                Some(Seen::Earlier(first)) => {
                    on_duplicate(t, row_ids[first])?;
                    continue;
                }
                None => {}
            }
            let id = next_id;
            next_id += 1;
            row_ids[i] = id;
            let ts = t.ts.unwrap_or(now);
            let pos_key = (t.symbol.as_str(), t.strategy.as_str());
            let pos = match positions.entry(pos_key) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.load_position(t)?),
            };
            let realized_pnl = apply_fill_in_place(pos, t.side, t.qty, t.price, t.fee, ts)?;
            let trade = Trade {
                id,
                symbol: t.symbol.clone(),
                side: t.side,
                qty: t.qty,
                price: t.price,
                fee: t.fee,
                fee_currency: t.fee_currency.clone(),
                ts,
                strategy: t.strategy.clone(),
                venue: t.venue.clone(),
                order_id: t.order_id.clone(),
                model: t.model.clone(),
                meta: t.meta.clone(),
                realized_pnl,
            };
            self.analytics.add(&FillView::owned(&trade))?;
            records.push(envelope::encode(&trade)?);
            stored.push(trade);
        }
        if !stored.is_empty() {
            self.meta.insert(META_NEXT_TRADE_ID, next_id)?;
            self.write_positions(positions)?;
            self.write_rows(&stored, &records)?;
            insert_ascending(
                &mut self.order_ids,
                by_order.iter().filter_map(|&i| match (&seen[i], order_key(&batch[i])) {
                    (None, Some(key)) => Some((key, row_ids[i])),
                    _ => None,
                }),
            )?;
        }
        self.analytics.flush()?;
        Ok(stored)
    }

    /// The stored position of `t`'s (symbol, strategy), or a flat one.
    fn load_position(&self, t: &NewTrade) -> Result<Position> {
        Ok(match self.positions.get((t.symbol.as_str(), t.strategy.as_str()))? {
            Some(v) => v
                .value()
                .decode(POSITIONS_NAME, &format_args!("{}/{}", t.symbol, t.strategy))?,
            None => Position {
                symbol: t.symbol.clone(),
                strategy: t.strategy.clone(),
                ..Position::default()
            },
        })
    }

    fn write_positions(&mut self, positions: HashMap<(&str, &str), Position>) -> Result<()> {
        let mut rows: Vec<_> = positions.into_iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (key, pos) in rows {
            let bytes = envelope::encode(&pos)?;
            self.positions.insert(key, RecBytes::new(&bytes))?;
        }
        Ok(())
    }

    /// Finds, for each fill of `batch` naming an order id, where that (venue, order id) already
    /// is: stored, or on an earlier fill of `batch`. Looks the keys up in key order and returns
    /// the fills naming an order id in that order too (ties in input order).
    fn find_duplicates(&self, batch: &[NewTrade]) -> Result<(Vec<Option<Seen>>, Vec<usize>)> {
        let mut by_order: Vec<usize> = (0..batch.len()).filter(|&i| batch[i].order_id.is_some()).collect();
        // Stable: fills repeating a key stay in input order, the first one leading.
        by_order.sort_by(|&a, &b| order_key(&batch[a]).cmp(&order_key(&batch[b])));
        let mut seen: Vec<Option<Seen>> = vec![None; batch.len()];
        let mut first: Option<usize> = None;
        // The venue whose keys are being looked up, and its greatest stored order id: a key
        // above it is not stored, without a lookup (fills usually carry ever larger order ids).
        let mut last: Option<(&str, Option<String>)> = None;
        for &i in &by_order {
            let key = order_key(&batch[i]);
            match first {
                Some(f) if order_key(&batch[f]) == key => {
                    seen[i] = Some(match seen[f] {
                        Some(Seen::Stored(id)) => Seen::Stored(id),
                        _ => Seen::Earlier(f),
                    });
                }
                _ => {
                    first = Some(i);
                    let Some((venue, oid)) = key else { continue };
                    if last.as_ref().is_none_or(|(v, _)| *v != venue) {
                        last = Some((venue, self.last_order_id(venue)?));
                    }
                    let maybe_stored = last
                        .as_ref()
                        .is_some_and(|(_, max)| max.as_deref().is_some_and(|max| oid <= max));
                    if maybe_stored {
                        seen[i] = self.order_ids.get((venue, oid))?.map(|v| Seen::Stored(v.value()));
                    }
                }
            }
        }
        Ok((seen, by_order))
    }

    /// The greatest order id stored for `venue`, if any.
    fn last_order_id(&self, venue: &str) -> Result<Option<String>> {
        // (venue + "\0", "") sorts after every key of `venue` and before those of any other venue.
        let next = format!("{venue}\0");
        let last = self.order_ids.range((venue, "")..(next.as_str(), ""))?.next_back();
        Ok(match last {
            Some(row) => Some(row?.0.value().1.to_owned()),
            None => None,
        })
    }

    /// Writes the trades (with their encoded records) and their time, strategy and id index
    /// rows, each table in its key order.
    fn write_rows(&mut self, stored: &[Trade], records: &[Vec<u8>]) -> Result<()> {
        let mut order: Vec<usize> = (0..stored.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&stored[a], &stored[b]);
            (x.symbol.as_str(), x.ts, x.id).cmp(&(y.symbol.as_str(), y.ts, y.id))
        });
        insert_ascending(
            &mut self.trades,
            order.iter().map(|&i| {
                let t = &stored[i];
                ((t.symbol.as_str(), t.ts, t.id), RecBytes::new(&records[i]))
            }),
        )?;
        // Ids are handed out in input order: already the key order.
        insert_ascending(&mut self.ids, stored.iter().map(|t| (t.id, (t.symbol.as_str(), t.ts))))?;
        order.sort_unstable_by_key(|&i| (stored[i].ts, stored[i].id));
        insert_ascending(
            &mut self.by_time,
            order
                .iter()
                .map(|&i| ((stored[i].ts, stored[i].id), stored[i].symbol.as_str())),
        )?;
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&stored[a], &stored[b]);
            (x.strategy.as_str(), x.ts, x.id).cmp(&(y.strategy.as_str(), y.ts, y.id))
        });
        insert_ascending(
            &mut self.by_strategy,
            order.iter().map(|&i| {
                let t = &stored[i];
                ((t.strategy.as_str(), t.ts, t.id), t.symbol.as_str())
            }),
        )?;
        Ok(())
    }
}

/// Rows below which [`insert_ascending`] inserts one at a time: a cursor costs more than it
/// saves for the few rows of a group commit of single saves, and the leaves it splices in for
/// them stay small.
const CURSOR_MIN_ROWS: usize = 64;

/// Inserts `rows`, given in ascending key order, as [`Table::insert`] one by one would (a key
/// already stored gets the new value), through cursors: each run of rows that falls into one gap
/// between stored keys is buffered by redb and spliced in as packed leaves.
fn insert_ascending<'k, 'v, K, V, KB, VB>(
    table: &mut Table<'_, K, V>,
    rows: impl IntoIterator<Item = (KB, VB)>,
) -> Result<()>
where
    K: Key + 'static,
    V: Value + 'static,
    KB: Borrow<K::SelfType<'k>>,
    VB: Borrow<V::SelfType<'v>>,
{
    let storage = |e: CursorError| match e {
        CursorError::Storage(e) => crate::Error::from(e),
        other => crate::Error::Db(other.to_string()),
    };
    let rows = rows.into_iter();
    if rows.size_hint().1.is_some_and(|n| n < CURSOR_MIN_ROWS) {
        for (key, value) in rows {
            table.insert(key.borrow(), value.borrow())?;
        }
        return Ok(());
    }
    let mut rows = rows.peekable();
    while let Some((key, value)) = rows.next() {
        let mut cursor = table.lower_bound_mut(Bound::Included(key.borrow()))?;
        match cursor.insert_before(key.borrow(), value.borrow()) {
            Ok(()) => {}
            // The key is stored already (the gap is just before it): replace its value.
            Err(CursorError::UnorderedKey) => {
                cursor.close()?;
                table.insert(key.borrow(), value.borrow())?;
                continue;
            }
            Err(e) => return Err(storage(e)),
        }
        // The next rows go into the same gap until one sorts past the stored key after it.
        while let Some((key, value)) = rows.peek() {
            match cursor.insert_before(key.borrow(), value.borrow()) {
                Ok(()) => {
                    rows.next();
                }
                Err(CursorError::UnorderedKey) => break,
                Err(e) => return Err(storage(e)),
            }
        }
        cursor.close()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use redb::{Database, ReadableDatabase, TableDefinition};

    use super::*;

    const T: TableDefinition<(&str, u64), u64> = TableDefinition::new("t");

    fn rows(db: &Database) -> Vec<((String, u64), u64)> {
        let rtx = db.begin_read().unwrap();
        let t = rtx.open_table(T).unwrap();
        t.iter()
            .unwrap()
            .map(|r| {
                let (k, v) = r.unwrap();
                let (a, b) = k.value();
                ((a.to_owned(), b), v.value())
            })
            .collect()
    }

    #[test]
    fn insert_ascending_matches_one_insert_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            Database::create(dir.path().join("a")).unwrap(),
            Database::create(dir.path().join("b")).unwrap(),
        );
        // Stored keys, then a run that lands between them, past them, and on them.
        let stored: Vec<(&str, u64)> = (0..300).map(|i| (["x", "y", "z"][i % 3], i as u64 * 10)).collect();
        let mut batch: Vec<(&str, u64)> = (0..900).map(|i| (["w", "x", "y", "z"][i % 4], i as u64 * 3)).collect();
        batch.extend(stored.iter().step_by(7));
        batch.sort_unstable();
        batch.dedup();
        for db in [&a, &b] {
            let txn = db.begin_write().unwrap();
            {
                let mut t = txn.open_table(T).unwrap();
                for &(s, n) in &stored {
                    t.insert((s, n), 1).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let txn = a.begin_write().unwrap();
        {
            let mut t = txn.open_table(T).unwrap();
            insert_ascending(&mut t, batch.iter().map(|&(s, n)| ((s, n), n + 2))).unwrap();
        }
        txn.commit().unwrap();
        let txn = b.begin_write().unwrap();
        {
            let mut t = txn.open_table(T).unwrap();
            for &(s, n) in &batch {
                t.insert((s, n), n + 2).unwrap();
            }
        }
        txn.commit().unwrap();
        let (got, want) = (rows(&a), rows(&b));
        assert_eq!(got, want);
        assert!(got.len() > stored.len() && got.len() < stored.len() + batch.len());
    }
}
