//! KV records: a key's header, the items of hashes and lists, and named locks.

use rkyv::{Archive, Deserialize, Serialize};

use crate::envelope::Record;

/// What a KV key holds.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum KvKind {
    /// A byte string (counters are strings holding a decimal integer, as in Redis).
    Str,
    /// A hash of fields; the fields live in the `kv_hash` table.
    Hash,
    /// A list; the items live in the `kv_list` table.
    List,
}

impl KvKind {
    /// The kind's name in messages: `string`, `hash`, `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            KvKind::Str => "string",
            KvKind::Hash => "hash",
            KvKind::List => "list",
        }
    }
}

/// The header row of one KV key.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KvEntry {
    /// What the key holds.
    pub kind: KvKind,
    /// Absolute expiry, ns since the Unix epoch (UTC); 0 = never expires.
    pub expires_at: i64,
    /// The value of a string; empty for hashes and lists.
    pub value: Vec<u8>,
    /// List: sequence number of the first item. Items occupy `head..tail`.
    pub head: i64,
    /// List: one past the sequence number of the last item.
    pub tail: i64,
    /// Hash: number of fields.
    pub fields: u64,
}

impl Record for KvEntry {
    const KIND: u8 = 20;
    const NAME: &'static str = "KvEntry";
}

/// One hash field value or list item.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KvItem {
    /// The bytes.
    pub value: Vec<u8>,
}

impl Record for KvItem {
    const KIND: u8 = 21;
    const NAME: &'static str = "KvItem";
}

/// A held named lock.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct KvLock {
    /// Random token (32 hex digits) the holder must present to release or extend.
    pub token: String,
    /// Free-form holder description (host, pid, bot name).
    pub owner: String,
    /// Fencing number of this acquisition.
    pub fencing: u64,
    /// When it was taken, ns since the Unix epoch.
    pub acquired_at: i64,
    /// When it lapses unless extended, ns since the Unix epoch.
    pub expires_at: i64,
}

impl Record for KvLock {
    const KIND: u8 = 22;
    const NAME: &'static str = "KvLock";
}
