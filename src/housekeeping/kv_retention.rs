//! Retention of expired KV keys: reclaims what the KV sweeper would, at housekeeping's clock.

use super::retention::{RetentionItem, RetentionPlan, RetentionSource};
use crate::kv::{expired_keys, sweep_expired_at};
use crate::{Result, Store};

/// Expired KV keys (embedded backend): each run reclaims up to `max_keys` keys whose expiry is
/// at or before now, through the sweeper's own removal. Expired keys are never served either
/// way; this gives their space back on housekeeping's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiredKvRetention {
    /// Keys reclaimed per run at most (one transaction).
    pub max_keys: usize,
}

fn items(found: Vec<(String, u64)>) -> Vec<RetentionItem> {
    found
        .into_iter()
        .map(|(key, bytes)| RetentionItem {
            what: format!("expired kv key {key}"),
            bytes,
        })
        .collect()
}

impl RetentionSource for ExpiredKvRetention {
    fn name(&self) -> &str {
        "kv_expired"
    }

    fn plan(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        Ok(RetentionPlan::new(
            self.name(),
            items(expired_keys(store, now_ns, self.max_keys)?),
        ))
    }

    fn apply(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        Ok(RetentionPlan::new(
            self.name(),
            items(sweep_expired_at(store, now_ns, self.max_keys)?),
        ))
    }
}
