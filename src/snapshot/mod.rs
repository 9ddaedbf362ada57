//! Store snapshots: the whole store in one portable, verified file.
//!
//! A snapshot is written from a single read transaction, so it is consistent while writers go
//! on. Every table is included, whatever capability created it (see [`raw`]). The file is cut
//! into chunks, each with its own blake3, and closed by a trailer hashing the whole file
//! ([`format`] draws it byte by byte). Restoring verifies the whole file before it writes
//! anything.
//!
//! # Examples
//! ```
//! # let dir = tempfile::tempdir()?;
//! # let store = tradestore::Store::open(dir.path().join("live"))?;
//! store.collection("config")?.put("bot", &serde_json::json!({"dry_run": true}))?;
//! let snap = store.create_snapshot(None)?;
//! let into = dir.path().join("restored");
//! tradestore::snapshot::restore(&snap.path, &into)?;
//! let copy = tradestore::Store::open(&into)?;
//! assert_eq!(copy.collection("config")?.get("bot")?.json["dry_run"], true);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod format;
mod raw;
mod schedule;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase};

pub use format::Header;
pub use schedule::ScheduleStatus;
pub(crate) use schedule::{Scheduler, autos_beyond};

use crate::store::{DB_FILE, create_dir_private, restrict_file, sync_dir};
use crate::tables::{META, META_FORMAT_VERSION};
use crate::timefmt::{format_ts, now_ns};
use crate::{Error, Result, Store};

/// Folder of the store directory holding snapshots.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// File extension of snapshots.
pub const EXTENSION: &str = "tsnap";
/// Name prefix of scheduled snapshots (only these are removed by the schedule's retention).
pub const AUTO_PREFIX: &str = "auto-";

/// A snapshot file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotInfo {
    /// Where it is.
    pub path: PathBuf,
    /// File size in bytes.
    pub bytes: u64,
    /// When it was taken, ns since the epoch (0 when the header is unreadable).
    pub created_at: i64,
    /// Store format version of its contents.
    pub store_format: u64,
    /// Rows per table, when known (after `create`).
    pub tables: Vec<(String, u64)>,
    /// Why the file is not usable, when it is not (only filled by listing and verifying).
    pub problem: Option<String>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

