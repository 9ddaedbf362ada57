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
    /// Candle history in Parquet partitions.
    #[command(subcommand)]
    Market(MarketCmd),
    /// Write trades, portfolio history, metrics or candles to files for analysis.
    Export(ExportArgs),
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
