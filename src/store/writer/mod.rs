//! The single writer thread and its group commit.
//!
//! Callers send operations over a bounded channel and block on a reply. The writer takes the
//! first queued operation, drains whatever else is queued (up to `max_batch`), applies them all
//! in one redb write transaction and commits once, so concurrent writers share one fsync.
//!
//! An operation that fails is rolled back alone: the transaction is aborted and the batch is
//! applied again without it. This needs no savepoints (which shared, multi-process stores do not
//! have) and costs nothing on the common path where every operation succeeds.
//!
//! When the store keeps an operation log ([`crate::redo`]) and every operation of a durable
//! batch is logged, the batch's frame is synced by the log's thread while the writer applies the
//! batch; the callers are answered once both are done, and the store file commits the batch (not
//! synced) later, with the logged batches that follow it ([`session`]). Reads ask for that
//! commit first ([`Writer::make_visible`]).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use redb::{Database, WriteTransaction};

mod reply;
mod session;

use session::Leftover;
pub(crate) use session::Visibility;

use super::builder::{Config, Durability};
use crate::documents::DocTables;
use crate::redo::{LogWaker, RedoLog};
use crate::trades::TradeTables;
use crate::{Error, Result};

/// Tables opened once per write transaction and shared by the operations applied in it:
/// opening a redb table and writing its root back when it closes cost more than the few rows a
/// save of one fill or a put of one document inserts, so the operations of a group commit (and
/// of a session, see [`session`]) open the trade and document tables once. The trade tables also
/// hold rows every fill rewrites until [`Shared::close`] writes them: it must run before the
/// transaction commits.
pub(crate) struct Shared<'t> {
    txn: &'t WriteTransaction,
    trades: Option<TradeTables<'t>>,
    docs: Option<DocTables<'t>>,
}

impl<'t> Shared<'t> {
    pub(crate) fn new(txn: &'t WriteTransaction) -> Self {
        Shared {
            txn,
            trades: None,
            docs: None,
        }
    }

    /// Writes what the shared tables hold back and closes them. The transaction may then commit.
    ///
    /// # Errors
    /// After a failed trade insert (the transaction must be rolled back); storage errors.
    pub(crate) fn close(&mut self) -> Result<()> {
        self.docs = None;
        match self.trades.take() {
            Some(mut t) => t.flush(),
            None => Ok(()),
        }
    }

    /// The transaction itself, for an operation that opens tables of its own: the shared
    /// tables are closed first (redb refuses to open a table twice).
    ///
    /// # Errors
    /// As [`Shared::close`].
    pub(crate) fn txn(&mut self) -> Result<&'t WriteTransaction> {
        self.close()?;
        Ok(self.txn)
    }

    /// The trade tables, opened on first use.
    pub(crate) fn trades(&mut self) -> Result<&mut TradeTables<'t>> {
        match &mut self.trades {
            Some(t) => Ok(t),
            slot => Ok(slot.insert(TradeTables::open(self.txn)?)),
        }
    }

    /// The document tables, opened on first use.
    pub(crate) fn docs(&mut self) -> Result<&mut DocTables<'t>> {
        match &mut self.docs {
            Some(t) => Ok(t),
            slot => Ok(slot.insert(DocTables::open(self.txn)?)),
        }
    }
}

