//! Integrity scan of the market files: every catalog row is re-hashed against its file, and every
//! file under `market/` and `ticks/` must be one the catalog lists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::catalog;
use super::fileio;
use super::layout::{MARKET_DIR, PartitionKey, TICKS_DIR, is_temp_name};
use crate::{Error, Result, Store};

pub use crate::verify::Problem;

/// Result of [`Store::verify_market`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MarketVerifyReport {
    /// Catalog rows checked (each file re-hashed).
    pub partitions: u64,
    /// Bytes hashed.
    pub bytes: u64,
    /// Files found on disk under the market directories (temp files excluded).
    pub files: u64,
    /// Interrupted rewrites completed or rolled back before checking.
    pub recovered: u64,
    /// Everything that did not match.
    pub problems: Vec<Problem>,
}

impl MarketVerifyReport {
    /// Whether nothing was wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Every regular file below `dir`, skipping the lock and in-flight temp files.
fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ft.is_dir() {
            walk(root, &path, out)?;
        } else if name != ".lock" && !is_temp_name(&name) {
            out.push(path.strip_prefix(root).map(Path::to_path_buf).unwrap_or(path));
        }
    }
    Ok(())
}

impl Store {
    /// Re-hashes every market partition against the catalog and looks for files the catalog
    /// does not list. Interrupted rewrites are resolved first (under the market write lock).
    ///
    /// Problems: `missing` (listed, not on disk), `torn` (size differs), `altered` (same size,
    /// different blake3), `extra` (on disk, not listed). Leftover temp files are not problems.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// let store = tradestore::Store::open(dir.path())?;
    /// let report = store.verify_market()?;
    /// assert!(report.ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if a directory cannot be listed or a file read; [`Error::Corruption`] for a
    /// catalog row that fails its own checks.
    pub fn verify_market(&self) -> Result<MarketVerifyReport> {
        let mut report = MarketVerifyReport::default();
        let _lock = fileio::lock(&self.path().join(MARKET_DIR))?;
        let (done, undone) = catalog::recover(self)?;
        report.recovered = (done + undone) as u64;
        let rows = catalog::all(&self.read_txn()?)?;
        let mut listed = BTreeSet::new();
        for (key, meta) in &rows {
            let rel = key.rel_file();
            let path = self.path().join(&rel);
            report.partitions += 1;
            let mismatch = match fileio::hash_file(&path)? {
                None => Some(fileio::Mismatch::Missing),
                Some((n, _)) if n != meta.bytes => Some(fileio::Mismatch::Torn { found: n }),
                Some((n, hash)) => {
                    report.bytes += n;
                    (hash != meta.blake3).then_some(fileio::Mismatch::Altered)
                }
            };
            if let Some(m) = mismatch {
                report.problems.push(Problem {
                    what: m.what().into(),
                    place: rel.display().to_string(),
                    detail: m.detail(meta),
                });
            }
            listed.insert(rel);
        }
        let mut files = Vec::new();
        for dir in [MARKET_DIR, TICKS_DIR] {
            walk(self.path(), &self.path().join(dir), &mut files)?;
        }
        report.files = files.len() as u64;
        for rel in files {
            if listed.contains(&rel) {
                continue;
            }
            let detail = match PartitionKey::from_rel_file(&rel) {
                Some(_) => "a partition file the catalog does not list (not served by reads)",
                None => "a file the store does not write",
            };
            report.problems.push(Problem {
                what: "extra".into(),
                place: rel.display().to_string(),
                detail: detail.into(),
            });
        }
        Ok(report)
    }
}
