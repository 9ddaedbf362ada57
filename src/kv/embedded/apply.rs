//! KV writes inside one redb write transaction. Every write — a single `set` as much as a
//! transaction of many operations — goes through [`apply`], so both commit the same way.

use redb::{ReadableTable, Table, WriteTransaction};

use super::read::{self, LIST, live, raw_entry, wrong_type};
use crate::envelope::{self, Rec, RecBytes};
use crate::kv::{Op, Reply};
use crate::records::{KvEntry, KvItem, KvKind};
use crate::tables::{KV_EXPIRY, KV_HASH, KV_KEYS, KV_LIST};
use crate::{Error, Result};

/// The KV tables of one write transaction. Only `kv_keys` is opened up front; the others are
/// opened on first use, since opening a table costs a lookup and most writes touch one table.
pub(super) struct Tables<'t> {
    txn: &'t WriteTransaction,
    keys: Table<'t, &'static str, Rec<KvEntry>>,
    hash: Option<Table<'t, (&'static str, &'static str), Rec<KvItem>>>,
    list: Option<Table<'t, (&'static str, i64), Rec<KvItem>>>,
    expiry: Option<Table<'t, (i64, &'static str), ()>>,
}

/// Opens a table into `slot` on first use.
fn lazy<'s, 't, K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &'t WriteTransaction,
    slot: &'s mut Option<Table<'t, K, V>>,
    def: redb::TableDefinition<'static, K, V>,
) -> Result<&'s mut Table<'t, K, V>> {
    match slot {
        Some(t) => Ok(t),
        None => Ok(slot.insert(txn.open_table(def)?)),
    }
}

impl<'t> Tables<'t> {
    pub(super) fn open(txn: &'t WriteTransaction) -> Result<Self> {
        Ok(Tables {
            txn,
            keys: txn.open_table(KV_KEYS)?,
            hash: None,
            list: None,
            expiry: None,
        })
    }

    fn hash(&mut self) -> Result<&mut Table<'t, (&'static str, &'static str), Rec<KvItem>>> {
        lazy(self.txn, &mut self.hash, KV_HASH)
    }

    fn list(&mut self) -> Result<&mut Table<'t, (&'static str, i64), Rec<KvItem>>> {
        lazy(self.txn, &mut self.list, KV_LIST)
    }

    fn expiry(&mut self) -> Result<&mut Table<'t, (i64, &'static str), ()>> {
        lazy(self.txn, &mut self.expiry, KV_EXPIRY)
    }

    /// The live header of `key`; an expired key is removed on the way (so a write never sees
    /// the leftovers of an expired value).
    pub(super) fn load(&mut self, key: &str, now: i64) -> Result<Option<KvEntry>> {
        match raw_entry(&self.keys, key)? {
            Some(e) if !live(e.expires_at, now) => {
                self.remove(key, &e)?;
                Ok(None)
            }
            other => Ok(other),
        }
    }

    fn load_typed(&mut self, key: &str, wanted: KvKind, now: i64) -> Result<Option<KvEntry>> {
        match self.load(key, now)? {
            Some(e) if e.kind != wanted => Err(wrong_type(key, e.kind, wanted)),
            other => Ok(other),
        }
    }

    /// Removes `key` with its hash fields or list items and its expiry index row.
    pub(super) fn remove(&mut self, key: &str, e: &KvEntry) -> Result<()> {
        match e.kind {
            KvKind::Str => {}
            KvKind::List => {
                if e.tail > e.head {
                    self.list()?.retain_in((key, e.head)..(key, e.tail), |_, _| false)?;
                }
            }
            KvKind::Hash => {
                let fields: Vec<String> = read::hash_fields(self.hash()?, key)?
                    .into_iter()
                    .map(|(f, _)| f)
                    .collect();
                for f in &fields {
                    self.hash()?.remove((key, f.as_str()))?;
                }
            }
        }
        if e.expires_at != 0 {
            self.expiry()?.remove((e.expires_at, key))?;
        }
        self.keys.remove(key)?;
        Ok(())
    }

    /// Writes the header of `key`, keeping the expiry index in step with `old_expiry`.
    fn put(&mut self, key: &str, e: &KvEntry, old_expiry: i64) -> Result<()> {
        if old_expiry != e.expires_at {
            if old_expiry != 0 {
                self.expiry()?.remove((old_expiry, key))?;
            }
            if e.expires_at != 0 {
                self.expiry()?.insert((e.expires_at, key), ())?;
            }
        }
        let bytes = envelope::encode(e)?;
        self.keys.insert(key, RecBytes::new(&bytes))?;
        Ok(())
    }
}

fn item(value: &[u8]) -> Result<Vec<u8>> {
    envelope::encode(&KvItem { value: value.to_vec() })
}

fn expiry_after(now: i64, ttl_ms: u64) -> Result<i64> {
    i64::try_from(ttl_ms)
        .ok()
        .and_then(|ms| ms.checked_mul(1_000_000))
        .and_then(|ns| now.checked_add(ns))
        .ok_or_else(|| Error::validation("ttl", "too far in the future"))
}

fn empty(kind: KvKind) -> KvEntry {
    KvEntry {
        kind,
        expires_at: 0,
        value: Vec::new(),
        head: 0,
        tail: 0,
        fields: 0,
    }
}

/// Applies `ops` in order; the first error aborts the whole transaction (the caller's commit
/// never happens, so nothing of the batch is stored).
pub(super) fn apply(txn: &WriteTransaction, ops: &[Op], now: i64) -> Result<Vec<Reply>> {
    let mut t = Tables::open(txn)?;
    ops.iter().map(|op| apply_one(&mut t, op, now)).collect()
}