/// What a queued operation does to the transaction.
pub(crate) trait Apply<R>: Send {
    fn run(&mut self, shared: &mut Shared<'_>) -> Result<R>;
}

/// An operation on the transaction alone.
pub(crate) struct Plain<F>(pub(crate) F);

impl<R, F: FnMut(&WriteTransaction) -> Result<R> + Send> Apply<R> for Plain<F> {
    fn run(&mut self, shared: &mut Shared<'_>) -> Result<R> {
        (self.0)(shared.txn()?)
    }
}

/// An operation using the transaction's shared tables.
pub(crate) struct WithShared<F>(pub(crate) F);

impl<R, F: FnMut(&mut Shared<'_>) -> Result<R> + Send> Apply<R> for WithShared<F> {
    fn run(&mut self, shared: &mut Shared<'_>) -> Result<R> {
        (self.0)(shared)
    }
}

/// One queued operation, type-erased.
trait Job: Send {
    /// Applies the operation to the transaction, remembering its result. May be called more
    /// than once.
    fn apply(&mut self, shared: &mut Shared<'_>) -> Result<()>;
    /// Delivers the outcome to the caller, once the commit has (or has not) happened, or, for a
    /// logged operation, once its frame is synced and it is applied.
    fn finish(self: Box<Self>, outcome: Result<()>);
    /// Whether the caller waits for the commit to be on disk.
    fn durable(&self) -> bool;
    /// The operation as the operation log records it, when it can be logged.
    fn logged(&self) -> Option<&[u8]>;
    /// Takes the logged form out, once the log holds it.
    fn take_logged(&mut self) -> Option<Vec<u8>>;
    /// Whether the job only waits for every earlier answered write to be visible to readers.
    fn is_barrier(&self) -> bool {
        false
    }
}

struct TypedJob<R, A> {
    op: A,
    out: Option<R>,
    reply: reply::Reply<Result<R>>,
    durable: bool,
    logged: Option<Vec<u8>>,
}

impl<R, A> Job for TypedJob<R, A>
where
    R: Send,
    A: Apply<R>,
{
    fn apply(&mut self, shared: &mut Shared<'_>) -> Result<()> {
        self.out = Some(self.op.run(shared)?);
        Ok(())
    }

    fn finish(mut self: Box<Self>, outcome: Result<()>) {
        let result = outcome.and_then(|()| {
            self.out
                .take()
                .ok_or_else(|| Error::Db("write operation produced no result".into()))
        });
        self.reply.send(result);
    }

    fn durable(&self) -> bool {
        self.durable
    }

    fn logged(&self) -> Option<&[u8]> {
        self.logged.as_deref()
    }

    fn take_logged(&mut self) -> Option<Vec<u8>> {
        self.logged.take()
    }
}

/// A reader's request to commit the answered writes the writer holds (see [`Visibility`]).
struct Barrier(reply::Reply<Result<()>>);

impl Job for Barrier {
    fn apply(&mut self, _: &mut Shared<'_>) -> Result<()> {
        Ok(())
    }

    fn finish(self: Box<Self>, outcome: Result<()>) {
        self.0.send(outcome);
    }

    fn durable(&self) -> bool {
        false
    }

    fn logged(&self) -> Option<&[u8]> {
        None
    }

    fn take_logged(&mut self) -> Option<Vec<u8>> {
        None
    }

    fn is_barrier(&self) -> bool {
        true
    }
}

pub(crate) struct Writer {
    tx: Option<Sender<Box<dyn Job>>>,
    handle: Option<JoinHandle<()>>,
    logs_ops: bool,
    visibility: Visibility,
    polling: reply::Polling,
    /// Wakes the operation log's thread for a write after a pause.
    log_waker: Option<LogWaker>,
}

impl Writer {
    /// Starts the writer thread; with `redo`, durable batches of logged operations go through
    /// the operation log.
    pub(crate) fn spawn(db: Arc<Database>, config: &Config, redo: Option<RedoLog>) -> Result<Writer> {
        let (tx, rx) = crossbeam_channel::bounded::<Box<dyn Job>>(config.queue_depth);
        let logs_ops = redo.is_some();
        // Without polling, a woken log thread would sleep again before the frame comes.
        let log_waker = redo
            .as_ref()
            .filter(|_| !config.spin_wait.is_zero())
            .and_then(RedoLog::waker);
        let visibility = Visibility::default();
        let mut w = Loop {
            max_batch: config.max_batch,
            flush_interval: config.flush_interval,
            redo,
            broken: None,
            unsynced: false,
            gather: Gather::default(),
            visibility: visibility.clone(),
            spin: config.spin_wait,
        };
        let handle = std::thread::Builder::new()
            .name("tradestore-writer".into())
            .spawn(move || w.run(&db, &rx))
            .map_err(|e| Error::io("tradestore-writer thread", e))?;
        Ok(Writer {
            tx: Some(tx),
            handle: Some(handle),
            logs_ops,
            visibility,
            polling: reply::Polling::new(config.spin_wait),
            log_waker,
        })
    }

    /// Whether operations submitted with a logged form go through the operation log.
    pub(crate) fn logs_ops(&self) -> bool {
        self.logs_ops
    }

