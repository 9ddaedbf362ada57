//! The Redis backend (feature `redis`): the same [`Kv`] operations on a Redis server, with the
//! embedded backend as fallback while the server is unreachable.
//!
//! Native commands do the work: `SET … PX`, `PEXPIRE`, `PTTL`, `INCRBY`, hashes, lists,
//! `PUBLISH`/`SUBSCRIBE`, `MULTI/EXEC` (see `txn` for how all-or-nothing is kept), and locks by
//! `SET NX PX` with compare-and-delete scripts.
//!
//! Writes made while degraded go to the embedded tables of this store and stay there: they are
//! not copied to Redis when it returns (replaying them could overwrite newer values written by
//! other machines, or resurrect locks that have since been taken by someone else). They are
//! counted in [`KvStats::fallback_writes`]. Locks taken while degraded exclude only processes
//! that share this store file.

mod conn;
mod listener;
mod locks;
mod ops;
mod txn;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use redis::{Connection, RedisResult, Value};

use super::types::{check_key, ttl_ms};
use super::{EmbeddedKv, KeyTtl, Kv, KvStats, LockGuard, Op, Reply, Subscription};
use crate::Result;

/// Redis state shared by every handle of one store.
pub(crate) struct RedisShared {
    conns: conn::Conns,
    scripts: locks::Scripts,
    listener: listener::Listener,
    local: Arc<super::pubsub::PubSub>,
}

impl RedisShared {
    pub(crate) fn new(url: &str, pool: usize, local: Arc<super::pubsub::PubSub>) -> Result<RedisShared> {
        let conns = conn::Conns::new(url, pool)?;
        let listener = listener::Listener::start(conns.client().clone(), local.clone())?;
        Ok(RedisShared {
            conns,
            scripts: locks::Scripts::new(),
            listener,
            local,
        })
    }

    pub(crate) fn shutdown(&self) {
        self.listener.shutdown();
    }
}

/// The Redis backend with its embedded fallback. Get it from [`Store::kv`](crate::Store::kv)
/// on a store opened with a Redis URL.
#[derive(Clone)]
pub struct RedisKv {
    shared: Arc<RedisShared>,
    local: EmbeddedKv,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("degraded", &self.shared.conns.degraded())
            .finish_non_exhaustive()
    }
}

impl RedisKv {
    pub(crate) fn new(shared: Arc<RedisShared>, local: EmbeddedKv) -> RedisKv {
        RedisKv { shared, local }
    }

    /// Whether Redis is unreachable and the embedded backend is serving.
    pub fn degraded(&self) -> bool {
        self.shared.conns.degraded()
    }

    /// Runs `f` on Redis, or `fallback` on the embedded backend when Redis is unreachable.
    fn run<R>(
        &self,
        f: impl FnMut(&mut Connection) -> RedisResult<R>,
        fallback: impl FnOnce(&EmbeddedKv) -> Result<R>,
    ) -> Result<R> {
        match self.shared.conns.run(f)? {
            Some(r) => Ok(r),
            None => fallback(&self.local),
        }
    }

    /// As [`RedisKv::run`] for a write, counting writes served by the fallback.
    fn run_write<R>(
        &self,
        f: impl FnMut(&mut Connection) -> RedisResult<R>,
        fallback: impl FnOnce(&EmbeddedKv) -> Result<R>,
    ) -> Result<R> {
        self.run(f, |local| {
            self.shared.conns.fallback_writes.fetch_add(1, Ordering::Relaxed);
            fallback(local)
        })
    }

    fn cmd<R: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
        fallback: impl FnOnce(&EmbeddedKv) -> Result<R>,
    ) -> Result<R> {
        self.run(|c| cmd.query::<R>(c), fallback)
    }
}

impl Kv for RedisKv {
    fn apply(&self, ops: Vec<Op>) -> Result<Vec<Reply>> {
        ops.iter().try_for_each(Op::check)?;
        let writes = ops.iter().any(Op::writes);
        let redis = |c: &mut Connection| -> RedisResult<Result<Vec<Reply>>> {
            if let [op] = ops.as_slice() {
                // One command is atomic on its own, and a failing one changes nothing.
                let value: Value = ops::cmd(op).query(c)?;
                return Ok(ops::reply(op, value).map(|r| vec![r]));
            }
            txn::run(c, &ops)
        };
        let fallback = |local: &EmbeddedKv| Ok(local.apply(ops.clone()));
        if writes {
            self.run_write(redis, fallback)?
        } else {
            self.run(redis, fallback)?
        }
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        check_key("key", key)?;
        self.cmd(redis::cmd("GET").arg(key), |l| l.get(key))
    }

