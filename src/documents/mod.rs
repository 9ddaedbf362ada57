//! Documents: JSON in named collections, validated by a JSON Schema, every write kept as a
//! version.
//!
//! A collection is opened with [`Store::collection`](crate::Store::collection); the usual ones of
//! a trading bot come ready-made, with schemas, from [`Store::hub`](crate::Store::hub). The
//! "backups" of a key are its versions: [`Collection::history`], [`Collection::get_version`],
//! [`Collection::restore`] (which appends, never rewrites).
//!
//! # Examples
//! ```
//! use serde_json::json;
//! # let dir = tempfile::tempdir()?;
//! # let store = tradestore::Store::open(dir.path())?;
//! let opps = store.collection("opportunities")?;
//! opps.put("arb-1", &json!({"pair": "ETH-USDC", "profit": "12.5"}))?;
//! opps.put("arb-1", &json!({"pair": "ETH-USDC", "profit": "13.0"}))?;
//! assert_eq!(opps.history("arb-1")?.len(), 2);
//! let meta = opps.restore("arb-1", 1)?;
//! assert_eq!(meta.version, 3);
//! assert_eq!(opps.get("arb-1")?.json["profit"], "12.5");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod collection;
mod hub;
mod migrate;
pub mod put;
mod read;
mod retention;
pub(crate) use retention::{StaleVersion, remove_stale_versions, stale_versions};
pub(crate) mod rows;
pub(crate) use rows::DocTables;
mod schema;
mod secrets;

use std::fmt;

use serde_json::Value;

pub use collection::Collection;
pub use hub::{HUB_COLLECTIONS, Hub};
pub use migrate::{MigrationStep, apply_steps};
pub(crate) use schema::SchemaCache;
pub use schema::Violation;
pub(crate) use schema::compile as compile_schema;
pub use secrets::{REDACTED, contains_secret, is_secret_name, redact};

use crate::records::DocVersion;
use crate::timefmt::format_ts;
use crate::{Error, Result};

/// Largest document accepted, in bytes of compact JSON.
pub const MAX_DOC_BYTES: usize = 16 << 20;
/// Longest collection name, in bytes.
pub const MAX_COLLECTION_LEN: usize = 64;

/// What is known about one stored version of a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocMeta {
    /// Collection.
    pub collection: String,
    /// Key.
    pub key: String,
    /// Version number (1 for the first put).
    pub version: u64,
    /// When the key's first version was written, ns since the epoch.
    pub created_at: i64,
    /// When this version was written, ns since the epoch.
    pub updated_at: i64,
    /// Schema version it was validated against (0: none).
    pub schema_version: u32,
    /// blake3 of the document's compact JSON, hex.
    pub checksum: String,
    /// Whether this version is a deletion marker.
    pub deleted: bool,
    /// Where the version came from when not a plain put (`restore of 3`, `migrated from 1`).
    pub origin: Option<String>,
}

impl DocMeta {
    pub(crate) fn of(collection: &str, key: &str, r: &DocVersion) -> DocMeta {
        DocMeta {
            collection: collection.to_owned(),
            key: key.to_owned(),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.ts,
            schema_version: r.schema_version,
            checksum: blake3::Hash::from_bytes(r.checksum).to_hex().to_string(),
            deleted: r.deleted,
            origin: r.origin.clone(),
        }
    }

    /// As JSON, times in RFC 3339.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "collection": self.collection, "key": self.key, "version": self.version,
            "created_at": format_ts(self.created_at), "updated_at": format_ts(self.updated_at),
            "schema_version": self.schema_version, "checksum": self.checksum,
            "deleted": self.deleted, "origin": self.origin,
        })
    }
}

/// A document read back: its metadata and its JSON. `Debug` redacts secret fields.
#[derive(Clone, PartialEq)]
pub struct Document {
    /// Metadata of the stored version.
    pub meta: DocMeta,
    /// The document. When it was migrated on read, this is the migrated form.
    pub json: Value,
    /// The schema version the document was migrated to on read, when it was.
    pub migrated_to: Option<u32>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("meta", &self.meta)
            .field("json", &redact(&self.json))
            .field("migrated_to", &self.migrated_to)
            .finish()
    }
}

/// One line of [`Collection::history`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionInfo {
    /// Version number.
    pub version: u64,
    /// Metadata, when the row passed its checks.
    pub meta: Option<DocMeta>,
    /// Stored bytes.
    pub bytes: u64,
    /// Whether the row passed its checks.
    pub valid: bool,
}

/// One page of [`Collection::list_keys`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyPage {
    /// Keys in byte order.
    pub keys: Vec<String>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next: Option<String>,
}

/// Which versions a collection keeps. A version other than a key's latest is deleted when no
/// rule keeps it: with both rules, a version survives when it is among the last `keep_last`
/// **or** newer than `keep_newer_than`. The default keeps everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Keep the newest N versions of each key.
    pub keep_last: Option<u64>,
    /// Keep versions written within this long.
    pub keep_newer_than: Option<std::time::Duration>,
}

/// What [`Collection::set_schema`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaReport {
    /// The new schema version.
    pub version: u32,
    /// Documents checked against it.
    pub checked: u64,
    /// Stored documents that do not match the new schema, with their violations. They stay
    /// stored and readable; their next put must match.
    pub failing: Vec<(String, Vec<Violation>)>,
}

/// What [`Collection::migrate_all`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct MigrateReport {
    /// Documents rewritten at the current schema version.
    pub migrated: u64,
    /// Documents already current.
    pub current: u64,
    /// Documents that could not be migrated, and why (no migration registered, or the migrated
    /// form fails the schema).
    pub failed: Vec<(String, String)>,
}

/// Checks a collection name.
///
/// # Errors
/// [`Error::Validation`] naming what is wrong.
pub(crate) fn check_collection(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_COLLECTION_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "collection",
            format!("{name:?}: use 1-{MAX_COLLECTION_LEN} of A-Z a-z 0-9 _ - . (not starting with .)"),
        ))
    }
}

pub(crate) fn check_key(key: &str) -> Result<()> {
    crate::trades::check_name("key", key, true)
}
