//! [`KvHandle`]: what [`Store::kv`] returns — the configured backend behind one type.

use std::time::Duration;

use super::{EmbeddedKv, KeyTtl, Kv, KvStats, LockGuard, Op, Reply, Subscription};
use crate::{Result, Store};

/// The store's KV backend: embedded, or Redis with embedded fallback (feature `redis`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum KvHandle {
    /// KV tables in the store file.
    Embedded(EmbeddedKv),
    /// A Redis server, falling back to the embedded tables while it is unreachable.
    #[cfg(feature = "redis")]
    Redis(super::RedisKv),
}

impl Store {
    /// The KV interface of this store (see [`crate::kv`]): Redis when the store was opened with
    /// a Redis URL (feature `redis`), else the embedded tables.
    ///
    /// # Examples
    /// ```
    /// use tradestore::kv::Kv;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// store.kv().hset("settings", "max_position", b"0.5")?;
    /// assert_eq!(store.kv().hget("settings", "max_position")?, Some(b"0.5".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kv(&self) -> KvHandle {
        #[cfg(feature = "redis")]
        if let Some(r) = &self.inner().kv.redis {
            return KvHandle::Redis(super::RedisKv::new(r.clone(), EmbeddedKv::new(self)));
        }
        KvHandle::Embedded(EmbeddedKv::new(self))
    }
}

macro_rules! each {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            KvHandle::Embedded($b) => $e,
            #[cfg(feature = "redis")]
            KvHandle::Redis($b) => $e,
        }
    };
}

impl Kv for KvHandle {
    fn apply(&self, ops: Vec<Op>) -> Result<Vec<Reply>> {
        each!(self, b => b.apply(ops))
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        each!(self, b => b.get(key))
    }
    fn exists(&self, key: &str) -> Result<bool> {
        each!(self, b => b.exists(key))
    }
    fn ttl(&self, key: &str) -> Result<KeyTtl> {
        each!(self, b => b.ttl(key))
    }
    fn hget(&self, key: &str, field: &str) -> Result<Option<Vec<u8>>> {
        each!(self, b => b.hget(key, field))
    }
    fn hgetall(&self, key: &str) -> Result<Vec<(String, Vec<u8>)>> {
        each!(self, b => b.hgetall(key))
    }
    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<Vec<u8>>> {
        each!(self, b => b.lrange(key, start, stop))
    }
    fn llen(&self, key: &str) -> Result<u64> {
        each!(self, b => b.llen(key))
    }
    fn acquire_lock(&self, name: &str, ttl: Duration, owner: &str) -> Result<LockGuard> {
        each!(self, b => b.acquire_lock(name, ttl, owner))
    }
    fn release_lock(&self, name: &str, token: &str) -> Result<()> {
        each!(self, b => b.release_lock(name, token))
    }
    fn extend_lock(&self, name: &str, token: &str, ttl: Duration) -> Result<LockGuard> {
        each!(self, b => b.extend_lock(name, token, ttl))
    }
    fn publish(&self, channel: &str, message: &[u8]) -> Result<usize> {
        each!(self, b => b.publish(channel, message))
    }
    fn subscribe(&self, channel: &str) -> Result<Subscription> {
        each!(self, b => b.subscribe(channel))
    }
    fn stats(&self) -> Result<KvStats> {
        each!(self, b => b.stats())
    }
    fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        each!(self, b => b.set(key, value, ttl))
    }
    fn del(&self, key: &str) -> Result<bool> {
        each!(self, b => b.del(key))
    }
    fn expire(&self, key: &str, ttl: Duration) -> Result<bool> {
        each!(self, b => b.expire(key, ttl))
    }
    fn incr_by(&self, key: &str, by: i64) -> Result<i64> {
        each!(self, b => b.incr_by(key, by))
    }
    fn hset(&self, key: &str, field: &str, value: &[u8]) -> Result<bool> {
        each!(self, b => b.hset(key, field, value))
    }
    fn hdel(&self, key: &str, field: &str) -> Result<bool> {
        each!(self, b => b.hdel(key, field))
    }
    fn lpush(&self, key: &str, values: &[&[u8]]) -> Result<u64> {
        each!(self, b => b.lpush(key, values))
    }
    fn rpush(&self, key: &str, values: &[&[u8]]) -> Result<u64> {
        each!(self, b => b.rpush(key, values))
    }
    fn lpop(&self, key: &str) -> Result<Option<Vec<u8>>> {
        each!(self, b => b.lpop(key))
    }
    fn rpop(&self, key: &str) -> Result<Option<Vec<u8>>> {
        each!(self, b => b.rpop(key))
    }
}
