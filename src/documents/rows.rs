//! Row-level access to the document tables, shared by reads, writes, verify and import.

use redb::{ReadableTable, Table, WriteTransaction};

use super::DocMeta;
use crate::envelope::{self, Rec, RecBytes};
use crate::records::{DocCollection, DocMigration, DocSchema, DocVersion};
use crate::tables::{DOC_COLLECTIONS, DOC_HEADS, DOC_VERSIONS};
use crate::{Error, Result};

pub(crate) const VERSIONS: &str = "doc_versions";

/// Key of a document version, printed in errors.
pub(crate) fn vkey(c: &str, k: &str, v: u64) -> String {
    format!("{c}/{k}@{v}")
}

/// Decodes a version row and checks the document's own checksum.
pub(crate) fn decode_version(bytes: &RecBytes<'_, DocVersion>, c: &str, k: &str, v: u64) -> Result<DocVersion> {
    let rec = bytes.decode(VERSIONS, &vkey(c, k, v))?;
    if rec.version != v {
        return Err(Error::corruption(
            VERSIONS,
            vkey(c, k, v),
            format!("row holds version {}", rec.version),
        ));
    }
    if blake3::hash(rec.json.as_bytes()).as_bytes() != &rec.checksum {
        return Err(Error::corruption(VERSIONS, vkey(c, k, v), "document checksum mismatch"));
    }
    Ok(rec)
}

pub(crate) fn config<T>(table: &T, c: &str) -> Result<DocCollection>
where
    T: ReadableTable<&'static str, crate::envelope::Rec<DocCollection>>,
{
    match table.get(c)? {
        Some(v) => v.value().decode("doc_collections", &c),
        None => Ok(DocCollection::default()),
    }
}

pub(crate) fn version<T>(table: &T, c: &str, k: &str, v: u64) -> Result<Option<DocVersion>>
where
    T: ReadableTable<(&'static str, &'static str, u64), crate::envelope::Rec<DocVersion>>,
{
    match table.get((c, k, v))? {
        Some(row) => Ok(Some(decode_version(&row.value(), c, k, v)?)),
        None => Ok(None),
    }
}

pub(crate) fn schema_json<T>(table: &T, c: &str, v: u32) -> Result<serde_json::Value>
where
    T: ReadableTable<(&'static str, u32), crate::envelope::Rec<DocSchema>>,
{
    let row = table.get((c, v))?.ok_or_else(|| {
        Error::corruption(
            "doc_schemas",
            format!("{c}@{v}"),
            "schema version named by the collection is missing",
        )
    })?;
    let rec = row.value().decode("doc_schemas", &format_args!("{c}@{v}"))?;
    serde_json::from_str(&rec.json).map_err(|e| {
        Error::corruption(
            "doc_schemas",
            format!("{c}@{v}"),
            format!("stored schema is not JSON: {e}"),
        )
    })
}

pub(crate) fn migration<T>(table: &T, c: &str, from: u32) -> Result<Option<Vec<super::MigrationStep>>>
where
    T: ReadableTable<(&'static str, u32), crate::envelope::Rec<DocMigration>>,
{
    match table.get((c, from))? {
        Some(row) => {
            let rec = row.value().decode("doc_migrations", &format_args!("{c}@{from}"))?;
            let steps = serde_json::from_str(&rec.steps).map_err(|e| {
                Error::corruption(
                    "doc_migrations",
                    format!("{c}@{from}"),
                    format!("stored steps unreadable: {e}"),
                )
            })?;
            Ok(Some(steps))
        }
        None => Ok(None),
    }
}

/// What one appended version carries.
pub(crate) struct NewVersion<'a> {
    pub(crate) collection: &'a str,
    pub(crate) key: &'a str,
    pub(crate) json: &'a str,
    pub(crate) schema_version: u32,
    pub(crate) deleted: bool,
    pub(crate) origin: Option<String>,
    /// Time of the write, ns since the epoch.
    pub(crate) now: i64,
}

/// Appends a version (and moves the head), then applies the collection's retention to the key.
pub(crate) fn append(txn: &WriteTransaction, n: &NewVersion<'_>) -> Result<DocMeta> {
    DocTables::open(txn)?.append(n)
}

/// The tables a document version is appended to, opened once for all the puts of a write
/// transaction (see [`crate::store::Shared`]).
pub(crate) struct DocTables<'txn> {
    collections: Table<'txn, &'static str, Rec<DocCollection>>,
    heads: Table<'txn, (&'static str, &'static str), (u64, bool)>,
    versions: Table<'txn, (&'static str, &'static str, u64), Rec<DocVersion>>,
}

