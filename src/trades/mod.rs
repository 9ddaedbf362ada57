//! Trades: durable fills with duplicate detection, average-cost P&L and indexed history.

mod import;
mod insert;
mod pnl;
mod query;
mod snapshot;
mod validate;

use std::ops::ControlFlow;
use std::sync::Arc;

use redb::ReadableTable;

pub(crate) use insert::TradeTables;
use rust_decimal::Decimal;

pub use import::{ImportReport, parse_csv, parse_jsonl};
pub use pnl::apply_fill;
use pnl::apply_fill_in_place;
pub use query::{TradeOrder, TradePage, TradeQuery};
pub(crate) use snapshot::SnapshotSlot;
pub use validate::{MAX_AMOUNT, MAX_META_LEN, MAX_NAME_LEN, MAX_SCALE, MIN_TS};
pub(crate) use validate::{check_json, check_name};

use crate::envelope;
use crate::records::ArchivedTrade;
use crate::records::{Position, Side, Trade};
use crate::store::Shared;
use crate::tables::{POSITIONS, TRADES};
use crate::timefmt::now_ns;
use crate::{Concurrency, Error, Result, Store};
use snapshot::PointTables;

/// Strategy recorded when a fill names none.
pub const DEFAULT_STRATEGY: &str = "default";

/// A fill to record. Build with [`NewTrade::new`] and the setters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewTrade {
    /// Instrument, e.g. `BTC-EUR`.
    pub symbol: String,
    /// Buy or sell.
    pub side: Side,
    /// Quantity (> 0).
    pub qty: Decimal,
    /// Price (> 0).
    pub price: Decimal,
    /// Fee (≥ 0), in the quote currency for P&L. Default 0.
    pub fee: Decimal,
    /// Currency of the fee as charged. Default empty.
    pub fee_currency: String,
    /// Fill time in ns since the epoch, UTC. Default: the time of saving.
    pub ts: Option<i64>,
    /// Strategy. Default [`DEFAULT_STRATEGY`].
    pub strategy: String,
    /// Venue. Default empty.
    pub venue: String,
    /// The venue's order id; (venue, order id) must be unique.
    pub order_id: Option<String>,
    /// Model (`name@version`) whose signal produced the fill.
    pub model: Option<String>,
    /// Free-form JSON metadata, as JSON text.
    pub meta: Option<String>,
}

impl NewTrade {
    /// A fill of `qty` at `price`; every other field takes its default.
    pub fn new(symbol: impl Into<String>, side: Side, qty: Decimal, price: Decimal) -> Self {
        NewTrade {
            symbol: symbol.into(),
            side,
            qty,
            price,
            fee: Decimal::ZERO,
            fee_currency: String::new(),
            ts: None,
            strategy: DEFAULT_STRATEGY.into(),
            venue: String::new(),
            order_id: None,
            model: None,
            meta: None,
        }
    }
    /// Sets the fee.
    pub fn fee(mut self, fee: Decimal) -> Self {
        self.fee = fee;
        self
    }
    /// Sets the fee currency.
    pub fn fee_currency(mut self, c: impl Into<String>) -> Self {
        self.fee_currency = c.into();
        self
    }
    /// Sets the fill time (ns since the epoch, UTC).
    pub fn ts(mut self, ts: i64) -> Self {
        self.ts = Some(ts);
        self
    }
    /// Sets the strategy.
    pub fn strategy(mut self, s: impl Into<String>) -> Self {
        self.strategy = s.into();
        self
    }
    /// Sets the venue.
    pub fn venue(mut self, v: impl Into<String>) -> Self {
        self.venue = v.into();
        self
    }
    /// Sets the venue's order id.
    pub fn order_id(mut self, o: impl Into<String>) -> Self {
        self.order_id = Some(o.into());
        self
    }
    /// Names the model (`name@version`) behind the fill.
    pub fn model(mut self, m: impl Into<String>) -> Self {
        self.model = Some(m.into());
        self
    }
    /// Attaches JSON metadata (must be valid JSON).
    pub fn meta(mut self, json: impl Into<String>) -> Self {
        self.meta = Some(json.into());
        self
    }

