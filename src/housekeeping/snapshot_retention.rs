//! Retention of scheduled snapshots: the `auto-` snapshots beyond a keep count go, oldest
//! first; a snapshot taken by hand is never touched.

use std::path::Path;

use super::remove::remove_beneath;
use super::retention::{RetentionItem, RetentionPlan, RetentionSource};
use crate::snapshot::{SNAPSHOT_DIR, SnapshotInfo, autos_beyond};
use crate::{Error, Result, Store};

/// Scheduled snapshots (`snapshots/auto-*.tsnap`) beyond the newest `keep`: the same
/// selection the snapshot schedule prunes with. Removal never follows a symlink out of the
/// store directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoSnapshotRetention {
    /// Newest scheduled snapshots kept.
    pub keep: usize,
}

fn item(s: &SnapshotInfo) -> RetentionItem {
    let name = s
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    RetentionItem {
        what: format!("snapshot {name}"),
        bytes: s.bytes,
    }
}

impl RetentionSource for AutoSnapshotRetention {
    fn name(&self) -> &str {
        "snapshots"
    }

    fn plan(&self, store: &Store, _now_ns: i64) -> Result<RetentionPlan> {
        let items = autos_beyond(store.path(), self.keep)?.iter().map(item).collect();
        Ok(RetentionPlan::new(self.name(), items))
    }

    fn apply(&self, store: &Store, _now_ns: i64) -> Result<RetentionPlan> {
        let root = store.path();
        let mut removed = Vec::new();
        for s in autos_beyond(root, self.keep)? {
            let Some(name) = s.path.file_name() else { continue };
            let rel = Path::new(SNAPSHOT_DIR).join(name);
            match remove_beneath(root, &rel) {
                Ok(()) => removed.push(item(&s)),
                // Gone since the listing (another cleanup, the schedule): nothing to reclaim.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(root.join(&rel), e)),
            }
        }
        Ok(RetentionPlan::new(self.name(), removed))
    }
}
