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
