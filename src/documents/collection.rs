//! Writes to a collection: put, restore, delete, schema, retention and migrations.

use redb::ReadableTable;
use serde_json::Value;

use super::put::DocPut;
use super::rows::{self, NewVersion};
use super::schema::{self, Compiled};
use super::{
    DocMeta, MAX_DOC_BYTES, MigrateReport, MigrationStep, Retention, SchemaReport, check_collection, check_key,
    contains_secret,
};
use crate::envelope::{self, RecBytes};
use crate::records::{DocMigration, DocSchema};
use crate::tables::{DOC_COLLECTIONS, DOC_HEADS, DOC_MIGRATIONS, DOC_SCHEMAS, DOC_VERSIONS};
use crate::timefmt::now_ns;
use crate::{Error, Result, Store};

/// A stored document that fails a schema, with its violations.
type Failing = (String, Vec<super::Violation>);

/// A named collection of JSON documents. Cheap to clone; obtained from
/// [`Store::collection`] or [`Store::hub`].
#[derive(Debug, Clone)]
pub struct Collection {
    pub(crate) store: Store,
    pub(crate) name: String,
}

impl Store {
    /// The collection called `name` (created on first write).
    ///
    /// # Errors
    /// [`Error::Validation`] for a name outside `A-Z a-z 0-9 _ - .` or longer than 64 bytes.
    pub fn collection(&self, name: &str) -> Result<Collection> {
        check_collection(name)?;
        Ok(Collection {
            store: self.clone(),
            name: name.to_owned(),
        })
    }
}

fn compact(doc: &Value) -> Result<String> {
    let json = serde_json::to_string(doc).map_err(|e| Error::validation("document", e.to_string()))?;
    if json.len() > MAX_DOC_BYTES {
        return Err(Error::validation(
            "document",
            format!("{} bytes, larger than {MAX_DOC_BYTES}", json.len()),
        ));
    }
    Ok(json)
}

impl Collection {
    /// The collection's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current schema version (0: none) and its compiled form, from the cache.
    pub(crate) fn current_schema(&self) -> Result<(u32, Option<Compiled>)> {
        self.schema_in(&self.store.read_txn()?)
    }

    /// As [`Collection::current_schema`], in `rtx`.
    fn schema_in(&self, rtx: &redb::ReadTransaction) -> Result<(u32, Option<Compiled>)> {
        let cfg = rows::config(&rtx.open_table(DOC_COLLECTIONS)?, &self.name)?;
        if cfg.schema_version == 0 {
            return Ok((0, None));
        }
        let compiled = self
            .store
            .inner()
            .schemas
            .get_or_compile(&self.name, cfg.schema_version, || {
                rows::schema_json(&rtx.open_table(DOC_SCHEMAS)?, &self.name, cfg.schema_version)
            })?;
        Ok((cfg.schema_version, Some(compiled)))
    }

    /// Every violation of `doc` against the collection's current schema (empty when it matches
    /// or there is no schema).
    ///
    /// # Errors
    /// [`Error::Corruption`] if the stored schema is damaged.
    pub fn check(&self, doc: &Value) -> Result<Vec<super::Violation>> {
        Ok(match self.current_schema()?.1 {
            Some(s) => schema::violations(&s, doc),
            None => Vec::new(),
        })
    }

    /// Validates and appends one version; retries when the schema changes meanwhile.
    fn write_version(&self, key: &str, doc: &Value, origin: Option<String>) -> Result<DocMeta> {
        check_key(key)?;
        let json = compact(doc)?;
        let secret = contains_secret(doc);
        for _ in 0..3 {
            // The writer checks the schema version again and refuses a stale one (`Ok(None)`
            // below), and schemas change only in writes that commit before they are answered:
            // the committed state is enough here.
            let (sv, compiled) = self.schema_in(&self.store.read_txn_committed()?)?;
            if let Some(s) = &compiled {
                let v = schema::violations(s, doc);
                if !v.is_empty() {
                    return Err(schema::refusal(&self.name, key, sv, &v));
                }
            }
            let put = DocPut {
                now: now_ns(),
                collection: self.name.clone(),
                key: key.to_owned(),
                json: json.clone(),
                schema_version: sv,
                origin: origin.clone(),
                secret,
            };
            let logged = self
                .store
                .inner()
                .writer_logs_ops()
                .then(|| crate::redo::format::encode_put_doc(&put))
                .flatten();
            let out = self.store.write_logged(move |shared| put.apply(shared), logged)?;
            if let Some(meta) = out {
                if secret {
                    self.store.protect_secrets()?;
                }
                return Ok(meta);
            }
        }
        Err(Error::Conflict {
            detail: format!(
                "the schema of {} kept changing while the document was written; retry",
                self.name
            ),
            existing_id: None,
        })
    }

