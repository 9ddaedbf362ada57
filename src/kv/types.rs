//! Values that cross the [`Kv`](super::Kv) API: operations, replies, TTLs, lock guards, stats.

use std::time::Duration;

use crate::{Error, Result};

/// Longest key, hash field, channel or lock name accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Largest value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 16 << 20;

/// One operation of a KV transaction (see [`Kv::apply`](super::Kv::apply)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Set a string, replacing whatever the key held; `ttl_ms` of `None` clears any expiry.
    Set {
        /// Key.
        key: String,
        /// Value bytes.
        value: Vec<u8>,
        /// Time to live in milliseconds.
        ttl_ms: Option<u64>,
    },
    /// Read a string. Reply: [`Reply::Value`].
    Get {
        /// Key.
        key: String,
    },
    /// Delete a key of any type. Reply: [`Reply::Bool`] (whether it existed).
    Del {
        /// Key.
        key: String,
    },
    /// Set a key's time to live. Reply: [`Reply::Bool`] (whether the key exists).
    Expire {
        /// Key.
        key: String,
        /// Time to live in milliseconds.
        ttl_ms: u64,
    },
    /// Add to a counter (a missing key counts as 0). Reply: [`Reply::Int`] (the new value).
    IncrBy {
        /// Key.
        key: String,
        /// Amount (may be negative).
        by: i64,
    },
    /// Set a hash field. Reply: [`Reply::Bool`] (whether the field is new).
    HSet {
        /// Key.
        key: String,
        /// Field.
        field: String,
        /// Value bytes.
        value: Vec<u8>,
    },
    /// Read a hash field. Reply: [`Reply::Value`].
    HGet {
        /// Key.
        key: String,
        /// Field.
        field: String,
    },
    /// Delete a hash field. Reply: [`Reply::Bool`] (whether it existed).
    HDel {
        /// Key.
        key: String,
        /// Field.
        field: String,
    },
    /// Push values at the head, one after the other (the last pushed ends up first).
    /// Reply: [`Reply::Int`] (the new length).
    LPush {
        /// Key.
        key: String,
        /// Values.
        values: Vec<Vec<u8>>,
    },
    /// Push values at the tail. Reply: [`Reply::Int`] (the new length).
    RPush {
        /// Key.
        key: String,
        /// Values.
        values: Vec<Vec<u8>>,
    },
    /// Pop the first item. Reply: [`Reply::Value`].
    LPop {
        /// Key.
        key: String,
    },
    /// Pop the last item. Reply: [`Reply::Value`].
    RPop {
        /// Key.
        key: String,
    },
}

impl Op {
    /// The key the operation works on.
    pub fn key(&self) -> &str {
        match self {
            Op::Set { key, .. }
            | Op::Get { key }
            | Op::Del { key }
            | Op::Expire { key, .. }
            | Op::IncrBy { key, .. }
            | Op::HSet { key, .. }
            | Op::HGet { key, .. }
            | Op::HDel { key, .. }
            | Op::LPush { key, .. }
            | Op::RPush { key, .. }
            | Op::LPop { key }
            | Op::RPop { key } => key,
        }
    }

    /// Whether the operation changes the store.
    pub fn writes(&self) -> bool {
        !matches!(self, Op::Get { .. } | Op::HGet { .. })
    }

    /// Refuses keys, fields and values outside the limits, before anything is applied.
    pub(crate) fn check(&self) -> Result<()> {
        check_key("key", self.key())?;
        match self {
            Op::Set { value, ttl_ms, .. } => {
                if let Some(ms) = ttl_ms {
                    check_ttl_ms(*ms)?;
                }
                check_value(value)
            }
            Op::Expire { ttl_ms, .. } => check_ttl_ms(*ttl_ms),
            Op::HSet { field, value, .. } => {
                check_key("field", field)?;
                check_value(value)
            }
            Op::HGet { field, .. } | Op::HDel { field, .. } => check_key("field", field),
            Op::LPush { values, .. } | Op::RPush { values, .. } => {
                if values.is_empty() {
                    return Err(Error::validation("values", "push needs at least one value"));
                }
                values.iter().try_for_each(|v| check_value(v))
            }
            _ => Ok(()),
        }
    }
}

