//! Store configuration: one builder owns every knob.

use std::path::Path;
use std::time::Duration;

use redb::{ReadableTable, TableHandle};

use super::{DB_FILE, Store, create_dir_private, migrate, restrict_file};
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

/// Default of [`StoreBuilder::spin_wait`].
const DEFAULT_SPIN_WAIT: Duration = Duration::from_micros(200);
/// Longest [`StoreBuilder::spin_wait`]: a longer one is taken as this.
const MAX_SPIN_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) durability: Durability,
    pub(crate) concurrency: Concurrency,
    pub(crate) cache_bytes: u64,
    pub(crate) page_cache_bytes: usize,
    pub(crate) queue_depth: usize,
    pub(crate) max_batch: usize,
    pub(crate) flush_interval: Duration,
    pub(crate) spin_wait: Duration,
    pub(crate) log_checkpoint_bytes: u64,
    pub(crate) state_keep_last: Option<u64>,
    pub(crate) check_integrity_on_open: bool,
    pub(crate) snapshot_every: Option<(Duration, usize)>,
    pub(crate) kv_cache_bytes: u64,
    pub(crate) kv_sweep_interval: Duration,
    pub(crate) kv_pubsub_capacity: usize,
    #[cfg(feature = "redis")]
    pub(crate) redis_url: Option<String>,
    #[cfg(feature = "redis")]
    pub(crate) redis_pool: usize,
    pub(crate) market_row_group_rows: usize,
    pub(crate) market_batch_rows: usize,
    pub(crate) market_verify_reads: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            durability: Durability::Immediate,
            concurrency: Concurrency::Exclusive,
            cache_bytes: 32 << 20,
            page_cache_bytes: 64 << 20,
            queue_depth: 4096,
            kv_cache_bytes: 16 << 20,
            kv_sweep_interval: Duration::from_secs(1),
            kv_pubsub_capacity: 1024,
            #[cfg(feature = "redis")]
            redis_url: None,
            #[cfg(feature = "redis")]
            redis_pool: 16,
            max_batch: 1024,
            flush_interval: Duration::from_millis(100),
            spin_wait: DEFAULT_SPIN_WAIT,
            log_checkpoint_bytes: crate::wal::CHECKPOINT_BYTES,
            state_keep_last: None,
            check_integrity_on_open: true,
            snapshot_every: None,
            market_row_group_rows: crate::market::parquet_io::DEFAULT_ROW_GROUP_ROWS,
            market_batch_rows: 65_536,
            market_verify_reads: true,
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
    /// other commit comes. With [`Durability::Immediate`], how long writes made durable by the
    /// operation log (see [`crate::redo`]) may wait, without other writes, before the store
    /// file is synced and the log starts over: what a reopen after a crash may have to replay.
    /// Default = 100 ms.
    pub fn flush_interval(mut self, d: Duration) -> Self {
        self.config.flush_interval = d;
        self
    }

    /// How long the writer thread and the operation log's thread (see [`crate::redo`]) poll for
    /// work from each other, the writer for the callers' next writes, and a caller for the
    /// answer to a durable write when it waits alone and comes back within this time of its last
    /// answer, yielding the processor between polls, before they sleep. Default = 200 µs; at
    /// most 1 s (a longer time is taken as 1 s).
    ///
    /// A durable write is handed to the log's thread for its sync and back to the writer, which
    /// answers the caller. Waking a sleeping thread on an idle core costs tens of microseconds on
    /// a virtual machine, where a sync on a fast disk takes 70–140 µs: polling cuts a durable
    /// save's latency by about a third there (`docs/benchmarks.md`, "Polling before sleeping").
    /// The price is processor time: each wait polls at most this long, and gives the processor
    /// to any thread that is ready to run meanwhile. `Duration::ZERO` sleeps at once.
    pub fn spin_wait(mut self, d: Duration) -> Self {
        self.config.spin_wait = d.min(MAX_SPIN_WAIT);
        self
    }

    /// Size the commit log (`tradestore.wal`) may reach before the store file is synced and the
    /// log starts over. Default = 64 MiB. Smaller bounds the log file and the replay after a
    /// crash; larger spreads the store file's syncs further apart. At least 64 KiB. Only for
    /// [`Concurrency::Exclusive`] stores (shared ones have no log).
    pub fn log_checkpoint_bytes(mut self, bytes: u64) -> Self {
        self.config.log_checkpoint_bytes = bytes.max(64 << 10);
        self
    }

    /// Keep only the newest `n` bot-state versions (older ones are deleted when a new one is
    /// saved). Default = keep all.
    pub fn keep_state_versions(mut self, n: u64) -> Self {
        self.config.state_keep_last = Some(n.max(1));
        self
    }

    /// Rows per Parquet row group in market partitions. Default = 16 384. Smaller groups let
    /// range reads skip more (pruning works per row group); larger ones compress and scan a
    /// little faster.
    pub fn market_row_group_rows(mut self, n: usize) -> Self {
        self.config.market_row_group_rows = n.max(1);
        self
    }

    /// Most rows per Arrow batch that market reads yield. Default = 65 536.
    pub fn market_batch_rows(mut self, n: usize) -> Self {
        self.config.market_batch_rows = n.max(1);
        self
    }

    /// Whether market reads check each partition file's size and blake3 against the catalog
    /// before decoding it. Default = true. Off saves one hash pass over the file per read and
    /// trusts the disk; `verify` still re-hashes everything.
    pub fn verify_market_reads(mut self, on: bool) -> Self {
        self.config.market_verify_reads = on;
        self
    }

    /// Bytes of KV strings kept in this process's memory for fast `get`; 0 disables it.
    /// Default = 16 MiB. When the bound is reached the least useful entries are evicted (counted
    /// in [`KvStats::evictions`](crate::kv::KvStats)). Only used with
    /// [`Concurrency::Exclusive`] and the embedded backend, where no other process can change a
    /// key behind the cache.
    pub fn kv_cache_bytes(mut self, bytes: u64) -> Self {
        self.config.kv_cache_bytes = bytes;
        self
    }

    /// How often the background sweeper reclaims expired KV keys. Default = 1 s. Expired keys
    /// are never returned in between; this only bounds how long they take space.
    pub fn kv_sweep_interval(mut self, every: Duration) -> Self {
        self.config.kv_sweep_interval = every.max(Duration::from_millis(1));
        self
    }

    /// Messages a pub/sub subscriber may have queued before the oldest is dropped.
    /// Default = 1024.
    pub fn kv_pubsub_capacity(mut self, n: usize) -> Self {
        self.config.kv_pubsub_capacity = n.max(1);
        self
    }

    /// Runs the KV layer on the Redis server at `url` (`redis://host:port/db`), falling back to
    /// the embedded tables while it is unreachable. Default = the `TRADESTORE_REDIS_URL`
    /// environment variable when set, else embedded only.
    #[cfg(feature = "redis")]
    pub fn redis_url(mut self, url: impl Into<String>) -> Self {
        self.config.redis_url = Some(url.into());
        self
    }

    /// Most idle Redis connections kept for reuse. Default = 16.
    #[cfg(feature = "redis")]
    pub fn redis_pool(mut self, n: usize) -> Self {
        self.config.redis_pool = n.max(1);
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

    /// Takes a snapshot of the whole store every `every` into `<store>/snapshots/auto-*.tsnap`
    /// from a background thread, keeping the newest `keep_last` of them (snapshots taken by hand
    /// are never removed). Default = no scheduled snapshots. Each costs one full read of the store
    /// and its size on disk; writers are not blocked.
    pub fn scheduled_snapshots(mut self, every: Duration, keep_last: usize) -> Self {
        self.config.snapshot_every = Some((every.max(Duration::from_millis(10)), keep_last.max(1)));
        self
    }

    /// Opens (creating if needed) the store in directory `path`. A store of an older format is
    /// upgraded first, in one transaction, after an automatic snapshot of it is written to
    /// `<store>/snapshots/pre-migration-v<N>-<time>.tsnap`.
    ///
    /// # Errors
    /// [`Error::Validation`] for contradictory settings, [`Error::Io`] if the directory cannot be
    /// created, [`Error::Locked`] if another process holds the store, [`Error::Incompatible`]
    /// for a newer format or a file that is not a tradestore store.
    pub fn open(self, path: impl AsRef<Path>) -> Result<Store> {
        let file = path.as_ref().join(DB_FILE);
        let wal = path.as_ref().join(crate::wal::WAL_FILE);
        let shared = self.config.concurrency == Concurrency::Shared;
        let checkpoint = self.config.log_checkpoint_bytes;
        self.open_inner(path.as_ref(), Some(&file), None, |b| {
            // Processes sharing a store each write the file directly (one log could not serve
            // them all); one that holds it alone commits through the log.
            let db = if shared {
                crate::wal::recover(&file, &wal)?;
                super::create::ensure_store_file(path.as_ref(), &file)?;
                b.create(&file)?
            } else {
                super::create::ensure_store_file(path.as_ref(), &file)?;
                b.create_with_backend(crate::wal::open(&file, &wal)?.checkpoint_every(checkpoint))?
            };
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
        self.open_inner(dir.as_ref(), None, None, |b| Ok(b.create_with_backend(backend)?))
    }

    /// As [`StoreBuilder::open_with_backend`], with the operation log (see [`crate::redo`]) in
    /// `redo_log` instead of `dir/tradestore.redo`: for fault-injection tests of the saves that
    /// go through it. The log is kept under the same conditions as for a store file (exclusive
    /// concurrency, immediate durability).
    ///
    /// # Errors
    /// As [`StoreBuilder::open_with_backend`].
    pub fn open_with_backend_and_log(
        self,
        dir: impl AsRef<Path>,
        backend: impl redb::StorageBackend,
        redo_log: impl redb::StorageBackend,
    ) -> Result<Store> {
        self.open_inner(dir.as_ref(), None, Some(Box::new(redo_log)), |b| {
            Ok(b.create_with_backend(backend)?)
        })
    }

    /// Opens the store in `root`; `file` is the database file when it is a file (compaction and
    /// file modes apply to it), `None` for a custom backend.
    fn open_inner(
        self,
        root: &Path,
        file: Option<&Path>,
        redo_log: Option<Box<dyn redb::StorageBackend>>,
        create: impl FnOnce(&redb::Builder) -> Result<redb::Database>,
    ) -> Result<Store> {
        #[allow(unused_mut)]
        let mut config = self.config;
        #[cfg(feature = "redis")]
        if config.redis_url.is_none() {
            config.redis_url = std::env::var("TRADESTORE_REDIS_URL").ok().filter(|u| !u.is_empty());
        }
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
        let mut db = create(&b)?;
        if let Some(file) = file {
            // A compaction requested by an earlier process that did not get to run it on close.
            // Not fatal: another process holding the file shared keeps the request for later.
            let _ = super::compact::run_if_due(&mut db, file);
        }
        migrate::upgrade(&db, root)?;
        init_tables(&db)?;
        // Operations a crash left in the operation log are replayed in any case; the log is
        // kept only where one process writes and every write is durable.
        let keep = config.concurrency == Concurrency::Exclusive && config.durability == Durability::Immediate;
        let redo = match (redo_log, file) {
            (Some(log), _) => crate::redo::open_on(&db, log, keep, config.spin_wait)?,
            (None, Some(_)) => crate::redo::open(&db, root, keep, config.spin_wait)?,
            (None, None) => None,
        };
        if let Some(file) = file
            && holds_secrets(&db)?
        {
            restrict_file(file, 0o600)?;
        }
        Store::from_parts(root.to_path_buf(), db, config, redo)
    }
}

/// Whether the store holds secrets (its file must then stay 0600).
fn holds_secrets(db: &redb::Database) -> Result<bool> {
    let rtx = redb::ReadableDatabase::begin_read(db)?;
    Ok(rtx.open_table(META)?.get(tables::META_HOLDS_SECRETS)?.is_some())
}

/// Creates every table and checks (or writes) the format version.
///
/// Commits only when something was created or rebuilt: reopening a current store writes
/// nothing, so it opens (and serves reads) even on a full disk.
fn init_tables(db: &redb::Database) -> Result<()> {
    let txn = db.begin_write()?;
    let tables_before = txn.list_tables()?.count();
    let mut changed = false;
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
                changed = true;
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
    txn.open_table(tables::KV_KEYS)?;
    txn.open_table(tables::KV_HASH)?;
    txn.open_table(tables::KV_LIST)?;
    txn.open_table(tables::KV_EXPIRY)?;
    txn.open_table(tables::KV_LOCKS)?;
    txn.open_table(tables::KV_FENCING)?;
    txn.open_table(tables::MARKET_CATALOG)?;
    txn.open_table(tables::MARKET_PENDING)?;
    txn.open_table(tables::ANALYTICS_AGGREGATES)?;
    txn.open_table(tables::TRADES_BY_MODEL)?;
    txn.open_table(tables::ARTIFACTS)?;
    txn.open_table(tables::ARTIFACT_IDS)?;
    txn.open_table(tables::ARTIFACT_ALIASES)?;
    txn.open_table(tables::ARTIFACT_BLOBS)?;
    txn.open_table(tables::METRICS)?;
    changed |= crate::analytics::backfill(&txn)?;
    txn.open_table(tables::HK_ALERTS)?;
    txn.open_table(tables::HK_METRICS)?;
    txn.open_table(tables::HK_CLEANUPS)?;
    txn.open_table(tables::HK_MARKS)?;
    txn.open_table(tables::DOC_VERSIONS)?;
    txn.open_table(tables::DOC_HEADS)?;
    txn.open_table(tables::DOC_COLLECTIONS)?;
    txn.open_table(tables::DOC_SCHEMAS)?;
    txn.open_table(tables::DOC_MIGRATIONS)?;
    changed |= txn.list_tables()?.count() != tables_before;
    if changed {
        txn.commit()?;
    } else {
        txn.abort()?;
    }
    Ok(())
}
