//! Retention: removing old model versions and the blobs nothing references any more.
//!
//! Blob files are removed inside a writer operation, after the records that referenced them
//! are committed away, and only if no record references them at that moment. Saves record
//! their blob in a writer operation too and check it is still on disk there, so a save and a
//! cleanup of the same content cannot interleave into a record without its blob.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use redb::ReadableTable;

use super::Artifacts;
use super::blob;
use super::names::{aliases_of, all_names, versions};
use crate::Result;
use crate::envelope::Rec;
use crate::records::ArtifactRecord;
use crate::tables::{ARTIFACT_ALIASES, ARTIFACT_BLOBS, ARTIFACT_IDS, ARTIFACTS};
use crate::timefmt::{NANOS_PER_DAY, now_ns};

/// Blob files that no record references are only swept once they are this old, so a save in
/// flight (blob written, record not yet committed) keeps its blob.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(3600);

/// One version a cleanup removed (or would remove, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemovedVersion {
    /// Artifact id.
    pub id: u64,
    /// Model name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Content size in bytes.
    pub size: u64,
}

/// What [`Artifacts::cleanup_old_artifacts`] did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CleanupReport {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Versions removed.
    pub removed: Vec<RemovedVersion>,
    /// Versions kept.
    pub kept: u64,
    /// Blob files removed (unreferenced after the removal, or orphaned by a failed save).
    pub blobs_removed: u64,
    /// Bytes of blob files (and stale temp files) freed.
    pub bytes_freed: u64,
}

/// The versions to remove: older than `cutoff`, not among the `keep_latest` highest versions of
/// their name, not aliased. Also returns how many are kept.
fn plan<T, A>(table: &T, aliases: &A, cutoff: i64, keep_latest: usize) -> Result<(Vec<ArtifactRecord>, u64)>
where
    T: ReadableTable<(&'static str, &'static str), Rec<ArtifactRecord>>,
    A: ReadableTable<(&'static str, &'static str), &'static str>,
{
    let names = all_names(table)?;
    let (mut remove, mut kept) = (Vec::new(), 0u64);
    for name in names {
        let recs = versions(table, &name)?;
        let aliased: BTreeSet<String> = aliases_of(aliases, &name)?.into_iter().map(|(_, v)| v).collect();
        let protected_from = recs.len().saturating_sub(keep_latest);
        for (i, r) in recs.into_iter().enumerate() {
            if i < protected_from && !aliased.contains(&r.version) && r.created_ts < cutoff {
                remove.push(r);
            } else {
                kept += 1;
            }
        }
    }
    Ok((remove, kept))
}

fn removed(recs: &[ArtifactRecord]) -> Vec<RemovedVersion> {
    recs.iter()
        .map(|r| RemovedVersion {
            id: r.id,
            name: r.name.clone(),
            version: r.version.clone(),
            size: r.size,
        })
        .collect()
}

impl Artifacts<'_> {
    /// Removes versions older than `retention_days` days, except the `keep_latest` highest
    /// versions of each name and every version an alias points at, then removes the blob files
    /// nothing references any more. With `dry_run`, changes nothing and reports what it would do.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// let a = store.artifacts();
    /// for (v, bytes) in [("1.0.0", b"aaaa"), ("1.1.0", b"bbbb"), ("1.2.0", b"cccc")] {
    ///     a.save_model("m", v, bytes, None)?;
    /// }
    /// a.set_alias("m", "production", "1.0.0")?;
    /// let r = a.cleanup_old_artifacts(0, 1, false)?; // everything is older than 0 days
    /// assert_eq!(r.removed.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["1.1.0"]);
    /// assert_eq!(r.bytes_freed, 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Corruption`] for a record that fails its checks (nothing is removed);
    /// [`crate::Error::Io`].
    pub fn cleanup_old_artifacts(
        &self,
        retention_days: u64,
        keep_latest: usize,
        dry_run: bool,
    ) -> Result<CleanupReport> {
        let days = i64::try_from(retention_days).unwrap_or(i64::MAX);
        let cutoff = now_ns().saturating_sub(NANOS_PER_DAY.saturating_mul(days));
        let orphan_cutoff = SystemTime::now() - ORPHAN_GRACE;
        let root = self.store.path().to_path_buf();
        if dry_run {
            let rtx = self.store.read_txn()?;
            let refs_table = rtx.open_table(ARTIFACT_BLOBS)?;
            let (recs, kept) = plan(
                &rtx.open_table(ARTIFACTS)?,
                &rtx.open_table(ARTIFACT_ALIASES)?,
                cutoff,
                keep_latest,
            )?;
            let mut dropping: BTreeMap<&str, u64> = BTreeMap::new();
            for r in &recs {
                *dropping.entry(r.blake3.as_str()).or_default() += 1;
            }
            let (mut blobs_removed, mut bytes_freed) = (0, 0);
            for (hex, n) in dropping {
                let refs = refs_table.get(hex)?.map_or(0, |v| v.value());
                if refs <= n
                    && let Some(len) = blob::blob_len(&root, hex)?
                {
                    blobs_removed += 1;
                    bytes_freed += len;
                }
            }
            for (hex, len, mtime) in blob::list_files(&root)? {
                if mtime < orphan_cutoff && refs_table.get(hex.as_str())?.is_none() {
                    blobs_removed += 1;
                    bytes_freed += len;
                }
            }
            return Ok(CleanupReport {
                dry_run,
                removed: removed(&recs),
                kept,
                blobs_removed,
                bytes_freed,
            });
        }
        let (recs, kept, candidates) = self.store.write(move |txn| {
            let (recs, kept) = plan(
                &txn.open_table(ARTIFACTS)?,
                &txn.open_table(ARTIFACT_ALIASES)?,
                cutoff,
                keep_latest,
            )?;
            let mut table = txn.open_table(ARTIFACTS)?;
            let mut ids = txn.open_table(ARTIFACT_IDS)?;
            let mut refs = txn.open_table(ARTIFACT_BLOBS)?;
            let mut candidates = Vec::new();
            for r in &recs {
                table.remove((r.name.as_str(), r.version.as_str()))?;
                ids.remove(r.id)?;
                let n = refs.get(r.blake3.as_str())?.map_or(0, |v| v.value());
                if n <= 1 {
                    refs.remove(r.blake3.as_str())?;
                    candidates.push(r.blake3.clone());
                } else {
                    refs.insert(r.blake3.as_str(), n - 1)?;
                }
            }
            Ok((recs, kept, candidates))
        })?;
        let sweep_root = root.clone();
        let (blobs_removed, bytes_freed) = self.store.write(move |txn| {
            let refs = txn.open_table(ARTIFACT_BLOBS)?;
            let (mut count, mut bytes) = (0u64, 0u64);
            let orphans = blob::list_files(&sweep_root)?
                .into_iter()
                .filter(|(_, _, mtime)| *mtime < orphan_cutoff)
                .map(|(hex, _, _)| hex);
            let mut seen = BTreeSet::new();
            for hex in candidates.iter().cloned().chain(orphans) {
                if seen.insert(hex.clone())
                    && refs.get(hex.as_str())?.is_none()
                    && let Some(freed) = blob::remove(&sweep_root, &hex)?
                {
                    count += 1;
                    bytes += freed;
                }
            }
            Ok((count, bytes))
        })?;
        let temp_freed = blob::remove_stale_temp(&root, SystemTime::now() - Duration::from_secs(86_400))?;
        Ok(CleanupReport {
            dry_run,
            removed: removed(&recs),
            kept,
            blobs_removed,
            bytes_freed: bytes_freed + temp_freed,
        })
    }
}
