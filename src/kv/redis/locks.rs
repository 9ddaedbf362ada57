//! Locks on Redis: `SET key token NX PX ttl` to take, a compare-and-delete script to release,
//! a compare-and-expire script to extend. The fencing number is an `INCR` counter per name,
//! taken in the same script as the `SET NX`, so it grows with every acquisition.
//!
//! The lock key holds `"<token> <fencing> <owner>"`; tokens are 32 hex digits, so the scripts
//! compare the first 32 bytes.

use redis::{Connection, RedisResult, Script, Value};

use crate::kv::LockGuard;
use crate::timefmt::now_ns;
use crate::{Error, Result};

const ACQUIRE: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local f = redis.call('INCR', KEYS[2])
  local v = ARGV[1] .. ' ' .. f .. ' ' .. ARGV[3]
  redis.call('SET', KEYS[1], v, 'PX', ARGV[2])
  return {1, v}
end
return {2, redis.call('GET', KEYS[1]) or ''}
";

const RELEASE: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return {0, ''} end
if string.sub(v, 1, 32) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {1, v}
end
return {2, v}
";

const EXTEND: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return {0, ''} end
if string.sub(v, 1, 32) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, v}
end
return {2, v}
";

/// The three lock scripts, loaded once per store.
pub(crate) struct Scripts {
    acquire: Script,
    release: Script,
    extend: Script,
}

impl Scripts {
    pub(crate) fn new() -> Scripts {
        Scripts {
            acquire: Script::new(ACQUIRE),
            release: Script::new(RELEASE),
            extend: Script::new(EXTEND),
        }
    }
}

fn lock_key(name: &str) -> String {
    format!("tradestore:lock:{name}")
}

fn fencing_key(name: &str) -> String {
    format!("tradestore:fencing:{name}")
}

/// What a script said: 0 not held, 1 done, 2 held by another token; with the lock's value.
type Outcome = (i64, String);

fn outcome(v: Value) -> Result<Outcome> {
    redis::from_redis_value::<Outcome>(v).map_err(|e| Error::Db(format!("redis lock script answered oddly: {e}")))
}

fn parse(name: &str, value: &str, ttl_ms: u64) -> Result<LockGuard> {
    let mut parts = value.splitn(3, ' ');
    let token = parts.next().unwrap_or_default().to_owned();
    let fencing = parts
        .next()
        .and_then(|f| f.parse::<u64>().ok())
        .ok_or_else(|| Error::corruption("redis", format!("lock:{name}"), "lock value has no fencing number"))?;
    let owner = parts.next().unwrap_or_default().to_owned();
    let ttl_ns = i64::try_from(ttl_ms).unwrap_or(i64::MAX / 2).saturating_mul(1_000_000);
    Ok(LockGuard {
        name: name.to_owned(),
        token,
        fencing,
        owner,
        expires_at: now_ns().saturating_add(ttl_ns),
    })
}

fn held(name: &str, value: &str) -> Error {
    let mut parts = value.splitn(3, ' ');
    let _token = parts.next();
    let fencing = parts.next().unwrap_or("?");
    let owner = parts.next().unwrap_or("");
    Error::Locked(format!("lock `{name}` is held by `{owner}` (fencing {fencing})"))
}

fn not_held(name: &str) -> Error {
    Error::NotFound(format!("lock `{name}` (it is not held: released, or its TTL ran out)"))
}

pub(super) fn acquire(
    s: &Scripts,
    conn: &mut Connection,
    name: &str,
    token: &str,
    ttl_ms: u64,
    owner: &str,
) -> RedisResult<Result<LockGuard>> {
    let v: Value = s
        .acquire
        .key(lock_key(name))
        .key(fencing_key(name))
        .arg(token)
        .arg(ttl_ms)
        .arg(owner)
        .invoke(conn)?;
    Ok(outcome(v).and_then(|(code, value)| match code {
        1 => parse(name, &value, ttl_ms),
        _ => Err(held(name, &value)),
    }))
}

pub(super) fn release(s: &Scripts, conn: &mut Connection, name: &str, token: &str) -> RedisResult<Result<()>> {
    let v: Value = s.release.key(lock_key(name)).arg(token).invoke(conn)?;
    Ok(outcome(v).and_then(|(code, value)| match code {
        1 => Ok(()),
        0 => Err(not_held(name)),
        _ => Err(held(name, &value)),
    }))
}

pub(super) fn extend(
    s: &Scripts,
    conn: &mut Connection,
    name: &str,
    token: &str,
    ttl_ms: u64,
) -> RedisResult<Result<LockGuard>> {
    let v: Value = s.extend.key(lock_key(name)).arg(token).arg(ttl_ms).invoke(conn)?;
    Ok(outcome(v).and_then(|(code, value)| match code {
        1 => parse(name, &value, ttl_ms),
        0 => Err(not_held(name)),
        _ => Err(held(name, &value)),
    }))
}
