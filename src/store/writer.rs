//! The single writer thread and its group commit.
//!
//! Callers send operations over a bounded channel and block on a reply. The writer takes the
//! first queued operation, drains whatever else is queued (up to `max_batch`), applies them all
//! in one redb write transaction and commits once, so concurrent writers share one fsync.
//!
//! An operation that fails is rolled back alone: the transaction is aborted and the batch is
//! applied again without it. This needs no savepoints (which shared, multi-process stores do not
//! have) and costs nothing on the common path where every operation succeeds.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use redb::{Database, WriteTransaction};

use super::builder::{Config, Durability};
use crate::{Error, Result};

/// One queued operation, type-erased.
trait Job: Send {
    /// Applies the operation to `txn`, remembering its result. May be called more than once.
    fn apply(&mut self, txn: &WriteTransaction) -> Result<()>;
    /// Delivers the outcome to the caller, once the commit has (or has not) happened.
    fn finish(self: Box<Self>, outcome: Result<()>);
    /// Whether the caller waits for the commit to be on disk.
    fn durable(&self) -> bool;
}

struct TypedJob<R, F> {
    op: F,
    out: Option<R>,
    reply: Sender<Result<R>>,
    durable: bool,
}

impl<R, F> Job for TypedJob<R, F>
where
    R: Send,
    F: FnMut(&WriteTransaction) -> Result<R> + Send,
{
    fn apply(&mut self, txn: &WriteTransaction) -> Result<()> {
        self.out = Some((self.op)(txn)?);
        Ok(())
    }

    fn finish(mut self: Box<Self>, outcome: Result<()>) {
        let result = outcome.and_then(|()| {
            self.out
                .take()
                .ok_or_else(|| Error::Db("write operation produced no result".into()))
        });
        // The caller may have given up waiting (its thread ended); nothing to do then.
        let _ = self.reply.send(result);
    }

    fn durable(&self) -> bool {
        self.durable
    }
}

pub(crate) struct Writer {
    tx: Option<Sender<Box<dyn Job>>>,
    handle: Option<JoinHandle<()>>,
}

impl Writer {
    pub(crate) fn spawn(db: Arc<Database>, config: &Config) -> Result<Writer> {
        let (tx, rx) = crossbeam_channel::bounded::<Box<dyn Job>>(config.queue_depth);
        let max_batch = config.max_batch;
        let flush_interval = config.flush_interval;
        let handle = std::thread::Builder::new()
            .name("tradestore-writer".into())
            .spawn(move || run(&db, &rx, max_batch, flush_interval))
            .map_err(|e| Error::io("tradestore-writer thread", e))?;
        Ok(Writer {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    pub(crate) fn submit<R, F>(&self, op: F, durability: Durability) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&WriteTransaction) -> Result<R> + Send + 'static,
    {
        let closed = || Error::Unavailable("the store is closing; reopen it to write".into());
        let tx = self.tx.as_ref().ok_or_else(closed)?;
        let (reply, wait) = crossbeam_channel::bounded(1);
        let job = TypedJob {
            op,
            out: None,
            reply,
            durable: durability == Durability::Immediate,
        };
        tx.send(Box::new(job)).map_err(|_| closed())?;
        super::ensure_not_closed(wait.recv())?
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

fn run(db: &Database, rx: &Receiver<Box<dyn Job>>, max_batch: usize, flush_interval: Duration) {
    let mut unsynced = false;
    let mut gather = Gather::default();
    loop {
        let first = if unsynced {
            match rx.recv_timeout(flush_interval) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    unsynced = sync(db).is_err();
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
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let durable = batch.iter().any(|j| j.durable());
        if durable {
            gather.wait_for_more(rx, &mut batch, max_batch);
        }
        let size = batch.len();
        let started = Instant::now();
        if commit_batch(db, batch, durable) {
            unsynced = !durable;
        }
        if durable {
            gather.committed(size, started.elapsed());
        }
    }
    if unsynced {
        // Best effort on close: the data is committed, only its fsync is pending.
        let _ = sync(db);
    }
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
    fn wait_for_more(&self, rx: &Receiver<Box<dyn Job>>, batch: &mut Vec<Box<dyn Job>>, max_batch: usize) {
        let want = self.last_size.min(max_batch);
        if batch.len() >= want {
            return;
        }
        let deadline = Instant::now() + (self.last_commit / 2).min(MAX_GATHER);
        while batch.len() < want {
            match rx.recv_deadline(deadline) {
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

/// Applies `batch` in one transaction, dropping failed operations, and commits. Returns whether
/// a commit happened.
fn commit_batch(db: &Database, mut batch: Vec<Box<dyn Job>>, durable: bool) -> bool {
    loop {
        let txn = match begin(db, durable) {
            Ok(t) => t,
            Err(e) => {
                fail_all(batch, &e);
                return false;
            }
        };
        let failed = batch
            .iter_mut()
            .enumerate()
            .find_map(|(i, job)| job.apply(&txn).err().map(|e| (i, e)));
        match failed {
            Some((i, e)) => {
                // Dropping `txn` aborts it; the failing op answers alone, the rest go again.
                let _ = txn.abort();
                batch.remove(i).finish(Err(e));
                if batch.is_empty() {
                    return false;
                }
            }
            None => match commit(txn) {
                Ok(()) => {
                    super::crash::hit("after_commit");
                    for job in batch {
                        job.finish(Ok(()));
                    }
                    return true;
                }
                Err(e) => {
                    fail_all(batch, &Error::from(e));
                    return false;
                }
            },
        }
    }
}

fn commit(txn: WriteTransaction) -> std::result::Result<(), redb::CommitError> {
    super::crash::hit("before_commit");
    txn.commit()
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

fn fail_all(batch: Vec<Box<dyn Job>>, e: &Error) {
    let msg = e.to_string();
    for job in batch {
        job.finish(Err(Error::Db(format!(
            "commit failed, nothing of this write was stored: {msg}"
        ))));
    }
}