    /// Checks every field as [`Store::save_trade`] does.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the first field that fails.
    pub fn validate(&self) -> Result<()> {
        validate::validate(self)
    }
}

const POSITIONS_NAME: &str = "positions";
pub(crate) const TRADES_NAME: &str = "trades";

fn duplicate(t: &NewTrade, existing: u64) -> Error {
    Error::Conflict {
        detail: format!(
            "order {:?} on venue {:?} is already stored as trade {existing}; the re-sent fill was not saved",
            t.order_id.as_deref().unwrap_or_default(),
            t.venue
        ),
        existing_id: Some(existing),
    }
}

impl Store {
    /// Validates and durably records one fill, updating its position, and returns the stored
    /// trade (with its id and realized P&L).
    ///
    /// # Examples
    /// ```
    /// # use rust_decimal::Decimal;
    /// # use tradestore::{NewTrade, Side, Store};
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// # let store = Store::open(dir.path())?;
    /// let t = store.save_trade(NewTrade::new("ETH-EUR", Side::Buy, Decimal::ONE, Decimal::new(3000, 0)))?;
    /// assert_eq!(t.id, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the bad field; [`Error::Conflict`] with the existing id if
    /// (venue, order id) is already stored. Nothing is stored in either case.
    pub fn save_trade(&self, trade: NewTrade) -> Result<Trade> {
        trade.validate()?;
        let stored = self.save_logged(vec![trade])?;
        stored.into_iter().next().ok_or_else(|| Error::Conflict {
            detail: "the fill was not stored".into(),
            existing_id: None,
        })
    }

    /// Records several fills atomically: all are stored, or none.
    ///
    /// # Errors
    /// As [`Store::save_trade`], for the first fill that fails (the error names its index).
    pub fn save_trades(&self, trades: &[NewTrade]) -> Result<Vec<Trade>> {
        validate_all(trades)?;
        self.save_logged(trades.to_vec())
    }

    /// Saves validated fills through the operation log (see [`crate::redo`]) when the store
    /// keeps one, else with a durable commit of the store file.
    fn save_logged(&self, trades: Vec<NewTrade>) -> Result<Vec<Trade>> {
        self.fills_logged(trades, crate::redo::format::encode_save_trades, save_in)
    }

    /// Runs `apply` on validated fills at the time of the call, logged in the form `encode`
    /// gives when the store keeps an operation log.
    fn fills_logged<R: Send + 'static>(
        &self,
        trades: Vec<NewTrade>,
        encode: fn(i64, &[NewTrade]) -> Option<Vec<u8>>,
        apply: fn(&mut Shared<'_>, i64, &[NewTrade]) -> Result<R>,
    ) -> Result<R> {
        let now = now_ns();
        let logged = self.inner().writer_logs_ops().then(|| encode(now, &trades)).flatten();
        self.write_logged(move |shared| apply(shared, now, &trades), logged)
    }

    /// Records fills atomically, skipping (and counting) those whose (venue, order id) is
    /// already stored or repeated earlier in `trades`. Used by imports.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the index and field of the first bad fill; nothing is stored.
    pub fn import_trades(&self, trades: &[NewTrade]) -> Result<ImportReport> {
        validate_all(trades)?;
        self.fills_logged(trades.to_vec(), crate::redo::format::encode_import_trades, import_in)
    }

    /// The trade with id `id`, from the cache when it is there.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Corruption`] if the stored record fails its checks.
    pub fn get_trade(&self, id: u64) -> Result<Trade> {
        let cache = &self.inner().cache;
        if let Some(t) = cache.get(id) {
            return Ok((*t).clone());
        }
        let trade = self.load_trade(id)?;
        if cache.enabled() {
            cache.insert(Arc::new(trade.clone()));
        }
        Ok(trade)
    }

    /// As [`Store::get_trade`], sharing the cached record instead of copying it.
    ///
    /// # Errors
    /// As [`Store::get_trade`].
    pub fn get_trade_arc(&self, id: u64) -> Result<Arc<Trade>> {
        let cache = &self.inner().cache;
        if let Some(t) = cache.get(id) {
            return Ok(t);
        }
        let trade = Arc::new(self.load_trade(id)?);
        cache.insert(trade.clone());
        Ok(trade)
    }

