//! Every table of the store file, in one place: this module *is* the file format.
//!
//! Keys are redb tuples and integers; redb orders them element by element (integers
//! numerically, strings by bytes), so a range over a key prefix walks records in logical
//! order: `(symbol, ts, id)` gives one symbol's trades in time order, ties broken by id.
//! Values are [`Rec<T>`] envelopes (see [`crate::envelope`]) unless they are plain integers
//! or strings.

use redb::TableDefinition;

use crate::envelope::Rec;
use crate::records::{
    BotState, DocCollection, DocMigration, DocSchema, DocVersion, PortfolioSnapshot, Position, Trade,
};

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

// ---- Documents -------------------------------------------------------------------------------

/// Document versions: `(collection, key, version)` → version. A `(collection, key)` prefix range
/// walks one key's history oldest first.
pub const DOC_VERSIONS: TableDefinition<(&str, &str, u64), Rec<DocVersion>> = TableDefinition::new("doc_versions");

/// Latest version of each document: `(collection, key)` → `(version, deleted)`. Keys of one
/// collection are contiguous and in byte order.
pub const DOC_HEADS: TableDefinition<(&str, &str), (u64, bool)> = TableDefinition::new("doc_heads");

/// Collection settings (current schema version, retention): collection → settings.
pub const DOC_COLLECTIONS: TableDefinition<&str, Rec<DocCollection>> = TableDefinition::new("doc_collections");

/// JSON Schemas: `(collection, schema_version)` → schema.
pub const DOC_SCHEMAS: TableDefinition<(&str, u32), Rec<DocSchema>> = TableDefinition::new("doc_schemas");

/// Document migrations: `(collection, from_version)` → steps to `from_version + 1`.
pub const DOC_MIGRATIONS: TableDefinition<(&str, u32), Rec<DocMigration>> = TableDefinition::new("doc_migrations");

/// Meta key set to 1 once a document holding secret fields was stored: the store file is then
/// kept at mode 0600.
pub const META_HOLDS_SECRETS: &str = "holds_secrets";
