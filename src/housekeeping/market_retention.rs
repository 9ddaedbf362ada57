//! Retention of market history: Parquet partitions whose data ends before a horizon.

use std::collections::BTreeMap;

use super::retention::{RetentionItem, RetentionPlan, RetentionSource};
use crate::market::layout::MARKET_DIR;
use crate::market::{PartitionKey, catalog, fileio};
use crate::records::PartitionMeta;
use crate::tables::MARKET_CATALOG;
use crate::{Error, Result, Store};

/// Market partitions (candles and ticks) whose newest row is older than `horizon_ns`. The
/// partition holding the newest data of each series (pair, timeframe) always stays, however
/// old. Runs under the market write lock, so no import or write is in flight.
///
/// Removal drops the catalog rows in one commit, then the files. Reads go through the catalog,
/// so a removed partition is never served half-gone; a crash between the two steps leaves
/// files that `verify` reports as "extra" (not served, nothing lost), never a catalog row
/// without its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketPartitionRetention {
    /// Partitions whose last row is older than this (ns before now) go.
    pub horizon_ns: i64,
}

impl MarketPartitionRetention {
    fn select(&self, store: &Store, now_ns: i64) -> Result<Vec<(PartitionKey, PartitionMeta)>> {
        let cutoff = now_ns.saturating_sub(self.horizon_ns);
        let mut series: BTreeMap<(String, String), Vec<(PartitionKey, PartitionMeta)>> = BTreeMap::new();
        for (k, m) in catalog::all(&store.read_txn()?)? {
            series
                .entry((k.pair.clone(), k.timeframe.clone()))
                .or_default()
                .push((k, m));
        }
        let mut out = Vec::new();
        for (_, mut parts) in series {
            // The newest data of the series: the partition with the latest row stays.
            let newest = parts
                .iter()
                .enumerate()
                .max_by_key(|(_, (_, m))| m.last_ts)
                .map(|(i, _)| i);
            if let Some(i) = newest {
                parts.remove(i);
            }
            out.extend(parts.into_iter().filter(|(_, m)| m.last_ts < cutoff));
        }
        Ok(out)
    }
}

fn item((k, m): &(PartitionKey, PartitionMeta)) -> RetentionItem {
    RetentionItem {
        what: format!("market partition {k} ({} rows)", m.rows),
        bytes: m.bytes,
    }
}

impl RetentionSource for MarketPartitionRetention {
    fn name(&self) -> &str {
        "market_partitions"
    }

    fn plan(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        Ok(RetentionPlan::new(
            self.name(),
            self.select(store, now_ns)?.iter().map(item).collect(),
        ))
    }

    fn apply(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        let root = store.path().to_path_buf();
        let _lock = fileio::lock(&root.join(MARKET_DIR))?;
        // Finish or roll back any rewrite a crash interrupted, as every market writer does.
        catalog::recover(store)?;
        let chosen = self.select(store, now_ns)?;
        if chosen.is_empty() {
            return Ok(RetentionPlan::new(self.name(), Vec::new()));
        }
        let keys: Vec<PartitionKey> = chosen.iter().map(|(k, _)| k.clone()).collect();
        store.write(move |txn| {
            let mut table = txn.open_table(MARKET_CATALOG)?;
            for k in &keys {
                table.remove((k.pair.as_str(), k.timeframe.as_str(), k.period.as_str()))?;
            }
            Ok(())
        })?;
        for (k, _) in &chosen {
            let file = root.join(k.rel_file());
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&file, e)),
            }
            let dir = root.join(k.rel_dir());
            catalog::clean_temps(&dir)?;
            // The period directory goes when empty; anything else left in it stays.
            let _ = std::fs::remove_dir(&dir);
            if let Some(parent) = dir.parent() {
                fileio::sync_dir(parent)?;
            }
        }
        Ok(RetentionPlan::new(self.name(), chosen.iter().map(item).collect()))
    }
}
