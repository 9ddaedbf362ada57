//! Opening the operation log: replaying what a crash left in it, then starting it over.

use std::path::Path;

use redb::{Database, ReadableTable};

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
/// this process; without, empties it (stores opened with shared concurrency do not log).
/// Without `keep` and without a log, does nothing.
///
/// # Errors
/// [`Error::Locked`] if another process has the log open; the store's errors while replaying
/// (the log is then left as it was, to be replayed by the next open).
pub(crate) fn open(db: &Database, root: &Path, keep: bool) -> Result<Option<RedoLog>> {
    let path = root.join(REDO_FILE);
    let Some(log) = crate::wal::open_log(&path, keep)? else {
        return Ok(None);
    };
    let io = |e| Error::io(&path, e);
    let mut ops: Vec<(u64, Op)> = Vec::new();
    // Sequence number the next frame must start at: frames are contiguous.
    let mut expect: Option<u64> = None;
    let found = read_frames(&log, REDO_MAGIC, |payload| match format::decode_payload(payload) {
        Some((first, batch)) if expect.is_none_or(|e| e == first) => {
            let next = first.checked_add(batch.len() as u64);
            expect = next;
            ops.extend((first..).zip(batch));
            next.is_some()
        }
        _ => false,
    })
    .map_err(io)?;
    let applied = replay(db, &ops)?;
    let next_seq = expect.unwrap_or(1).max(applied.saturating_add(1));
    let mut appender = Appender::new(
        REDO_MAGIC,
        found.generation,
        redb::StorageBackend::len(&log).map_err(io)?,
    );
    if keep {
        appender.restart(&log).map_err(io)?;
        return RedoLog::spawn(log, appender, next_seq).map(Some);
    }
    appender.truncate(&log).map_err(io)?;
    redb::StorageBackend::close(&log).map_err(io)?;
    Ok(None)
}

/// Applies, in one durable transaction, the operations of `ops` numbered after the last one the
/// store file holds, as the writer applied them: an operation that fails its checks (a fill
/// refused, a duplicate order) is left out and the transaction applied again without it. It
/// failed the same way when it was first applied, on the same state. Returns the sequence
/// number of the last operation the store file now holds.
fn replay(db: &Database, ops: &[(u64, Op)]) -> Result<u64> {
    let mut refused = vec![false; ops.len()];
    loop {
        let txn = db.begin_write()?;
        let applied = txn.open_table(META)?.get(META_REDO_APPLIED)?.map_or(0, |v| v.value());
        let mut last = applied;
        let mut failed = None;
        {
            let mut shared = Shared::new(&txn);
            for (i, (seq, op)) in ops.iter().enumerate().filter(|(_, (seq, _))| *seq > applied) {
                last = *seq;
                if refused[i] {
                    continue;
                }
                match apply(&mut shared, op) {
                    Ok(()) => {}
                    Err(Error::Validation { .. } | Error::Conflict { .. }) => {
                        failed = Some(i);
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if let Some(i) = failed {
            refused[i] = true;
            txn.abort()?;
            continue;
        }
        if last == applied {
            txn.abort()?;
            return Ok(applied);
        }
        txn.open_table(META)?.insert(META_REDO_APPLIED, last)?;
        txn.commit()?;
        return Ok(last);
    }
}

/// Applies one logged operation to `txn`, as it was applied when first logged.
fn apply(shared: &mut Shared<'_>, op: &Op) -> Result<()> {
    match op {
        Op::SaveTrades { now, trades } => {
            // Read back from disk: checked again before anything trusts it.
            crate::trades::validate_all(trades)?;
            crate::trades::save_in(shared, *now, trades).map(drop)
        }
        Op::PutDoc(put) => {
            put.check()?;
            put.apply(shared.txn()).map(drop)
        }
        Op::SaveState(save) => {
            save.check()?;
            save.apply(shared.txn()).map(drop)
        }
    }
}
