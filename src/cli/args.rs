//! Command-line arguments (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// tradestore: the embedded store for trading bots.
#[derive(Debug, Parser)]
#[command(name = "tradestore", version, about)]
pub struct Cli {
    /// Store directory (default: $TRADESTORE_DIR, else ./tradestore-data).
    #[arg(long, global = true, env = "TRADESTORE_DIR")]
    pub store: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

// Parsed once per process; boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the store (idempotent) and print its layout.
    Init,
    /// Counts, sizes, cache hit rate and health.
    Status,
    /// Simulate a bot end to end into a fresh store and print a summary.
    Demo(DemoArgs),
    /// Record and read fills.
    #[command(subcommand)]
    Trades(TradesCmd),
    /// Versioned bot state.
    #[command(subcommand)]
    State(StateCmd),
    /// Portfolio snapshots.
    #[command(subcommand)]
    Portfolio(PortfolioCmd),
    /// Disk quotas, retention, cleanup, alerts and monitoring of the managed components.
    Housekeeping(HousekeepingArgs),
    /// Performance report (trade-level and return metrics), optionally broken down.
    Analytics(AnalyticsArgs),
    /// Model registry: versions, aliases, experiment metrics, retention.
    #[command(subcommand)]
    Artifacts(ArtifactsCmd),
    /// Candle history in Parquet partitions.
    #[command(subcommand)]
    Market(MarketCmd),
    /// Write trades, portfolio history, metrics or candles to files for analysis.
    Export(ExportArgs),
    /// Redis-shaped key-value operations: strings, counters, hashes, lists, locks.
    #[command(subcommand)]
    Kv(KvCmd),
    /// JSON documents in collections, with version history.
    #[command(subcommand)]
    Doc(DocCmd),
    /// JSON Schemas of collections.
    #[command(subcommand)]
    Schema(SchemaCmd),
    /// Whole-store snapshot files.
    #[command(subcommand)]
    Snapshot(SnapshotCmd),
    /// Full integrity scan (records, indexes, documents, snapshot files); exit 4 on corruption.
    Verify,
    /// Import a bot's legacy JSON data directory (idempotent).
    ImportLegacy {
        /// The directory (portfolio.json, state.json, config.json, performance/, <collection>/).
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Number of fills to simulate.
    #[arg(long, default_value_t = 20_000)]
    pub trades: u64,
    /// Random seed (same seed, same market).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TradesCmd {
    /// Record one fill.
    Add(TradeAddArgs),
    /// Import fills from a .csv or .jsonl file (all or nothing; duplicates skipped).
    Import {
        /// The file.
        file: PathBuf,
    },
    /// List fills, filtered and paged.
    List(TradeListArgs),
    /// Show one fill.
    Get {
        /// Trade id.
        id: u64,
    },
}

#[derive(Debug, Args)]
pub(crate) struct TradeAddArgs {
    #[arg(long)]
    pub symbol: String,
    #[arg(long)]
    pub side: String,
    #[arg(long)]
    pub qty: String,
    #[arg(long)]
    pub price: String,
    #[arg(long)]
    pub fee: Option<String>,
    #[arg(long)]
    pub fee_currency: Option<String>,
    /// RFC 3339 or epoch milliseconds (default: now).
    #[arg(long)]
    pub ts: Option<String>,
    #[arg(long)]
    pub strategy: Option<String>,
    #[arg(long)]
    pub venue: Option<String>,
    #[arg(long)]
    pub order_id: Option<String>,
    /// Model behind the fill, as name@version.
    #[arg(long)]
    pub model: Option<String>,
    /// JSON metadata.
    #[arg(long)]
    pub meta: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TradeListArgs {
    #[arg(long)]
    pub symbol: Option<String>,
    #[arg(long)]
    pub strategy: Option<String>,
    #[arg(long)]
    pub side: Option<String>,
    /// Inclusive lower bound (RFC 3339 or epoch ms).
    #[arg(long)]
    pub since: Option<String>,
    /// Exclusive upper bound (RFC 3339 or epoch ms).
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Cursor from a previous page's next_cursor.
    #[arg(long)]
    pub after: Option<String>,
    /// Newest first.
    #[arg(long)]
    pub desc: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StateCmd {
    /// Store a new state version from FILE or standard input (any JSON).
    Save {
        file: Option<PathBuf>,
        #[arg(long)]
        label: Option<String>,
    },
    /// Print the latest valid version, or version N.
    Load {
        #[arg(long)]
        version: Option<u64>,
    },
    /// List every version.
    History,
    /// Append a new version equal to version N.
    Rollback { version: u64 },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PortfolioCmd {
    /// Record a snapshot from FILE or standard input (JSON).
    Snapshot { file: Option<PathBuf> },
    /// Print the value history.
    History {
        /// Only the last N days.
        #[arg(long)]
        days: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum MarketCmd {
    /// Import candles from a CSV, freqtrade (.json/.feather/.parquet) or legacy Parquet file.
    Import(MarketImportArgs),
    /// Print candles of one series.
    Query(MarketQueryArgs),
    /// List the partitions in the catalog.
    List,
}

#[derive(Debug, Args)]
pub(crate) struct MarketImportArgs {
    /// The file.
    pub file: PathBuf,
    /// Pair, e.g. BTC-EUR (default: from a freqtrade or legacy file name).
    #[arg(long)]
    pub pair: Option<String>,
    /// Timeframe, e.g. 1m, 1h, 1d, or `ticks` for a tick CSV (ts, price, amount, side,
    /// trade_id) (default: from a freqtrade or legacy file name).
    #[arg(long)]
    pub timeframe: Option<String>,
    /// csv, freqtrade-json, feather or parquet (default: from the extension).
    #[arg(long)]
    pub format: Option<String>,
    /// Import the good rows and list the bad ones instead of refusing the file.
    #[arg(long)]
    pub skip_bad: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MarketQueryArgs {
    #[arg(long)]
    pub pair: String,
    /// Timeframe, or `ticks`.
    #[arg(long)]
    pub timeframe: String,
    /// Inclusive start (RFC 3339 or epoch ms).
    #[arg(long)]
    pub from: Option<String>,
    /// Exclusive end (RFC 3339 or epoch ms).
    #[arg(long)]
    pub to: Option<String>,
    /// json or csv (default csv; json with --json).
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportWhat {
    Trades,
    Portfolio,
    Market,
    Metrics,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub what: ExportWhat,
    /// Output file (a directory for `market`).
    #[arg(long)]
    pub out: PathBuf,
    /// Inclusive start (RFC 3339 or epoch ms).
    #[arg(long)]
    pub since: Option<String>,
    /// Exclusive end (RFC 3339 or epoch ms).
    #[arg(long)]
    pub until: Option<String>,
    /// market: only this pair.
    #[arg(long)]
    pub pair: Option<String>,
    /// market: only this timeframe.
    #[arg(long)]
    pub timeframe: Option<String>,
    /// market: freqtrade (<PAIR>-<tf>.<ext>) or legacy ({ASSET}-{BASE}_{granularity}_{N}d.parquet).
    #[arg(long, default_value = "freqtrade")]
    pub layout: String,
    /// market, freqtrade layout: feather, json or parquet.
    #[arg(long, default_value = "feather")]
    pub data_format: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KvCmd {
    /// Set a string value.
    Set {
        key: String,
        value: String,
        /// Time to live in seconds (fractions allowed).
        #[arg(long)]
        ttl: Option<String>,
    },
    /// Print a string value (exit 3 if the key does not exist).
    Get { key: String },
    /// Delete a key of any type (exit 3 if it does not exist).
    Del { key: String },
    /// Add to a counter and print the new value.
    Incr {
        key: String,
        #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
        by: i64,
    },
    /// Set a hash field.
    Hset { key: String, field: String, value: String },
    /// Print a hash field (exit 3 if missing).
    Hget { key: String, field: String },
    /// Print every field of a hash (exit 3 if the key does not exist).
    Hgetall { key: String },
    /// Push values at the head of a list; print its length.
    Lpush {
        key: String,
        #[arg(required = true)]
        values: Vec<String>,
    },
    /// Push values at the tail of a list; print its length.
    Rpush {
        key: String,
        #[arg(required = true)]
        values: Vec<String>,
    },
    /// Pop the first item of a list (exit 3 if the list is empty or missing).
    Lpop { key: String },
    /// Pop the last item of a list (exit 3 if the list is empty or missing).
    Rpop { key: String },
    /// Print items START..=STOP of a list (negative indexes count from the end).
    Lrange {
        key: String,
        #[arg(allow_negative_numbers = true)]
        start: i64,
        #[arg(allow_negative_numbers = true)]
        stop: i64,
    },
    /// Take a named lock; print its token and fencing number (exit 1 if it is held).
    Lock {
        name: String,
        /// Seconds until the lock lapses unless released (fractions allowed).
        #[arg(long)]
        ttl: String,
        /// Holder description (default: tradestore-cli and the process id).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Release a named lock taken with `kv lock`.
    Unlock {
        name: String,
        #[arg(long)]
        token: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AnalyticsArgs {
    /// Inclusive lower bound (RFC 3339 or epoch ms).
    #[arg(long)]
    pub since: Option<String>,
    /// Exclusive upper bound (RFC 3339 or epoch ms).
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long)]
    pub symbol: Option<String>,
    #[arg(long)]
    pub strategy: Option<String>,
    /// Only fills of this model: name@version, or a bare name for every version.
    #[arg(long)]
    pub model: Option<String>,
    /// Also break the figures down by model, strategy or symbol.
    #[arg(long, value_parser = ["model", "strategy", "symbol"])]
    pub by: Option<String>,
    /// Periods per year for annualising (365 for crypto, 252 for exchange hours).
    #[arg(long, default_value_t = 365.0)]
    pub periods_per_year: f64,
    /// Risk-free rate per period (per day).
    #[arg(long, default_value_t = 0.0)]
    pub risk_free: f64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ArtifactsCmd {
    /// Store FILE as version VERSION (semantic) of model NAME.
    Put {
        name: String,
        version: String,
        file: PathBuf,
        /// JSON metadata.
        #[arg(long)]
        meta: Option<String>,
    },
    /// Write a model version to FILE (verified against its blake3).
    Get {
        name: String,
        /// A version, an alias, or `latest` (default).
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// List versions whose name or name@version matches the glob PATTERN.
    List { pattern: Option<String> },
    /// Point ALIAS of model NAME at VERSION (a version, `latest`, or another alias).
    Alias {
        name: String,
        alias: String,
        version: String,
    },
    /// Log metrics of EXPERIMENT as NAME=VALUE pairs.
    LogMetric {
        experiment: String,
        #[arg(required = true)]
        values: Vec<String>,
        /// Step (default: one past the last step logged for these metrics).
        #[arg(long)]
        step: Option<u64>,
    },
    /// Print the values of metric NAME of EXPERIMENT by step.
    MetricHistory { experiment: String, name: String },
    /// Remove versions older than N days, keeping aliased versions and the latest K per name.
    Cleanup {
        #[arg(long)]
        retention_days: u64,
        #[arg(long, default_value_t = 1)]
        keep_latest: usize,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DocCmd {
    /// Store a document from FILE or standard input, validated against the collection's schema.
    Put {
        collection: String,
        key: String,
        file: Option<PathBuf>,
    },
    /// Print the latest version (or version N). Secret fields are redacted.
    Get {
        collection: String,
        key: String,
        #[arg(long)]
        version: Option<u64>,
        /// Print secret fields (api_key, password, token, ...) as stored.
        #[arg(long)]
        show_secrets: bool,
    },
    /// List every stored version of a key.
    History { collection: String, key: String },
    /// Append a new version equal to VERSION.
    Restore {
        collection: String,
        key: String,
        version: u64,
    },
    /// Delete a key, keeping its history unless --purge-history.
    Delete {
        collection: String,
        key: String,
        /// Also remove every version.
        #[arg(long)]
        purge_history: bool,
    },
    /// List the keys of a collection.
    List {
        collection: String,
        /// Only keys starting with this.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Start after this key.
        #[arg(long)]
        after: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Rewrite documents stored under older schema versions with the registered migrations.
    Migrate { collection: String },
    /// Set which versions a collection keeps (applied now and on every write).
    Retention {
        collection: String,
        /// Keep the newest N versions of each key.
        #[arg(long)]
        keep_last: Option<u64>,
        /// Keep versions newer than this many days.
        #[arg(long)]
        keep_days: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SchemaCmd {
    /// Set a collection's JSON Schema (draft 2020-12) from FILE; reports stored documents that
    /// would fail it.
    Set { collection: String, file: PathBuf },
    /// Print a collection's current schema.
    Show { collection: String },
    /// Register the migration from schema version FROM to FROM+1 (FILE: JSON list of steps).
    Migration {
        collection: String,
        from: u32,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SnapshotCmd {
    /// Write a snapshot of the whole store (default: <store>/snapshots/<time>.tsnap).
    Create {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the snapshots in <store>/snapshots/.
    List,
    /// Verify FILE completely, then restore it as a new store in DIR.
    Restore {
        file: PathBuf,
        #[arg(long)]
        into: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct HousekeepingArgs {
    /// Housekeeping configuration (TOML). Default: STORE/housekeeping.toml if present, else the
    /// built-in seven components.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub cmd: HousekeepingCmd,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HousekeepingCmd {
    /// Usage per component and storage type, the store's own files, and free disk space.
    Usage,
    /// Stored alerts, oldest first.
    Alerts {
        /// At most this many (the newest).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Only alerts of the last N hours.
        #[arg(long)]
        hours: Option<f64>,
    },
    /// Usage, trends, recent alerts, last cleanups and compaction state.
    Dashboard {
        /// Trend window in hours.
        #[arg(long, default_value_t = 24.0)]
        window_hours: f64,
    },
    /// Remove what the strategy selects (or with --dry-run, list it).
    Cleanup {
        /// Only this component (no in-store retention then).
        #[arg(long)]
        component: Option<String>,
        /// time, size, lru, priority or adaptive (default: each component's own).
        #[arg(long)]
        strategy: Option<String>,
        /// List exactly what would go and how many bytes; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run the monitoring loops in the foreground.
    Monitor {
        /// Seconds between passes (default: the configured usage interval).
        #[arg(long)]
        interval: Option<u64>,
        /// One pass, then exit.
        #[arg(long)]
        once: bool,
    },
}
