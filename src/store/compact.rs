//! Returning free space inside the store file to the file system.
//!
//! redb's `Database::compact` needs `&mut Database` and no live transaction, while an open store
//! shares its database between every handle and the writer thread. Rather than put a lock in
//! front of every read, the store compacts only where it already owns the database alone:
//!
//! - when the last handle closes, after the writer thread has drained its queue and stopped;
//! - when the store opens, before the writer thread starts (this catches a request left by a
//!   process that crashed or whose close found a reader of another process still active).
//!
//! Either moment is free of writing by construction, so a compaction never competes with a
//! burst of writes. Housekeeping decides *whether* to compact: after its retention deletes rows
//! it measures the free pages, and when they are worth it, it sets
//! [`META_COMPACTION_DUE`](crate::tables::META_COMPACTION_DUE).

use redb::{Database, ReadableDatabase};

use crate::Result;
use crate::tables::{HK_MARKS, META, META_COMPACTION_DUE};
use crate::timefmt::now_ns;

/// Whether a compaction was requested.
pub(crate) fn is_due(db: &Database) -> Result<bool> {
    let rtx = db.begin_read()?;
    let meta = match rtx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    Ok(meta.get(META_COMPACTION_DUE)?.is_some_and(|v| v.value() != 0))
}

/// Compacts `db` if a compaction was requested, then clears the request and records when it ran
/// and how many bytes the file shrank by. Returns the bytes freed, or `None` when nothing was
/// due. A compaction refused because a transaction (of another process) is active leaves the
/// request in place for the next open or close.
pub(crate) fn run_if_due(db: &mut Database, file: &std::path::Path) -> Result<Option<u64>> {
    if !is_due(db)? {
        return Ok(None);
    }
    let before = file_len(file);
    db.compact()?;
    let after = file_len(file);
    let freed = before.saturating_sub(after);
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        meta.remove(META_COMPACTION_DUE)?;
        let mut marks = txn.open_table(HK_MARKS)?;
        marks.insert("compaction:last", now_ns())?;
        marks.insert("compaction:freed", i64::try_from(freed).unwrap_or(i64::MAX))?;
    }
    txn.commit()?;
    Ok(Some(freed))
}

fn file_len(file: &std::path::Path) -> u64 {
    std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
}