/// Checks a key, field, channel or lock name: 1 to [`MAX_KEY_BYTES`] bytes, no control
/// characters.
///
/// # Errors
/// [`Error::Validation`] naming `what`.
pub fn check_key(what: &str, key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::validation(what, "must not be empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::validation(
            what,
            format!("{} bytes, longer than {MAX_KEY_BYTES}", key.len()),
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(Error::validation(what, "contains control characters"));
    }
    Ok(())
}

fn check_value(v: &[u8]) -> Result<()> {
    if v.len() > MAX_VALUE_BYTES {
        return Err(Error::validation(
            "value",
            format!("{} bytes, larger than {MAX_VALUE_BYTES}", v.len()),
        ));
    }
    Ok(())
}

/// Redis's WRONGTYPE, in words.
pub(crate) fn wrong_type(key: &str, found: &str, wanted: &str) -> Error {
    Error::Conflict {
        detail: format!("key `{key}` holds a {found}, not a {wanted} (wrong type for this operation)"),
        existing_id: None,
    }
}

/// The counter `key` holding `current` (empty = 0) after adding `by`.
pub(crate) fn incr(key: &str, current: &[u8], by: i64) -> Result<i64> {
    let n = if current.is_empty() {
        0
    } else {
        std::str::from_utf8(current)
            .ok()
            .filter(|s| !s.starts_with('+') && s.len() <= 20)
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| Error::validation("value", format!("key `{key}` does not hold an integer")))?
    };
    n.checked_add(by)
        .ok_or_else(|| Error::validation("by", format!("incrementing `{key}` by {by} overflows a 64-bit integer")))
}

/// Milliseconds of a TTL, refusing zero (a key that expires at once is a delete: say so).
pub(crate) fn ttl_ms(ttl: Duration) -> Result<u64> {
    let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    check_ttl_ms(ms)?;
    Ok(ms)
}

fn check_ttl_ms(ms: u64) -> Result<()> {
    if ms == 0 {
        return Err(Error::validation("ttl", "must be at least 1 ms"));
    }
    // Keep absolute expiries well inside i64 nanoseconds.
    const MAX_MS: u64 = 100 * 365 * 86_400 * 1000;
    if ms > MAX_MS {
        return Err(Error::validation("ttl", "longer than 100 years"));
    }
    Ok(())
}

/// The outcome of one [`Op`], in the order the operations were given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// The operation succeeded and returns nothing ([`Op::Set`]).
    Ok,
    /// An integer (counter value, list length).
    Int(i64),
    /// A yes/no answer (existed, was new).
    Bool(bool),
    /// A value, or `None` where nothing was there.
    Value(Option<Vec<u8>>),
}

impl Reply {
    pub(crate) fn int(self) -> Result<i64> {
        match self {
            Reply::Int(n) => Ok(n),
            other => Err(unexpected("an integer", &other)),
        }
    }

    pub(crate) fn boolean(self) -> Result<bool> {
        match self {
            Reply::Bool(b) => Ok(b),
            other => Err(unexpected("a yes/no answer", &other)),
        }
    }

    pub(crate) fn value(self) -> Result<Option<Vec<u8>>> {
        match self {
            Reply::Value(v) => Ok(v),
            other => Err(unexpected("a value", &other)),
        }
    }
}

fn unexpected(wanted: &str, got: &Reply) -> Error {
    Error::Db(format!("KV backend answered {got:?} where {wanted} was expected"))
}

/// Builds the operations of a [`Kv::transaction`](super::Kv::transaction).
#[derive(Debug, Default, Clone)]
pub struct KvTxn {
    pub(crate) ops: Vec<Op>,
}

