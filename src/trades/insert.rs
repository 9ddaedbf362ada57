//! Writing one operation's fills into every trade table.
//!
//! The fills are first worked out in memory, in input order: duplicate checks, ids, positions,
//! realized P&L, the encoded records and the analytics rows. Only then is anything written, each
//! table's rows in that table's key order. A redb insert walks the tree from its root; keys in
//! order keep that walk on the pages the previous insert touched (and already copied), where
//! interleaved keys jump between leaves of several indexes at once.
//!
//! Rows that every fill rewrites — the id counter, the fill's position and the running
//! aggregates — are kept in memory while the tables are open (one operation, or every operation
//! of a group commit or writer session) and written back once by [`TradeTables::flush`], before
//! the transaction commits: a session of hundreds of single saves rewrites each of them once. The
//! greatest stored order id of each venue is remembered the same way.
//!
//! The rows of the per-fill tables go in through a cursor ([`insert_ascending`]): redb buffers a
//! run of keys inserted into one gap and splices them in as packed leaves, where one insert at a
//! time walks the tree from the root and splits a leaf in two every few rows.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
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
///
/// The id counter, positions and aggregates it updates reach their tables only in
/// [`TradeTables::flush`], which must run before the transaction commits. After an error of
/// [`TradeTables::insert_all`] the held rows may count a fill that was not stored, so the
/// transaction must be dropped; `flush` refuses to write them.
pub(crate) struct TradeTables<'txn> {
    order_ids: Table<'txn, (&'static str, &'static str), u64>,
    meta: Table<'txn, &'static str, u64>,
    positions: Table<'txn, (&'static str, &'static str), Rec<Position>>,
    trades: Table<'txn, (&'static str, i64, u64), Rec<Trade>>,
    ids: Table<'txn, u64, (&'static str, i64)>,
    by_time: Table<'txn, (i64, u64), &'static str>,
    by_strategy: Table<'txn, (&'static str, i64, u64), &'static str>,
    analytics: AggregateWriter<'txn>,
    /// The next trade id, once read; written back by `flush` when it moved.
    next_id: Option<u64>,
    next_id_moved: bool,
    /// Positions updated since the last `flush`, by symbol then strategy (the table's key
    /// order, in which `flush` writes them).
    positions_held: BTreeMap<String, BTreeMap<String, Position>>,
    /// Each venue's greatest stored order id, once looked up (`None`: the venue has none).
    last_order_ids: HashMap<String, Option<String>>,
    /// An insert failed after changing the held rows.
    poisoned: bool,
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
            next_id: None,
            next_id_moved: false,
            positions_held: BTreeMap::new(),
            last_order_ids: HashMap::new(),
            poisoned: false,
        })
    }

    /// Writes the held id counter, positions and aggregates to their tables.
    ///
    /// # Errors
    /// [`crate::Error::Db`] after a failed insert (the transaction must be dropped, not
    /// committed); storage errors.
    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.poisoned {
            return Err(crate::Error::Db(
                "a trade insert failed in this transaction; it must be rolled back, not committed".into(),
            ));
        }
        if self.next_id_moved
            && let Some(next) = self.next_id
        {
            self.meta.insert(META_NEXT_TRADE_ID, next)?;
            self.next_id_moved = false;
        }
        for (symbol, by_strategy) in std::mem::take(&mut self.positions_held) {
            for (strategy, pos) in by_strategy {
                let bytes = envelope::encode(&pos)?;
                self.positions
                    .insert((symbol.as_str(), strategy.as_str()), RecBytes::new(&bytes))?;
            }
        }
        self.analytics.flush()
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
        on_duplicate: impl FnMut(&NewTrade, u64) -> Result<()>,
    ) -> Result<Vec<Trade>> {
        let stored = self.insert_held(batch, now, on_duplicate);
        self.poisoned |= stored.is_err();
        stored
    }

    /// [`TradeTables::insert_all`], leaving the held rows half-updated on an error.
    fn insert_held(
        &mut self,
        batch: &[NewTrade],
        now: i64,
        mut on_duplicate: impl FnMut(&NewTrade, u64) -> Result<()>,
    ) -> Result<Vec<Trade>> {
        let (seen, by_order) = self.find_duplicates(batch)?;
        let mut next_id = match self.next_id {
            Some(n) => n,
            None => self.meta.get(META_NEXT_TRADE_ID)?.map_or(1, |v| v.value()),
        };
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
            self.write_rows(&stored, &records)?;
            let new_orders = by_order.iter().filter_map(|&i| match (&seen[i], order_key(&batch[i])) {
                (None, Some(key)) => Some((key, row_ids[i])),
                _ => None,
            });
            insert_ascending(&mut self.order_ids, new_orders.clone())?;
            for ((venue, oid), _) in new_orders {
                match self.last_order_ids.get_mut(venue) {
                    Some(Some(last)) if oid > last.as_str() => oid.clone_into(last),
                    Some(slot @ None) => *slot = Some(oid.to_owned()),
                    // Not looked up: a lookup reads the table, which holds it.
                    _ => {}
                }
            }
            self.next_id = Some(next_id);
            self.next_id_moved = true;
            self.hold_positions(positions);
        }
        Ok(stored)
    }

    /// The position of `t`'s (symbol, strategy): held, stored, or a flat one.
    fn load_position(&self, t: &NewTrade) -> Result<Position> {
        if let Some(pos) = self
            .positions_held
            .get(t.symbol.as_str())
            .and_then(|by_strategy| by_strategy.get(t.strategy.as_str()))
        {
            return Ok(pos.clone());
        }
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

    /// Holds the positions an operation updated, for [`TradeTables::flush`].
    fn hold_positions(&mut self, positions: HashMap<(&str, &str), Position>) {
        for ((symbol, strategy), pos) in positions {
            let by_strategy = match self.positions_held.get_mut(symbol) {
                Some(m) => m,
                None => self.positions_held.entry(symbol.to_owned()).or_default(),
            };
            by_strategy.insert(strategy.to_owned(), pos);
        }
    }

    /// Finds, for each fill of `batch` naming an order id, where that (venue, order id) already
    /// is: stored, or on an earlier fill of `batch`. Looks the keys up in key order and returns
    /// the fills naming an order id in that order too (ties in input order).
    fn find_duplicates(&mut self, batch: &[NewTrade]) -> Result<(Vec<Option<Seen>>, Vec<usize>)> {
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

    /// The greatest order id stored for `venue`, if any (looked up once while the tables are
    /// open, then kept up to date by the inserts).
    fn last_order_id(&mut self, venue: &str) -> Result<Option<String>> {
        if !self.last_order_ids.contains_key(venue) {
            // (venue + "\0", "") sorts after every key of `venue` and before any other venue's.
            let next = format!("{venue}\0");
            let last = match self.order_ids.range((venue, "")..(next.as_str(), ""))?.next_back() {
                Some(row) => Some(row?.0.value().1.to_owned()),
                None => None,
            };
            self.last_order_ids.insert(venue.to_owned(), last);
        }
        Ok(self.last_order_ids.get(venue).cloned().flatten())
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
    fn rows_held_after_a_failed_insert_are_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("db")).unwrap();
        let txn = db.begin_write().unwrap();
        let mut tables = TradeTables::open(&txn).unwrap();
        let fill = NewTrade::new(
            "BTC-EUR",
            crate::Side::Buy,
            rust_decimal::Decimal::ONE,
            rust_decimal::Decimal::TEN,
        )
        .order_id("o-1");
        tables
            .insert_all(std::slice::from_ref(&fill), 1, |_, _| Ok(()))
            .unwrap();
        // A second fill, stored in the held position, then a refused duplicate.
        let batch = [fill.clone().order_id("o-2"), fill];
        let refused = tables.insert_all(&batch, 2, |_, id| Err(crate::Error::Db(format!("duplicate of {id}"))));
        assert!(refused.is_err());
        assert!(
            tables.flush().is_err(),
            "a transaction with a failed insert was let commit"
        );
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
