//! Running a cleanup: plan with a strategy, then (unless a dry run) remove exactly the planned
//! files, then apply in-store retention and decide on compaction.

use std::path::Path;

use serde::Serialize;

use super::config::{ComponentConfig, HousekeepingConfig, StrategyKind};
use super::remove::remove_beneath;
use super::scan::ScanProblem;
use super::strategy::{Candidate, plan, target_bytes};
use super::usage::scan_component;

/// Why a cleanup runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Asked for (CLI or API).
    Manual,
    /// The component's interval was due.
    Scheduled,
    /// The file system crossed the emergency threshold.
    Emergency,
}

impl Trigger {
    /// The name stored in cleanup records.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
            Trigger::Emergency => "emergency",
        }
    }
}

/// What to clean and how.
#[derive(Debug, Clone)]
pub struct CleanupOptions {
    /// Only this component (and then no in-store retention); `None` = every component and the
    /// store's own retention.
    pub component: Option<String>,
    /// Use this strategy instead of each component's own.
    pub strategy: Option<StrategyKind>,
    /// List what would go, remove nothing.
    pub dry_run: bool,
    /// Why it runs.
    pub trigger: Trigger,
}

impl CleanupOptions {
    /// Every component with its own strategy, for real, manually triggered.
    pub fn all() -> CleanupOptions {
        CleanupOptions {
            component: None,
            strategy: None,
            dry_run: false,
            trigger: Trigger::Manual,
        }
    }

    /// The same, as a dry run.
    pub fn dry_run() -> CleanupOptions {
        CleanupOptions {
            dry_run: true,
            ..CleanupOptions::all()
        }
    }
}

/// One component's cleanup.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentCleanup {
    /// Component name.
    pub component: String,
    /// Strategy used.
    pub strategy: StrategyKind,
    /// Bytes in use before.
    pub before_bytes: u64,
    /// What size-driven strategies aim for.
    pub target_bytes: u64,
    /// Every file chosen, with the reason.
    pub planned: Vec<Candidate>,
    /// Their bytes.
    pub planned_bytes: u64,
    /// Files actually removed (0 in a dry run).
    pub removed_files: u64,
    /// Bytes actually removed (0 in a dry run).
    pub removed_bytes: u64,
    /// Planned files that could not be removed (vanished, refused, permission denied).
    pub failed: Vec<ScanProblem>,
    /// What the scan could not read, and symlinks it did not follow.
    pub scan_problems: Vec<ScanProblem>,
    /// Symlinks seen and not followed.
    pub symlinks_skipped: u64,
}

/// Plans and (unless `dry_run`) applies `kind` to component `c`.
pub(crate) fn clean_component(
    root: &Path,
    cfg: &HousekeepingConfig,
    c: &ComponentConfig,
    kind: StrategyKind,
    dry_run: bool,
    now_ns: i64,
) -> ComponentCleanup {
    let scan = scan_component(root, c);
    let planned = plan(cfg, c, kind, &scan.files, now_ns);
    let mut out = ComponentCleanup {
        component: c.name.clone(),
        strategy: kind,
        before_bytes: scan.bytes(),
        target_bytes: target_bytes(cfg, c),
        planned_bytes: planned.iter().map(|p| p.bytes).sum(),
        planned,
        removed_files: 0,
        removed_bytes: 0,
        failed: Vec::new(),
        scan_problems: scan.problems,
        symlinks_skipped: scan.symlinks_skipped,
    };
    if dry_run {
        return out;
    }
    let r = remove_planned(root, &out.planned);
    out.removed_files = r.files;
    out.removed_bytes = r.bytes;
    out.failed = r.failed;
    out
}

/// What [`remove_planned`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Removal {
    /// Files removed.
    pub files: u64,
    /// Their bytes (as planned).
    pub bytes: u64,
    /// Planned files not removed: vanished since the scan, no longer a regular file, below a
    /// directory that became a symlink, or not permitted.
    pub failed: Vec<ScanProblem>,
}

/// Removes the planned files below `root`, never following a symlink and never leaving
/// `root`; a file that cannot be removed is reported and the rest still go.
pub fn remove_planned(root: &Path, planned: &[Candidate]) -> Removal {
    let mut out = Removal::default();
    for p in planned {
        match remove_beneath(root, &p.rel) {
            Ok(()) => {
                out.files += 1;
                out.bytes += p.bytes;
            }
            Err(e) => out.failed.push(ScanProblem {
                path: p.rel.clone(),
                detail: format!("not removed: {e}"),
            }),
        }
    }
    out
}
