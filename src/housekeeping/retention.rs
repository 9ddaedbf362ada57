//! Retention inside the store: each capability that keeps history in the store file implements
//! [`RetentionSource`], and housekeeping runs every registered source in its cleanups.

use std::sync::Arc;

use redb::ReadableTable;
use serde::Serialize;

use super::config::StoreRetention;
use crate::envelope::Rec;
use crate::records::BotState;
use crate::tables::STATE_VERSIONS;
use crate::{Result, Store};

/// One row (or object) a retention source removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionItem {
    /// What it is, e.g. `state version 12`.
    pub what: String,
    /// Its stored size in bytes.
    pub bytes: u64,
}

/// What a source removes (a dry run) or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionPlan {
    /// The source's name.
    pub source: String,
    /// Every item.
    pub items: Vec<RetentionItem>,
    /// Their bytes.
    pub bytes: u64,
}

impl RetentionPlan {
    /// A plan from its items.
    pub fn new(source: &str, items: Vec<RetentionItem>) -> RetentionPlan {
        RetentionPlan {
            source: source.to_owned(),
            bytes: items.iter().map(|i| i.bytes).sum(),
            items,
        }
    }
}

/// Something in the store that grows and has a retention policy: state versions, document
/// versions, expired KV keys, snapshots beyond their keep count, artifacts, market partitions.
///
/// `plan` must list exactly what `apply` would remove at the same instant; `apply` decides again
/// inside its own write transaction (rows may have changed since the plan) and returns what it
/// removed. Neither may remove anything its capability marks as current or kept.
pub trait RetentionSource: Send + Sync {
    /// A short stable name (`state_versions`).
    fn name(&self) -> &str;
    /// What would go now. Removes nothing.
    ///
    /// # Errors
    /// Whatever reading the store returns.
    fn plan(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan>;
    /// Removes it and returns what was removed.
    ///
    /// # Errors
    /// Whatever the store returns; nothing is removed then.
    fn apply(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan>;
}

/// Retention of bot-state versions: the newest `keep_last` always stay, and of the older ones
/// those older than `max_age_ns` go (all of them when no age is set). The newest version is
/// never removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateVersionRetention {
    /// Newest versions always kept (at least 1).
    pub keep_last: u64,
    /// Versions older than this (ns) beyond `keep_last` go; `None` = regardless of age.
    pub max_age_ns: Option<i64>,
}

impl StateVersionRetention {
    fn select<T: ReadableTable<u64, Rec<BotState>>>(
        &self,
        table: &T,
        now_ns: i64,
    ) -> Result<Vec<(u64, RetentionItem)>> {
        let Some(last) = table.last()?.map(|(k, _)| k.value()) else {
            return Ok(Vec::new());
        };
        let keep_from = last.saturating_sub(self.keep_last.max(1)).saturating_add(1);
        let mut out = Vec::new();
        for row in table.range(..keep_from)? {
            let (k, v) = row?;
            let version = k.value();
            let rec = v.value();
            let bytes = rec.bytes().len() as u64;
            // A corrupt version has no trustworthy age: it goes with the old ones.
            let ts = rec.open("state_versions", &version).ok().map(|s| s.ts.to_native());
            let old_enough = match (self.max_age_ns, ts) {
                (None, _) | (Some(_), None) => true,
                (Some(max), Some(ts)) => now_ns.saturating_sub(ts) > max,
            };
            if old_enough {
                out.push((
                    version,
                    RetentionItem {
                        what: format!("state version {version}"),
                        bytes,
                    },
                ));
            }
        }
        Ok(out)
    }
}

impl RetentionSource for StateVersionRetention {
    fn name(&self) -> &str {
        "state_versions"
    }

    fn plan(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        let rtx = store.read_txn()?;
        let table = rtx.open_table(STATE_VERSIONS)?;
        let found = self.select(&table, now_ns)?.into_iter().map(|(_, i)| i).collect();
        Ok(RetentionPlan::new(self.name(), found))
    }

    fn apply(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        let this = *self;
        let removed = store.write(move |txn| {
            let mut table = txn.open_table(STATE_VERSIONS)?;
            let chosen = this.select(&table, now_ns)?;
            for (v, _) in &chosen {
                table.remove(*v)?;
            }
            Ok(chosen.into_iter().map(|(_, i)| i).collect::<Vec<_>>())
        })?;
        Ok(RetentionPlan::new(self.name(), removed))
    }
}

/// The in-store retention sources `cfg` enables. Every capability that keeps history in the
/// store adds its source here, driven by its own keys in `[store]`, so the CLI, the monitor and
/// library users all get it.
pub(crate) fn configured_sources(cfg: &StoreRetention) -> Vec<Arc<dyn RetentionSource>> {
    let mut out: Vec<Arc<dyn RetentionSource>> = Vec::new();
    if cfg.state_keep_last.is_some() || cfg.state_max_age_days.is_some() {
        out.push(Arc::new(StateVersionRetention {
            keep_last: cfg.state_keep_last.unwrap_or(1),
            max_age_ns: cfg.state_max_age_days.map(|d| (d * 86_400e9) as i64),
        }));
    }
    if cfg.kv_expired {
        out.push(Arc::new(super::kv_retention::ExpiredKvRetention {
            max_keys: cfg.kv_expired_max_keys.max(1),
        }));
    }
    if let Some(keep) = cfg.snapshot_keep {
        out.push(Arc::new(super::snapshot_retention::AutoSnapshotRetention { keep }));
    }
    if let Some(days) = cfg.artifact_retention_days {
        out.push(Arc::new(super::artifact_retention::ArtifactRetention {
            retention_days: days,
            keep_latest: cfg.artifact_keep_latest,
        }));
    }
    if cfg.document_versions {
        out.push(Arc::new(super::document_retention::DocumentVersionRetention));
    }
    if let Some(days) = cfg.market_horizon_days {
        out.push(Arc::new(super::market_retention::MarketPartitionRetention {
            horizon_ns: (days * 86_400e9) as i64,
        }));
    }
    out
}