    /// Reads trade `id` from the store file, through the shared snapshot when this process
    /// alone opens the store (see the snapshot module for why that is correct).
    fn load_trade(&self, id: u64) -> Result<Trade> {
        let not_found = || Error::NotFound(format!("trade {id}"));
        if self.inner().config.concurrency != Concurrency::Exclusive {
            return PointTables::open(&self.read_txn()?)?.get(id)?.ok_or_else(not_found);
        }
        let slot = &self.inner().cache.snapshot;
        if let Some(shared) = slot.current()
            && let Some(t) = shared.get(id)?
        {
            return Ok(t);
        }
        let fresh = Arc::new(PointTables::open(&self.read_txn()?)?);
        let trade = fresh.get(id)?;
        slot.share(fresh);
        trade.ok_or_else(not_found)
    }

    /// Every open or closed position, by (symbol, strategy).
    ///
    /// # Errors
    /// [`Error::Corruption`] if a stored position fails its checks.
    pub fn positions(&self) -> Result<Vec<Position>> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(POSITIONS)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            let (k, v) = row?;
            let (sym, strat) = k.value();
            out.push(v.value().decode(POSITIONS_NAME, &format_args!("{sym}/{strat}"))?);
        }
        Ok(out)
    }

    /// Calls `f` with every trade of `symbol` with `since <= ts < until`, in time order, read in
    /// place (no copy, no allocation per trade). `f` returns [`ControlFlow::Break`] to stop.
    ///
    /// # Errors
    /// [`Error::Corruption`] at the first record that fails its checks.
    pub fn scan_symbol<F>(&self, symbol: &str, since: Option<i64>, until: Option<i64>, mut f: F) -> Result<()>
    where
        F: FnMut(&ArchivedTrade) -> ControlFlow<()>,
    {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(TRADES)?;
        let lo = (symbol, since.unwrap_or(i64::MIN), 0u64);
        let range = match until {
            Some(u) => table.range(lo..(symbol, u, 0u64))?,
            None => table.range(lo..=(symbol, i64::MAX, u64::MAX))?,
        };
        // Records are read a batch at a time so that their checksums can be computed side by
        // side; each is still handed to `f` in order, and only once it has passed its checks.
        envelope::visit_in_batches(range, |(_, _, id), bytes, sum| {
            let t = envelope::open_summed::<Trade>(bytes, sum, TRADES_NAME, &id)?;
            Ok(f(t))
        })
    }
}

/// Stores fills checked by [`validate_all`] in the transaction, all or nothing, refusing a duplicate order; `now` is the
/// time of saving. The one place a save of fills is applied: when first saved and when replayed
/// from the operation log, which relies on it depending on nothing but `txn` and its arguments.
pub(crate) fn save_in(shared: &mut Shared<'_>, now: i64, trades: &[NewTrade]) -> Result<Vec<Trade>> {
    shared
        .trades()?
        .insert_all(trades, now, |t, existing| Err(duplicate(t, existing)))
}

/// Stores validated fills as [`Store::import_trades`] does, skipping (and counting) those whose
/// (venue, order id) is already stored or repeated earlier in `trades`.
pub(crate) fn import_in(shared: &mut Shared<'_>, now: i64, trades: &[NewTrade]) -> Result<ImportReport> {
    let mut skipped_duplicates = 0;
    let stored = shared.trades()?.insert_all(trades, now, |_, _| {
        skipped_duplicates += 1;
        Ok(())
    })?;
    Ok(ImportReport {
        imported: stored.len() as u64,
        skipped_duplicates,
    })
}

/// Checks every fill as [`NewTrade::validate`] does; the error names the first bad fill's index.
pub(crate) fn validate_all(trades: &[NewTrade]) -> Result<()> {
    for (i, t) in trades.iter().enumerate() {
        t.validate().map_err(|e| match e {
            Error::Validation { field, reason } => Error::Validation {
                field: format!("trades[{i}].{field}"),
                reason,
            },
            other => other,
        })?;
    }
    Ok(())
}