impl KvTxn {
    /// Queues [`Op::Set`].
    pub fn set(&mut self, key: &str, value: impl AsRef<[u8]>, ttl: Option<Duration>) -> &mut Self {
        let ttl_ms = ttl.map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX));
        self.push(Op::Set {
            key: key.into(),
            value: value.as_ref().to_vec(),
            ttl_ms,
        })
    }
    /// Queues [`Op::Get`].
    pub fn get(&mut self, key: &str) -> &mut Self {
        self.push(Op::Get { key: key.into() })
    }
    /// Queues [`Op::Del`].
    pub fn del(&mut self, key: &str) -> &mut Self {
        self.push(Op::Del { key: key.into() })
    }
    /// Queues [`Op::Expire`].
    pub fn expire(&mut self, key: &str, ttl: Duration) -> &mut Self {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        self.push(Op::Expire {
            key: key.into(),
            ttl_ms,
        })
    }
    /// Queues [`Op::IncrBy`].
    pub fn incr_by(&mut self, key: &str, by: i64) -> &mut Self {
        self.push(Op::IncrBy { key: key.into(), by })
    }
    /// Queues [`Op::HSet`].
    pub fn hset(&mut self, key: &str, field: &str, value: impl AsRef<[u8]>) -> &mut Self {
        self.push(Op::HSet {
            key: key.into(),
            field: field.into(),
            value: value.as_ref().to_vec(),
        })
    }
    /// Queues [`Op::HGet`].
    pub fn hget(&mut self, key: &str, field: &str) -> &mut Self {
        self.push(Op::HGet {
            key: key.into(),
            field: field.into(),
        })
    }
    /// Queues [`Op::HDel`].
    pub fn hdel(&mut self, key: &str, field: &str) -> &mut Self {
        self.push(Op::HDel {
            key: key.into(),
            field: field.into(),
        })
    }
    /// Queues [`Op::LPush`] of one value.
    pub fn lpush(&mut self, key: &str, value: impl AsRef<[u8]>) -> &mut Self {
        self.push(Op::LPush {
            key: key.into(),
            values: vec![value.as_ref().to_vec()],
        })
    }
    /// Queues [`Op::RPush`] of one value.
    pub fn rpush(&mut self, key: &str, value: impl AsRef<[u8]>) -> &mut Self {
        self.push(Op::RPush {
            key: key.into(),
            values: vec![value.as_ref().to_vec()],
        })
    }
    /// Queues [`Op::LPop`].
    pub fn lpop(&mut self, key: &str) -> &mut Self {
        self.push(Op::LPop { key: key.into() })
    }
    /// Queues [`Op::RPop`].
    pub fn rpop(&mut self, key: &str) -> &mut Self {
        self.push(Op::RPop { key: key.into() })
    }
    /// Queues any operation.
    pub fn push(&mut self, op: Op) -> &mut Self {
        self.ops.push(op);
        self
    }
}

/// What [`Kv::ttl`](super::Kv::ttl) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTtl {
    /// No such key (or it has expired).
    Missing,
    /// The key exists and never expires.
    Persistent,
    /// The key expires after this long.
    Expires(Duration),
}

/// A held lock, as returned by [`Kv::acquire_lock`](super::Kv::acquire_lock).
///
/// Dropping the guard does not release the lock (a lock may outlive the process that took it,
/// as `tradestore kv lock` does); release it with [`Kv::release_lock`](super::Kv::release_lock)
/// or let its TTL run out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LockGuard {
    /// Lock name.
    pub name: String,
    /// Random token; only its holder can release or extend the lock.
    pub token: String,
    /// Fencing number: grows with every acquisition of this name. Pass it to the resource the
    /// lock protects so that a holder whose lock has lapsed is refused.
    pub fencing: u64,
    /// Holder description given at acquisition.
    pub owner: String,
    /// When the lock lapses unless extended, ns since the Unix epoch.
    pub expires_at: i64,
}

/// Counters of the KV layer, as reported by `tradestore status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct KvStats {
    /// `"embedded"` or `"redis"`.
    pub backend: &'static str,
    /// Whether the Redis backend is unreachable and the embedded one is serving instead.
    pub degraded: bool,
    /// Live keys (embedded: counted in the store file; Redis: `DBSIZE`).
    pub keys: u64,
    /// Bytes held by this process's in-memory KV cache.
    pub memory_bytes: u64,
    /// Upper bound for `memory_bytes`.
    pub memory_limit: u64,
    /// Cache entries evicted because `memory_limit` was reached.
    pub evictions: u64,
    /// Reads answered from the cache.
    pub cache_hits: u64,
    /// Reads that went to the store file.
    pub cache_misses: u64,
    /// Expired keys reclaimed by the sweeper since the store was opened.
    pub expired_reclaimed: u64,
    /// Pub/sub messages dropped because a subscriber's queue was full.
    pub pubsub_dropped: u64,
    /// Writes served by the embedded backend while Redis was unreachable.
    pub fallback_writes: u64,
}
