//! Connections to the Redis server: a small pool, retry with exponential backoff, and the
//! degraded state in which calls go to the embedded backend instead.
//!
//! A call first takes a pooled connection (or opens one). When the connection fails (refused,
//! reset, timed out) the call is retried on a fresh connection after 10 ms, then 20 ms, then
//! 40 ms. If Redis still cannot be reached, the backend turns **degraded**: this and the
//! following calls are served by the embedded backend, and Redis is probed again after a
//! backoff that doubles from 100 ms up to 5 s. The first call whose probe succeeds switches back.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::{Client, Connection, RedisError};

use crate::{Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_millis(250);
const IO_TIMEOUT: Duration = Duration::from_secs(2);
const RETRIES: [Duration; 3] = [
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
];
const PROBE_MIN: Duration = Duration::from_millis(100);
const PROBE_MAX: Duration = Duration::from_secs(5);

struct Probe {
    next: Instant,
    backoff: Duration,
}

/// Connection state shared by every handle of one store.
pub(crate) struct Conns {
    client: Client,
    pool: Mutex<Vec<Connection>>,
    pool_max: usize,
    degraded: AtomicBool,
    probe: Mutex<Probe>,
    pub(super) fallback_writes: AtomicU64,
}

/// Whether an error means the server could not be reached (as opposed to an answer).
pub(super) fn is_unreachable(e: &RedisError) -> bool {
    e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() || e.is_timeout()
}

/// A Redis error answer, in the crate's terms.
pub(super) fn map_err(e: &RedisError) -> Error {
    let detail = e.detail().unwrap_or_default().to_owned();
    match e.code() {
        Some("WRONGTYPE") => Error::Conflict {
            detail: "the key holds another type than this operation needs (wrong type)".into(),
            existing_id: None,
        },
        _ if detail.contains("overflow") => Error::validation("by", format!("the counter would overflow: {detail}")),
        _ if detail.contains("not an integer") => Error::validation("value", "the key does not hold an integer"),
        _ if is_unreachable(e) => Error::Unavailable(format!("redis: {e}")),
        _ => Error::Db(format!("redis: {e}")),
    }
}

impl Conns {
    pub(crate) fn new(url: &str, pool_max: usize) -> Result<Conns> {
        let client = Client::open(url).map_err(|e| Error::validation("redis_url", e.to_string()))?;
        Ok(Conns {
            client,
            pool: Mutex::new(Vec::new()),
            pool_max,
            degraded: AtomicBool::new(false),
            probe: Mutex::new(Probe {
                next: Instant::now(),
                backoff: PROBE_MIN,
            }),
            fallback_writes: AtomicU64::new(0),
        })
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn degraded(&self) -> bool {
        self.degraded.load(Ordering::Acquire)
    }

    /// A new connection with the backend's timeouts.
    pub(super) fn connect(&self) -> std::result::Result<Connection, RedisError> {
        let c = self.client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
        c.set_read_timeout(Some(IO_TIMEOUT))?;
        c.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(c)
    }

    fn take(&self) -> std::result::Result<Connection, RedisError> {
        let pooled = self.pool.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match pooled {
            Some(c) => Ok(c),
            None => self.connect(),
        }
    }

    fn give_back(&self, c: Connection) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < self.pool_max {
            pool.push(c);
        }
    }

    /// Runs `f` on Redis. `Ok(None)` means Redis is unreachable: serve the call from the
    /// embedded backend. `Err` is Redis's answer to a bad call (wrong type, overflow, …).
    pub(super) fn run<R>(&self, mut f: impl FnMut(&mut Connection) -> redis::RedisResult<R>) -> Result<Option<R>> {
        if self.degraded() {
            let mut p = self.probe.lock().unwrap_or_else(PoisonError::into_inner);
            if Instant::now() < p.next {
                return Ok(None);
            }
            // This caller probes; others keep using the fallback until it succeeds.
            p.next = Instant::now() + p.backoff;
        }
        let attempts = if self.degraded() { 1 } else { RETRIES.len() + 1 };
        for attempt in 0..attempts {
            let mut conn = match self.take() {
                Ok(c) => c,
                Err(e) if is_unreachable(&e) => {
                    if let Some(pause) = RETRIES.get(attempt).filter(|_| attempt + 1 < attempts) {
                        std::thread::sleep(*pause);
                    }
                    continue;
                }
                Err(e) => return Err(map_err(&e)),
            };
            match f(&mut conn) {
                Ok(r) => {
                    self.give_back(conn);
                    self.recovered();
                    return Ok(Some(r));
                }
                Err(e) if is_unreachable(&e) => {
                    // The connection is broken: drop it and every pooled one (the server went
                    // away, so they are all dead), then retry on a fresh one.
                    self.pool.lock().unwrap_or_else(PoisonError::into_inner).clear();
                    if let Some(pause) = RETRIES.get(attempt).filter(|_| attempt + 1 < attempts) {
                        std::thread::sleep(*pause);
                    }
                }
                Err(e) => {
                    self.give_back(conn);
                    self.recovered();
                    return Err(map_err(&e));
                }
            }
        }
        self.went_down();
        Ok(None)
    }

    fn recovered(&self) {
        if self.degraded.swap(false, Ordering::AcqRel) {
            let mut p = self.probe.lock().unwrap_or_else(PoisonError::into_inner);
            p.backoff = PROBE_MIN;
        }
    }

    fn went_down(&self) {
        let mut p = self.probe.lock().unwrap_or_else(PoisonError::into_inner);
        if self.degraded.swap(true, Ordering::AcqRel) {
            p.backoff = (p.backoff * 2).min(PROBE_MAX);
        } else {
            p.backoff = PROBE_MIN;
        }
        p.next = Instant::now() + p.backoff;
    }
}
