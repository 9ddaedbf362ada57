//! Named crash points for process-crash tests. Compiled in only with the cargo feature
//! `crash-points` (off by default); without it [`hit`] is an empty inline function.
//!
//! With the feature, `TRADESTORE_CRASH_POINT=<name>:<n>` makes the process abort (no
//! destructors, no flush: as abrupt as SIGKILL) the `n`-th time any thread reaches the point
//! `<name>`. Each point is one line calling [`hit`] where it sits:
//!
//! | point | where | what is on disk when it fires |
//! |---|---|---|
//! | `before_commit` | writer thread, `store/writer.rs` | the batch is applied to a write transaction, its commit not started |
//! | `after_commit` | writer thread, `store/writer.rs` | the commit is durable (for a batch going through the operation log: committed but not synced, its frame of the log maybe not synced yet); no caller has been answered |
//! | `redo_synced` | writer thread, `store/writer.rs` | a batch's frame of the operation log is synced and the batch committed to the store file without sync; no caller has been answered |
//! | `wal_checkpoint` | checkpoint of the commit log, `wal/backend.rs` | the store file is synced, the log still holds its frames (its new generation not yet written) |
//! | `parquet_before_rename` | market partition write, `market/write.rs`, before each partition's rename | the new partition sits fsynced in its temp file and its pending catalog row is committed; the old file is still in place (reached once per partition of a write) |
//! | `parquet_after_rename` | market partition write, `market/write.rs`, after the renames | every new file is in place, the catalog still lists the old ones (their pending rows say what replaced them) |
//! | `snapshot_mid_write` | snapshot writer, `snapshot/format.rs`, after each chunk | part of the chunks are written to the `.partial` file (some maybe still buffered), no trailer |
//! | `snapshot_before_rename` | snapshot writer, `snapshot/mod.rs` | the complete snapshot is fsynced under its `.partial` name, not yet renamed to `.tsnap` |
//! | `create_before_link` | creation of a new store file, `store/create.rs` | the new, empty database is synced under its temporary name; the store file does not exist yet |
//! | `create_after_link` | creation of a new store file, `store/create.rs` | the store file is in place and its directory synced; the temporary name still exists |
//!
//! `tests/crash_kill9.rs` aborts the writer process at each of them and checks what a reopened
//! store holds.

#[cfg(feature = "crash-points")]
pub(crate) fn hit(name: &str) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let target = TARGET.get_or_init(|| {
        let spec = std::env::var("TRADESTORE_CRASH_POINT").ok()?;
        let (point, n) = spec.split_once(':')?;
        Some((point.to_owned(), n.parse().ok()?))
    });
    if let Some((point, n)) = target
        && point == name
        && COUNT.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub(crate) fn hit(_name: &str) {}
