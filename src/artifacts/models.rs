//! Saving, loading, aliasing and listing model versions.

use std::io::Read;
use std::path::{Path, PathBuf};

use redb::{ReadableTable, WriteTransaction};

use super::Artifacts;
use super::blob::{self, Stored};
use super::names::{
    ARTIFACTS_NAME, aliases_of, all_names, check_alias, check_ident, check_metadata, open_aliases, parse_version,
    resolve, split_ref, versions,
};
use crate::envelope::{self, RecBytes};
use crate::records::ArtifactRecord;
use crate::tables::{ARTIFACT_ALIASES, ARTIFACT_BLOBS, ARTIFACT_IDS, ARTIFACTS, META, META_NEXT_ARTIFACT_ID};
use crate::timefmt::now_ns;
use crate::{Error, Result};

/// A model version read back, its content verified against its blake3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedModel {
    /// The version's record.
    pub record: ArtifactRecord,
    /// The content.
    pub bytes: Vec<u8>,
}

/// One line of [`Artifacts::list_artifacts`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArtifactInfo {
    /// The version's record (size in bytes included).
    pub record: ArtifactRecord,
    /// Aliases pointing at this version.
    pub aliases: Vec<String>,
    /// Whether it is the highest version of its name.
    pub latest: bool,
}

enum Outcome {
    Saved(u64),
    Existing(u64),
    BlobMissing,
}

fn conflict(name: &str, version: &str, existing: &ArtifactRecord) -> Error {
    Error::Conflict {
        detail: format!(
            "model {name}@{version} is already stored with different content (blake3 {}); save it under a new version",
            existing.blake3
        ),
        existing_id: Some(existing.id),
    }
}

/// Inserts the record of a stored blob, in the writer's transaction.
fn commit(
    txn: &WriteTransaction,
    root: &Path,
    name: &str,
    version: &str,
    stored: &Stored,
    metadata: Option<&str>,
) -> Result<Outcome> {
    let mut table = txn.open_table(ARTIFACTS)?;
    if let Some(v) = table.get((name, version))? {
        let rec = v.value().decode(ARTIFACTS_NAME, &format_args!("{name}@{version}"))?;
        if rec.blake3 == stored.hex {
            return Ok(Outcome::Existing(rec.id));
        }
        return Err(conflict(name, version, &rec));
    }
    // The blob must still be there now that no cleanup can run (cleanups delete blobs inside
    // the writer too); a cleanup that removed it before this commit makes the caller rewrite it.
    if blob::blob_len(root, &stored.hex)? != Some(stored.size) {
        return Ok(Outcome::BlobMissing);
    }
    let mut meta = txn.open_table(META)?;
    let id = meta.get(META_NEXT_ARTIFACT_ID)?.map_or(1, |v| v.value());
    meta.insert(META_NEXT_ARTIFACT_ID, id + 1)?;
    let rec = ArtifactRecord {
        id,
        name: name.to_owned(),
        version: version.to_owned(),
        blake3: stored.hex.clone(),
        size: stored.size,
        created_ts: now_ns(),
        metadata: metadata.map(str::to_owned),
    };
    let bytes = envelope::encode(&rec)?;
    table.insert((name, version), RecBytes::new(&bytes))?;
    txn.open_table(ARTIFACT_IDS)?.insert(id, (name, version))?;
    let mut blobs = txn.open_table(ARTIFACT_BLOBS)?;
    let refs = blobs.get(stored.hex.as_str())?.map_or(0, |v| v.value());
    blobs.insert(stored.hex.as_str(), refs + 1)?;
    Ok(Outcome::Saved(id))
}

