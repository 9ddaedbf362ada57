//! Appending checksummed frames to a log file and starting it over: what the commit log and
//! the operation log (`crate::redo`) share.

use std::io;

use redb::StorageBackend;

use super::direct::{BLOCK, KEEP_BUFFER};
use super::format::{self, FRAME_HEADER_LEN, FRAMES_START, HEADER_LEN};

/// The log file grows by whole steps of this many zero bytes, written (not just allocated) so
/// that syncing a frame later needs no change to the file's metadata.
const GROW_STEP: u64 = 1 << 20;

// Frames start on a block boundary after a restart, where the appender's kept block start is
// empty.
const _: () = assert!(FRAMES_START.is_multiple_of(BLOCK as u64));

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
    /// The bytes of the [`BLOCK`] holding `pos`, from its start to `pos`: frames are written
    /// as whole blocks, starting with these.
    tail: Vec<u8>,
    /// Where the blocks of the next write are put together.
    blocks: Vec<u8>,
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
            tail: Vec::new(),
            blocks: Vec::new(),
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
        self.tail.clear();
        Ok(())
    }

    /// Appends `frame` (room for the frame header, then the payload) to the log and syncs it.
    /// Fills in the frame header first.
    ///
    /// The write covers whole [`BLOCK`]s: the start of the block the frame begins in (the end
    /// of the previous frame, rewritten with the same bytes), the frame, and zeros to the end of
    /// its last block (the log is zero there already). A log file that takes direct writes makes
    /// such a write durable in one step (`super::direct`).
    ///
    /// # Errors
    /// The log's I/O errors; the frame may then be partly written, and is not counted.
    pub fn append(&mut self, log: &dyn StorageBackend, frame: &mut [u8]) -> io::Result<()> {
        let header = format::frame_header(self.generation, self.seq, &frame[FRAME_HEADER_LEN..]);
        frame[..FRAME_HEADER_LEN].copy_from_slice(&header);
        let start = self.pos - self.tail.len() as u64;
        let end = self.pos + frame.len() as u64;
        let blocks_end = end.next_multiple_of(BLOCK as u64);
        if blocks_end > self.log_len {
            let new_len = blocks_end.div_ceil(GROW_STEP) * GROW_STEP;
            let zeros = vec![0u8; (new_len - self.log_len) as usize];
            log.set_len(new_len)?;
            log.write(self.log_len, &zeros)?;
            self.log_len = new_len;
        }
        self.blocks.clear();
        self.blocks.extend_from_slice(&self.tail);
        self.blocks.extend_from_slice(frame);
        let frame_end = self.blocks.len();
        self.blocks.resize((blocks_end - start) as usize, 0);
        log.write(start, &self.blocks)?;
        log.sync_data()?;
        self.pos = end;
        self.seq += 1;
        let in_last_block = (end % BLOCK as u64) as usize;
        self.tail.clear();
        self.tail
            .extend_from_slice(&self.blocks[frame_end - in_last_block..frame_end]);
        if self.blocks.capacity() > KEEP_BUFFER {
            self.blocks = Vec::new();
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::read_frames;

    /// Appends frames of sizes that end anywhere in a block (and span several), reading the log
    /// back after each: every frame so far must come back intact, so rewriting the start of a
    /// block never damages the frame that ended in it.
    fn frames_come_back(log: &dyn StorageBackend) {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut appender = Appender::new(format::LOG_MAGIC, None, log.len().unwrap());
        appender.restart(log).unwrap();
        let mut written: Vec<Vec<u8>> = Vec::new();
        for i in 0..120 {
            let len = match i % 4 {
                0 => rng.usize(0..64),
                1 => rng.usize(0..BLOCK),
                2 => BLOCK - FRAME_HEADER_LEN,
                _ => rng.usize(BLOCK..5 * BLOCK),
            };
            let payload: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
            let mut frame = vec![0u8; FRAME_HEADER_LEN];
            frame.extend_from_slice(&payload);
            appender.append(log, &mut frame).unwrap();
            written.push(payload);
            let mut read = Vec::new();
            read_frames(log, format::LOG_MAGIC, |p| {
                read.push(p.to_vec());
                true
            })
            .unwrap();
            assert_eq!(read, written, "after frame {i}");
        }
    }

    #[test]
    fn frames_come_back_from_memory() {
        frames_come_back(&redb::backends::InMemoryBackend::new());
    }

    #[test]
    fn frames_come_back_from_a_log_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = crate::wal::open_log(&dir.path().join("log"), true).unwrap().unwrap();
        frames_come_back(&log);
    }
}