    /// Stores `doc` as the next version of `key`, after checking it against the collection's
    /// schema. Returns the new version's metadata.
    ///
    /// # Errors
    /// [`Error::Schema`] listing every violation (JSON pointer and reason) when the document
    /// does not match; nothing is stored. [`Error::Validation`] for a bad key or a document over
    /// [`MAX_DOC_BYTES`].
    pub fn put(&self, key: &str, doc: &Value) -> Result<DocMeta> {
        self.write_version(key, doc, None)
    }

    /// Like [`Collection::put`], from JSON text.
    ///
    /// # Errors
    /// [`Error::Validation`] if `json` is not valid JSON; otherwise as [`Collection::put`].
    pub fn put_str(&self, key: &str, json: &str) -> Result<DocMeta> {
        let doc: Value =
            serde_json::from_str(json).map_err(|e| Error::validation("document", format!("not valid JSON: {e}")))?;
        self.put(key, &doc)
    }

    /// Appends a new version of `key` equal to version `n` (migrated to the current schema when
    /// migrations are registered). History is never rewritten.
    ///
    /// # Errors
    /// [`Error::NotFound`] if version `n` does not exist (or is a deletion marker),
    /// [`Error::Corruption`] if it is damaged, [`Error::Schema`] if it does not match the current
    /// schema.
    pub fn restore(&self, key: &str, n: u64) -> Result<DocMeta> {
        let old = self.get_version(key, n)?;
        if old.meta.deleted {
            return Err(Error::NotFound(format!(
                "{}/{key} version {n} (it marks a deletion)",
                self.name
            )));
        }
        let doc = self.migrate_value(old.json, old.meta.schema_version)?.0;
        self.write_version(key, &doc, Some(format!("restore of {n}")))
    }

    /// Deletes `key`. With `keep_history`, a deletion marker is appended and every version stays
    /// readable (and restorable); without, every version of the key is removed.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the key does not exist (or, with `keep_history`, is already deleted).
    pub fn delete(&self, key: &str, keep_history: bool) -> Result<()> {
        check_key(key)?;
        let (c, k) = (self.name.clone(), key.to_owned());
        let now = now_ns();
        self.store.write(move |txn| {
            let head = txn
                .open_table(DOC_HEADS)?
                .get((c.as_str(), k.as_str()))?
                .map(|h| h.value());
            let missing = || Error::NotFound(format!("document {c}/{k}"));
            match head {
                None => Err(missing()),
                Some((_, true)) if keep_history => Err(missing()),
                Some((_, _)) if keep_history => {
                    let n = NewVersion {
                        collection: &c,
                        key: &k,
                        json: "",
                        schema_version: 0,
                        deleted: true,
                        origin: Some("delete".into()),
                        now,
                    };
                    rows::append(txn, &n).map(|_| ())
                }
                Some((latest, _)) => {
                    let mut versions = txn.open_table(DOC_VERSIONS)?;
                    versions.retain_in(
                        (c.as_str(), k.as_str(), 0)..=(c.as_str(), k.as_str(), latest),
                        |_, _| false,
                    )?;
                    txn.open_table(DOC_HEADS)?.remove((c.as_str(), k.as_str()))?;
                    Ok(())
                }
            }
        })
    }

    /// Sets a new JSON Schema (draft 2020-12) for the collection and reports which stored
    /// documents would not match it. Those stay stored; the next put of each must match.
    ///
    /// # Errors
    /// [`Error::Schema`] if `schema` is not a valid schema; nothing is changed then.
    pub fn set_schema(&self, schema: &Value) -> Result<SchemaReport> {
        let compiled = schema::compile(schema)?;
        let (checked, failing) = self.failing_against(&compiled)?;
        let (c, text) = (self.name.clone(), compact(schema)?);
        let version = self.store.write(move |txn| {
            let mut cols = txn.open_table(DOC_COLLECTIONS)?;
            let mut cfg = rows::config(&cols, &c)?;
            cfg.schema_version += 1;
            let rec = DocSchema {
                version: cfg.schema_version,
                ts: now_ns(),
                json: text.clone(),
            };
            let bytes = envelope::encode(&rec)?;
            txn.open_table(DOC_SCHEMAS)?
                .insert((c.as_str(), rec.version), RecBytes::new(&bytes))?;
            let cb = envelope::encode(&cfg)?;
            cols.insert(c.as_str(), RecBytes::new(&cb))?;
            Ok(cfg.schema_version)
        })?;
        Ok(SchemaReport {
            version,
            checked,
            failing,
        })
    }

