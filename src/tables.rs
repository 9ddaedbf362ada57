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
    AlertRecord, ArtifactRecord, BotState, CleanupRecord, DocCollection, DocMigration, DocSchema, DocVersion, KvEntry,
    KvItem, KvLock, MetricPoint, PartitionMeta, PortfolioSnapshot, Position, Trade, TradeStats, UsageSample,
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
/// Meta key holding the sequence number of the last operation of the operation log
/// (`tradestore.redo`) whose effects this file holds; replay at open starts after it.
pub const META_REDO_APPLIED: &str = "redo_applied";

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

/// Portfolio snapshots: `(ts_ns, seq)` → snapshot.
pub const PORTFOLIO: TableDefinition<(i64, u64), Rec<PortfolioSnapshot>> = TableDefinition::new("portfolio");

// ---------------------------------------------------------------------------------------------
// Analytics and artifacts
// ---------------------------------------------------------------------------------------------

/// Running trade aggregates: `(dimension, value)` → aggregate. Dimensions: `all` (value `""`),
/// `strategy`, `symbol`, `model` (value `name@version`). Updated in the commit of every fill.
pub const ANALYTICS_AGGREGATES: TableDefinition<(&str, &str), Rec<TradeStats>> =
    TableDefinition::new("analytics_aggregates");

/// Model index: `(model, ts_ns, id)` → symbol, for fills that name a model (`name@version`).
/// A prefix range over `name@` walks every version of one model.
pub const TRADES_BY_MODEL: TableDefinition<(&str, i64, u64), &str> = TableDefinition::new("trades_by_model");

/// Model versions: `(name, version)` → artifact record.
pub const ARTIFACTS: TableDefinition<(&str, &str), Rec<ArtifactRecord>> = TableDefinition::new("artifacts");

/// Artifact id → `(name, version)`.
pub const ARTIFACT_IDS: TableDefinition<u64, (&str, &str)> = TableDefinition::new("artifact_ids");

/// Aliases: `(name, alias)` → version, e.g. `("price_predictor", "production")` → `"1.2.0"`.
pub const ARTIFACT_ALIASES: TableDefinition<(&str, &str), &str> = TableDefinition::new("artifact_aliases");

/// Blob references: blake3 hex → number of artifact versions whose content it holds.
pub const ARTIFACT_BLOBS: TableDefinition<&str, u64> = TableDefinition::new("artifact_blobs");

/// Experiment metrics: `(experiment, metric, step)` → point. Logging a step again replaces it.
pub const METRICS: TableDefinition<(&str, &str, u64), Rec<MetricPoint>> = TableDefinition::new("metrics");

/// Meta key holding the next artifact id to assign.
pub const META_NEXT_ARTIFACT_ID: &str = "next_artifact_id";

// ---- Market history (Parquet partitions) ----

/// Market catalog: `(pair, timeframe, period)` → the partition file's rows, ts range, size and
/// blake3. Tick partitions use the timeframe `ticks`. Strings order by bytes, and periods are
/// zero-padded (`2024`, `2024-01`, `2024-01-02`), so a `(pair, timeframe)` range walks a
/// series' partitions in time order.
pub const MARKET_CATALOG: TableDefinition<(&str, &str, &str), Rec<PartitionMeta>> =
    TableDefinition::new("market_catalog");

/// Partition rewrites in flight: recorded (with the new file's metadata) before the new file is
/// renamed into place, removed when the catalog row is updated. A row left behind by a crash is
/// resolved by hashing the file: it is either the new file (the row is promoted into
/// [`MARKET_CATALOG`]) or the old one (the row is dropped).
pub const MARKET_PENDING: TableDefinition<(&str, &str, &str), Rec<PartitionMeta>> =
    TableDefinition::new("market_pending");
// ---- KV (the Redis-shaped part) ----
//
// A key's header lives in `kv_keys`; hash fields and list items in their own tables keyed by
// `(key, …)`, so a push or an hset writes one row, whatever the size of the collection. List
// items are keyed by a signed sequence number: `lpush` takes `head - 1`, `rpush` takes `tail`,
// and index `i` of the list is sequence `head + i`, so a range read is a single key range.

/// KV key → header (kind, absolute expiry, string value, list bounds, hash size).
pub const KV_KEYS: TableDefinition<&str, Rec<KvEntry>> = TableDefinition::new("kv_keys");

/// Hash fields: `(key, field)` → value.
pub const KV_HASH: TableDefinition<(&str, &str), Rec<KvItem>> = TableDefinition::new("kv_hash");

/// List items: `(key, seq)` → value, in list order.
pub const KV_LIST: TableDefinition<(&str, i64), Rec<KvItem>> = TableDefinition::new("kv_list");

/// Expiry index: `(expires_at_ns, key)` → (), walked by the sweeper in time order.
pub const KV_EXPIRY: TableDefinition<(i64, &str), ()> = TableDefinition::new("kv_expiry");

/// Held locks: name → holder, token, fencing number, expiry.
pub const KV_LOCKS: TableDefinition<&str, Rec<KvLock>> = TableDefinition::new("kv_locks");

/// Last fencing number handed out per lock name; kept after release so fencing only grows.
pub const KV_FENCING: TableDefinition<&str, u64> = TableDefinition::new("kv_fencing");

// ---- housekeeping -------------------------------------------------------------------------

/// Meta key: set to 1 when housekeeping found enough free space inside the store file to make a
/// compaction worthwhile; the store compacts when it next gets exclusive use of the file
/// (closing, or opening) and clears it.
pub const META_COMPACTION_DUE: &str = "compaction_due";
/// Meta key holding the next sequence number for housekeeping rows.
pub const META_NEXT_HK_SEQ: &str = "next_housekeeping_seq";

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