    /// Runs `op` in a group commit and returns its result once committed (and durable, under
    /// [`Durability::Immediate`]). `logged` is the operation as the operation log records it:
    /// replaying it must do exactly what `op` does.
    pub(crate) fn submit<R, A>(&self, op: A, durability: Durability, logged: Option<Vec<u8>>) -> Result<R>
    where
        R: Send + 'static,
        A: Apply<R> + 'static,
    {
        let (reply, wait) = reply::pair();
        let durable = durability == Durability::Immediate;
        // Only a write through the operation log is answered by a writer that polls for the
        // caller's next one (see `reply::Polling`).
        let polling = (durable && logged.is_some() && self.logs_ops).then_some(&self.polling);
        // After a pause, the log's thread sleeps as the writer does (see `LogWaker::wake`).
        let wake_log = self.log_waker.is_some() && polling.is_some_and(|p| !p.back_in_time());
        let job = TypedJob {
            op,
            out: None,
            reply,
            durable,
            logged,
        };
        self.send(Box::new(job))?;
        // After the job: woken first, the writer runs on the core this caller leaves (sending
        // the wake-up first measured 20–30 µs slower on the disk).
        if wake_log && let Some(w) = &self.log_waker {
            w.wake();
        }
        super::ensure_not_closed(wait.recv(polling))?
    }

    /// Returns once every write answered so far is visible to a read transaction begun next:
    /// at once, unless the writer holds answered logged writes it has not committed yet (see
    /// [`Visibility`]), which it then commits.
    ///
    /// # Errors
    /// [`Error::Unavailable`] if the writer stopped taking writes after a failure (the answered
    /// writes are then settled by reopening the store) or is gone.
    pub(crate) fn make_visible(&self) -> Result<()> {
        if !self.visibility.pending() {
            return Ok(());
        }
        let (reply, wait) = reply::pair();
        self.send(Box::new(Barrier(reply)))?;
        super::ensure_not_closed(wait.recv(None))?
    }

    fn send(&self, job: Box<dyn Job>) -> Result<()> {
        let closed = || Error::Unavailable("the store is closing; reopen it to write".into());
        let tx = self.tx.as_ref().ok_or_else(closed)?;
        tx.send(job).map_err(|_| closed())
    }

    /// Closes the queue, lets the writer drain it and flush, and joins it.
    pub(crate) fn shutdown(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            // A panicked writer has already failed every waiting caller; nothing to report here.
            let _ = h.join();
        }
    }
}

/// The writer thread's state.
struct Loop {
    max_batch: usize,
    flush_interval: Duration,
    redo: Option<RedoLog>,
    /// Why the writer refuses every write until the store is reopened: a commit or a sync of
    /// the operation log failed after the operation was logged, so only a replay can tell what
    /// is stored.
    broken: Option<String>,
    /// Commits were made that are not durable in the store file yet.
    unsynced: bool,
    gather: Gather,
    /// Raised while answered writes wait for their commit.
    visibility: Visibility,
    /// How long the writer polls for the next write of a group before it sleeps.
    spin: Duration,
}

impl Loop {
    fn run(&mut self, db: &Database, rx: &Receiver<Box<dyn Job>>) {
        loop {
            let first = if self.unsynced {
                match rx.recv_timeout(self.flush_interval) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout) => {
                        self.make_durable(db);
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match rx.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                }
            };
            let mut batch = vec![first];
            self.drain(rx, &mut batch);
            self.process(db, rx, batch);
        }
        if self.unsynced {
            // Best effort on close: the data is committed, only its fsync is pending.
            self.make_durable(db);
        }
        if let Some(redo) = &mut self.redo
            && !self.unsynced
            && self.broken.is_none()
        {
            // Best effort: a log left with frames is replayed (as a no-op) by the next open.
            let _ = redo.close();
        }
    }

    /// Adds to `batch` whatever else is queued, up to `max_batch` jobs.
    fn drain(&self, rx: &Receiver<Box<dyn Job>>, batch: &mut Vec<Box<dyn Job>>) {
        while batch.len() < self.max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
    }

    /// Applies one group: through the operation log when every operation in it is logged and
    /// durable, else in a commit of its own.
    fn process(&mut self, db: &Database, rx: &Receiver<Box<dyn Job>>, mut batch: Vec<Box<dyn Job>>) {
        loop {
            if let Some(why) = &self.broken {
                let (barriers, writes): (Vec<_>, Vec<_>) = batch.into_iter().partition(|j| j.is_barrier());
                if self.visibility.pending() {
                    refuse_reads(barriers, why);
                } else {
                    // Every answered write was committed before the failure: readers see them.
                    answer_all(barriers);
                }
                refuse_all(writes, why);
                return;
            }
            batch = answer_barriers(batch);
            if batch.is_empty() {
                return;
            }
            let durable = batch.iter().any(|j| j.durable());
            if durable {
                self.gather.wait_for_more(rx, &mut batch, self.max_batch, self.spin);
                batch = answer_barriers(batch);
            }
            if durable && self.redo.is_some() && session::all_logged(&batch) {
                match self.logged_session(db, rx, batch) {
                    None => return,
                    // The session ended for a barrier or another kind of write: start over.
                    Some(Leftover::Again(jobs)) => {
                        batch = jobs;
                        continue;
                    }
                    Some(Leftover::Plain(jobs)) => batch = jobs,
                }
            }
            let size = batch.len();
            let started = Instant::now();
            self.process_plain(db, batch);
            if durable {
                self.gather.committed(size, started.elapsed());
            }
            return;
        }
    }