    /// Latest documents that fail `compiled`.
    fn failing_against(&self, compiled: &Compiled) -> Result<(u64, Vec<Failing>)> {
        let mut failing = Vec::new();
        let mut checked = 0;
        for doc in self.latest_documents()? {
            let (key, doc) = doc?;
            checked += 1;
            let v = schema::violations(compiled, &doc.json);
            if !v.is_empty() {
                failing.push((key, v));
            }
        }
        Ok((checked, failing))
    }

    /// Sets which versions the collection keeps and applies it to every key now.
    ///
    /// # Errors
    /// [`Error::Validation`] for `keep_last` of 0.
    pub fn set_retention(&self, r: Retention) -> Result<u64> {
        if r.keep_last == Some(0) {
            return Err(Error::validation(
                "keep_last",
                "must be at least 1 (the latest version always stays)",
            ));
        }
        let newer = match r.keep_newer_than {
            Some(d) => Some(i64::try_from(d.as_nanos()).map_err(|_| Error::validation("keep_newer_than", "too long"))?),
            None => None,
        };
        let c = self.name.clone();
        self.store.write(move |txn| {
            let mut cols = txn.open_table(DOC_COLLECTIONS)?;
            let mut cfg = rows::config(&cols, &c)?;
            cfg.keep_last = r.keep_last;
            cfg.keep_newer_than_ns = newer;
            let cb = envelope::encode(&cfg)?;
            cols.insert(c.as_str(), RecBytes::new(&cb))?;
            let heads: Vec<(String, u64)> = txn
                .open_table(DOC_HEADS)?
                .range((c.as_str(), "")..)?
                .map(|r| r.map(|(k, v)| (k.value().0.to_owned(), k.value().1.to_owned(), v.value().0)))
                .take_while(|r| r.as_ref().map_or(true, |(col, _, _)| *col == c))
                .map(|r| r.map(|(_, k, v)| (k, v)))
                .collect::<std::result::Result<_, _>>()?;
            let mut versions = txn.open_table(DOC_VERSIONS)?;
            let now = now_ns();
            let mut removed = 0;
            for (k, latest) in heads {
                removed += rows::prune(&mut versions, &c, &k, latest, &cfg, now)?;
            }
            Ok(removed)
        })
    }

    /// Registers how documents move from schema version `from` to `from + 1`. Applied when an
    /// older document is read, and by [`Collection::migrate_all`].
    ///
    /// # Errors
    /// [`Error::Validation`] for `from` of 0 or a step whose path is not a JSON pointer.
    pub fn register_migration(&self, from: u32, steps: &[MigrationStep]) -> Result<()> {
        if from == 0 {
            return Err(Error::validation("from", "schema versions start at 1"));
        }
        super::apply_steps(&mut Value::Object(Default::default()), steps)?;
        let text = serde_json::to_string(steps).map_err(|e| Error::validation("steps", e.to_string()))?;
        let bytes = envelope::encode(&DocMigration { from, steps: text })?;
        let c = self.name.clone();
        self.store.write(move |txn| {
            txn.open_table(DOC_MIGRATIONS)?
                .insert((c.as_str(), from), RecBytes::new(&bytes))?;
            Ok(())
        })
    }

    /// Rewrites every document stored under an older schema version as a new version, migrated
    /// and validated against the current schema.
    ///
    /// # Errors
    /// [`Error::Db`] / [`Error::Corruption`] when the store cannot be read.
    pub fn migrate_all(&self) -> Result<MigrateReport> {
        let (sv, _) = self.current_schema()?;
        let mut report = MigrateReport::default();
        for doc in self.latest_documents()? {
            let (key, doc) = doc?;
            if doc.meta.schema_version >= sv || sv == 0 {
                report.current += 1;
                continue;
            }
            let from = doc.meta.schema_version;
            let (json, reached) = self.migrate_value(doc.json, from)?;
            if reached != sv {
                report
                    .failed
                    .push((key, format!("no migration registered from schema version {reached}")));
                continue;
            }
            match self.write_version(&key, &json, Some(format!("migrated from schema {from}"))) {
                Ok(_) => report.migrated += 1,
                Err(Error::Schema(m)) => report.failed.push((key, m)),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }
}
