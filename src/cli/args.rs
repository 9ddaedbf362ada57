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
