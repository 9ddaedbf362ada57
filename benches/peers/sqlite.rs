//! SQLite through rusqlite: a trade table with the indexes a trade table needs (symbol + time,
//! strategy + time, unique venue + order id) and a bot-state table, in WAL mode.
//!
//! Decimals are stored as TEXT (exact, as bots that care about money do) and parsed back into the
//! same [`Trade`] tradestore returns, so both engines hand the caller the same thing.

use std::path::Path;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;
use tradestore::{NewTrade, Side, Trade};

use crate::harness::Result;

/// `PRAGMA synchronous` level.
#[derive(Debug, Clone, Copy)]
pub enum Sync {
    /// Every commit is fsynced: the durable setting.
    Full,
    /// WAL is synced only at checkpoints: the usual bulk-load setting.
    Normal,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS trades (
    id INTEGER PRIMARY KEY,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    qty TEXT NOT NULL,
    price TEXT NOT NULL,
    fee TEXT NOT NULL,
    fee_currency TEXT NOT NULL,
    ts INTEGER NOT NULL,
    strategy TEXT NOT NULL,
    venue TEXT NOT NULL,
    order_id TEXT,
    model TEXT,
    meta TEXT,
    realized_pnl TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_symbol_ts ON trades(symbol, ts);
CREATE INDEX IF NOT EXISTS trades_strategy_ts ON trades(strategy, ts);
CREATE UNIQUE INDEX IF NOT EXISTS trades_venue_order ON trades(venue, order_id);
CREATE TABLE IF NOT EXISTS bot_state (
    version INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    label TEXT,
    json TEXT NOT NULL
);
";

const INSERT: &str = "INSERT INTO trades (symbol, side, qty, price, fee, fee_currency, ts, strategy, venue, \
     order_id, model, meta, realized_pnl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, '0')";
const COLUMNS: &str =
    "id, symbol, side, qty, price, fee, fee_currency, ts, strategy, venue, order_id, model, meta, realized_pnl";

/// SQLite's page cache by default, KiB (`PRAGMA cache_size = -2000`).
pub const DEFAULT_CACHE_KIB: u64 = 2_000;

/// Commits [`Sqlite::warm_wal`] makes: enough to pass SQLite's automatic checkpoint (1,000
/// pages of log) with rows of [`WARM_ROW`] bytes.
const WARM_COMMITS: usize = 300;
/// Bytes per row [`Sqlite::warm_wal`] inserts (four overflow pages and a leaf).
const WARM_ROW: usize = 16 << 10;

/// One connection to the peer database.
pub struct Sqlite {
    conn: Connection,
    sync: &'static str,
}

impl Sqlite {
    /// Opens (creating) `path` in WAL mode with the given sync level.
    pub fn open(path: &Path, sync: Sync) -> Result<Sqlite> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match sync {
            Sync::Full => "FULL",
            Sync::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Sqlite { conn, sync })
    }

    /// Brings the write-ahead log of a new database to the size it keeps in a long run: SQLite
    /// reuses the log from its start after each checkpoint without shrinking it, but until the
    /// first checkpoint every commit grows the file, and its sync then also has to write the
    /// file's new size (about 1.6× the p50 of a single-row durable insert on this disk). Makes
    /// [`WARM_COMMITS`] commits into a scratch table with `synchronous=OFF`, past one automatic
    /// checkpoint, then restores the sync level and checkpoints the log into the synced database
    /// file. Tables the workloads use are left as they were.
    pub fn warm_wal(&self) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        self.conn
            .execute_batch("CREATE TABLE IF NOT EXISTS wal_warmup (b BLOB NOT NULL)")?;
        let row = vec![0x5au8; WARM_ROW];
        for _ in 0..WARM_COMMITS {
            self.conn
                .prepare_cached("INSERT INTO wal_warmup (b) VALUES (?1)")?
                .execute([&row])?;
        }
        self.conn.pragma_update(None, "synchronous", self.sync)?;
        // Copies the log into the database file and syncs it now rather than in the first
        // checkpoint of the timed commits, and has the next commit write the log from its start.
        self.conn
            .query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0))?;
        Ok(())
    }

    /// Sets this connection's page cache to `kib` KiB (`PRAGMA cache_size`; default
    /// [`DEFAULT_CACHE_KIB`]).
    pub fn cache_kib(&self, kib: u64) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", -(kib as i64))?;
        Ok(())
    }

    /// Inserts one fill in its own transaction (autocommit).
    pub fn insert(&self, t: &NewTrade) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(INSERT)?;
        insert_with(&mut stmt, t)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Inserts fills in one transaction.
    pub fn insert_batch(&mut self, trades: &[NewTrade]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(INSERT)?;
            for t in trades {
                insert_with(&mut stmt, t)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The trade with id `id`.
    pub fn get(&self, id: i64) -> Result<Trade> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM trades WHERE id = ?1"))?;
        stmt.query_row([id], to_trade)?
    }

    /// Up to `limit` trades of `symbol` with `since <= ts < until`, oldest first.
    pub fn history(&self, symbol: &str, since: i64, until: i64, limit: usize) -> Result<Vec<Trade>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM trades WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts, id LIMIT ?4"
        ))?;
        let rows = stmt.query_map(params![symbol, since, until, limit as i64], to_trade)?;
        let mut out = Vec::with_capacity(limit);
        for r in rows {
            out.push(r??);
        }
        Ok(out)
    }

    /// Visits every trade of `symbol` in time order, reading its time and price in place; returns
    /// the row count and a checksum of what was read.
    pub fn scan(&self, symbol: &str) -> Result<(u64, i64)> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM trades WHERE symbol = ?1 ORDER BY ts, id"
        ))?;
        let mut rows = stmt.query([symbol])?;
        let (mut n, mut sum) = (0u64, 0i64);
        while let Some(r) = rows.next()? {
            let ts: i64 = r.get(7)?;
            let price = r.get_ref(4)?.as_bytes()?;
            n += 1;
            sum = sum.wrapping_add(ts).wrapping_add(price.len() as i64);
        }
        Ok((n, sum))
    }

    /// Appends a bot-state version in its own transaction.
    pub fn save_state(&self, version: i64, ts: i64, json: &str) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO bot_state (version, ts, label, json) VALUES (?1, ?2, NULL, ?3)")?;
        stmt.execute(params![version, ts, json])?;
        Ok(())
    }

    /// The latest bot-state version and its JSON.
    pub fn load_state(&self) -> Result<Option<(i64, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT version, json FROM bot_state ORDER BY version DESC LIMIT 1")?;
        Ok(stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    }
}

