//! Reads from a collection: documents, versions, metadata, keys, history, schema.

use serde_json::Value;

use super::collection::Collection;
use super::rows::{self, VERSIONS, vkey};
use super::{DocMeta, Document, KeyPage, VersionInfo, check_key};
use crate::records::DocVersion;
use crate::tables::{DOC_COLLECTIONS, DOC_HEADS, DOC_MIGRATIONS, DOC_SCHEMAS, DOC_VERSIONS};
use crate::{Error, Result};

fn parse(rec: &DocVersion, c: &str, k: &str) -> Result<Value> {
    if rec.deleted {
        return Ok(Value::Null);
    }
    serde_json::from_str(&rec.json).map_err(|e| {
        Error::corruption(
            VERSIONS,
            vkey(c, k, rec.version),
            format!("stored JSON unreadable: {e}"),
        )
    })
}

impl Collection {
    fn head(&self, key: &str) -> Result<(u64, bool)> {
        check_key(key)?;
        let rtx = self.store.read_txn()?;
        let heads = rtx.open_table(DOC_HEADS)?;
        let h = heads.get((self.name.as_str(), key))?.map(|h| h.value());
        h.ok_or_else(|| Error::NotFound(format!("document {}/{key}", self.name)))
    }

    /// Runs registered migrations on `doc` from schema version `from` up to the current one, as
    /// far as migrations exist. Returns the document and the version it reached. Documents stored
    /// before the collection had a schema (version 0) are taken as version 1.
    pub(crate) fn migrate_value(&self, mut doc: Value, from: u32) -> Result<(Value, u32)> {
        let rtx = self.store.read_txn()?;
        let current = rows::config(&rtx.open_table(DOC_COLLECTIONS)?, &self.name)?.schema_version;
        let migrations = rtx.open_table(DOC_MIGRATIONS)?;
        let mut at = from.max(1).min(current.max(1));
        if from == 0 && current <= 1 {
            return Ok((doc, current));
        }
        while at < current {
            match rows::migration(&migrations, &self.name, at)? {
                Some(steps) => super::apply_steps(&mut doc, &steps)?,
                None => break,
            }
            at += 1;
        }
        Ok((doc, at))
    }

    /// The latest version of `key`, migrated to the current schema version when it is older and
    /// migrations are registered.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the key does not exist or was deleted; [`Error::Corruption`] if the
    /// stored version fails its checks (it is not served).
    pub fn get(&self, key: &str) -> Result<Document> {
        let (latest, deleted) = self.head(key)?;
        if deleted {
            return Err(Error::NotFound(format!(
                "document {}/{key} (deleted; its history is kept: see `doc history`)",
                self.name
            )));
        }
        let mut doc = self.get_version(key, latest)?;
        let from = doc.meta.schema_version;
        let (json, reached) = self.migrate_value(std::mem::take(&mut doc.json), from)?;
        doc.json = json;
        if reached > from.max(1) {
            doc.migrated_to = Some(reached);
        }
        Ok(doc)
    }

    /// Version `n` of `key` exactly as stored (a deletion marker reads as `null`).
    ///
    /// # Errors
    /// [`Error::NotFound`] if there is no such version; [`Error::Corruption`] if it fails its
    /// checks.
    pub fn get_version(&self, key: &str, n: u64) -> Result<Document> {
        check_key(key)?;
        let rtx = self.store.read_txn()?;
        let rec = rows::version(&rtx.open_table(DOC_VERSIONS)?, &self.name, key, n)?
            .ok_or_else(|| Error::NotFound(format!("document {}/{key} version {n}", self.name)))?;
        Ok(Document {
            json: parse(&rec, &self.name, key)?,
            meta: DocMeta::of(&self.name, key, &rec),
            migrated_to: None,
        })
    }

