//! The read cache: immutable trades by id, bounded by bytes.
//!
//! Only immutable records are cached (a trade never changes once committed), so a cached value
//! stays correct when other processes write to the same store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use moka::sync::Cache;

use crate::records::Trade;

/// Hit and miss counters of the read cache.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads answered from the cache.
    pub hits: u64,
    /// Reads that went to the store file.
    pub misses: u64,
    /// Bytes currently held (approximate).
    pub bytes: u64,
}

pub(crate) struct TradeCache {
    cache: Option<Cache<u64, Arc<Trade>>>,
    /// The read snapshot point reads share (see [`crate::trades`]'s snapshot module).
    pub(crate) snapshot: crate::trades::SnapshotSlot,
    hits: AtomicU64,
    misses: AtomicU64,
}

fn weight(t: &Trade) -> u32 {
    let strings = t.symbol.len()
        + t.fee_currency.len()
        + t.strategy.len()
        + t.venue.len()
        + t.order_id.as_ref().map_or(0, String::len)
        + t.model.as_ref().map_or(0, String::len)
        + t.meta.as_ref().map_or(0, String::len);
    u32::try_from(std::mem::size_of::<Trade>() + strings + 64).unwrap_or(u32::MAX)
}

impl TradeCache {
    pub(crate) fn new(max_bytes: u64) -> Self {
        let cache = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_k: &u64, v: &Arc<Trade>| weight(v))
                .build()
        });
        TradeCache {
            cache,
            snapshot: Default::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self, id: u64) -> Option<Arc<Trade>> {
        let hit = self.cache.as_ref().and_then(|c| c.get(&id));
        let counter = if hit.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    /// Whether decoded trades are kept at all (`cache_bytes` > 0).
    pub(crate) fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    pub(crate) fn insert(&self, trade: Arc<Trade>) {
        if let Some(c) = &self.cache {
            c.insert(trade.id, trade);
        }
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.cache.as_ref().map_or(0, |c| c.weighted_size()),
        }
    }
}
