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
    pub(crate) check_integrity_on_open: bool,
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
            check_integrity_on_open: true,
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

    /// Verify every page checksum of the database file while opening it, and refuse a file
    /// that fails with [`Error::Db`] instead of trusting it. Default = `true`.
    ///
    /// Record envelopes are verified on every read either way; this check also covers the
    /// database's own structure (B-tree pages, keys, allocator state), which a file altered
    /// outside tradestore (a flipped bit on disk, a bad copy) can damage in ways that make an
    /// unchecked open or read panic inside the database or miss a record without an error
    /// (docs/reliability.md has the counts). It reads the whole file and commits once, so
    /// opening takes time proportional to the store size (about 0.2 s for 200,000 trades,
    /// 135 MB, against 6 ms unchecked). Turn it off only for a file whose history you know.
    pub fn check_integrity_on_open(mut self, enabled: bool) -> Self {
        self.config.check_integrity_on_open = enabled;
        self
    }

    /// Opens (creating if needed) the store in directory `path`.
    ///
    /// # Errors
    /// [`Error::Validation`] for contradictory settings, [`Error::Io`] if the directory cannot be
    /// created, [`Error::Locked`] if another process holds the store, [`Error::Incompatible`]
    /// for a newer format or a file that is not a tradestore store.
    pub fn open(self, path: impl AsRef<Path>) -> Result<Store> {
        let file = path.as_ref().join(DB_FILE);
        self.open_inner(path.as_ref(), |b| {
            let db = b.create(&file)?;
            restrict_file(&file, 0o640)?;
            Ok(db)
        })
    }

    /// Opens a store whose database file lives in `backend` instead of `dir/tradestore.redb`.
    ///
    /// This exists for fault-injection tests: a backend that loses unsynced writes, tears
    /// pages, fails after N bytes or fails `fsync` sits under the real engine. `dir` is still
    /// the store directory (created 0750) for everything that is not the database file.
    /// Opening a store normally never goes through here.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// let backend = redb::backends::InMemoryBackend::new();
    /// let store = tradestore::Store::builder().open_with_backend(dir.path(), backend)?;
    /// assert!(store.load_state()?.is_none());
    /// # Ok::<(), tradestore::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`StoreBuilder::open`], with the backend's I/O errors reported as [`Error::Db`].
    pub fn open_with_backend(self, dir: impl AsRef<Path>, backend: impl redb::StorageBackend) -> Result<Store> {
        self.open_inner(dir.as_ref(), |b| Ok(b.create_with_backend(backend)?))
    }

    fn open_inner(self, root: &Path, create: impl FnOnce(&redb::Builder) -> Result<redb::Database>) -> Result<Store> {
        let config = self.config;
        if config.concurrency == Concurrency::Shared && config.durability == Durability::Eventual {
            return Err(Error::validation(
                "durability",
                "eventual durability needs exclusive concurrency (shared stores commit durably)",
            ));
        }
        create_dir_private(root)?;
        let mut b = redb::Builder::new();
        b.set_cache_size(config.page_cache_bytes);
        b.set_check_integrity_on_open(config.check_integrity_on_open);
        b.set_concurrency_mode(match config.concurrency {
            Concurrency::Exclusive => redb::ConcurrencyMode::ExclusiveWriter,
            Concurrency::Shared => redb::ConcurrencyMode::MultiWriter,
        });
        let db = create(&b)?;
        init_tables(&db)?;
        Store::from_parts(root.to_path_buf(), db, config)
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
    txn.commit()?;
    Ok(())
}
