//! Integrity check of the artifact registry: records, indexes, reference counts and blobs.

use std::collections::BTreeMap;

use redb::ReadableTable;

use super::Artifacts;
use super::blob::{self, BLOBS};
use super::names::ARTIFACTS_NAME;
use crate::tables::{ARTIFACT_ALIASES, ARTIFACT_BLOBS, ARTIFACT_IDS, ARTIFACTS, METRICS};
use crate::{Error, Result};

pub use crate::verify::Problem;

/// The outcome of [`Artifacts::verify_artifacts`].
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ArtifactCheck {
    /// Records and blobs checked.
    pub checked: u64,
    /// Problems found; empty when everything holds.
    pub problems: Vec<Problem>,
}

impl ArtifactCheck {
    fn problem(&mut self, what: &str, where_: String, detail: impl Into<String>) {
        self.problems.push(Problem {
            what: what.into(),
            place: where_,
            detail: detail.into(),
        });
    }

    fn error_at(&mut self, where_: String, e: &Error) {
        let what = match e {
            Error::Corruption { table, .. } if table == BLOBS => "corrupt blob",
            Error::Corruption { .. } => "corrupt record",
            _ => "unreadable",
        };
        self.problem(what, where_, e.to_string());
    }
}

impl Artifacts<'_> {
    /// Checks every artifact record (envelope), its id index entry, the blob reference counts,
    /// alias targets, every blob's size and blake3 (re-reading it whole), and every metric point.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// store.artifacts().save_model("m", "1.0.0", b"weights", None)?;
    /// let check = store.artifacts().verify_artifacts()?;
    /// assert!(check.problems.is_empty());
    /// assert!(check.checked >= 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read at all; damage is reported as problems.
    pub fn verify_artifacts(&self) -> Result<ArtifactCheck> {
        let root = self.store.path();
        let rtx = self.store.read_txn()?;
        let table = rtx.open_table(ARTIFACTS)?;
        let ids = rtx.open_table(ARTIFACT_IDS)?;
        let mut out = ArtifactCheck::default();
        let mut refs: BTreeMap<String, u64> = BTreeMap::new();
        let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
        for row in table.iter()? {
            let (k, v) = row?;
            let (name, version) = k.value();
            let at = format!("{ARTIFACTS_NAME}/{name}@{version}");
            out.checked += 1;
            let rec = match v.value().decode(ARTIFACTS_NAME, &format_args!("{name}@{version}")) {
                Ok(r) => r,
                Err(e) => {
                    out.error_at(at, &e);
                    continue;
                }
            };
            if rec.name != name || rec.version != version {
                out.problem(
                    "corrupt record",
                    at.clone(),
                    format!("holds {}@{}", rec.name, rec.version),
                );
            }
            match ids.get(rec.id)? {
                Some(g) if g.value() == (name, version) => {}
                _ => out.problem(
                    "dangling index",
                    format!("artifact_ids/{}", rec.id),
                    format!("does not point at {name}@{version}"),
                ),
            }
            *refs.entry(rec.blake3.clone()).or_default() += 1;
            sizes.insert(rec.blake3.clone(), rec.size);
        }
        for row in ids.iter()? {
            let (k, v) = row?;
            let (name, version) = v.value();
            if table.get((name, version))?.is_none() {
                out.problem(
                    "dangling index",
                    format!("artifact_ids/{}", k.value()),
                    format!("points at missing {name}@{version}"),
                );
            }
        }
        let stored_refs = rtx.open_table(ARTIFACT_BLOBS)?;
        for row in stored_refs.iter()? {
            let (k, v) = row?;
            let want = refs.remove(k.value()).unwrap_or(0);
            if v.value() != want {
                out.problem(
                    "bad reference count",
                    format!("artifact_blobs/{}", k.value()),
                    format!("{} stored, {want} records", v.value()),
                );
            }
        }
        for (hex, n) in refs {
            out.problem(
                "bad reference count",
                format!("artifact_blobs/{hex}"),
                format!("missing, {n} records"),
            );
        }
        for row in rtx.open_table(ARTIFACT_ALIASES)?.iter()? {
            let (k, v) = row?;
            let (name, alias) = k.value();
            if table.get((name, v.value()))?.is_none() {
                out.problem(
                    "dangling alias",
                    format!("artifact_aliases/{name}@{alias}"),
                    format!("points at missing version {}", v.value()),
                );
            }
        }
        for (hex, size) in sizes {
            out.checked += 1;
            if let Err(e) = blob::read_verified(root, &hex, size, |_| Ok(())) {
                let at = blob::blob_path(root, &hex)
                    .map(|p| p.display().to_string())
                    .unwrap_or(hex);
                out.error_at(at, &e);
            }
        }
        for row in rtx.open_table(METRICS)?.iter()? {
            let (k, v) = row?;
            let (exp, name, step) = k.value();
            out.checked += 1;
            if let Err(e) = v.value().decode("metrics", &format_args!("{exp}/{name}/{step}")) {
                out.error_at(format!("metrics/{exp}/{name}/{step}"), &e);
            }
        }
        Ok(out)
    }
}