impl<'txn> DocTables<'txn> {
    pub(crate) fn open(txn: &'txn WriteTransaction) -> Result<Self> {
        Ok(DocTables {
            collections: txn.open_table(DOC_COLLECTIONS)?,
            heads: txn.open_table(DOC_HEADS)?,
            versions: txn.open_table(DOC_VERSIONS)?,
        })
    }

    /// The settings of collection `c` (defaults when it has none yet).
    pub(crate) fn config(&self, c: &str) -> Result<DocCollection> {
        config(&self.collections, c)
    }

    /// Appends a version (and moves the head), then applies the collection's retention to the
    /// key.
    pub(crate) fn append(&mut self, n: &NewVersion<'_>) -> Result<DocMeta> {
        let cfg = self.config(n.collection)?;
        let prev = self.heads.get((n.collection, n.key))?.map(|h| h.value());
        let now = n.now;
        let created_at = match prev {
            Some((v, false)) => version(&self.versions, n.collection, n.key, v)?.map_or(now, |r| r.created_at),
            _ => now,
        };
        let number = prev.map_or(1, |(v, _)| v + 1);
        let rec = DocVersion {
            version: number,
            created_at,
            ts: now,
            schema_version: n.schema_version,
            deleted: n.deleted,
            checksum: *blake3::hash(n.json.as_bytes()).as_bytes(),
            origin: n.origin.clone(),
            json: n.json.to_owned(),
        };
        let bytes = envelope::encode(&rec)?;
        self.versions
            .insert((n.collection, n.key, number), RecBytes::new(&bytes))?;
        self.heads.insert((n.collection, n.key), (number, n.deleted))?;
        prune(&mut self.versions, n.collection, n.key, number, &cfg, now)?;
        Ok(DocMeta::of(n.collection, n.key, &rec))
    }
}

/// The versions of one key (before `latest`) that the retention no longer keeps at `now`, with
/// their stored bytes. The latest stays always.
pub(crate) fn doomed<T>(
    versions: &T,
    c: &str,
    k: &str,
    latest: u64,
    cfg: &DocCollection,
    now: i64,
) -> Result<Vec<(u64, u64)>>
where
    T: ReadableTable<(&'static str, &'static str, u64), crate::envelope::Rec<DocVersion>>,
{
    if cfg.keep_last.is_none() && cfg.keep_newer_than_ns.is_none() {
        return Ok(Vec::new());
    }
    let cutoff = cfg.keep_newer_than_ns.map(|d| now.saturating_sub(d));
    let mut doomed = Vec::new();
    for row in versions.range((c, k, 0)..(c, k, latest))? {
        let (key, val) = row?;
        let v = key.value().2;
        let kept_by_count = cfg.keep_last.is_some_and(|n| latest - v < n);
        let rec = val.value();
        // An unreadable row has no trustworthy time: retention leaves it for `verify` to report.
        let ts = match rec.open(VERSIONS, &vkey(c, k, v)) {
            Ok(a) => a.ts.to_native(),
            Err(_) => continue,
        };
        let kept_by_age = cutoff.is_some_and(|cut| ts >= cut);
        if !kept_by_count && !kept_by_age {
            doomed.push((v, rec.bytes().len() as u64));
        }
    }
    Ok(doomed)
}

/// Deletes the versions of one key that the retention no longer keeps. The latest stays always.
pub(crate) fn prune(
    versions: &mut redb::Table<(&'static str, &'static str, u64), crate::envelope::Rec<DocVersion>>,
    c: &str,
    k: &str,
    latest: u64,
    cfg: &DocCollection,
    now: i64,
) -> Result<u64> {
    let doomed = doomed(versions, c, k, latest, cfg, now)?;
    for (v, _) in &doomed {
        versions.remove((c, k, *v))?;
    }
    Ok(doomed.len() as u64)
}
