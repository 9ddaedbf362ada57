//! The store handle: opening, configuration, the writer thread and the read cache.

mod builder;
mod cache;
mod compact;
pub(crate) mod crash;
mod create;
mod fsperm;
mod migrate;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};

pub(crate) use builder::Config;
pub use builder::{Concurrency, Durability, StoreBuilder};
pub use cache::CacheStats;
pub(crate) use cache::TradeCache;
pub use fsperm::sync_dir;
pub(crate) use fsperm::{create_dir_private, restrict_file};
pub(crate) use writer::Shared;
use writer::Writer;

use crate::{Error, Result};

/// File name of the transactional store inside the store directory.
pub const DB_FILE: &str = "tradestore.redb";

/// One handle on an open store. Cheap to clone; `Send + Sync`. Dropping the last handle flushes
/// pending writes and joins the writer thread.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) root: PathBuf,
    pub(crate) db: Arc<Database>,
    pub(crate) cache: TradeCache,
    pub(crate) schemas: crate::documents::SchemaCache,
    pub(crate) scheduler: Option<crate::snapshot::Scheduler>,
    pub(crate) config: builder::Config,
    pub(crate) kv: crate::kv::KvShared,
    writer: Writer,
    /// Never sent on: dropped with the store, which wakes every [`Store::closed`] receiver.
    _closing: crossbeam_channel::Sender<()>,
    closed: crossbeam_channel::Receiver<()>,
}

/// A handle that does not keep the store open: background work holds one and upgrades it for
/// each pass, so closing the last [`Store`] really closes the store.
#[derive(Clone, Debug)]
pub struct WeakStore {
    inner: Weak<Inner>,
}

impl WeakStore {
    /// The store, if it is still open.
    pub fn upgrade(&self) -> Option<Store> {
        self.inner.upgrade().map(|inner| Store { inner })
    }
}