    fn exists(&self, key: &str) -> Result<bool> {
        check_key("key", key)?;
        self.cmd(redis::cmd("EXISTS").arg(key), |l| l.exists(key))
    }

    fn ttl(&self, key: &str) -> Result<KeyTtl> {
        check_key("key", key)?;
        let pttl = |c: &mut Connection| {
            redis::cmd("PTTL").arg(key).query::<i64>(c).map(|ms| match ms {
                -2 => KeyTtl::Missing,
                -1 => KeyTtl::Persistent,
                ms => KeyTtl::Expires(Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
            })
        };
        self.run(pttl, |l| l.ttl(key))
    }

    fn hget(&self, key: &str, field: &str) -> Result<Option<Vec<u8>>> {
        check_key("key", key)?;
        check_key("field", field)?;
        self.cmd(redis::cmd("HGET").arg(key).arg(field), |l| l.hget(key, field))
    }

    fn hgetall(&self, key: &str) -> Result<Vec<(String, Vec<u8>)>> {
        check_key("key", key)?;
        let mut all: Vec<(String, Vec<u8>)> = self.cmd(redis::cmd("HGETALL").arg(key), |l| l.hgetall(key))?;
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(all)
    }

    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<Vec<u8>>> {
        check_key("key", key)?;
        self.cmd(redis::cmd("LRANGE").arg(key).arg(start).arg(stop), |l| {
            l.lrange(key, start, stop)
        })
    }

    fn llen(&self, key: &str) -> Result<u64> {
        check_key("key", key)?;
        self.cmd(redis::cmd("LLEN").arg(key), |l| l.llen(key))
    }

    fn acquire_lock(&self, name: &str, ttl: Duration, owner: &str) -> Result<LockGuard> {
        check_key("lock", name)?;
        super::locks::check_owner(owner)?;
        let ms = ttl_ms(ttl)?;
        let token = super::locks::new_token();
        let s = &self.shared.scripts;
        self.run_write(
            |c| locks::acquire(s, c, name, &token, ms, owner),
            |l| Ok(l.acquire_lock(name, ttl, owner)),
        )?
    }

    fn release_lock(&self, name: &str, token: &str) -> Result<()> {
        check_key("lock", name)?;
        let s = &self.shared.scripts;
        self.run_write(
            |c| locks::release(s, c, name, token),
            |l| Ok(l.release_lock(name, token)),
        )?
    }

    fn extend_lock(&self, name: &str, token: &str, ttl: Duration) -> Result<LockGuard> {
        check_key("lock", name)?;
        let ms = ttl_ms(ttl)?;
        let s = &self.shared.scripts;
        self.run_write(
            |c| locks::extend(s, c, name, token, ms),
            |l| Ok(l.extend_lock(name, token, ttl)),
        )?
    }

    fn publish(&self, channel: &str, message: &[u8]) -> Result<usize> {
        check_key("channel", channel)?;
        let n: i64 = self.cmd(redis::cmd("PUBLISH").arg(channel).arg(message), |l| {
            l.publish(channel, message)
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
        })?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn subscribe(&self, channel: &str) -> Result<Subscription> {
        check_key("channel", channel)?;
        let sub = self.shared.local.subscribe(channel);
        // Unreachable Redis: the subscription still gets messages published in this process
        // (fallback) and, once the listener reconnects, those from Redis.
        self.shared.listener.subscribe(channel, Duration::from_secs(2));
        Ok(sub)
    }

    fn stats(&self) -> Result<KvStats> {
        let mut s = self.local.stats()?;
        s.backend = "redis";
        if let Some(n) = self.shared.conns.run(|c| redis::cmd("DBSIZE").query::<u64>(c))? {
            s.keys = n;
        }
        s.degraded = self.shared.conns.degraded();
        s.fallback_writes = self.shared.conns.fallback_writes.load(Ordering::Relaxed);
        Ok(s)
    }
}
