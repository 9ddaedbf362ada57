//! Logged groups applied in one write transaction that stays open across them.
//!
//! Once a group's frame is synced in the operation log, the log alone makes the group durable
//! (a reopen replays it), so its callers can be answered before the store file commits it. The
//! writer then keeps the transaction, with its open tables, and applies the next logged group
//! into it. It commits (without a sync) when a reader of this process needs to see the writes
//! (see [`Visibility`]), when a write that is not logged arrives, when no write comes for
//! [`LINGER`], or when the transaction holds [`MAX_PENDING_OPS`] operations; a full operation log
//! also makes the commit durable. Consecutive saves thus cost their apply and the log's sync,
//! overlapped, and share one commit.
//!
//! An operation refused inside a session rolls back the whole transaction: the groups answered
//! before it are applied again from their logged form (exactly what a replay does), the refused
//! group without it, and that transaction commits durably, as any group with a refusal does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use redb::Database;

use super::{
    Committed, Job, Loop, Shared, answer_all, answer_refused, begin, commit, commit_batch, fail_all, record_logged,
    uncertain,
};

/// How long an idle writer keeps answered groups uncommitted before committing them.
const LINGER: Duration = Duration::from_millis(1);
/// Operations a session applies before it commits.
const MAX_PENDING_OPS: usize = 512;

/// Whether the writer holds answered writes that readers cannot see yet.
///
/// Set before the callers of a group are answered, cleared once the store file commits them:
/// a reader that finds it clear begins a read transaction that holds every write answered
/// before the read began.
#[derive(Default, Clone)]
pub(crate) struct Visibility(Arc<AtomicBool>);

impl Visibility {
    /// Whether a read must first ask the writer to commit.
    pub(crate) fn pending(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, pending: bool) {
        self.0.store(pending, Ordering::Release);
    }
}

/// Jobs a session leaves to the writer's loop.
pub(super) enum Leftover {
    /// Jobs of every kind, to be grouped again (a new session may take the logged ones).
    Again(Vec<Box<dyn Job>>),
    /// Logged jobs that cannot go through the log (their frame would be too large, or the log
    /// has stopped): committed to the store file directly.
    Plain(Vec<Box<dyn Job>>),
}

/// How a session ended.
enum End {
    /// Commit what was applied; then these jobs, if any, go back to the writer's loop.
    Commit(Option<Leftover>),
    /// An operation of this logged group (whose frame ends at the sequence number given) was
    /// refused.
    Refused(Vec<Box<dyn Job>>, u64),
    /// This group was applied but its frame's sync failed.
    SyncFailed(Vec<Box<dyn Job>>, u64, std::io::Error),
}

/// What the writer does after answering a group.
enum Next {
    /// Another group of logged, durable operations: applied in the same transaction.
    Logged(Vec<Box<dyn Job>>),
    /// A group with other operations: the session commits first.
    Other(Vec<Box<dyn Job>>),
    /// No write for a while, or the store is closing.
    Idle,
}