fn insert_with(stmt: &mut rusqlite::CachedStatement<'_>, t: &NewTrade) -> Result<()> {
    stmt.execute(params![
        t.symbol,
        t.side.as_str(),
        t.qty.to_string(),
        t.price.to_string(),
        t.fee.to_string(),
        t.fee_currency,
        t.ts,
        t.strategy,
        t.venue,
        t.order_id,
        t.model,
        t.meta,
    ])?;
    Ok(())
}

fn dec(r: &Row<'_>, i: usize) -> rusqlite::Result<std::result::Result<Decimal, rust_decimal::Error>> {
    Ok(Decimal::from_str(r.get_ref(i)?.as_str()?))
}

/// Builds a [`Trade`] from a row; the inner result carries a decimal parse failure.
fn to_trade(r: &Row<'_>) -> rusqlite::Result<std::result::Result<Trade, crate::harness::BoxError>> {
    let side = match r.get_ref(2)?.as_str()? {
        "buy" => Side::Buy,
        _ => Side::Sell,
    };
    let (qty, price, fee, pnl) = (dec(r, 3)?, dec(r, 4)?, dec(r, 5)?, dec(r, 13)?);
    let build = || -> std::result::Result<Trade, crate::harness::BoxError> {
        Ok(Trade {
            id: r.get::<_, i64>(0)? as u64,
            symbol: r.get(1)?,
            side,
            qty: qty?,
            price: price?,
            fee: fee?,
            fee_currency: r.get(6)?,
            ts: r.get(7)?,
            strategy: r.get(8)?,
            venue: r.get(9)?,
            order_id: r.get(10)?,
            model: r.get(11)?,
            meta: r.get(12)?,
            realized_pnl: pnl?,
        })
    };
    Ok(build())
}
