//! The store file behind a sequential commit log (a redb [`StorageBackend`]).
//!
//! redb commits by writing the pages it changed, scattered over the file, and syncing the file:
//! one fsync that has to reach many places of the disk. This backend writes those pages to the
//! store file without syncing it, and at each sync appends the same bytes to the log as one
//! checksummed frame and syncs the log: the disk sees one sequential write. The store file is
//! synced only at checkpoints, after which the log starts over.
//!
//! To redb this is one file whose sync makes every earlier write durable, which is all its
//! commit protocol assumes: after a crash, [`replay`](super::replay) applies the intact frames,
//! so every write made before the last completed sync is back in the store file and any later
//! one may or may not be, exactly as for a plain file.

use std::io;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use redb::{BackendError, StorageBackend};

use super::Appender;
use super::format::{self, FRAME_HEADER_LEN, MAX_PAYLOAD, WRITE_ENTRY_HEADER};

/// Default log bytes after which a sync also checkpoints: syncs the store file and starts the log over.
pub const CHECKPOINT_BYTES: u64 = 64 << 20;

/// A redb storage backend: the store file `main` behind the commit log `log` (see the module
/// documentation). Both are themselves backends, so tests can put a simulated disk under each.
#[derive(Debug)]
pub struct WalBackend<M, L> {
    main: M,
    log: L,
    checkpoint_bytes: u64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    appender: Appender,
    /// The next frame: room for its header, then the entries written since the last sync.
    frame: Vec<u8>,
    /// More than a frame's worth was written since the last sync: the next sync checkpoints.
    direct: bool,
    /// A sync failed: what reached the disk is unknown, so nothing more is acknowledged and the
    /// log is left for the next open to replay.
    failed: bool,
}

impl State {
    fn payload_len(&self) -> usize {
        self.frame.len() - FRAME_HEADER_LEN
    }

    fn clear_frame(&mut self) {
        self.frame.truncate(FRAME_HEADER_LEN);
        if self.frame.capacity() > 2 * MAX_PAYLOAD {
            self.frame.shrink_to(FRAME_HEADER_LEN);
        }
    }

    /// Makes room for `more` payload bytes, or switches to direct mode when they do not fit.
    fn reserve(&mut self, more: usize) -> bool {
        if self.direct || self.payload_len() + more > MAX_PAYLOAD {
            self.direct = true;
            self.frame = vec![0; FRAME_HEADER_LEN];
            return false;
        }
        true
    }
}

impl<M: StorageBackend, L: StorageBackend> WalBackend<M, L> {
    /// Puts `main` behind `log`: replays whatever intact frames `log` holds into `main`, syncs
    /// it, and starts the log over. The caller must own both exclusively.
    ///
    /// # Errors
    /// The backends' I/O errors (the log is then left as it was, to be replayed again).
    pub fn open(main: M, log: L) -> io::Result<Self> {
        let replayed = super::replay(&main, &log)?;
        let appender = Appender::new(format::LOG_MAGIC, replayed.generation, log.len()?);
        let backend = WalBackend {
            main,
            log,
            checkpoint_bytes: CHECKPOINT_BYTES,
            state: Mutex::new(State {
                appender,
                frame: vec![0; FRAME_HEADER_LEN],
                direct: false,
                failed: false,
            }),
        };
        backend.restart_log(&mut backend.lock())?;
        Ok(backend)
    }

    /// Checkpoints once the log holds `bytes` (default [`CHECKPOINT_BYTES`]).
    pub fn checkpoint_every(mut self, bytes: u64) -> Self {
        self.checkpoint_bytes = bytes;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic under the lock leaves nothing half-updated that the next call relies on: the
        // appender's position and sequence number move only once a frame is synced.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a new generation: every frame in the log is stale from here on.
    fn restart_log(&self, s: &mut State) -> io::Result<()> {
        s.appender.restart(&self.log)?;
        s.direct = false;
        s.clear_frame();
        Ok(())
    }

    /// Syncs the store file, then starts the log over.
    fn checkpoint(&self, s: &mut State) -> io::Result<()> {
        self.main.sync_data()?;
        crate::store::crash::hit("wal_checkpoint");
        self.restart_log(s)
    }

    /// Appends the pending frame to the log and syncs it.
    fn append_frame(&self, s: &mut State) -> io::Result<()> {
        let State { appender, frame, .. } = s;
        appender.append(&self.log, frame)?;
        s.clear_frame();
        Ok(())
    }

    fn sync(&self, s: &mut State) -> io::Result<()> {
        if s.direct {
            return self.checkpoint(s);
        }
        if s.payload_len() == 0 {
            return Ok(());
        }
        self.append_frame(s)?;
        if s.appender.bytes() >= self.checkpoint_bytes {
            self.checkpoint(s)?;
        }
        Ok(())
    }

    /// On a clean close: everything into the store file, and the log emptied to its header.
    fn finish(&self) -> io::Result<()> {
        let mut s = self.lock();
        if s.failed {
            return Ok(());
        }
        self.checkpoint(&mut s)?;
        s.appender.truncate(&self.log)
    }
}

fn refused() -> io::Error {
    io::Error::other("an earlier sync of the commit log failed; reopen the store to recover")
}

impl<M: StorageBackend, L: StorageBackend> StorageBackend for WalBackend<M, L> {
    fn len(&self) -> io::Result<u64> {
        self.main.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.main.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut s = self.lock();
        if s.failed {
            return Err(refused());
        }
        // A refused resize (a full disk) leaves the file as it was: nothing to remember.
        self.main.set_len(len)?;
        if s.reserve(9) {
            format::push_set_len(&mut s.frame, len);
        }
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut s = self.lock();
        if s.failed {
            return Err(refused());
        }
        let result = self.sync(&mut s);
        s.failed = result.is_err();
        result
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut s = self.lock();
        if s.failed {
            return Err(refused());
        }
        if let Err(e) = self.main.write(offset, data) {
            // The store file may hold part of this write, which the log will never see.
            s.failed = true;
            return Err(e);
        }
        if s.reserve(WRITE_ENTRY_HEADER + data.len()) {
            format::push_write(&mut s.frame, offset, data);
        }
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        let finished = self.finish();
        let closed = self.main.close();
        let log_closed = self.log.close();
        finished.and(closed).and(log_closed)
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.main.try_lock_range(start, end)
    }

    fn try_lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.main.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.main.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.main.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.main.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.main.query_lock_range(start, end)
    }
}
