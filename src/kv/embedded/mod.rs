//! The embedded backend: KV tables in the store file, written through the group-commit writer.

mod apply;
mod expired;
mod read;

pub(crate) use expired::{expired_keys, sweep_expired_at};

use std::time::Duration;

use redb::{ReadableTable, ReadableTableMetadata};

use super::types::check_key;
use super::{KeyTtl, Kv, KvStats, LockGuard, Op, Reply, Subscription, locks};
use crate::records::KvKind;
use crate::tables::{KV_EXPIRY, KV_HASH, KV_KEYS, KV_LIST};
use crate::timefmt::now_ns;
use crate::{Result, Store};

/// The embedded backend. Get one with [`Store::kv`] (which picks the backend) or
/// [`EmbeddedKv::new`].
#[derive(Clone, Debug)]
pub struct EmbeddedKv {
    store: Store,
}

impl EmbeddedKv {
    /// The embedded backend of `store`, whatever backend [`Store::kv`] would pick.
    pub fn new(store: &Store) -> Self {
        EmbeddedKv { store: store.clone() }
    }

    fn shared(&self) -> &super::KvShared {
        &self.store.inner().kv
    }
}

/// Reclaims expired keys (at most `limit`); returns how many were removed.
pub(crate) fn sweep(store: &Store, limit: usize) -> Result<u64> {
    let now = now_ns();
    let due = {
        let rtx = store.read_txn_committed()?;
        let expiry = rtx.open_table(KV_EXPIRY)?;
        expiry.first()?.is_some_and(|(k, _)| k.value().0 <= now)
    };
    if !due {
        return Ok(0);
    }
    store.write(move |txn| apply::sweep(txn, now_ns(), limit))
}

impl Kv for EmbeddedKv {
    fn apply(&self, ops: Vec<Op>) -> Result<Vec<Reply>> {
        ops.iter().try_for_each(Op::check)?;
        if !ops.iter().any(Op::writes) {
            let rtx = self.store.read_txn_committed()?;
            let keys = rtx.open_table(KV_KEYS)?;
            let hash = rtx.open_table(KV_HASH)?;
            let now = now_ns();
            return ops
                .iter()
                .map(|op| match op {
                    Op::HGet { key, field } => Ok(Reply::Value(read::hget(&keys, &hash, key, field, now)?)),
                    other => Ok(Reply::Value(read::get_str(&keys, other.key(), now)?)),
                })
                .collect();
        }
        let written: Vec<String> = ops.iter().filter(|o| o.writes()).map(|o| o.key().to_owned()).collect();
        let replies = self.store.write(move |txn| apply::apply(txn, &ops, now_ns()))?;
        self.shared().cache.written(written.iter().map(String::as_str));
        Ok(replies)
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        check_key("key", key)?;
        let now = now_ns();
        let cache = &self.shared().cache;
        if let Some(hit) = cache.get(key, now) {
            return Ok(hit);
        }
        let epoch = cache.epoch();
        let rtx = self.store.read_txn_committed()?;
        let keys = rtx.open_table(KV_KEYS)?;
        match read::typed(&keys, key, KvKind::Str, now)? {
            Some(e) => {
                if cache.enabled() {
                    cache.fill(epoch, key, &e.value, e.expires_at);
                }
                Ok(Some(e.value))
            }
            None => Ok(None),
        }
    }

    fn exists(&self, key: &str) -> Result<bool> {
        check_key("key", key)?;
        let rtx = self.store.read_txn_committed()?;
        Ok(read::entry(&rtx.open_table(KV_KEYS)?, key, now_ns())?.is_some())
    }

    fn ttl(&self, key: &str) -> Result<KeyTtl> {
        check_key("key", key)?;
        let rtx = self.store.read_txn_committed()?;
        let now = now_ns();
        Ok(match read::entry(&rtx.open_table(KV_KEYS)?, key, now)? {
            None => KeyTtl::Missing,
            Some(e) if e.expires_at == 0 => KeyTtl::Persistent,
            Some(e) => KeyTtl::Expires(Duration::from_nanos(u64::try_from(e.expires_at - now).unwrap_or(0))),
        })
    }

    fn hget(&self, key: &str, field: &str) -> Result<Option<Vec<u8>>> {
        check_key("key", key)?;
        check_key("field", field)?;
        let rtx = self.store.read_txn_committed()?;
        read::hget(
            &rtx.open_table(KV_KEYS)?,
            &rtx.open_table(KV_HASH)?,
            key,
            field,
            now_ns(),
        )
    }

    fn hgetall(&self, key: &str) -> Result<Vec<(String, Vec<u8>)>> {
        check_key("key", key)?;
        let rtx = self.store.read_txn_committed()?;
        if read::typed(&rtx.open_table(KV_KEYS)?, key, KvKind::Hash, now_ns())?.is_none() {
            return Ok(Vec::new());
        }
        read::hash_fields(&rtx.open_table(KV_HASH)?, key)
    }

    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<Vec<u8>>> {
        check_key("key", key)?;
        let rtx = self.store.read_txn_committed()?;
        match read::typed(&rtx.open_table(KV_KEYS)?, key, KvKind::List, now_ns())? {
            Some(e) => read::list_range(&rtx.open_table(KV_LIST)?, key, &e, start, stop),
            None => Ok(Vec::new()),
        }
    }

    fn llen(&self, key: &str) -> Result<u64> {
        check_key("key", key)?;
        let rtx = self.store.read_txn_committed()?;
        let e = read::typed(&rtx.open_table(KV_KEYS)?, key, KvKind::List, now_ns())?;
        Ok(e.map_or(0, |e| u64::try_from(e.tail - e.head).unwrap_or(0)))
    }

    fn acquire_lock(&self, name: &str, ttl: Duration, owner: &str) -> Result<LockGuard> {
        locks::acquire(&self.store, name, ttl, owner)
    }

    fn release_lock(&self, name: &str, token: &str) -> Result<()> {
        locks::release(&self.store, name, token)
    }

    fn extend_lock(&self, name: &str, token: &str, ttl: Duration) -> Result<LockGuard> {
        locks::extend(&self.store, name, token, ttl)
    }

    fn publish(&self, channel: &str, message: &[u8]) -> Result<usize> {
        check_key("channel", channel)?;
        Ok(self.shared().pubsub.deliver(channel, message))
    }

    fn subscribe(&self, channel: &str) -> Result<Subscription> {
        check_key("channel", channel)?;
        Ok(self.shared().pubsub.subscribe(channel))
    }

    fn stats(&self) -> Result<KvStats> {
        let rtx = self.store.read_txn_committed()?;
        let keys = rtx.open_table(KV_KEYS)?.len()?;
        let shared = self.shared();
        let c = shared.cache.counters();
        Ok(KvStats {
            backend: "embedded",
            degraded: false,
            keys,
            memory_bytes: c.bytes,
            memory_limit: c.limit,
            evictions: c.evictions,
            cache_hits: c.hits,
            cache_misses: c.misses,
            expired_reclaimed: shared.sweeper.reclaimed.load(std::sync::atomic::Ordering::Relaxed),
            pubsub_dropped: shared.pubsub.dropped(),
            fallback_writes: 0,
        })
    }
}
