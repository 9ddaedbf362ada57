//! Opening the operation log: replaying what a crash left in it, then starting it over.

use std::path::Path;
use std::time::Duration;

use redb::{Database, ReadableDatabase, StorageBackend};

use super::format::{self, Op, REDO_MAGIC};
use super::log::RedoLog;
use crate::store::Shared;
use crate::tables::{META, META_REDO_APPLIED};
use crate::wal::{Appender, read_frames};
use crate::{Error, Result};

/// File name of the operation log inside the store directory.
pub const REDO_FILE: &str = "tradestore.redo";

/// Replays into `db` every intact operation of the store's operation log that the store file
/// does not hold yet, durably. Then, with `keep`, starts the log over and returns it open for
/// this process (the writer and the log's thread poll for each other for `spin` before they
/// sleep); without, empties it (stores opened with shared concurrency do not log). Without
/// `keep` and without a log, does nothing.
///
/// # Errors
/// [`Error::Locked`] if another process has the log open; the store's errors while replaying
/// (the log is then left as it was, to be replayed by the next open).
pub(crate) fn open(db: &Database, root: &Path, keep: bool, spin: Duration) -> Result<Option<RedoLog>> {
    let path = root.join(REDO_FILE);
    match crate::wal::open_log(&path, keep)? {
        Some(log) => open_on(db, Box::new(log), keep, spin).map_err(|e| match e {
            Error::Io { source, .. } => Error::io(&path, source),
            other => other,
        }),
        None => Ok(None),
    }
}

/// As [`open`], for the operation log in `log` (a file, or a simulated disk in tests).
pub(crate) fn open_on(
    db: &Database,
    log: Box<dyn StorageBackend>,
    keep: bool,
    spin: Duration,
) -> Result<Option<RedoLog>> {
    let io = |e| Error::io(REDO_FILE, e);
    let applied = {
        let rtx = db.begin_read()?;
        rtx.open_table(META)?.get(META_REDO_APPLIED)?.map_or(0, |v| v.value())
    };
    // The last operation the store file holds, as frames are applied.
    let mut last = applied;
    // Sequence number the next frame must start at: frames are contiguous.
    let mut expect: Option<u64> = None;
    let mut failure = None;
    let found = read_frames(&*log, REDO_MAGIC, |payload| {
        let Some((first, ops)) = format::decode_payload(payload) else {
            return false;
        };
        let Some(next) = first.checked_add(ops.len() as u64) else {
            return false;
        };
        if expect.is_some_and(|e| e != first) {
            return false;
        }
        expect = Some(next);
        match replay_frame(db, first, &ops, last) {
            Ok(now_last) => {
                last = now_last;
                true
            }
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    })
    .map_err(io)?;
    if let Some(e) = failure {
        return Err(e);
    }
    if last > applied {
        // The frames were applied without syncing: one durable commit makes them all durable.
        let mut txn = db.begin_write()?;
        txn.set_durability(redb::Durability::Immediate)?;
        txn.commit()?;
    }
    let next_seq = expect.unwrap_or(1).max(last.saturating_add(1));
    let mut appender = Appender::new(REDO_MAGIC, found.generation, log.len().map_err(io)?);
    if keep {
        appender.restart(&*log).map_err(io)?;
        return RedoLog::spawn(log, appender, next_seq, spin).map(Some);
    }
    appender.truncate(&*log).map_err(io)?;
    log.close().map_err(io)?;
    Ok(None)
}

/// Applies the operations of one frame (numbered from `first`) that come after `last`, the last
/// one the store file holds, as the writer applied that group: in one transaction, in order, an
/// operation refused by its checks (a fill refused, a duplicate order) left out and the rest
/// applied again without it — it was refused the same way on the same state. The commit is not
/// synced. Returns the sequence number of the last operation the store file now holds.
fn replay_frame(db: &Database, first: u64, ops: &[Op], last: u64) -> Result<u64> {
    let todo: Vec<(u64, &Op)> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| (first + i as u64, op))
        .filter(|(seq, _)| *seq > last)
        .collect();
    let Some(&(end, _)) = todo.last() else {
        return Ok(last);
    };
    let mut refused = vec![false; todo.len()];
    loop {
        let mut txn = db.begin_write()?;
        txn.set_durability(redb::Durability::None)?;
        let failed = {
            let mut shared = Shared::new(&txn);
            let mut failed = None;
            for (i, (_, op)) in todo.iter().enumerate().filter(|(i, _)| !refused[*i]) {
                match apply(&mut shared, op) {
                    Ok(()) => {}
                    Err(Error::Validation { .. } | Error::Conflict { .. }) => {
                        failed = Some(i);
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            if failed.is_none() {
                shared.close()?;
            }
            failed
        };
        if let Some(i) = failed {
            refused[i] = true;
            txn.abort()?;
            continue;
        }
        txn.open_table(META)?.insert(META_REDO_APPLIED, end)?;
        txn.commit()?;
        return Ok(end);
    }
}

/// Applies again, in the writer, an operation in its logged form that was answered in a
/// transaction rolled back since: exactly what a replay of the log does with it.
///
/// # Errors
/// [`Error::Db`] if `op` does not decode; the operation's own errors.
pub(crate) fn reapply(shared: &mut Shared<'_>, op: &[u8]) -> Result<()> {
    let op = format::decode_op(op)
        .ok_or_else(|| Error::Db("an answered operation of the operation log does not decode".into()))?;
    apply(shared, &op)
}

/// Applies one logged operation to `txn`, as it was applied when first logged.
fn apply(shared: &mut Shared<'_>, op: &Op) -> Result<()> {
    match op {
        Op::SaveTrades { now, trades } => {
            // Read back from disk: checked again before anything trusts it.
            crate::trades::validate_all(trades)?;
            crate::trades::save_in(shared, *now, trades).map(drop)
        }
        Op::ImportTrades { now, trades } => {
            crate::trades::validate_all(trades)?;
            crate::trades::import_in(shared, *now, trades).map(drop)
        }
        Op::PutDoc(put) => {
            put.check()?;
            put.apply(shared).map(drop)
        }
        Op::SaveState(save) => {
            save.check()?;
            save.apply(shared.txn()?).map(drop)
        }
    }
}
