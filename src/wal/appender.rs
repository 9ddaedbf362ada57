//! Appending checksummed frames to a log file and starting it over: what the commit log and
//! the operation log (`crate::redo`) share.

use std::io;

use redb::StorageBackend;

use super::format::{self, FRAME_HEADER_LEN, FRAMES_START, HEADER_LEN};

/// The log file grows by whole steps of this many zero bytes, written (not just allocated) so
/// that syncing a frame later needs no change to the file's metadata.
const GROW_STEP: u64 = 1 << 20;

/// Where the next frame of a log goes, and under which generation.
#[derive(Debug)]
pub struct Appender {
    magic: &'static [u8; 8],
    generation: u64,
    /// Sequence number of the next frame.
    seq: u64,
    /// Where the next frame goes.
    pos: u64,
    /// Bytes of the log file (zero padded past `pos`).
    log_len: u64,
}

impl Appender {
    /// An appender for a log of kind `magic` that is `log_len` bytes long and whose current
    /// generation (if any) is `generation`. Call [`Appender::restart`] before the first append.
    pub fn new(magic: &'static [u8; 8], generation: Option<u64>, log_len: u64) -> Self {
        Appender {
            magic,
            generation: generation.unwrap_or(0),
            seq: 0,
            pos: FRAMES_START,
            log_len,
        }
    }

    /// Bytes of frames appended since the last restart.
    pub fn bytes(&self) -> u64 {
        self.pos - FRAMES_START
    }

    /// Starts a new generation: every frame in the log is stale from here on. The new header
    /// is synced before this returns.
    ///
    /// # Errors
    /// The log's I/O errors.
    pub fn restart(&mut self, log: &dyn StorageBackend) -> io::Result<()> {
        let mut next = fastrand::u64(..);
        while next == self.generation {
            next = fastrand::u64(..);
        }
        if self.log_len < HEADER_LEN {
            // A backend writes only inside its length (redb's in-memory one refuses otherwise).
            log.set_len(HEADER_LEN)?;
            self.log_len = HEADER_LEN;
        }
        log.write(0, &format::encode_header_for(self.magic, next))?;
        log.sync_data()?;
        self.generation = next;
        self.seq = 0;
        self.pos = FRAMES_START;
        Ok(())
    }

    /// Appends `frame` (room for the frame header, then the payload) to the log and syncs it.
    /// Fills in the frame header first.
    ///
    /// # Errors
    /// The log's I/O errors; the frame may then be partly written, and is not counted.
    pub fn append(&mut self, log: &dyn StorageBackend, frame: &mut [u8]) -> io::Result<()> {
        let header = format::frame_header(self.generation, self.seq, &frame[FRAME_HEADER_LEN..]);
        frame[..FRAME_HEADER_LEN].copy_from_slice(&header);
        let end = self.pos + frame.len() as u64;
        if end > self.log_len {
            let new_len = end.div_ceil(GROW_STEP) * GROW_STEP;
            let zeros = vec![0u8; (new_len - self.log_len) as usize];
            log.set_len(new_len)?;
            log.write(self.log_len, &zeros)?;
            self.log_len = new_len;
        }
        log.write(self.pos, frame)?;
        log.sync_data()?;
        self.pos = end;
        self.seq += 1;
        Ok(())
    }

    /// Empties the log down to its header, on a clean close.
    ///
    /// # Errors
    /// The log's I/O errors.
    pub fn truncate(&mut self, log: &dyn StorageBackend) -> io::Result<()> {
        log.set_len(HEADER_LEN)?;
        log.sync_data()?;
        self.log_len = HEADER_LEN;
        Ok(())
    }
}
