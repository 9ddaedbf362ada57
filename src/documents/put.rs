//! One document version to append, as the writer applies it and as the operation log records
//! it (see [`crate::redo`]).

use serde_json::Value;

use super::rows::NewVersion;
use super::{DocMeta, MAX_DOC_BYTES, check_collection, check_key};
use crate::store::Shared;
use crate::tables::{META, META_HOLDS_SECRETS};
use crate::{Error, Result};

/// A put of a document checked against schema version `schema_version` of its collection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocPut {
    /// Time of the put, ns since the epoch.
    pub now: i64,
    /// Collection name.
    pub collection: String,
    /// Document key.
    pub key: String,
    /// The document, compact JSON.
    pub json: String,
    /// The collection's schema version the document was checked against.
    pub schema_version: u32,
    /// Where the version came from (a restore, a migration), if not a plain put.
    pub origin: Option<String>,
    /// Whether the document names a secret (the store file is then kept 0600).
    pub secret: bool,
}

impl DocPut {
    /// Appends the version, unless the collection's schema changed since the document was
    /// checked (`Ok(None)`: check it again and retry). Depends on nothing but the transaction and
    /// `self`.
    pub(crate) fn apply(&self, shared: &mut Shared<'_>) -> Result<Option<DocMeta>> {
        if shared.docs()?.config(&self.collection)?.schema_version != self.schema_version {
            return Ok(None);
        }
        if self.secret {
            shared.txn()?.open_table(META)?.insert(META_HOLDS_SECRETS, 1)?;
        }
        let n = NewVersion {
            collection: &self.collection,
            key: &self.key,
            json: &self.json,
            schema_version: self.schema_version,
            deleted: false,
            origin: self.origin.clone(),
            now: self.now,
        };
        shared.docs()?.append(&n).map(Some)
    }

    /// Checks a put read back from disk as a put from a caller is checked: names, size, JSON.
    pub(crate) fn check(&self) -> Result<()> {
        check_collection(&self.collection)?;
        check_key(&self.key)?;
        if self.json.len() > MAX_DOC_BYTES {
            return Err(Error::validation("document", "larger than the largest document"));
        }
        serde_json::from_str::<Value>(&self.json)
            .map(drop)
            .map_err(|e| Error::validation("document", format!("not valid JSON: {e}")))
    }
}
