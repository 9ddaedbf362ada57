//! The Redis-shaped part: strings with TTL, counters, hashes, lists, atomic transactions, named
//! locks with fencing, and pub/sub.
//!
//! [`Store::kv`](crate::Store::kv) returns a [`KvHandle`], which implements the [`Kv`] trait on
//! the embedded backend (redb tables in the store file, shared by every process that opens the
//! store) or, with the `redis` feature and a Redis URL, on a Redis server with the embedded
//! backend as fallback. See `docs/kv.md` for the full semantics.
//!
//! # Examples
//! ```
//! use std::time::Duration;
//! use tradestore::kv::Kv;
//! # let dir = tempfile::tempdir()?;
//! let store = tradestore::Store::open(dir.path())?;
//! let kv = store.kv();
//! kv.set("mode", b"live", Some(Duration::from_secs(60)))?;
//! assert_eq!(kv.get("mode")?.as_deref(), Some(&b"live"[..]));
//! assert_eq!(kv.incr_by("orders", 2)?, 2);
//! kv.transaction(|tx| {
//!     tx.incr_by("orders", 1).rpush("queue", "BTC-EUR");
//!     Ok(())
//! })?;
//! assert_eq!(kv.lrange("queue", 0, -1)?, vec![b"BTC-EUR".to_vec()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod embedded;
mod handle;
mod locks;
mod pubsub;
#[cfg(feature = "redis")]
mod redis;
mod shared;
mod sweeper;
mod types;

use std::time::{Duration, Instant};

pub use embedded::EmbeddedKv;
pub(crate) use embedded::{expired_keys, sweep_expired_at};
pub use handle::KvHandle;
pub use pubsub::{Message, Subscription};
#[cfg(feature = "redis")]
pub use redis::RedisKv;
pub(crate) use shared::KvShared;
pub use types::{KeyTtl, KvStats, KvTxn, LockGuard, MAX_KEY_BYTES, MAX_VALUE_BYTES, Op, Reply, check_key};

use crate::{Error, Result};

/// The KV operations, the same on every backend.
///
/// Single-key writes are provided on top of [`Kv::apply`]; a backend overrides them where it
/// has a faster native command.
///
/// # Errors
/// Every method: [`Error::Validation`] for a bad key or value (nothing is stored),
/// [`Error::Conflict`] when a key holds another type than the operation needs (Redis's
/// WRONGTYPE), [`Error::Corruption`] if a stored record fails its checks,
/// [`Error::Unavailable`] if no backend can serve the call.
pub trait Kv: Send + Sync {
    /// Applies `ops` atomically: all of them in one commit, or none when any fails.
    /// Replies come in the order of `ops`.
    fn apply(&self, ops: Vec<Op>) -> Result<Vec<Reply>>;

    /// The string at `key`, or `None` if there is none (or it has expired).
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Whether `key` exists (and has not expired).
    fn exists(&self, key: &str) -> Result<bool>;
    /// The time to live of `key`.
    fn ttl(&self, key: &str) -> Result<KeyTtl>;
    /// The value of one hash field.
    fn hget(&self, key: &str, field: &str) -> Result<Option<Vec<u8>>>;
    /// Every field of a hash, sorted by field name. Empty if the key does not exist.
    fn hgetall(&self, key: &str) -> Result<Vec<(String, Vec<u8>)>>;
    /// Items `start..=stop` of a list, with Redis's index rules: negative indexes count from the
    /// end (-1 is the last item), out-of-range bounds are clamped, an empty range gives `[]`.
    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<Vec<u8>>>;
    /// Length of a list (0 if the key does not exist).
    fn llen(&self, key: &str) -> Result<u64>;

    /// Takes the lock `name` for `ttl` if nobody holds it.
    ///
    /// # Errors
    /// [`Error::Locked`] naming the holder when the lock is held.
    fn acquire_lock(&self, name: &str, ttl: Duration, owner: &str) -> Result<LockGuard>;
    /// Releases the lock `name` held with `token`.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the lock is not held (released, or lapsed); [`Error::Locked`] if
    /// it is held with another token.
    fn release_lock(&self, name: &str, token: &str) -> Result<()>;
    /// Pushes the expiry of a held lock to `ttl` from now; the fencing number stays.
    ///
    /// # Errors
    /// As [`Kv::release_lock`].
    fn extend_lock(&self, name: &str, token: &str, ttl: Duration) -> Result<LockGuard>;

    /// Sends `message` to the subscribers of `channel`; returns how many received it.
    fn publish(&self, channel: &str, message: &[u8]) -> Result<usize>;
    /// Subscribes to `channel`.
    fn subscribe(&self, channel: &str) -> Result<Subscription>;

