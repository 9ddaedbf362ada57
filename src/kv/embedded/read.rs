//! Reads of the KV tables, generic over read-only and write transactions' tables, so a
//! transaction's `Get` and a plain `get` share one definition.

use redb::ReadableTable;

use crate::envelope::Rec;
use crate::records::{KvEntry, KvItem, KvKind};
use crate::{Error, Result};

pub(super) const KEYS: &str = "kv_keys";
pub(super) const HASH: &str = "kv_hash";
pub(super) const LIST: &str = "kv_list";

/// Whether an entry with this expiry is still alive at `now`.
pub(super) fn live(expires_at: i64, now: i64) -> bool {
    expires_at == 0 || expires_at > now
}

/// The stored header of `key`, expired or not.
pub(super) fn raw_entry(keys: &impl ReadableTable<&'static str, Rec<KvEntry>>, key: &str) -> Result<Option<KvEntry>> {
    match keys.get(key)? {
        Some(v) => Ok(Some(v.value().decode(KEYS, &key)?)),
        None => Ok(None),
    }
}

/// The header of `key` if it exists and has not expired.
pub(super) fn entry(
    keys: &impl ReadableTable<&'static str, Rec<KvEntry>>,
    key: &str,
    now: i64,
) -> Result<Option<KvEntry>> {
    Ok(raw_entry(keys, key)?.filter(|e| live(e.expires_at, now)))
}

/// Redis's WRONGTYPE, in words.
pub(super) fn wrong_type(key: &str, found: KvKind, wanted: KvKind) -> Error {
    crate::kv::types::wrong_type(key, found.as_str(), wanted.as_str())
}

/// The header of `key` if it is alive, refusing another kind than `wanted`.
pub(super) fn typed(
    keys: &impl ReadableTable<&'static str, Rec<KvEntry>>,
    key: &str,
    wanted: KvKind,
    now: i64,
) -> Result<Option<KvEntry>> {
    match entry(keys, key, now)? {
        Some(e) if e.kind != wanted => Err(wrong_type(key, e.kind, wanted)),
        other => Ok(other),
    }
}

/// The string at `key`.
pub(super) fn get_str(
    keys: &impl ReadableTable<&'static str, Rec<KvEntry>>,
    key: &str,
    now: i64,
) -> Result<Option<Vec<u8>>> {
    Ok(typed(keys, key, KvKind::Str, now)?.map(|e| e.value))
}

/// One hash field.
pub(super) fn hget(
    keys: &impl ReadableTable<&'static str, Rec<KvEntry>>,
    hash: &impl ReadableTable<(&'static str, &'static str), Rec<KvItem>>,
    key: &str,
    field: &str,
    now: i64,
) -> Result<Option<Vec<u8>>> {
    if typed(keys, key, KvKind::Hash, now)?.is_none() {
        return Ok(None);
    }
    match hash.get((key, field))? {
        Some(v) => Ok(Some(v.value().decode(HASH, &format_args!("{key}/{field}"))?.value)),
        None => Ok(None),
    }
}

/// Every field of the hash at `key`, in field order.
pub(super) fn hash_fields(
    hash: &impl ReadableTable<(&'static str, &'static str), Rec<KvItem>>,
    key: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for row in hash.range((key, "")..)? {
        let (k, v) = row?;
        let (kk, field) = k.value();
        if kk != key {
            break;
        }
        let item = v.value().decode(HASH, &format_args!("{key}/{field}"))?;
        out.push((field.to_owned(), item.value));
    }
    Ok(out)
}

/// Redis index rules: the sequence range `head+start ..= head+stop` of a list of `len` items,
/// or `None` when the range is empty.
pub(super) fn index_range(head: i64, len: i64, start: i64, stop: i64) -> Option<(i64, i64)> {
    let start = if start < 0 {
        start.saturating_add(len).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        stop.saturating_add(len)
    } else {
        stop.min(len - 1)
    };
    if len == 0 || start > stop || start >= len {
        return None;
    }
    Some((head + start, head + stop))
}

/// Items `start..=stop` of the list `entry` heads.
pub(super) fn list_range(
    list: &impl ReadableTable<(&'static str, i64), Rec<KvItem>>,
    key: &str,
    e: &KvEntry,
    start: i64,
    stop: i64,
) -> Result<Vec<Vec<u8>>> {
    let Some((from, to)) = index_range(e.head, e.tail - e.head, start, stop) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for row in list.range((key, from)..=(key, to))? {
        let (k, v) = row?;
        let seq = k.value().1;
        out.push(v.value().decode(LIST, &format_args!("{key}/{seq}"))?.value);
    }
    let expected = usize::try_from(to - from + 1).unwrap_or(usize::MAX);
    if out.len() != expected {
        return Err(Error::corruption(
            LIST,
            key,
            format!(
                "list header promises {expected} items in this range, found {}",
                out.len()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::index_range;

    #[test]
    fn redis_index_rules() {
        // A list of 5 items at sequence 10..15.
        assert_eq!(index_range(10, 5, 0, -1), Some((10, 14)));
        assert_eq!(index_range(10, 5, -2, -1), Some((13, 14)));
        assert_eq!(index_range(10, 5, -100, 1), Some((10, 11)));
        assert_eq!(index_range(10, 5, 2, 100), Some((12, 14)));
        assert_eq!(index_range(10, 5, 3, 1), None);
        assert_eq!(index_range(10, 5, 5, 10), None);
        assert_eq!(index_range(10, 5, -1, -2), None);
        assert_eq!(index_range(10, 0, 0, -1), None);
        assert_eq!(index_range(10, 5, 0, -6), None);
    }
}
