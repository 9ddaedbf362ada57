//! Walking a managed directory without ever leaving it.
//!
//! Symlinks are never followed (they are counted and skipped), entries that vanish while the
//! walk runs are skipped, and unreadable directories are reported as problems; the walk always
//! finishes.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

/// One regular file found by a walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Path relative to the store root.
    pub rel: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// Last modification, ns since the epoch.
    pub modified_ns: i64,
    /// Last access, ns since the epoch (the modification time where the platform has none).
    pub accessed_ns: i64,
}

/// Something a walk could not look at. The walk went on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProblem {
    /// Path relative to the store root.
    pub path: PathBuf,
    /// What went wrong.
    pub detail: String,
}

/// What a walk found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scan {
    /// Regular files.
    pub files: Vec<FileEntry>,
    /// Symlinks seen and not followed.
    pub symlinks_skipped: u64,
    /// Entries that could not be read.
    pub problems: Vec<ScanProblem>,
}

impl Scan {
    /// Total bytes of the files found.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

fn ns(t: std::io::Result<SystemTime>) -> Option<i64> {
    let t = t.ok()?;
    Some(match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    })
}

/// Whether every component of `rel` below `root` is a real directory (no symlink, nothing
/// missing).
pub(crate) fn is_real_dir_chain(root: &Path, rel: &Path) -> bool {
    let mut p = root.to_path_buf();
    for c in rel.components() {
        match c {
            std::path::Component::Normal(n) => p.push(n),
            _ => return false,
        }
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_dir() => {}
            _ => return false,
        }
    }
    true
}

/// Walks `root/rel` (a directory) and everything below it, never following symlinks.
/// A `rel` whose own path contains a symlink is not entered at all.
pub fn scan(root: &Path, rel: &Path) -> Scan {
    let mut out = Scan::default();
    match std::fs::symlink_metadata(root.join(rel)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        _ => {}
    }
    if !is_real_dir_chain(root, rel) {
        out.symlinks_skipped += 1;
        out.problems.push(ScanProblem {
            path: rel.to_path_buf(),
            detail: "not a real directory (a symlink or a file): not entered".into(),
        });
        return out;
    }
    let mut stack = vec![rel.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(root.join(&dir)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                out.problems.push(ScanProblem {
                    path: dir.clone(),
                    detail: format!("cannot list: {e}"),
                });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.problems.push(ScanProblem {
                        path: dir.clone(),
                        detail: format!("cannot read an entry: {e}"),
                    });
                    continue;
                }
            };
            let rel = dir.join(entry.file_name());
            // symlink_metadata: the entry itself, never what a link points to.
            let meta = match std::fs::symlink_metadata(root.join(&rel)) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    out.problems.push(ScanProblem {
                        path: rel,
                        detail: format!("cannot stat: {e}"),
                    });
                    continue;
                }
            };
            let ft = meta.file_type();
            if ft.is_symlink() {
                out.symlinks_skipped += 1;
            } else if ft.is_dir() {
                stack.push(rel);
            } else if ft.is_file() {
                let modified_ns = ns(meta.modified()).unwrap_or(0);
                out.files.push(FileEntry {
                    rel,
                    bytes: meta.len(),
                    modified_ns,
                    accessed_ns: ns(meta.accessed()).unwrap_or(modified_ns),
                });
            }
        }
    }
    out
}
