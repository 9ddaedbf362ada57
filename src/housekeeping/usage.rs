//! Measuring: per component and storage type, the store's own file and directories, and the
//! file system.

use std::collections::BTreeMap;
use std::path::Path;

use redb::{ReadableTableMetadata, TableHandle};
use serde::Serialize;

use super::config::{ComponentConfig, HousekeepingConfig};
use super::fsspace::FsSpace;
use super::layout::{COMPONENTS_DIR, StorageType};
use super::scan::{FileEntry, Scan, ScanProblem, scan};
use crate::store::DB_FILE;
use crate::{Result, Store};

/// Alert level of a measured value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Below the warning threshold.
    Ok,
    /// At or over the warning threshold.
    Warning,
    /// At or over the critical threshold.
    Critical,
}

/// Usage of one storage type of one component.
#[derive(Debug, Clone, Serialize)]
pub struct TypeUsage {
    /// The storage type.
    pub storage: StorageType,
    /// Bytes of regular files.
    pub bytes: u64,
    /// Number of regular files.
    pub files: u64,
    /// Modification time of the oldest file, ns.
    pub oldest_ns: Option<i64>,
    /// Modification time of the newest file, ns.
    pub newest_ns: Option<i64>,
}

/// Usage of one component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentUsage {
    /// Component name.
    pub name: String,
    /// Its allocation in bytes.
    pub allocation_bytes: u64,
    /// Bytes in use.
    pub bytes: u64,
    /// Files.
    pub files: u64,
    /// `bytes / allocation_bytes` in percent.
    pub percent: f64,
    /// Against its thresholds.
    pub level: Level,
    /// By storage type, in priority order.
    pub types: Vec<TypeUsage>,
}

/// One table of the store file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TableUsage {
    /// Rows.
    pub rows: u64,
    /// Bytes of keys and values.
    pub stored_bytes: u64,
    /// Bytes of its index pages.
    pub metadata_bytes: u64,
    /// Bytes allocated to it but unused.
    pub fragmented_bytes: u64,
}

/// Rows and bytes of every table of the store file.
pub(crate) fn store_tables(store: &Store) -> Result<BTreeMap<String, TableUsage>> {
    let rtx = store.read_txn()?;
    let mut out = BTreeMap::new();
    for handle in rtx.list_tables()? {
        let name = handle.name().to_owned();
        let table = rtx.open_untyped_table(handle)?;
        let s = table.stats()?;
        out.insert(
            name,
            TableUsage {
                rows: table.len()?,
                stored_bytes: s.stored_bytes(),
                metadata_bytes: s.metadata_bytes(),
                fragmented_bytes: s.fragmented_bytes(),
            },
        );
    }
    Ok(out)
}

/// A directory of the store measured as a whole (`market`, `snapshots`, `artifacts`, `exports`).
#[derive(Debug, Clone, Serialize)]
pub struct DirUsage {
    /// Directory name under the store root.
    pub name: String,
    /// Bytes of regular files below it.
    pub bytes: u64,
    /// Files below it.
    pub files: u64,
}

/// Everything housekeeping measures in one pass.
#[derive(Debug, Clone, Serialize)]
pub struct UsageReport {
    /// When it was measured, ns.
    pub ts: i64,
    /// Every configured component.
    pub components: Vec<ComponentUsage>,
    /// Size of the store file.
    pub store_file_bytes: u64,
    /// Every table of the store file.
    pub tables: BTreeMap<String, TableUsage>,
    /// The store's data directories other than `components/`.
    pub dirs: Vec<DirUsage>,
    /// The file system holding the store, if it could be queried.
    pub fs: Option<FsSpace>,
    /// Against the disk thresholds.
    pub fs_level: Level,
    /// Symlinks seen and not followed.
    pub symlinks_skipped: u64,
    /// What could not be read.
    pub problems: Vec<ScanProblem>,
}

/// The store directories measured besides the components (written by the market, snapshot,
/// artifact and export capabilities).
pub const STORE_DIRS: [&str; 4] = ["market", "snapshots", "artifacts", "exports"];

/// The storage type a file below `components/<name>/` belongs to, from its path.
/// Files directly in `components/<name>/` or in another subdirectory have none.
pub(crate) fn storage_of(f: &FileEntry) -> Option<StorageType> {
    let mut it = f.rel.components().skip(2);
    let first = it.next()?.as_os_str().to_str()?;
    // A file must sit inside the type directory, not be named like one.
    it.next()?;
    StorageType::ALL.into_iter().find(|t| t.as_str() == first)
}

/// Scans component `c`.
pub(crate) fn scan_component(root: &Path, c: &ComponentConfig) -> Scan {
    scan(root, &Path::new(COMPONENTS_DIR).join(&c.name))
}

/// Level of `percent` against `warning` / `critical`.
pub(crate) fn level(percent: f64, warning: f64, critical: f64) -> Level {
    if percent >= critical {
        Level::Critical
    } else if percent >= warning {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// Sums `scan` into a [`ComponentUsage`].
pub(crate) fn component_usage(cfg: &HousekeepingConfig, c: &ComponentConfig, scan: &Scan) -> ComponentUsage {
    let mut types: Vec<TypeUsage> = StorageType::ALL
        .into_iter()
        .map(|storage| TypeUsage {
            storage,
            bytes: 0,
            files: 0,
            oldest_ns: None,
            newest_ns: None,
        })
        .collect();
    for f in &scan.files {
        let Some(st) = storage_of(f) else { continue };
        if let Some(t) = types.iter_mut().find(|t| t.storage == st) {
            t.bytes += f.bytes;
            t.files += 1;
            t.oldest_ns = Some(t.oldest_ns.map_or(f.modified_ns, |o| o.min(f.modified_ns)));
            t.newest_ns = Some(t.newest_ns.map_or(f.modified_ns, |o| o.max(f.modified_ns)));
        }
    }
    // Files directly in the component directory count against its allocation too.
    let bytes = scan.bytes();
    let allocation_bytes = c.allocation_bytes();
    let percent = percent_of(bytes, allocation_bytes);
    ComponentUsage {
        name: c.name.clone(),
        allocation_bytes,
        bytes,
        files: scan.files.len() as u64,
        percent,
        level: level(percent, cfg.warning_for(c), cfg.critical_for(c)),
        types,
    }
}

/// `part / whole` in percent (0 for an empty whole).
pub(crate) fn percent_of(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Measures the store directories other than the components, and the store file.
pub(crate) fn store_dirs(root: &Path, report: &mut UsageReport) {
    report.store_file_bytes = std::fs::metadata(root.join(DB_FILE)).map_or(0, |m| m.len());
    for name in STORE_DIRS {
        let s = scan(root, Path::new(name));
        report.symlinks_skipped += s.symlinks_skipped;
        report.problems.extend(s.problems.iter().cloned());
        report.dirs.push(DirUsage {
            name: name.to_owned(),
            bytes: s.bytes(),
            files: s.files.len() as u64,
        });
    }
}