    /// Metadata of the latest version of `key` (also for a deleted key: then `deleted` is set).
    ///
    /// # Errors
    /// [`Error::NotFound`] if the key does not exist; [`Error::Corruption`] if damaged.
    pub fn metadata(&self, key: &str) -> Result<DocMeta> {
        let (latest, _) = self.head(key)?;
        Ok(self.get_version(key, latest)?.meta)
    }

    /// Keys starting with `prefix`, in byte order, after `after` (exclusive), at most `limit`.
    /// Deleted keys are left out.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn list_keys(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<KeyPage> {
        let rtx = self.store.read_txn()?;
        let heads = rtx.open_table(DOC_HEADS)?;
        let start = match after {
            Some(a) if a >= prefix => a,
            _ => prefix,
        };
        let mut keys = Vec::new();
        let mut next = None;
        for row in heads.range((self.name.as_str(), start)..)? {
            let (k, v) = row?;
            let (c, key) = k.value();
            if c != self.name || !key.starts_with(prefix) {
                break;
            }
            if Some(key) == after || v.value().1 {
                continue;
            }
            if keys.len() == limit {
                next = keys.last().cloned();
                break;
            }
            keys.push(key.to_owned());
        }
        Ok(KeyPage { keys, next })
    }

    /// Every stored version of `key`, oldest first; damaged rows are listed as invalid.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the key has no versions.
    pub fn history(&self, key: &str) -> Result<Vec<VersionInfo>> {
        check_key(key)?;
        let rtx = self.store.read_txn()?;
        let versions = rtx.open_table(DOC_VERSIONS)?;
        let c = self.name.as_str();
        let mut out = Vec::new();
        for row in versions.range((c, key, 0)..=(c, key, u64::MAX))? {
            let (k, v) = row?;
            let n = k.value().2;
            let bytes = v.value().bytes().len() as u64;
            let meta = rows::decode_version(&v.value(), c, key, n)
                .ok()
                .map(|r| DocMeta::of(c, key, &r));
            out.push(VersionInfo {
                version: n,
                valid: meta.is_some(),
                meta,
                bytes,
            });
        }
        if out.is_empty() {
            return Err(Error::NotFound(format!("document {c}/{key}")));
        }
        Ok(out)
    }

    /// The current schema and its version, or `None` when the collection has none.
    ///
    /// # Errors
    /// [`Error::Corruption`] if the stored schema is damaged.
    pub fn schema(&self) -> Result<Option<(u32, Value)>> {
        let rtx = self.store.read_txn()?;
        let v = rows::config(&rtx.open_table(DOC_COLLECTIONS)?, &self.name)?.schema_version;
        if v == 0 {
            return Ok(None);
        }
        Ok(Some((
            v,
            rows::schema_json(&rtx.open_table(DOC_SCHEMAS)?, &self.name, v)?,
        )))
    }

    /// The latest version of every live key, read in one transaction.
    pub(crate) fn latest_documents(&self) -> Result<impl Iterator<Item = Result<(String, Document)>>> {
        let rtx = self.store.read_txn()?;
        let heads = rtx.open_table(DOC_HEADS)?;
        let versions = rtx.open_table(DOC_VERSIONS)?;
        let c = self.name.as_str();
        let mut out = Vec::new();
        for row in heads.range((c, "")..)? {
            let (k, v) = row?;
            let (col, key) = k.value();
            if col != c {
                break;
            }
            let (latest, deleted) = v.value();
            if deleted {
                continue;
            }
            out.push(match rows::version(&versions, c, key, latest) {
                Ok(Some(rec)) => parse(&rec, c, key).map(|json| {
                    let meta = DocMeta::of(c, key, &rec);
                    (
                        key.to_owned(),
                        Document {
                            meta,
                            json,
                            migrated_to: None,
                        },
                    )
                }),
                Ok(None) => Err(Error::corruption(
                    VERSIONS,
                    vkey(c, key, latest),
                    "latest version named by its head is missing",
                )),
                Err(e) => Err(e),
            });
        }
        Ok(out.into_iter())
    }
}
