//! Every table of the store file, in one place: this module *is* the file format.
//!
//! Keys are redb tuples and integers; redb orders them element by element (integers
//! numerically, strings by bytes), so a range over a key prefix walks records in logical
//! order: `(symbol, ts, id)` gives one symbol's trades in time order, ties broken by id.
//! Values are [`Rec<T>`] envelopes (see [`crate::envelope`]) unless they are plain integers
//! or strings.

use redb::TableDefinition;

use crate::envelope::Rec;
use crate::records::{BotState, PortfolioSnapshot, Position, Trade};

/// Format version of the store file. Opening a store with a higher version is refused.
pub const FORMAT_VERSION: u64 = 1;

/// Store metadata and counters: `format_version`, `next_trade_id`, `next_portfolio_seq`, ….
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Meta key holding [`FORMAT_VERSION`].
pub const META_FORMAT_VERSION: &str = "format_version";
/// Meta key holding the next trade id to assign.
pub const META_NEXT_TRADE_ID: &str = "next_trade_id";
/// Meta key holding the next portfolio snapshot sequence number.
pub const META_NEXT_PORTFOLIO_SEQ: &str = "next_portfolio_seq";

/// Trades, clustered by symbol: `(symbol, ts_ns, id)` → trade. A symbol range scan reads
/// only that symbol's records, contiguously.
pub const TRADES: TableDefinition<(&str, i64, u64), Rec<Trade>> = TableDefinition::new("trades");

/// Trade id → `(symbol, ts_ns)`, the rest of its [`TRADES`] key.
pub const TRADE_IDS: TableDefinition<u64, (&str, i64)> = TableDefinition::new("trade_ids");

/// Time index: `(ts_ns, id)` → symbol.
pub const TRADES_BY_TIME: TableDefinition<(i64, u64), &str> = TableDefinition::new("trades_by_time");

/// Strategy index: `(strategy, ts_ns, id)` → symbol.
pub const TRADES_BY_STRATEGY: TableDefinition<(&str, i64, u64), &str> = TableDefinition::new("trades_by_strategy");

/// Duplicate detection: `(venue, order_id)` → trade id.
pub const ORDER_IDS: TableDefinition<(&str, &str), u64> = TableDefinition::new("order_ids");

/// Average-cost positions: `(symbol, strategy)` → position.
pub const POSITIONS: TableDefinition<(&str, &str), Rec<Position>> = TableDefinition::new("positions");

/// Bot state versions: version → state. Versions start at 1 and only grow.
pub const STATE_VERSIONS: TableDefinition<u64, Rec<BotState>> = TableDefinition::new("state_versions");

/// Portfolio snapshots: `(ts_ns, seq)` → snapshot.
pub const PORTFOLIO: TableDefinition<(i64, u64), Rec<PortfolioSnapshot>> = TableDefinition::new("portfolio");

// ---- housekeeping -------------------------------------------------------------------------

/// Meta key: set to 1 when housekeeping found enough free space inside the store file to make a
/// compaction worthwhile; the store compacts when it next gets exclusive use of the file
/// (closing, or opening) and clears it.
pub const META_COMPACTION_DUE: &str = "compaction_due";
/// Meta key holding the next sequence number for housekeeping rows.
pub const META_NEXT_HK_SEQ: &str = "next_housekeeping_seq";

use crate::records::{AlertRecord, CleanupRecord, UsageSample};

/// Raised alerts: `(ts_ns, seq)` → alert, oldest first.
pub const HK_ALERTS: TableDefinition<(i64, u64), Rec<AlertRecord>> = TableDefinition::new("hk_alerts");

/// Usage history for trends: `(ts_ns, seq)` → sample.
pub const HK_METRICS: TableDefinition<(i64, u64), Rec<UsageSample>> = TableDefinition::new("hk_metrics");

/// Finished cleanups: `(ts_ns, seq)` → what was removed.
pub const HK_CLEANUPS: TableDefinition<(i64, u64), Rec<CleanupRecord>> = TableDefinition::new("hk_cleanups");

/// Housekeeping timestamps (ns) by key: `alert:<scope>:<level>` (cooldown), `cleanup:<component>`
/// (last scheduled run), `health` (last health pass), `compaction:last` and
/// `compaction:freed` (bytes).
pub const HK_MARKS: TableDefinition<&str, i64> = TableDefinition::new("hk_marks");