impl Artifacts<'_> {
    fn root(&self) -> PathBuf {
        self.store.path().to_path_buf()
    }

    fn check(name: &str, version: &str, metadata: Option<&str>) -> Result<String> {
        check_ident("name", name)?;
        check_metadata(metadata)?;
        Ok(parse_version(version)?.to_string())
    }

    fn record(&self, name: &str, version: String, stored: Stored, metadata: Option<&str>) -> Result<Option<u64>> {
        let (root, name, meta) = (self.root(), name.to_owned(), metadata.map(str::to_owned));
        let outcome = self
            .store
            .write(move |txn| commit(txn, &root, &name, &version, &stored, meta.as_deref()))?;
        Ok(match outcome {
            Outcome::Saved(id) | Outcome::Existing(id) => Some(id),
            Outcome::BlobMissing => None,
        })
    }

    /// Stores `bytes` as version `version` (semantic) of model `name` and returns its artifact
    /// id. The content is kept once per blake3 however many versions share it. Saving the same
    /// content under the same name and version again returns the existing id.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// let a = store.artifacts();
    /// let id = a.save_model("price_predictor", "1.2.0", b"weights v1", Some(r#"{"auc":0.61}"#))?;
    /// assert_eq!(a.save_model("price_predictor", "1.2.0", b"weights v1", None)?, id);
    /// assert!(a.save_model("price_predictor", "1.2.0", b"other weights", None).is_err()); // Conflict
    /// assert_eq!(a.load_model("price_predictor", None)?.bytes, b"weights v1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name, version or metadata; [`Error::Conflict`] (with the
    /// existing id) when the version is stored with different content; [`Error::Io`].
    pub fn save_model(&self, name: &str, version: &str, bytes: &[u8], metadata: Option<&str>) -> Result<u64> {
        let version = Self::check(name, version, metadata)?;
        // A version already stored is answered without writing a blob (the commit re-checks).
        match self.artifact(name, Some(&version)) {
            Ok(existing) if existing.blake3 == blake3::hash(bytes).to_hex().as_str() => {
                if blob::intact(self.store.path(), &existing.blake3, existing.size) {
                    return Ok(existing.id);
                }
            }
            Ok(existing) => {
                return Err(conflict(name, &version, &existing));
            }
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        for _ in 0..3 {
            let stored = blob::store_bytes(&self.root(), bytes)?;
            if let Some(id) = self.record(name, version.clone(), stored, metadata)? {
                return Ok(id);
            }
        }
        Err(Error::Unavailable(
            "the blob kept being removed by concurrent cleanups; save again".into(),
        ))
    }

    /// As [`Artifacts::save_model`], streaming the content from `reader` (hashed while it is
    /// written, never held in memory whole).
    ///
    /// # Errors
    /// As [`Artifacts::save_model`]; [`Error::Unavailable`] if a concurrent cleanup removed the
    /// freshly written blob before it was recorded (save again).
    pub fn save_model_from(&self, name: &str, version: &str, reader: impl Read, metadata: Option<&str>) -> Result<u64> {
        let version = Self::check(name, version, metadata)?;
        let stored = blob::store_reader(&self.root(), reader)?;
        self.record(name, version, stored, metadata)?.ok_or_else(|| {
            Error::Unavailable("a concurrent cleanup removed the new blob before it was recorded; save again".into())
        })
    }

    /// The record of `name` at `version`: `None` or `"latest"` for the highest semantic
    /// version, a version such as `"1.2.0"`, or an alias such as `"production"`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Corruption`] for a record that fails its checks.
    pub fn artifact(&self, name: &str, version: Option<&str>) -> Result<ArtifactRecord> {
        let rtx = self.store.read_txn()?;
        resolve(&rtx.open_table(ARTIFACTS)?, &open_aliases(&rtx)?, name, version)
    }

    /// Resolves a reference `name`, `name@latest`, `name@1.2.0` or `name@production`.
    ///
    /// # Errors
    /// As [`Artifacts::artifact`].
    pub fn resolve(&self, reference: &str) -> Result<ArtifactRecord> {
        let (name, spec) = split_ref(reference);
        self.artifact(name, spec)
    }

    /// Loads a model version (see [`Artifacts::artifact`] for `version`), verifying the blake3 of
    /// the content while reading it.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Corruption`] if the blob is missing, truncated or damaged —
    /// no byte of damaged content is returned.
    pub fn load_model(&self, name: &str, version: Option<&str>) -> Result<LoadedModel> {
        let record = self.artifact(name, version)?;
        let bytes = blob::read_all(self.store.path(), &record.blake3, record.size)?;
        Ok(LoadedModel { record, bytes })
    }

    /// Writes a model version to the file `dest`, verified; `dest` appears (atomically) only if
    /// the whole content passed its hash.
    ///
    /// # Errors
    /// As [`Artifacts::load_model`]; [`Error::Io`] for `dest`.
    pub fn export_model(&self, name: &str, version: Option<&str>, dest: &Path) -> Result<ArtifactRecord> {
        let record = self.artifact(name, version)?;
        blob::export(self.store.path(), &record.blake3, record.size, dest)?;
        Ok(record)
    }

    /// Points `alias` of `name` at `version` (a version, `latest` resolved now, or another
    /// alias), replacing where it pointed before. An aliased version is never cleaned up.
    ///
    /// # Errors
    /// [`Error::Validation`] for a reserved or malformed alias; [`Error::NotFound`].
    pub fn set_alias(&self, name: &str, alias: &str, version: &str) -> Result<String> {
        check_ident("name", name)?;
        check_alias(alias)?;
        let (name, alias, version) = (name.to_owned(), alias.to_owned(), version.to_owned());
        self.store.write(move |txn| {
            let target = {
                let table = txn.open_table(ARTIFACTS)?;
                let aliases = txn.open_table(ARTIFACT_ALIASES)?;
                resolve(&table, &aliases, &name, Some(&version))?.version
            };
            txn.open_table(ARTIFACT_ALIASES)?
                .insert((name.as_str(), alias.as_str()), target.as_str())?;
            Ok(target)
        })
    }

    /// Removes an alias; returns whether it existed.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be written.
    pub fn remove_alias(&self, name: &str, alias: &str) -> Result<bool> {
        let (name, alias) = (name.to_owned(), alias.to_owned());
        self.store.write(move |txn| {
            Ok(txn
                .open_table(ARTIFACT_ALIASES)?
                .remove((name.as_str(), alias.as_str()))?
                .is_some())
        })
    }

    /// Every stored version whose `name` or `name@version` matches the glob `pattern` (every
    /// version when `None`), by name then ascending semantic version, with sizes and aliases.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// let a = store.artifacts();
    /// a.save_model("price_predictor", "1.2.0", b"v1", None)?;
    /// a.save_model("price_predictor", "1.10.0", b"v2", None)?;
    /// a.save_model("risk_model", "0.1.0", b"r", None)?;
    /// let l = a.list_artifacts(Some("price_*"))?;
    /// let v: Vec<_> = l.iter().map(|i| (i.record.version.as_str(), i.record.size, i.latest)).collect();
    /// assert_eq!(v, [("1.2.0", 2, false), ("1.10.0", 2, true)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a malformed pattern; [`Error::Corruption`].
    pub fn list_artifacts(&self, pattern: Option<&str>) -> Result<Vec<ArtifactInfo>> {
        let matcher = match pattern {
            Some(p) => Some(
                globset::Glob::new(p)
                    .map_err(|e| Error::validation("pattern", e.to_string()))?
                    .compile_matcher(),
            ),
            None => None,
        };
        let rtx = self.store.read_txn()?;
        let table = rtx.open_table(ARTIFACTS)?;
        let aliases = open_aliases(&rtx)?;
        let names = all_names(&table)?;
        let mut out = Vec::new();
        for name in names {
            let recs = versions(&table, &name)?;
            let alias_list = aliases_of(&aliases, &name)?;
            let last = recs.len().saturating_sub(1);
            for (i, record) in recs.into_iter().enumerate() {
                let full = format!("{}@{}", record.name, record.version);
                if matcher
                    .as_ref()
                    .is_some_and(|m| !m.is_match(&record.name) && !m.is_match(&full))
                {
                    continue;
                }
                let aliases = alias_list
                    .iter()
                    .filter(|(_, v)| *v == record.version)
                    .map(|(a, _)| a.clone())
                    .collect();
                out.push(ArtifactInfo {
                    record,
                    aliases,
                    latest: i == last,
                });
            }
        }
        Ok(out)
    }
}
