use rkyv::{Archive, Deserialize, Serialize};

use crate::envelope::Record;

/// One version of one document in a collection. Every put, restore and delete appends one.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DocVersion {
    /// Version number of this key, starting at 1, increasing by one per write.
    pub version: u64,
    /// When the key's first version was written, ns since the Unix epoch, UTC.
    pub created_at: i64,
    /// When this version was written, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// Schema version the document was validated against (0: the collection had no schema).
    pub schema_version: u32,
    /// A tombstone: the key was deleted with its history kept; `json` is empty.
    pub deleted: bool,
    /// blake3 of `json`, checked again on every read.
    pub checksum: [u8; 32],
    /// Where the version came from when not a plain put (`restore of 3`, `migrated from 1`).
    pub origin: Option<String>,
    /// The document, as compact JSON text.
    pub json: String,
}

impl Record for DocVersion {
    const KIND: u8 = 10;
    const NAME: &'static str = "DocVersion";
}

/// One version of a collection's JSON Schema.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DocSchema {
    /// Schema version, starting at 1.
    pub version: u32,
    /// When it was set, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// The JSON Schema (draft 2020-12), as JSON text.
    pub json: String,
}

impl Record for DocSchema {
    const KIND: u8 = 11;
    const NAME: &'static str = "DocSchema";
}

/// Settings of one collection.
#[derive(
    Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq, Default,
)]
pub struct DocCollection {
    /// The collection's current schema version (0: no schema).
    pub schema_version: u32,
    /// Keep at most this many versions per key (the latest always stays).
    pub keep_last: Option<u64>,
    /// Keep versions newer than this many ns (the latest always stays).
    pub keep_newer_than_ns: Option<i64>,
}

impl Record for DocCollection {
    const KIND: u8 = 12;
    const NAME: &'static str = "DocCollection";
}

/// A registered migration of a collection's documents from schema version `from` to `from + 1`.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DocMigration {
    /// Source schema version.
    pub from: u32,
    /// The steps, as JSON text (see `documents::MigrationStep`).
    pub steps: String,
}

impl Record for DocMigration {
    const KIND: u8 = 13;
    const NAME: &'static str = "DocMigration";
}
