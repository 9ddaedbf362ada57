//! The operation log while the store is open: frames appended and synced by a thread of their
//! own, so that a group commit's sync of the log runs while the writer applies the same
//! operations to the store file.
//!
//! The writer and the log's thread hand each frame over and back; each side polls for the other
//! before it sleeps ([`crate::poll`]).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Nothing to do, and no answer: the thread, woken, polls for the frame that follows.
    Wake,
    /// End the thread, without an answer.
    Stop,
}

/// Wakes the log's thread ahead of a frame, from a caller whose write comes after a pause (see
/// [`LogWaker::wake`]). It may outlive the log: the thread stops when the log closes or is
/// dropped, and later wake-ups go nowhere.
pub(crate) struct LogWaker {
    cmds: Sender<Cmd>,
    /// Raised while a wake-up is queued: callers arriving together queue one between them.
    pending: Arc<AtomicBool>,
}

impl LogWaker {
    /// Wakes the log's thread if it sleeps, so that it is polling by the time the writer sends
    /// the caller's frame. After a pause both threads sleep, and the writer wakes the log's
    /// thread only once it has the frame: on a virtual machine each wake-up of an idle core
    /// takes 25–30 µs, and these two then run one after the other instead of side by side.
    /// Never waits: at most one wake-up is queued, which leaves room for the writer's command.
    pub(crate) fn wake(&self) {
        if self.pending.swap(true, Ordering::AcqRel) {
            return;
        }
        if self.cmds.try_send(Cmd::Wake).is_err() {
            // Full (the log is stopping) or gone: nothing was queued.
            self.pending.store(false, Ordering::Release);
        }
    }
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
    /// Shared with the thread and the wakers (see [`LogWaker`]).
    wake_pending: Arc<AtomicBool>,
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
        // The writer's one command at a time, and one wake-up (see `LogWaker`).
        let (cmds, rx) = crossbeam_channel::bounded::<Cmd>(2);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let wake_pending = Arc::new(AtomicBool::new(false));
        let woken = wake_pending.clone();
        let handle = std::thread::Builder::new()
            .name("tradestore-redo".into())
            .spawn(move || {
                while let Ok(cmd) = crate::poll::recv(&rx, spin, None) {
                    let result = match cmd {
                        Cmd::Append(mut frame) => appender.append(&*log, &mut frame),
                        Cmd::Restart => appender.restart(&*log),
                        Cmd::Truncate => appender.truncate(&*log),
                        Cmd::Wake => {
                            woken.store(false, Ordering::Release);
                            continue;
                        }
                        Cmd::Stop => break,
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
            wake_pending,
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

    /// A waker of the log's thread, while it runs.
    pub(crate) fn waker(&self) -> Option<LogWaker> {
        self.cmds.clone().map(|cmds| LogWaker {
            cmds,
            pending: self.wake_pending.clone(),
        })
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
        if let Some(cmds) = self.cmds.take() {
            // Told, not left to notice that every sender is gone: wakers may still hold one.
            let _ = cmds.send(Cmd::Stop);
        }
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

#[cfg(test)]
mod tests {
    use redb::StorageBackend;

    use super::*;
    use crate::redo::format::REDO_MAGIC;
    use crate::wal::{open_log, read_frames};

    fn spawn_on(path: &std::path::Path) -> RedoLog {
        let log = open_log(path, true).unwrap().unwrap();
        let mut appender = Appender::new(REDO_MAGIC, None, log.len().unwrap());
        appender.restart(&log).unwrap();
        RedoLog::spawn(Box::new(log), appender, 1, Duration::from_micros(50)).unwrap()
    }

    #[test]
    fn wake_ups_are_never_answered_and_every_frame_lands_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redo");
        let mut log = spawn_on(&path);
        let waker = log.waker().unwrap();
        let ops: [&[u8]; 3] = [b"first", b"second", b"third"];
        for (i, op) in ops.iter().enumerate() {
            // More wake-ups than the queue holds, before and while a frame is in flight, and
            // after a pause in which the thread fell asleep.
            for _ in 0..5 {
                waker.wake();
            }
            assert_eq!(log.start(std::iter::once(*op)), Some(i as u64 + 1));
            waker.wake();
            log.wait().unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        waker.wake();
        std::thread::sleep(Duration::from_millis(2));
        // A wake-up answered like a frame would be taken by this wait, and the frame's own
        // answer would be left over.
        assert!(log.done.is_empty(), "an answer is left over");
        drop(log);

        let reopened = open_log(&path, false).unwrap().unwrap();
        let mut payloads = Vec::new();
        read_frames(&reopened, REDO_MAGIC, |p| {
            payloads.push(p.to_vec());
            true
        })
        .unwrap();
        assert_eq!(payloads.len(), ops.len());
        for (payload, op) in payloads.iter().zip(ops) {
            assert!(payload.ends_with(op), "frames out of order");
        }
    }

    #[test]
    fn the_thread_stops_when_the_log_is_dropped_though_a_waker_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redo");
        let log = spawn_on(&path);
        let waker = log.waker().unwrap();
        waker.wake();
        // Dropping the log joins its thread: done elsewhere, so that a thread that never stops
        // fails the test instead of hanging it.
        let (dropped_tx, dropped) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            drop(log);
            let _ = dropped_tx.send(());
        });
        assert!(
            dropped.recv_timeout(Duration::from_secs(20)).is_ok(),
            "the log's thread did not stop"
        );
        // The file's lock is released once the thread stops.
        assert!(open_log(&path, true).unwrap().is_some());
        waker.wake();
    }

    #[test]
    fn callers_waking_together_queue_one_wake_up() {
        let (cmds, rx) = crossbeam_channel::bounded::<Cmd>(2);
        let pending = Arc::new(AtomicBool::new(false));
        let waker = LogWaker {
            cmds,
            pending: pending.clone(),
        };
        for _ in 0..5 {
            waker.wake();
        }
        assert_eq!(rx.len(), 1, "room is left for the writer's command");
        // The thread takes it, as its loop does; the next wake-up is queued again.
        assert!(matches!(rx.try_recv(), Ok(Cmd::Wake)));
        pending.store(false, Ordering::Release);
        waker.wake();
        waker.wake();
        assert_eq!(rx.len(), 1);
    }
}