fn default_name(dir: &Path, prefix: &str) -> PathBuf {
    let stamp: String = format_ts(now_ns()).chars().filter(|c| *c != ':' && *c != '-').collect();
    let mut n = 0;
    loop {
        let suffix = if n == 0 { String::new() } else { format!("-{n}") };
        let p = dir.join(format!("{prefix}{stamp}{suffix}.{EXTENSION}"));
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// How long a snapshot's temporary files may go unmodified before a later snapshot treats them
/// as left by a crash and removes them. A snapshot being written touches its files far more
/// often than this.
pub const STALE_PARTIAL_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the temporary files (`*.tsnap.partial`, `*.tsnap.db-partial`) that a snapshot cut
/// short by a crash left in `dir`, once they have gone [`STALE_PARTIAL_AFTER`] unmodified.
/// Best effort: a file that cannot be examined or removed is left alone.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let partial = [".partial", ".db-partial"].iter().any(|s| {
            name.strip_suffix(s)
                .is_some_and(|stem| stem.ends_with(&format!(".{EXTENSION}")))
        });
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age >= STALE_PARTIAL_AFTER));
        if partial && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes a snapshot of `db` to `out` (default: a time-named file in `<root>/snapshots/`, after
/// removing what crashed snapshots left there).
pub(crate) fn create_from(db: &Database, root: &Path, out: Option<&Path>, prefix: &str) -> Result<SnapshotInfo> {
    let out = match out {
        Some(p) => p.to_path_buf(),
        None => {
            let dir = root.join(SNAPSHOT_DIR);
            create_dir_private(&dir)?;
            remove_stale_partials(&dir);
            default_name(&dir, prefix)
        }
    };
    if out.exists() {
        return Err(Error::Conflict {
            detail: format!("{} already exists; choose another --out", out.display()),
            existing_id: None,
        });
    }
    let rtx = db.begin_read()?;
    let store_format = rtx.open_table(META)?.get(META_FORMAT_VERSION)?.map_or(0, |v| v.value());
    let created_at = now_ns();
    let staging = out.with_extension(format!("{EXTENSION}.db-partial"));
    let partial = out.with_extension(format!("{EXTENSION}.partial"));
    let result = (|| {
        let copied = {
            let mut copy = redb::Builder::new().create(&staging)?;
            let wtx = copy.begin_write()?;
            let copied = raw::copy_all(&rtx, &wtx)?;
            wtx.commit()?;
            // Drops the free space a fresh file starts with: the snapshot carries data only.
            copy.compact()?;
            copied
        };
        drop(rtx);
        let header = Header {
            chunk_size: format::DEFAULT_CHUNK,
            store_format,
            created_at,
        };
        let file = File::create(&partial).map_err(io(&partial))?;
        restrict_file(&partial, 0o600)?;
        let mut w = BufWriter::new(file);
        let src = BufReader::new(File::open(&staging).map_err(io(&staging))?);
        let bytes = format::write(&mut w, &header, src)?;
        let file = w.into_inner().map_err(|e| Error::io(&partial, e.into_error()))?;
        file.sync_all().map_err(io(&partial))?;
        crate::store::crash::hit("snapshot_before_rename");
        std::fs::rename(&partial, &out).map_err(io(&out))?;
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
        Ok(SnapshotInfo {
            path: out.clone(),
            bytes,
            created_at,
            store_format,
            tables: copied.tables,
            problem: None,
        })
    })();
    let _ = std::fs::remove_file(&staging);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Verifies every hash of the snapshot at `path`.
///
/// # Errors
/// [`Error::Snapshot`] naming the part (header, chunk and offset, trailer) that failed;
/// [`Error::Io`] if it cannot be read.
pub fn verify_file(path: &Path) -> Result<SnapshotInfo> {
    let file = File::open(path).map_err(io(path))?;
    let bytes = file.metadata().map_err(io(path))?.len();
    let (h, _) = format::read(&mut BufReader::new(file), |_| Ok(())).map_err(|e| match e {
        Error::Snapshot(m) => Error::Snapshot(format!("{}: {m}", path.display())),
        other => other,
    })?;
    Ok(SnapshotInfo {
        path: path.to_path_buf(),
        bytes,
        created_at: h.created_at,
        store_format: h.store_format,
        tables: Vec::new(),
        problem: None,
    })
}

/// Verifies a snapshot held in memory (used by tests and fuzzing).
///
/// # Errors
/// As [`verify_file`].
pub fn verify_bytes(bytes: &[u8]) -> Result<Header> {
    format::read(&mut &bytes[..], |_| Ok(())).map(|(h, _)| h)
}

/// Restores the snapshot `file` as a new store in directory `into`. The whole file is verified
/// first; nothing is written unless every hash matches. The restored store is then opened (which
/// migrates it if it is of an older format) and returned.
///
/// # Errors
/// [`Error::Snapshot`] naming the damaged chunk; [`Error::Conflict`] if `into` already holds a
/// store.
pub fn restore(file: &Path, into: &Path) -> Result<Store> {
    let target = into.join(DB_FILE);
    if target.exists() {
        return Err(Error::Conflict {
            detail: format!("{} already holds a store; restore into a new directory", into.display()),
            existing_id: None,
        });
    }
    verify_file(file)?;
    create_dir_private(into)?;
    let partial = into.join(format!("{DB_FILE}.restoring"));
    let result = (|| {
        let mut w = BufWriter::new(File::create(&partial).map_err(io(&partial))?);
        restrict_file(&partial, 0o600)?;
        let mut src = BufReader::new(File::open(file).map_err(io(file))?);
        // Hashes are checked again as the bytes are copied: the file may have changed since.
        format::read(&mut src, |p| w.write_all(p).map_err(io(&partial)))?;
        let f = w.into_inner().map_err(|e| Error::io(&partial, e.into_error()))?;
        f.sync_all().map_err(io(&partial))?;
        // A commit log or operation log left in the directory belongs to some earlier store
        // file, never this one.
        for log in [crate::wal::WAL_FILE, crate::redo::REDO_FILE] {
            let log = into.join(log);
            match std::fs::remove_file(&log) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&log, e)),
                _ => {}
            }
        }
        std::fs::rename(&partial, &target).map_err(io(&target))?;
        sync_dir(into)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    Store::open(into)
}

/// Snapshot files in `<root>/snapshots/`, oldest first, each with its header checked (use
/// [`verify_file`] for a full check).
pub(crate) fn list_in(root: &Path) -> Result<Vec<SnapshotInfo>> {
    let dir = root.join(SNAPSHOT_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
            continue;
        }
        let bytes = std::fs::metadata(&path).map_err(io(&path))?.len();
        let mut head = Vec::with_capacity(format::HEADER_LEN);
        let read =
            File::open(&path).and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 64), &mut head));
        let parsed = read
            .map_err(|e| Error::io(&path, e))
            .and_then(|_| Header::decode(&head));
        out.push(match parsed {
            Ok(h) => SnapshotInfo {
                path,
                bytes,
                created_at: h.created_at,
                store_format: h.store_format,
                tables: Vec::new(),
                problem: None,
            },
            Err(e) => SnapshotInfo {
                path,
                bytes,
                created_at: 0,
                store_format: 0,
                tables: Vec::new(),
                problem: Some(e.to_string()),
            },
        });
    }
    out.sort_by(|a, b| (a.created_at, &a.path).cmp(&(b.created_at, &b.path)));
    Ok(out)
}

impl Store {
    /// Writes a snapshot of the whole store to `out`, or to a time-named file in
    /// `<store>/snapshots/`. Writers are not blocked. The file is created with mode 0600.
    ///
    /// # Errors
    /// [`Error::Conflict`] if `out` exists; [`Error::Io`] / [`Error::Db`] on failure (no partial
    /// file is left behind).
    pub fn create_snapshot(&self, out: Option<&Path>) -> Result<SnapshotInfo> {
        self.make_visible()?;
        create_from(&self.inner().db, self.path(), out, "")
    }

    /// Snapshot files in `<store>/snapshots/`, oldest first (headers checked).
    ///
    /// # Errors
    /// [`Error::Io`] if the folder cannot be read.
    pub fn list_snapshots(&self) -> Result<Vec<SnapshotInfo>> {
        list_in(self.path())
    }
}
