//! The in-process KV cache: recently read strings, bounded by bytes, with evictions counted.
//!
//! It is only switched on when this process is the store's only writer (exclusive
//! concurrency, embedded backend): every write then passes through this process, which
//! invalidates what it changes. With shared concurrency another process could change a key
//! behind the cache's back, so reads go to the store file instead.
//!
//! Reads race writes without a lock: a reader notes the write epoch before its read
//! transaction, inserts what it read, and takes the entry out again if a write has committed
//! since. A writer bumps the epoch after its commit and then invalidates its keys, so either the
//! reader sees the new epoch or the writer's invalidation comes after the reader's insert.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use moka::notification::RemovalCause;
use moka::sync::Cache;

/// A cached string with its absolute expiry (0 = none).
#[derive(Clone)]
pub(super) struct Cached {
    pub(super) value: Arc<Vec<u8>>,
    pub(super) expires_at: i64,
}

pub(crate) struct KvCache {
    cache: Option<Cache<String, Cached>>,
    limit: u64,
    epoch: AtomicU64,
    evictions: Arc<AtomicU64>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Counters of the cache.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CacheCounters {
    pub(super) bytes: u64,
    pub(super) limit: u64,
    pub(super) evictions: u64,
    pub(super) hits: u64,
    pub(super) misses: u64,
}

fn weight(key: &str, v: &Cached) -> u32 {
    u32::try_from(key.len() + v.value.len() + 96).unwrap_or(u32::MAX)
}

impl KvCache {
    /// A cache of at most `max_bytes`; `enabled` false (or 0 bytes) turns it off.
    pub(crate) fn new(max_bytes: u64, enabled: bool) -> Self {
        let evictions = Arc::new(AtomicU64::new(0));
        let counter = evictions.clone();
        let cache = (enabled && max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &String, v: &Cached| weight(k, v))
                .eviction_listener(move |_k, _v, cause| {
                    if cause == RemovalCause::Size {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build()
        });
        KvCache {
            cache,
            limit: if enabled { max_bytes } else { 0 },
            epoch: AtomicU64::new(0),
            evictions,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(super) fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    /// The cached value of `key`, if cached and alive at `now`.
    pub(super) fn get(&self, key: &str, now: i64) -> Option<Option<Vec<u8>>> {
        let c = self.cache.as_ref()?;
        match c.get(key) {
            Some(v) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                if v.expires_at != 0 && v.expires_at <= now {
                    c.invalidate(key);
                    return Some(None);
                }
                Some(Some(v.value.as_ref().clone()))
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// The write epoch to note before a read transaction.
    pub(super) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Caches what a read transaction begun at `epoch` found.
    pub(super) fn fill(&self, epoch: u64, key: &str, value: &[u8], expires_at: i64) {
        let Some(c) = &self.cache else { return };
        c.insert(
            key.to_owned(),
            Cached {
                value: Arc::new(value.to_vec()),
                expires_at,
            },
        );
        if self.epoch.load(Ordering::Acquire) != epoch {
            c.invalidate(key);
        }
    }

    /// After a commit that changed `keys`.
    pub(super) fn written<'a>(&self, keys: impl IntoIterator<Item = &'a str>) {
        let Some(c) = &self.cache else { return };
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for k in keys {
            c.invalidate(k);
        }
    }

    pub(super) fn counters(&self) -> CacheCounters {
        let bytes = self.cache.as_ref().map_or(0, |c| {
            c.run_pending_tasks();
            c.weighted_size()
        });
        CacheCounters {
            bytes,
            limit: self.limit,
            evictions: self.evictions.load(Ordering::Relaxed),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}