    /// Counters: keys, cache memory and evictions, backend and whether it is degraded.
    fn stats(&self) -> Result<KvStats>;

    /// Sets `key` to a string, replacing whatever it held, with an optional time to live
    /// (`None` clears any earlier expiry).
    fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        let ttl_ms = ttl.map(types::ttl_ms).transpose()?;
        one(
            self,
            Op::Set {
                key: key.into(),
                value: value.to_vec(),
                ttl_ms,
            },
        )
        .map(drop)
    }
    /// Deletes `key` (of any type); returns whether it existed.
    fn del(&self, key: &str) -> Result<bool> {
        one(self, Op::Del { key: key.into() })?.boolean()
    }
    /// Sets the time to live of an existing key; returns whether the key exists.
    fn expire(&self, key: &str, ttl: Duration) -> Result<bool> {
        let ttl_ms = types::ttl_ms(ttl)?;
        one(
            self,
            Op::Expire {
                key: key.into(),
                ttl_ms,
            },
        )?
        .boolean()
    }
    /// Adds `by` to the counter at `key` (missing = 0) and returns the new value.
    ///
    /// # Errors
    /// [`Error::Validation`] if the value is not an integer or the sum overflows an `i64`.
    fn incr_by(&self, key: &str, by: i64) -> Result<i64> {
        one(self, Op::IncrBy { key: key.into(), by })?.int()
    }
    /// Sets a hash field; returns whether the field is new.
    fn hset(&self, key: &str, field: &str, value: &[u8]) -> Result<bool> {
        one(
            self,
            Op::HSet {
                key: key.into(),
                field: field.into(),
                value: value.to_vec(),
            },
        )?
        .boolean()
    }
    /// Deletes a hash field; returns whether it existed. A hash left empty is deleted.
    fn hdel(&self, key: &str, field: &str) -> Result<bool> {
        one(
            self,
            Op::HDel {
                key: key.into(),
                field: field.into(),
            },
        )?
        .boolean()
    }
    /// Pushes `values` at the head of a list, one after the other; returns the new length.
    fn lpush(&self, key: &str, values: &[&[u8]]) -> Result<u64> {
        let values = values.iter().map(|v| v.to_vec()).collect();
        len(one(
            self,
            Op::LPush {
                key: key.into(),
                values,
            },
        )?
        .int()?)
    }
    /// Pushes `values` at the tail of a list; returns the new length.
    fn rpush(&self, key: &str, values: &[&[u8]]) -> Result<u64> {
        let values = values.iter().map(|v| v.to_vec()).collect();
        len(one(
            self,
            Op::RPush {
                key: key.into(),
                values,
            },
        )?
        .int()?)
    }
    /// Pops the first item of a list. A list left empty is deleted.
    fn lpop(&self, key: &str) -> Result<Option<Vec<u8>>> {
        one(self, Op::LPop { key: key.into() })?.value()
    }
    /// Pops the last item of a list. A list left empty is deleted.
    fn rpop(&self, key: &str) -> Result<Option<Vec<u8>>> {
        one(self, Op::RPop { key: key.into() })?.value()
    }

    /// Builds operations with `build` and applies them atomically (see [`Kv::apply`]).
    /// If `build` returns an error, nothing is applied.
    fn transaction<F>(&self, build: F) -> Result<Vec<Reply>>
    where
        F: FnOnce(&mut KvTxn) -> Result<()>,
        Self: Sized,
    {
        let mut txn = KvTxn::default();
        build(&mut txn)?;
        self.apply(txn.ops)
    }

    /// Like [`Kv::acquire_lock`], but waits up to `wait` for the lock to become free, polling
    /// with exponential backoff (1 ms doubling to 50 ms).
    ///
    /// # Errors
    /// [`Error::Locked`] if the lock is still held after `wait`.
    fn acquire_lock_wait(&self, name: &str, ttl: Duration, owner: &str, wait: Duration) -> Result<LockGuard> {
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(1);
        loop {
            match self.acquire_lock(name, ttl, owner) {
                Err(Error::Locked(why)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(Error::Locked(why));
                    }
                    std::thread::sleep(pause.min(deadline - now));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }
}

fn one<K: Kv + ?Sized>(kv: &K, op: Op) -> Result<Reply> {
    kv.apply(vec![op])?
        .pop()
        .ok_or_else(|| Error::Db("KV backend returned no reply".into()))
}

fn len(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Db(format!("KV backend returned a negative length {n}")))
}
