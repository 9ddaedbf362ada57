//! The priority strategy empties storage types in order temp → cache → logs → data → backup →
//! config (oldest first within a type), until under target.

mod common;

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn temp_then_cache_then_logs_then_data_then_backup_then_config() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let mut c = hk::component("bot", Importance::Normal, 1, StrategyKind::Priority);
    c.retention.temp_hours = None;
    let h = hk::housekeeper(hk::config(vec![c]), &clock, 10.0);
    h.ensure_layout(&store)?;
    for (i, t) in ["config", "backup", "data", "logs", "cache", "temp"].iter().enumerate() {
        hk::file(root, &format!("components/bot/{t}/new"), 100_000, &clock, DAY);
        hk::file(
            root,
            &format!("components/bot/{t}/old"),
            100_000,
            &clock,
            2 * DAY + i as u64,
        );
    }
    // 1 200 000 in use; target 700 000 → five files go.
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    let planned: Vec<_> = dry.components[0]
        .planned
        .iter()
        .map(|p| p.rel.display().to_string())
        .collect();
    assert_eq!(
        planned,
        vec![
            "components/bot/temp/old",
            "components/bot/temp/new",
            "components/bot/cache/old",
            "components/bot/cache/new",
            "components/bot/logs/old",
        ]
    );
    // Pushed to the limit (a tiny target), config goes last.
    let mut cfg = h.config().clone();
    cfg.target_percent = 0.001;
    let h = hk::housekeeper(cfg, &clock, 10.0);
    let all = h.cleanup(&store, &CleanupOptions::dry_run())?;
    let order: Vec<_> = all.components[0].planned.iter().map(|p| p.storage.as_str()).collect();
    assert_eq!(order.len(), 12);
    assert_eq!(&order[10..], ["config", "config"]);
    assert_eq!(&order[8..10], ["backup", "backup"]);
    Ok(())
}
