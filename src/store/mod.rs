//! The store handle: opening, configuration, the writer thread and the read cache.

mod builder;
mod cache;
mod crash;
mod fsperm;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};

pub use builder::{Concurrency, Durability, StoreBuilder};
pub use cache::CacheStats;
pub(crate) use cache::TradeCache;
pub(crate) use fsperm::{create_dir_private, restrict_file};
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
    pub(crate) config: builder::Config,
    writer: Writer,
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

    pub(crate) fn from_parts(root: PathBuf, db: Database, config: builder::Config) -> Result<Store> {
        let db = Arc::new(db);
        let writer = Writer::spawn(db.clone(), &config)?;
        let cache = TradeCache::new(config.cache_bytes);
        Ok(Store {
            inner: Arc::new(Inner {
                root,
                db,
                cache,
                config,
                writer,
            }),
        })
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.inner.root
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Runs `op` inside the writer thread's current write transaction and returns its result once
    /// the transaction is committed (and durable, under [`Durability::Immediate`]).
    ///
    /// `op` may run more than once: when another operation of the same group commit fails, the
    /// transaction is rolled back and the others are applied again without it. It must therefore
    /// derive everything from its captured inputs and the transaction.
    pub(crate) fn write<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&WriteTransaction) -> Result<R> + Send + 'static,
    {
        self.inner.writer.submit(op, self.inner.config.durability)
    }

    /// Makes every acknowledged write durable now (a no-op under [`Durability::Immediate`]).
    ///
    /// # Errors
    /// [`Error::Db`] if the commit fails, [`Error::Unavailable`] if the writer is gone.
    pub fn flush(&self) -> Result<()> {
        self.inner
            .writer
            .submit(|_txn: &WriteTransaction| Ok(()), Durability::Immediate)
    }

    pub(crate) fn read_txn(&self) -> Result<ReadTransaction> {
        Ok(self.inner.db.begin_read()?)
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

impl Drop for Inner {
    fn drop(&mut self) {
        self.writer.shutdown();
    }
}

pub(crate) fn ensure_not_closed<T>(r: std::result::Result<T, crossbeam_channel::RecvError>) -> Result<T> {
    r.map_err(|_| Error::Unavailable("the store's writer thread has stopped; reopen the store".into()))
}
