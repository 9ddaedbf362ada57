//! The commit log as a file beside the store file, owned by one process at a time.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use redb::StorageBackend;
use redb::backends::FileBackend;

use super::WalBackend;
use super::direct::{DirectFile, Written};
use crate::store::sync_dir;
use crate::{Error, Result};

/// File name of the commit log inside the store directory.
pub const WAL_FILE: &str = "tradestore.wal";

/// The store file behind its commit log, as opened by [`open`].
pub type FileWal = WalBackend<FileBackend, LogFile>;

/// The commit log file, locked (`flock`) by this process for as long as it is open: a second
/// process must neither replay it nor append to it.
///
/// Whole blocks are written straight to the disk where the file system allows it (see
/// [`DirectFile`]); everything else goes through the page cache and is synced by
/// [`StorageBackend::sync_data`].
#[derive(Debug)]
pub struct LogFile {
    file: FileBackend,
    lock: File,
    direct: Option<DirectFile>,
    /// Something went through the page cache (or changed the length) since the last sync.
    unsynced: AtomicBool,
}

/// Opens the store file `db` behind the log `wal` (both created if missing), replaying what a
/// crash left in the log.
///
/// # Errors
/// [`Error::Locked`] if another process holds the log, [`Error::Io`] otherwise.
pub(crate) fn open(db: &Path, wal: &Path) -> Result<FileWal> {
    let log = open_log(wal, true)?.ok_or_else(|| Error::io(wal, io::ErrorKind::NotFound.into()))?;
    let main = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(db)
        .map_err(|e| Error::io(db, e))?;
    if let Some(dir) = db.parent() {
        // The log's (and a new store file's) directory entry must be durable before anything
        // written through it is acknowledged.
        sync_dir(dir)?;
    }
    WalBackend::open(backend(main, db)?, log).map_err(|e| Error::io(wal, e))
}

/// For a store opened without the log (shared concurrency): replays and empties a log a crashed
/// process left behind, so the store file alone is complete. Nothing to do when there is no log.
///
/// # Errors
/// [`Error::Locked`] if a process holding the store exclusively has the log open.
pub(crate) fn recover(db: &Path, wal: &Path) -> Result<()> {
    let Some(log) = open_log(wal, false)? else {
        return Ok(());
    };
    let main = OpenOptions::new()
        .read(true)
        .write(true)
        .open(db)
        .map_err(|e| Error::io(db, e))?;
    let backend = WalBackend::open(backend(main, db)?, log).map_err(|e| Error::io(wal, e))?;
    backend.close().map_err(|e| Error::io(wal, e))
}

fn backend(file: File, path: &Path) -> Result<FileBackend> {
    FileBackend::new(file).map_err(|e| Error::Db(format!("{}: {e}", path.display())))
}

/// Opens (with `create`, creating) the log file `wal` and locks it. Without `create`, for a
/// replay only: `None` when there is no log or it holds nothing to replay.
pub(crate) fn open_log(wal: &Path, create: bool) -> Result<Option<LogFile>> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(create).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = match opts.open(wal) {
        Ok(f) => f,
        Err(e) if !create && e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(wal, e)),
    };
    if !create && file.metadata().map_err(|e| Error::io(wal, e))?.len() <= super::format::HEADER_LEN {
        // Nothing a crash left to replay (a cleanly closed log is its header alone). Not locked:
        // processes opening a shared store at the same moment must not refuse each other.
        return Ok(None);
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(Error::Locked(format!(
                "{} is held by another process that has the store open exclusively; close it, or open both with shared concurrency",
                wal.display()
            )));
        }
        Err(TryLockError::Error(e)) => return Err(Error::io(wal, e)),
    }
    let lock = file.try_clone().map_err(|e| Error::io(wal, e))?;
    Ok(Some(LogFile {
        file: backend(file, wal)?,
        lock,
        direct: DirectFile::open(wal),
        unsynced: AtomicBool::new(false),
    }))
}

impl StorageBackend for LogFile {
    fn len(&self) -> io::Result<u64> {
        self.file.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.file.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.unsynced.store(true, Ordering::Release);
        self.file.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        let needed = self.direct.is_none() || self.unsynced.swap(false, Ordering::AcqRel);
        let synced = if needed { self.file.sync_data() } else { Ok(()) };
        if synced.is_err() {
            self.unsynced.store(true, Ordering::Release);
        }
        synced
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        if let Some(direct) = &self.direct
            && direct.write(offset, data)? == Written::Durable
        {
            return Ok(());
        }
        // Marked once written: a sync that finds the mark covers the write. Writes and syncs of
        // a log come from one thread at a time (the commit log's lock, the operation log's
        // thread).
        self.file.write(offset, data)?;
        self.unsynced.store(true, Ordering::Release);
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        self.file.close()?;
        self.lock.unlock()
    }
}