/// Counters describing the open store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreStats {
    /// Read cache counters.
    pub cache: CacheStats,
    /// Size of the store file in bytes.
    pub file_bytes: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.inner.root)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the store in directory `path` with default settings.
    ///
    /// Same as `Store::builder().open(path)`.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// let store = tradestore::Store::open(dir.path())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if the directory cannot be created, [`Error::Locked`] if another process
    /// holds the store exclusively, [`Error::Incompatible`] for a store of a newer format.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        StoreBuilder::default().open(path)
    }

    /// A builder to configure the store before opening it.
    pub fn builder() -> StoreBuilder {
        StoreBuilder::default()
    }

    pub(crate) fn from_parts(
        root: PathBuf,
        db: Database,
        config: builder::Config,
        redo: Option<crate::redo::RedoLog>,
    ) -> Result<Store> {
        let db = Arc::new(db);
        let writer = Writer::spawn(db.clone(), &config, redo)?;
        let cache = TradeCache::new(config.cache_bytes);
        let kv = crate::kv::KvShared::new(&config)?;
        let sweep_every = config.kv_sweep_interval;
        let scheduler = match config.snapshot_every {
            Some((every, keep)) => Some(crate::snapshot::Scheduler::spawn(
                db.clone(),
                root.clone(),
                every,
                keep,
            )?),
            None => None,
        };
        let (closing, closed) = crossbeam_channel::bounded(0);
        let inner = Arc::new(Inner {
            _closing: closing,
            closed,
            root,
            db,
            cache,
            config,
            kv,
            schemas: Default::default(),
            scheduler,
            writer,
        });
        inner.kv.sweeper.start(Arc::downgrade(&inner), sweep_every)?;
        Ok(Store { inner })
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Store {
        Store { inner }
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.inner.root
    }

    /// A handle that does not keep the store open (see [`WeakStore`]).
    pub fn downgrade(&self) -> WeakStore {
        WeakStore {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// A channel that never receives a message and disconnects when the store closes: select on
    /// it to stop background work promptly.
    pub fn closed(&self) -> crossbeam_channel::Receiver<()> {
        self.inner.closed.clone()
    }

    /// Asks for the store file to be compacted the next time the store has it alone (when the
    /// last handle closes, or at the next open). Housekeeping calls this after retention freed
    /// enough space; see `docs/operations.md`.
    ///
    /// # Errors
    /// [`Error::Db`] if the request cannot be stored.
    pub fn request_compaction(&self) -> Result<()> {
        self.write(|txn| {
            txn.open_table(crate::tables::META)?
                .insert(crate::tables::META_COMPACTION_DUE, 1)?;
            Ok(())
        })
    }

    /// Whether a compaction is waiting for the store to close or reopen.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn compaction_pending(&self) -> Result<bool> {
        compact::is_due(&self.inner.db)
    }

    /// Bytes inside the store file that hold no live data (free and fragmented pages): what a
    /// compaction could give back at most.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn reclaimable_bytes(&self) -> Result<u64> {
        let file = self.stats().file_bytes;
        let (allocated, fragmented) = self.write(|txn| {
            let s = txn.stats()?;
            let page = s.page_size() as u64;
            Ok((s.allocated_pages().saturating_mul(page), s.fragmented_bytes()))
        })?;
        Ok(file.saturating_sub(allocated).saturating_add(fragmented).min(file))
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Runs `op` inside the writer thread's current write transaction and returns its result once
    /// the transaction is committed (and durable, under [`Durability::Immediate`]). Reads begun
    /// after it returns see its effects.
    ///
    /// `op` may run more than once: when another operation of the same group commit fails, the
    /// transaction is rolled back and the others are applied again without it. It must therefore
    /// derive everything from its captured inputs and the transaction.
    pub(crate) fn write<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&WriteTransaction) -> Result<R> + Send + 'static,
    {
        self.inner
            .writer
            .submit(writer::Plain(op), self.inner.config.durability, None)
    }

    /// As [`Store::write`], for an operation the operation log can record: `logged` is its
    /// logged form (see [`crate::redo`]), whose replay must do exactly what `op` does.
    /// `op` works on the tables the operations of one group commit share (see [`Shared`]).
    /// Through the log, it returns once `op` is applied and its frame synced; the store file
    /// commits it later, and reads begun after it returns ask for that commit first.
    pub(crate) fn write_logged<R, F>(&self, op: F, logged: Option<Vec<u8>>) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Shared<'_>) -> Result<R> + Send + 'static,
    {
        self.inner
            .writer
            .submit(writer::WithShared(op), self.inner.config.durability, logged)
    }

    /// Makes every acknowledged write durable now (a no-op under [`Durability::Immediate`]).
    ///
    /// # Errors
    /// [`Error::Db`] if the commit fails, [`Error::Unavailable`] if the writer is gone.
    pub fn flush(&self) -> Result<()> {
        self.inner.writer.submit(
            writer::Plain(|_txn: &WriteTransaction| Ok(())),
            Durability::Immediate,
            None,
        )
    }

    /// A read transaction that holds every write answered before the call.
    pub(crate) fn read_txn(&self) -> Result<ReadTransaction> {
        self.make_visible()?;
        Ok(self.inner.db.begin_read()?)
    }

    /// A read transaction over what the store file has committed, without waiting for answered
    /// writes the writer has not committed yet (see [`writer::Visibility`]). Only for reads of
    /// tables that no logged operation writes (KV, say: every write that is not logged commits
    /// the pending ones before it is answered), or whose result the writer checks again.
    pub(crate) fn read_txn_committed(&self) -> Result<ReadTransaction> {
        Ok(self.inner.db.begin_read()?)
    }

    /// Returns once every write answered so far is committed, so that a read transaction begun
    /// next holds it (see [`writer::Visibility`]).
    pub(crate) fn make_visible(&self) -> Result<()> {
        self.inner.writer.make_visible()
    }

    /// Cache counters and the file size.
    pub fn stats(&self) -> StoreStats {
        let file_bytes = std::fs::metadata(self.inner.root.join(DB_FILE))
            .map(|m| m.len())
            .unwrap_or(0);
        StoreStats {
            cache: self.inner.cache.stats(),
            file_bytes,
        }
    }

    /// Number of rows in every table, by table name.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn table_counts(&self) -> Result<Vec<(String, u64)>> {
        use redb::ReadableTableMetadata;
        let rtx = self.read_txn()?;
        let mut out = Vec::new();
        for handle in rtx.list_tables()? {
            let name = redb::TableHandle::name(&handle).to_string();
            let n = rtx.open_untyped_table(handle)?.len()?;
            out.push((name, n));
        }
        Ok(out)
    }
}

impl Inner {
    /// Whether saves of fills go through the operation log.
    pub(crate) fn writer_logs_ops(&self) -> bool {
        self.writer.logs_ops()
    }
}

impl Store {
    /// Keeps the store file at mode 0600 once it holds secrets.
    pub(crate) fn protect_secrets(&self) -> Result<()> {
        restrict_file(&self.inner.root.join(DB_FILE), 0o600)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A scheduled snapshot in progress finishes before the store closes.
        self.scheduler.take();
        self.kv.shutdown();
        self.writer.shutdown();
        // A shared read snapshot would keep the compaction below from running.
        self.cache.snapshot.clear();
        // The writer thread held the only other reference; with it joined the database is ours
        // alone and may be compacted. Best effort: a failure leaves the request for the next open.
        if let Some(db) = Arc::get_mut(&mut self.db) {
            let _ = compact::run_if_due(db, &self.root.join(DB_FILE));
        }
    }
}

pub(crate) fn ensure_not_closed<T>(r: std::result::Result<T, crossbeam_channel::RecvError>) -> Result<T> {
    r.map_err(|_| Error::Unavailable("the store's writer thread has stopped; reopen the store".into()))
}