    /// Applies `batch` in a commit of its own, durable when any of its operations asks for it.
    fn process_plain(&mut self, db: &Database, batch: Vec<Box<dyn Job>>) {
        if let Some(why) = &self.broken {
            refuse_all(batch, why);
            return;
        }
        let durable = batch.iter().any(|j| j.durable());
        let (committed, refused) = commit_batch(db, batch, durable, None, &[]);
        answer_refused(refused);
        match committed {
            Committed::Yes(jobs) => {
                answer_all(jobs);
                // A durable commit makes the logged operations durable in the store file
                // too; the flush timer then starts the operation log over.
                self.unsynced = !durable || self.redo.as_ref().is_some_and(RedoLog::holds_frames);
            }
            Committed::Nothing => {}
            Committed::Failed(jobs, e) => {
                fail_all(jobs, &format!("commit failed, nothing of this write was stored: {e}"))
            }
        }
    }

    /// Makes every commit so far durable in the store file, then starts the operation log over.
    /// After a failure the log is kept: it may hold answered writes the store file does not.
    fn make_durable(&mut self, db: &Database) {
        if sync(db).is_err() {
            // Tried again at the next timeout, or on close.
            return;
        }
        self.unsynced = false;
        if self.broken.is_none()
            && let Some(redo) = &mut self.redo
            && redo.holds_frames()
            && let Err(e) = redo.restart()
        {
            // The log's header may be torn: a frame appended now might never be replayed.
            self.broken = Some(format!("starting the operation log over failed: {e}"));
        }
    }
}

/// Answers the barriers of `batch` and returns the rest. Outside a session every answered write
/// is committed, so a barrier has nothing to wait for.
fn answer_barriers(batch: Vec<Box<dyn Job>>) -> Vec<Box<dyn Job>> {
    let (barriers, rest): (Vec<_>, Vec<_>) = batch.into_iter().partition(|j| j.is_barrier());
    answer_all(barriers);
    rest
}

/// The error of a write whose outcome only a replay of the operation log settles.
fn uncertain(what: String) -> String {
    format!("{what}; whether this write is stored is known once the store is reopened, which replays its operation log")
}

/// How long a durable batch waits for the callers the previous commit answered.
///
/// Callers answered by one durable commit usually send their next write at once, but a few
/// microseconds apart: the writer, free first, would commit the first of them alone and make the
/// others wait a whole sync for the next commit, halving the group size. So a durable batch
/// smaller than the previous one waits, for at most half the previous commit's duration (and
/// never more than [`MAX_GATHER`]), until it is as large. A lone writer (previous batch of one)
/// never waits.
#[derive(Default)]
struct Gather {
    last_size: usize,
    last_commit: Duration,
}

/// Longest a durable batch waits for more callers.
const MAX_GATHER: Duration = Duration::from_micros(500);