fn apply_one(t: &mut Tables<'_>, op: &Op, now: i64) -> Result<Reply> {
    match op {
        Op::Set { key, value, ttl_ms } => {
            let old = t.load(key, now)?;
            let old_expiry = match &old {
                Some(e) if e.kind != KvKind::Str => {
                    t.remove(key, e)?;
                    0
                }
                Some(e) => e.expires_at,
                None => 0,
            };
            let mut e = empty(KvKind::Str);
            e.value.clone_from(value);
            e.expires_at = ttl_ms.map(|ms| expiry_after(now, ms)).transpose()?.unwrap_or(0);
            t.put(key, &e, old_expiry)?;
            Ok(Reply::Ok)
        }
        Op::Get { key } => Ok(Reply::Value(read::get_str(&t.keys, key, now)?)),
        Op::Del { key } => match t.load(key, now)? {
            Some(e) => {
                t.remove(key, &e)?;
                Ok(Reply::Bool(true))
            }
            None => Ok(Reply::Bool(false)),
        },
        Op::Expire { key, ttl_ms } => match t.load(key, now)? {
            Some(mut e) => {
                let old = e.expires_at;
                e.expires_at = expiry_after(now, *ttl_ms)?;
                t.put(key, &e, old)?;
                Ok(Reply::Bool(true))
            }
            None => Ok(Reply::Bool(false)),
        },
        Op::IncrBy { key, by } => {
            let mut e = t
                .load_typed(key, KvKind::Str, now)?
                .unwrap_or_else(|| empty(KvKind::Str));
            let next = crate::kv::types::incr(key, &e.value, *by)?;
            e.value = next.to_string().into_bytes();
            let old = e.expires_at;
            t.put(key, &e, old)?;
            Ok(Reply::Int(next))
        }
        Op::HSet { key, field, value } => {
            let mut e = t
                .load_typed(key, KvKind::Hash, now)?
                .unwrap_or_else(|| empty(KvKind::Hash));
            let is_new = t.hash()?.get((key.as_str(), field.as_str()))?.is_none();
            t.hash()?
                .insert((key.as_str(), field.as_str()), RecBytes::new(&item(value)?))?;
            if is_new {
                e.fields += 1;
                let old = e.expires_at;
                t.put(key, &e, old)?;
            }
            Ok(Reply::Bool(is_new))
        }
        Op::HGet { key, field } => {
            let hash = lazy(t.txn, &mut t.hash, KV_HASH)?;
            Ok(Reply::Value(read::hget(&t.keys, hash, key, field, now)?))
        }
        Op::HDel { key, field } => {
            let Some(mut e) = t.load_typed(key, KvKind::Hash, now)? else {
                return Ok(Reply::Bool(false));
            };
            if t.hash()?.remove((key.as_str(), field.as_str()))?.is_none() {
                return Ok(Reply::Bool(false));
            }
            e.fields = e.fields.saturating_sub(1);
            if e.fields == 0 {
                t.remove(key, &e)?;
            } else {
                let old = e.expires_at;
                t.put(key, &e, old)?;
            }
            Ok(Reply::Bool(true))
        }
        Op::LPush { key, values } | Op::RPush { key, values } => {
            let left = matches!(op, Op::LPush { .. });
            let mut e = t
                .load_typed(key, KvKind::List, now)?
                .unwrap_or_else(|| empty(KvKind::List));
            for v in values {
                let seq = if left {
                    e.head = e.head.checked_sub(1).ok_or_else(|| seq_full(key))?;
                    e.head
                } else {
                    let s = e.tail;
                    e.tail = e.tail.checked_add(1).ok_or_else(|| seq_full(key))?;
                    s
                };
                t.list()?.insert((key.as_str(), seq), RecBytes::new(&item(v)?))?;
            }
            let old = e.expires_at;
            t.put(key, &e, old)?;
            Ok(Reply::Int(e.tail - e.head))
        }
        Op::LPop { key } | Op::RPop { key } => {
            let Some(mut e) = t.load_typed(key, KvKind::List, now)? else {
                return Ok(Reply::Value(None));
            };
            let seq = if matches!(op, Op::LPop { .. }) {
                e.head += 1;
                e.head - 1
            } else {
                e.tail -= 1;
                e.tail
            };
            let item = t
                .list()?
                .remove((key.as_str(), seq))?
                .ok_or_else(|| Error::corruption(LIST, key, format!("list item {seq} is missing")))?
                .value()
                .decode(LIST, &format_args!("{key}/{seq}"))?;
            if e.tail <= e.head {
                t.remove(key, &e)?;
            } else {
                let old = e.expires_at;
                t.put(key, &e, old)?;
            }
            Ok(Reply::Value(Some(item.value)))
        }
    }
}

fn seq_full(key: &str) -> Error {
    Error::validation("key", format!("list `{key}` has run out of sequence numbers"))
}

/// Removes up to `limit` keys whose expiry is at or before `now`; returns how many.
pub(super) fn sweep(txn: &WriteTransaction, now: i64, limit: usize) -> Result<u64> {
    let mut t = Tables::open(txn)?;
    let due: Vec<(i64, String)> = t
        .expiry()?
        .range(..(now.saturating_add(1), ""))?
        .take(limit)
        .map(|r| r.map(|(k, _)| (k.value().0, k.value().1.to_owned())))
        .collect::<std::result::Result<_, _>>()?;
    let mut n = 0;
    for (at, key) in due {
        match raw_entry(&t.keys, &key)? {
            Some(e) if e.expires_at == at => {
                t.remove(&key, &e)?;
                n += 1;
            }
            // An index row whose key is gone or carries another expiry: drop the row alone.
            _ => {
                t.expiry()?.remove((at, key.as_str()))?;
            }
        }
    }
    Ok(n)
}
