//! Named locks on the embedded backend: rows in the store file, so they hold across threads and
//! across every process that opens the store (shared concurrency serialises their write
//! transactions with a file lock).
//!
//! Acquire, release and extend each run in one write transaction that reads the lock row and
//! decides on what it read: two takers cannot both see the lock free. The fencing counter of a
//! name lives in its own table and outlives releases, so it grows on every acquisition.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redb::{ReadableTable, WriteTransaction};

use super::types::{LockGuard, check_key, ttl_ms};
use crate::envelope::{self, RecBytes};
use crate::records::KvLock;
use crate::tables::{KV_FENCING, KV_LOCKS};
use crate::timefmt::{format_ts, now_ns};
use crate::{Error, Result, Store};

const TABLE: &str = "kv_locks";

/// A fresh 32-hex-digit token: random bits mixed with the pid, time and a counter, so two
/// processes seeded alike still differ.
pub(crate) fn new_token() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let mut h = blake3::Hasher::new();
    h.update(&fastrand::u128(..).to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    h.update(&now_ns().to_le_bytes());
    h.update(&SEQ.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.finalize().to_hex()[..32].to_owned()
}

pub(crate) fn check_owner(owner: &str) -> Result<()> {
    if owner.len() > super::MAX_KEY_BYTES || owner.chars().any(char::is_control) {
        return Err(Error::validation(
            "owner",
            "longer than 1024 bytes or holds control characters",
        ));
    }
    Ok(())
}

fn ttl_ns(ttl: Duration) -> Result<i64> {
    // ttl_ms bounds it to 100 years, well inside i64 ns.
    Ok(i64::try_from(ttl_ms(ttl)?).unwrap_or(i64::MAX / 2) * 1_000_000)
}

fn guard(name: &str, l: &KvLock) -> LockGuard {
    LockGuard {
        name: name.to_owned(),
        token: l.token.clone(),
        fencing: l.fencing,
        owner: l.owner.clone(),
        expires_at: l.expires_at,
    }
}

fn held_by(name: &str, l: &KvLock) -> Error {
    Error::Locked(format!(
        "lock `{name}` is held by `{}` (fencing {}) until {}",
        l.owner,
        l.fencing,
        format_ts(l.expires_at)
    ))
}

/// The live holder of `name`, if any.
fn holder(txn: &WriteTransaction, name: &str, now: i64) -> Result<Option<KvLock>> {
    let locks = txn.open_table(KV_LOCKS)?;
    let found = match locks.get(name)? {
        Some(v) => Some(v.value().decode(TABLE, &name)?),
        None => None,
    };
    Ok(found.filter(|l| l.expires_at > now))
}

fn put(txn: &WriteTransaction, name: &str, l: &KvLock) -> Result<()> {
    let bytes = envelope::encode(l)?;
    txn.open_table(KV_LOCKS)?.insert(name, RecBytes::new(&bytes))?;
    Ok(())
}

/// Takes `name` if it is free (or its holder's TTL has run out).
pub(crate) fn acquire(store: &Store, name: &str, ttl: Duration, owner: &str) -> Result<LockGuard> {
    check_key("lock", name)?;
    check_owner(owner)?;
    let ttl = ttl_ns(ttl)?;
    let (name, owner, token) = (name.to_owned(), owner.to_owned(), new_token());
    store.write(move |txn| {
        let now = now_ns();
        if let Some(l) = holder(txn, &name, now)? {
            return Err(held_by(&name, &l));
        }
        let mut fence = txn.open_table(KV_FENCING)?;
        let last = fence.get(name.as_str())?.map_or(0, |v| v.value());
        let fencing = last
            .checked_add(1)
            .ok_or_else(|| Error::validation("lock", "fencing counter exhausted"))?;
        fence.insert(name.as_str(), fencing)?;
        drop(fence);
        let l = KvLock {
            token: token.clone(),
            owner: owner.clone(),
            fencing,
            acquired_at: now,
            expires_at: now.saturating_add(ttl),
        };
        put(txn, &name, &l)?;
        Ok(guard(&name, &l))
    })
}

/// The live lock `name` if `token` holds it.
fn held_with(txn: &WriteTransaction, name: &str, token: &str, now: i64) -> Result<KvLock> {
    match holder(txn, name, now)? {
        None => Err(Error::NotFound(format!(
            "lock `{name}` (it is not held: released, or its TTL ran out)"
        ))),
        Some(l) if l.token != token => Err(held_by(name, &l)),
        Some(l) => Ok(l),
    }
}

/// Releases `name` if `token` holds it.
pub(crate) fn release(store: &Store, name: &str, token: &str) -> Result<()> {
    check_key("lock", name)?;
    let (name, token) = (name.to_owned(), token.to_owned());
    store.write(move |txn| {
        held_with(txn, &name, &token, now_ns())?;
        txn.open_table(KV_LOCKS)?.remove(name.as_str())?;
        Ok(())
    })
}

/// Moves the expiry of `name` to `ttl` from now if `token` holds it.
pub(crate) fn extend(store: &Store, name: &str, token: &str, ttl: Duration) -> Result<LockGuard> {
    check_key("lock", name)?;
    let ttl = ttl_ns(ttl)?;
    let (name, token) = (name.to_owned(), token.to_owned());
    store.write(move |txn| {
        let now = now_ns();
        let mut l = held_with(txn, &name, &token, now)?;
        l.expires_at = now.saturating_add(ttl);
        put(txn, &name, &l)?;
        Ok(guard(&name, &l))
    })
}
