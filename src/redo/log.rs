//! The operation log while the store is open: frames appended and synced by a thread of their
//! own, so that a group commit's sync of the log runs while the writer applies the same
//! operations to the store file.
//!
//! The writer and the log's thread hand each frame over and back; each side polls for the other
//! before it sleeps ([`crate::poll`]).

use std::io;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::format;
use crate::wal::Appender;
use crate::{Error, Result};

enum Cmd {
    /// Append this frame and sync.
    Append(Vec<u8>),
    /// Start a new generation (the store file holds every logged operation durably).
    Restart,
    /// Empty the log down to its header, on a clean close.
    Truncate,
}

/// The open operation log (exclusive stores with immediate durability).
pub(crate) struct RedoLog {
    cmds: Option<Sender<Cmd>>,
    done: Receiver<io::Result<()>>,
    handle: Option<JoinHandle<()>>,
    /// Sequence number of the next logged operation.
    next_seq: u64,
    /// Bytes of frames sent since the last restart.
    bytes: u64,
    /// How long [`RedoLog::wait`] polls before it sleeps.
    spin: Duration,
}

/// Frame bytes after which the writer makes the store file durable and starts the log over,
/// even under a steady stream of writes (otherwise the flush timer does it when writes pause).
pub(crate) const RESTART_BYTES: u64 = 16 << 20;

impl RedoLog {
    /// Starts the log thread on `log`, whose header `appender` has just restarted; the next
    /// operation gets sequence number `next_seq`. Both sides of the hand-over poll for `spin`
    /// before they sleep.
    pub(crate) fn spawn(
        log: Box<dyn redb::StorageBackend>,
        mut appender: Appender,
        next_seq: u64,
        spin: Duration,
    ) -> Result<RedoLog> {
        let (cmds, rx) = crossbeam_channel::bounded::<Cmd>(1);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let handle = std::thread::Builder::new()
            .name("tradestore-redo".into())
            .spawn(move || {
                while let Ok(cmd) = crate::poll::recv(&rx, spin, None) {
                    let result = match cmd {
                        Cmd::Append(mut frame) => appender.append(&*log, &mut frame),
                        Cmd::Restart => appender.restart(&*log),
                        Cmd::Truncate => appender.truncate(&*log),
                    };
                    if done_tx.send(result).is_err() {
                        break;
                    }
                }
                // Unlocks the file for the next process.
                let _ = log.close();
            })
            .map_err(|e| Error::io("tradestore-redo thread", e))?;
        Ok(RedoLog {
            cmds: Some(cmds),
            done,
            handle: Some(handle),
            next_seq,
            bytes: 0,
            spin,
        })
    }

    /// Starts appending the encoded operations `ops` as one frame; [`RedoLog::wait`] tells when
    /// it is durable. Returns the sequence number of the last of them, or `None` if they do not
    /// fit in one frame (nothing is sent then).
    pub(crate) fn start<'a>(&mut self, ops: impl Iterator<Item = &'a [u8]> + Clone) -> Option<u64> {
        let count = ops.clone().count() as u64;
        let next = self.next_seq.checked_add(count)?;
        let frame = format::encode_frame(self.next_seq, ops)?;
        let len = frame.len() as u64;
        self.cmds.as_ref()?.send(Cmd::Append(frame)).ok()?;
        self.next_seq = next;
        self.bytes += len;
        Some(next - 1)
    }

    /// Waits for the frame [`RedoLog::start`] sent to be synced.
    ///
    /// # Errors
    /// The log's I/O error: the frame may or may not be on disk.
    pub(crate) fn wait(&self) -> io::Result<()> {
        crate::poll::recv(&self.done, self.spin, None)
            .map_err(|_| io::Error::other("the operation log's thread has stopped"))?
    }

    /// Whether the log holds frames that the store file may not hold durably.
    pub(crate) fn holds_frames(&self) -> bool {
        self.bytes > 0
    }

    /// Whether the log has grown enough to be started over.
    pub(crate) fn is_full(&self) -> bool {
        self.bytes >= RESTART_BYTES
    }

    /// Starts a new generation. Call only once the store file holds every logged operation
    /// durably.
    ///
    /// # Errors
    /// The log's I/O errors.
    pub(crate) fn restart(&mut self) -> io::Result<()> {
        self.call(Cmd::Restart)?;
        self.bytes = 0;
        Ok(())
    }

    /// Empties the log and stops its thread. Call only once the store file holds every logged
    /// operation durably.
    pub(crate) fn close(&mut self) -> io::Result<()> {
        let result = self.call(Cmd::Truncate);
        self.stop();
        result
    }

    fn call(&self, cmd: Cmd) -> io::Result<()> {
        let stopped = || io::Error::other("the operation log's thread has stopped");
        self.cmds
            .as_ref()
            .ok_or_else(stopped)?
            .send(cmd)
            .map_err(|_| stopped())?;
        self.wait()
    }

    fn stop(&mut self) {
        self.cmds.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for RedoLog {
    fn drop(&mut self) {
        self.stop();
    }
}