impl Gather {
    fn wait_for_more(
        &self,
        rx: &Receiver<Box<dyn Job>>,
        batch: &mut Vec<Box<dyn Job>>,
        max_batch: usize,
        spin: Duration,
    ) {
        let want = self.last_size.min(max_batch);
        if batch.len() >= want {
            return;
        }
        let deadline = Instant::now() + (self.last_commit / 2).min(MAX_GATHER);
        while batch.len() < want {
            match crate::poll::recv(rx, spin, Some(deadline)) {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
    }

    fn committed(&mut self, size: usize, took: Duration) {
        self.last_size = size;
        self.last_commit = took;
    }
}

/// An empty durable commit: makes every earlier non-durable commit durable.
fn sync(db: &Database) -> Result<()> {
    let mut txn = db.begin_write()?;
    txn.set_durability(redb::Durability::Immediate)?;
    txn.commit()?;
    Ok(())
}

/// What [`commit_batch`] did.
enum Committed {
    /// Committed; these operations (the ones that did not fail) await their answer.
    Yes(Vec<Box<dyn Job>>),
    /// Every operation failed: nothing to commit.
    Nothing,
    /// The transaction could not begin or commit; these operations await their answer.
    Failed(Vec<Box<dyn Job>>, Error),
}

/// Operations refused by their own error, to be answered once the group's outcome is known.
type Refused = Vec<(Box<dyn Job>, Error)>;

/// Applies `batch` in one transaction, dropping failed operations (applying the rest again
/// without each), and commits, durably or not. With `logged_seq`, the transaction also records
/// that the store file holds the operation log up to that sequence number, and a group with a
/// refused operation commits durably (even with no operation left): the refused operation is in
/// the log, and recording durably that the log is applied past it means no replay decides its
/// refusal again (an I/O error, say, need not recur).
///
/// `replay` holds operations, in their logged form, that were answered in a transaction rolled
/// back since: each attempt applies them first, as a replay of the log would.
fn commit_batch(
    db: &Database,
    mut batch: Vec<Box<dyn Job>>,
    mut durable: bool,
    logged_seq: Option<u64>,
    replay: &[Vec<u8>],
) -> (Committed, Refused) {
    let mut refused = Refused::new();
    loop {
        let txn = match begin(db, durable) {
            Ok(t) => t,
            Err(e) => return (Committed::Failed(batch, e), refused),
        };
        let failed = {
            let mut shared = Shared::new(&txn);
            if let Err(e) = replay.iter().try_for_each(|op| crate::redo::reapply(&mut shared, op)) {
                return (Committed::Failed(batch, e), refused);
            }
            let failed = batch
                .iter_mut()
                .enumerate()
                .find_map(|(i, job)| job.apply(&mut shared).err().map(|e| (i, e)));
            if failed.is_none()
                && let Err(e) = shared.close()
            {
                return (Committed::Failed(batch, e), refused);
            }
            failed
        };
        if let Some((i, e)) = failed {
            // Dropping `txn` aborts it; the failing op answers alone, the rest go again.
            let _ = txn.abort();
            refused.push((batch.remove(i), e));
            if logged_seq.is_some() {
                durable = true;
            } else if batch.is_empty() {
                return (Committed::Nothing, refused);
            }
            continue;
        }
        if let Some(seq) = logged_seq
            && let Err(e) = record_logged(&txn, seq)
        {
            return (Committed::Failed(batch, e), refused);
        }
        let outcome = match commit(txn) {
            Ok(()) => Committed::Yes(batch),
            Err(e) => Committed::Failed(batch, Error::from(e)),
        };
        return (outcome, refused);
    }
}

fn answer_refused(refused: Refused) {
    for (job, e) in refused {
        job.finish(Err(e));
    }
}

fn record_logged(txn: &WriteTransaction, seq: u64) -> Result<()> {
    txn.open_table(crate::tables::META)?
        .insert(crate::tables::META_REDO_APPLIED, seq)?;
    Ok(())
}

fn commit(txn: WriteTransaction) -> std::result::Result<(), redb::CommitError> {
    super::crash::hit("before_commit");
    txn.commit()?;
    super::crash::hit("after_commit");
    Ok(())
}

fn begin(db: &Database, durable: bool) -> Result<WriteTransaction> {
    let mut txn = db.begin_write()?;
    let d = if durable {
        redb::Durability::Immediate
    } else {
        redb::Durability::None
    };
    txn.set_durability(d)?;
    Ok(txn)
}

fn answer_all(batch: Vec<Box<dyn Job>>) {
    for job in batch {
        job.finish(Ok(()));
    }
}

fn fail_all(batch: Vec<Box<dyn Job>>, msg: &str) {
    for job in batch {
        job.finish(Err(Error::Db(msg.to_owned())));
    }
}

fn refuse_reads(barriers: Vec<Box<dyn Job>>, why: &str) {
    for job in barriers {
        job.finish(Err(Error::Unavailable(format!(
            "writes answered before this read may not be readable: the store stopped taking writes after a failure ({why}); reopen it, which replays them"
        ))));
    }
}

fn refuse_all(batch: Vec<Box<dyn Job>>, why: &str) {
    for job in batch {
        job.finish(Err(Error::Unavailable(format!(
            "the store stopped taking writes after an earlier failure ({why}); reopen it"
        ))));
    }
}
