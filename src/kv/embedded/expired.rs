//! Expired keys as housekeeping's retention sees them: which keys the sweeper would reclaim at
//! a given instant, with the bytes each holds, and the sweep itself at that instant.

use redb::{ReadableTable, WriteTransaction};

use super::read::raw_entry;
use crate::tables::{KV_EXPIRY, KV_HASH, KV_KEYS, KV_LIST};
use crate::{Result, Store};

/// Up to `limit` keys whose expiry is at or before `now`, with their stored bytes (header,
/// hash fields, list items). An expiry row whose key is gone or carries another expiry is left
/// out: the sweep drops such a row but reclaims no key.
fn list(
    keys: &impl ReadableTable<&'static str, crate::envelope::Rec<crate::records::KvEntry>>,
    hash: &impl ReadableTable<(&'static str, &'static str), crate::envelope::Rec<crate::records::KvItem>>,
    items: &impl ReadableTable<(&'static str, i64), crate::envelope::Rec<crate::records::KvItem>>,
    expiry: &impl ReadableTable<(i64, &'static str), ()>,
    now: i64,
    limit: usize,
) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for row in expiry.range(..(now.saturating_add(1), ""))?.take(limit) {
        let (k, _) = row?;
        let (at, key) = (k.value().0, k.value().1.to_owned());
        if raw_entry(keys, &key)?.is_none_or(|e| e.expires_at != at) {
            continue;
        }
        let mut bytes = keys.get(key.as_str())?.map_or(0, |v| v.value().bytes().len() as u64);
        for r in hash.range((key.as_str(), "")..)? {
            let (k, v) = r?;
            if k.value().0 != key {
                break;
            }
            bytes += v.value().bytes().len() as u64;
        }
        for r in items.range((key.as_str(), i64::MIN)..)? {
            let (k, v) = r?;
            if k.value().0 != key {
                break;
            }
            bytes += v.value().bytes().len() as u64;
        }
        out.push((key, bytes));
    }
    Ok(out)
}

/// The keys a sweep at `now` would reclaim (at most `limit`), with their bytes. Removes nothing.
pub(crate) fn expired_keys(store: &Store, now: i64, limit: usize) -> Result<Vec<(String, u64)>> {
    let rtx = store.read_txn_committed()?;
    list(
        &rtx.open_table(KV_KEYS)?,
        &rtx.open_table(KV_HASH)?,
        &rtx.open_table(KV_LIST)?,
        &rtx.open_table(KV_EXPIRY)?,
        now,
        limit,
    )
}

fn listed_in(txn: &WriteTransaction, now: i64, limit: usize) -> Result<Vec<(String, u64)>> {
    list(
        &txn.open_table(KV_KEYS)?,
        &txn.open_table(KV_HASH)?,
        &txn.open_table(KV_LIST)?,
        &txn.open_table(KV_EXPIRY)?,
        now,
        limit,
    )
}

/// Reclaims the keys expired at `now` (at most `limit`) with the sweeper's own logic, in one
/// transaction, and returns those removed with their bytes.
pub(crate) fn sweep_expired_at(store: &Store, now: i64, limit: usize) -> Result<Vec<(String, u64)>> {
    store.write(move |txn| {
        let found = listed_in(txn, now, limit)?;
        super::apply::sweep(txn, now, limit)?;
        Ok(found)
    })
}
