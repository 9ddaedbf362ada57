//! Retention of model artifacts by their policy: [`crate::artifacts::Artifacts::cleanup_old_artifacts`]
//! run from housekeeping.

use super::retention::{RetentionItem, RetentionPlan, RetentionSource};
use crate::artifacts::CleanupReport;
use crate::{Result, Store};

/// Artifact versions older than `retention_days`, except the `keep_latest` highest versions of
/// each name and every aliased version, and the blob files nothing references after that —
/// exactly what `tradestore artifacts cleanup` removes. Ages are measured by the system clock
/// (the artifact registry's own), not housekeeping's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactRetention {
    /// Versions older than this many days go (beyond `keep_latest` and aliases).
    pub retention_days: u64,
    /// Highest versions of each name always kept.
    pub keep_latest: usize,
}

impl ArtifactRetention {
    fn plan_of(&self, r: CleanupReport) -> RetentionPlan {
        // Blobs are shared between versions with the same content, so the bytes freed belong to
        // the blob files, reported as one item; each version is a row of its own.
        let mut items: Vec<RetentionItem> = r
            .removed
            .iter()
            .map(|v| RetentionItem {
                what: format!("artifact {} {}", v.name, v.version),
                bytes: 0,
            })
            .collect();
        if r.blobs_removed > 0 || r.bytes_freed > 0 {
            items.push(RetentionItem {
                what: format!("{} artifact blob file(s)", r.blobs_removed),
                bytes: r.bytes_freed,
            });
        }
        RetentionPlan::new(self.name(), items)
    }
}

impl RetentionSource for ArtifactRetention {
    fn name(&self) -> &str {
        "artifacts"
    }

    fn plan(&self, store: &Store, _now_ns: i64) -> Result<RetentionPlan> {
        let r = store
            .artifacts()
            .cleanup_old_artifacts(self.retention_days, self.keep_latest, true)?;
        Ok(self.plan_of(r))
    }

    fn apply(&self, store: &Store, _now_ns: i64) -> Result<RetentionPlan> {
        let r = store
            .artifacts()
            .cleanup_old_artifacts(self.retention_days, self.keep_latest, false)?;
        Ok(self.plan_of(r))
    }
}
