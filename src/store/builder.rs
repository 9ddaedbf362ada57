//! Store configuration: one builder owns every knob.

use std::path::Path;
use std::time::Duration;

use redb::{ReadableTable, TableHandle};

use super::{DB_FILE, Store, create_dir_private, restrict_file};
use crate::tables::{self, FORMAT_VERSION, META, META_FORMAT_VERSION};
use crate::{Error, Result};

/// What holds when a write call returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// The write is on disk (fsynced) before the call returns. A crash or power loss after
    /// that cannot lose it. The default.
    #[default]
    Immediate,
    /// The write is committed and visible to readers when the call returns, but reaches the disk
    /// with the next immediate commit, [`Store::flush`], the flush timer
    /// ([`StoreBuilder::flush_interval`]) or when the store closes. A crash before then loses
    /// it (the store stays consistent: the last durable state). Exclusive concurrency only.
    Eventual,
}

/// How processes share the store file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Concurrency {
    /// This process alone opens the store; a second opener gets [`Error::Locked`]. Fastest:
    /// one fsync per commit. The default.
    #[default]
    Exclusive,
    /// Any number of processes open the store read-write at the same time (a bot, its dashboard,
    /// an export job). Commits take a file lock and use two-phase commit (two fsyncs);
    /// [`Durability::Eventual`] is not available.
    Shared,
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) durability: Durability,
    pub(crate) concurrency: Concurrency,
    pub(crate) cache_bytes: u64,
    pub(crate) page_cache_bytes: usize,
    pub(crate) queue_depth: usize,
    pub(crate) max_batch: usize,
    pub(crate) flush_interval: Duration,
    pub(crate) state_keep_last: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            durability: Durability::Immediate,
            concurrency: Concurrency::Exclusive,
            cache_bytes: 32 << 20,
            page_cache_bytes: 64 << 20,
            queue_depth: 4096,
            max_batch: 1024,
            flush_interval: Duration::from_millis(100),
            state_keep_last: None,
        }
    }
}

/// Configures and opens a [`Store`].
///
/// # Examples
/// ```
/// use tradestore::{Durability, Store};
/// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
/// let store = Store::builder()
///     .durability(Durability::Immediate)
///     .cache_bytes(16 << 20)
///     .keep_state_versions(100)
///     .open(dir.path())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct StoreBuilder {
    config: Config,
}

impl StoreBuilder {
    /// What a write guarantees when it returns. Default = [`Durability::Immediate`].
    pub fn durability(mut self, d: Durability) -> Self {
        self.config.durability = d;
        self
    }

    /// How processes share the file. Default = [`Concurrency::Exclusive`].
    pub fn concurrency(mut self, c: Concurrency) -> Self {
        self.config.concurrency = c;
        self
    }

    /// Bytes of decoded records kept in the read cache; 0 disables it. Default = 32 MiB.
    pub fn cache_bytes(mut self, bytes: u64) -> Self {
        self.config.cache_bytes = bytes;
        self
    }

    /// Bytes of store-file pages kept in memory by the database. Default = 64 MiB. More speeds
    /// up cold reads of large stores at the cost of resident memory.
    pub fn page_cache_bytes(mut self, bytes: usize) -> Self {
        self.config.page_cache_bytes = bytes;
        self
    }

    /// Writes that may wait for the writer thread before callers block on sending.
    /// Default = 4096.
    pub fn queue_depth(mut self, n: usize) -> Self {
        self.config.queue_depth = n.max(1);
        self
    }

    /// Most operations applied in one commit. Default = 1024. Larger batches share an fsync among
    /// more writers but make each commit longer.
    pub fn max_batch(mut self, n: usize) -> Self {
        self.config.max_batch = n.max(1);
        self
    }

    /// With [`Durability::Eventual`], how long a committed write may stay unsynced when no
    /// other commit comes. Default = 100 ms.
    pub fn flush_interval(mut self, d: Duration) -> Self {
        self.config.flush_interval = d;
        self
    }

    /// Keep only the newest `n` bot-state versions (older ones are deleted when a new one is
    /// saved). Default = keep all.
    pub fn keep_state_versions(mut self, n: u64) -> Self {
        self.config.state_keep_last = Some(n.max(1));
        self
    }

    /// Opens (creating if needed) the store in directory `path`.
    ///
    /// # Errors
    /// [`Error::Validation`] for contradictory settings, [`Error::Io`] if the directory cannot be
    /// created, [`Error::Locked`] if another process holds the store, [`Error::Incompatible`]
    /// for a newer format or a file that is not a tradestore store.
    pub fn open(self, path: impl AsRef<Path>) -> Result<Store> {
        let config = self.config;
        if config.concurrency == Concurrency::Shared && config.durability == Durability::Eventual {
            return Err(Error::validation(
                "durability",
                "eventual durability needs exclusive concurrency (shared stores commit durably)",
            ));
        }
        let root = path.as_ref().to_path_buf();
        create_dir_private(&root)?;
        let file = root.join(DB_FILE);
        let mut b = redb::Builder::new();
        b.set_cache_size(config.page_cache_bytes);
        b.set_concurrency_mode(match config.concurrency {
            Concurrency::Exclusive => redb::ConcurrencyMode::ExclusiveWriter,
            Concurrency::Shared => redb::ConcurrencyMode::MultiWriter,
        });
        let mut db = b.create(&file)?;
        restrict_file(&file, 0o640)?;
        init_tables(&db)?;
        // A compaction requested by an earlier process that did not get to run it on close.
        // Not fatal: another process holding the file shared keeps the request for later.
        let _ = super::compact::run_if_due(&mut db, &file);
        Store::from_parts(root, db, config)
    }
}

/// Creates every table and checks (or writes) the format version.
fn init_tables(db: &redb::Database) -> Result<()> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        let found = meta.get(META_FORMAT_VERSION)?.map(|v| v.value());
        match found {
            Some(v) if v > FORMAT_VERSION => {
                return Err(Error::Incompatible {
                    found: v,
                    supported: FORMAT_VERSION,
                });
            }
            Some(_) => {}
            None => {
                let has_tables = txn.list_tables()?.any(|t| t.name() != META.name());
                if has_tables {
                    return Err(Error::Incompatible {
                        found: 0,
                        supported: FORMAT_VERSION,
                    });
                }
                meta.insert(META_FORMAT_VERSION, FORMAT_VERSION)?;
            }
        }
    }
    txn.open_table(tables::TRADES)?;
    txn.open_table(tables::TRADE_IDS)?;
    txn.open_table(tables::TRADES_BY_TIME)?;
    txn.open_table(tables::TRADES_BY_STRATEGY)?;
    txn.open_table(tables::ORDER_IDS)?;
    txn.open_table(tables::POSITIONS)?;
    txn.open_table(tables::STATE_VERSIONS)?;
    txn.open_table(tables::PORTFOLIO)?;
    txn.open_table(tables::HK_ALERTS)?;
    txn.open_table(tables::HK_METRICS)?;
    txn.open_table(tables::HK_CLEANUPS)?;
    txn.open_table(tables::HK_MARKS)?;
    txn.commit()?;
    Ok(())
}