impl Loop {
    /// Applies `batch`, a group of logged durable operations, and the logged groups that follow
    /// it, in one write transaction (see the module's text). Returns the jobs that ended the
    /// session.
    pub(super) fn logged_session(
        &mut self,
        db: &Database,
        rx: &Receiver<Box<dyn Job>>,
        mut batch: Vec<Box<dyn Job>>,
    ) -> Option<Leftover> {
        let txn = match begin(db, false) {
            Ok(t) => t,
            Err(e) => {
                fail_all(
                    batch,
                    &format!("could not begin a write, nothing of it was stored: {e}"),
                );
                return None;
            }
        };
        // The logged form of every operation applied and answered in this transaction.
        let mut applied: Vec<Vec<u8>> = Vec::new();
        let mut last_seq = None;
        let (end, closed) = {
            let mut shared = Shared::new(&txn);
            let end = loop {
                let Some(redo) = self.redo.as_mut() else {
                    break End::Commit(Some(Leftover::Plain(batch)));
                };
                let started = Instant::now();
                let size = batch.len();
                let Some(seq) = redo.start(batch.iter().filter_map(|j| j.logged())) else {
                    // Too large for one frame: committed to the store file directly.
                    break End::Commit(Some(Leftover::Plain(batch)));
                };
                // The log's thread may be polling on this core: letting it run now starts the
                // frame's write and sync before the apply instead of after it.
                std::thread::yield_now();
                if batch.iter_mut().any(|job| job.apply(&mut shared).is_err()) {
                    break End::Refused(batch, seq);
                }
                if let Err(e) = redo.wait() {
                    break End::SyncFailed(batch, seq, e);
                }
                super::super::crash::hit("redo_synced");
                self.visibility.set(true);
                for mut job in batch {
                    applied.extend(job.take_logged());
                    job.finish(Ok(()));
                }
                last_seq = Some(seq);
                self.gather.committed(size, started.elapsed());
                if applied.len() >= MAX_PENDING_OPS || redo.is_full() {
                    break End::Commit(None);
                }
                match self.next_group(rx) {
                    Next::Logged(b) => batch = b,
                    Next::Other(b) => break End::Commit(Some(Leftover::Again(b))),
                    Next::Idle => break End::Commit(None),
                }
            };
            // What the shared tables hold goes into the transaction before it commits.
            let closed = match end {
                End::Refused(..) => Ok(()),
                _ => shared.close(),
            };
            (end, closed)
        };
        match end {
            End::Commit(leftover) => {
                let done = match last_seq {
                    Some(seq) => closed
                        .and_then(|()| record_logged(&txn, seq))
                        .and_then(|()| commit(txn).map_err(Into::into)),
                    // Nothing applied: the transaction is dropped, which aborts it.
                    None => return leftover,
                };
                match done {
                    Ok(()) => self.committed_session(db),
                    Err(e) => {
                        self.broken = Some(uncertain(format!("commit failed: {e}")));
                        // The answered writes stay in the log for the reopen; the writer's loop
                        // refuses the jobs left over.
                        return leftover;
                    }
                }
                leftover
            }
            End::Refused(batch, seq) => {
                // Dropping the transaction rolls back the answered groups too: they go again.
                drop(txn);
                // The frame's sync first, so that no reader sees the group before it is synced.
                let synced = self.redo.as_ref().map_or(Ok(()), |r| r.wait());
                let (committed, refused) = commit_batch(db, batch, true, Some(seq), &applied);
                self.settle_logged(db, committed, refused, synced);
                None
            }
            End::SyncFailed(batch, seq, e) => {
                let why = uncertain(format!("syncing the operation log failed: {e}"));
                // The transaction holds the failed group too: record that the store file holds it.
                let recorded = closed.and_then(|()| record_logged(&txn, seq));
                if recorded.is_ok() && commit(txn).is_ok() {
                    self.visibility.set(false);
                }
                fail_all(batch, &why);
                self.broken = Some(why);
                None
            }
        }
    }

    /// After a session's commit: readers see every answered write, and the flush timer (or a
    /// full log, now) makes it durable in the store file.
    fn committed_session(&mut self, db: &Database) {
        self.visibility.set(false);
        self.unsynced = true;
        if self.redo.as_ref().is_some_and(|r| r.is_full()) {
            self.make_durable(db);
        }
    }

    /// Waits up to [`LINGER`] for the next group and says what it is.
    fn next_group(&mut self, rx: &Receiver<Box<dyn Job>>) -> Next {
        // The callers just answered send their next writes within microseconds to tens of
        // microseconds: polling meanwhile spares a wake-up of this thread.
        let first = match crate::poll::recv(rx, self.spin, Some(Instant::now() + LINGER)) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return Next::Idle,
        };
        let mut batch = vec![first];
        self.drain(rx, &mut batch);
        if !all_logged(&batch) {
            return Next::Other(batch);
        }
        self.gather.wait_for_more(rx, &mut batch, self.max_batch, self.spin);
        if all_logged(&batch) {
            Next::Logged(batch)
        } else {
            Next::Other(batch)
        }
    }

    /// Answers a logged group whose transaction was committed (or failed) after a refusal, once
    /// its frame's sync is known.
    fn settle_logged(
        &mut self,
        db: &Database,
        committed: Committed,
        refused: super::Refused,
        synced: std::io::Result<()>,
    ) {
        match (committed, synced) {
            (Committed::Yes(jobs), Ok(())) => {
                super::super::crash::hit("redo_synced");
                answer_refused(refused);
                answer_all(jobs);
                self.committed_session(db);
            }
            (Committed::Nothing, _) => {
                // Not reached: a logged group with every operation refused still commits.
                answer_refused(refused);
            }
            (Committed::Yes(jobs), Err(e)) => {
                // The refusals were committed durably, past the replay's reach.
                answer_refused(refused);
                let why = uncertain(format!("syncing the operation log failed: {e}"));
                fail_all(jobs, &why);
                self.broken = Some(why);
                self.visibility.set(false);
            }
            (Committed::Failed(jobs, e), _) => {
                let why = uncertain(format!("commit failed: {e}"));
                fail_all(jobs, &why);
                fail_all(refused.into_iter().map(|(job, _)| job).collect(), &why);
                self.broken = Some(why);
            }
        }
    }
}

/// Whether every job of `batch` is a durable operation the log can record.
pub(super) fn all_logged(batch: &[Box<dyn Job>]) -> bool {
    batch.iter().all(|j| j.durable() && j.logged().is_some())
}
