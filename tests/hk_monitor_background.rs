//! The background loops do the monitor's work: a usage sample and alerts from the usage loop,
//! due cleanups and the health pass from the maintenance loop. `run_now` stands in for their
//! timers, so nothing sleeps.

mod common;

use std::sync::Arc;

use common::hk::{self, DAY};
use tradestore::housekeeping::{Importance, StrategyKind};

#[test]
fn loops_measure_alert_and_clean() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let mut cfg = hk::config(vec![hk::component("bot", Importance::Low, 1, StrategyKind::Time)]);
    cfg.monitor.usage_interval_secs = 3600;
    let h = Arc::new(hk::housekeeper(cfg, &clock, 10.0));
    h.ensure_layout(&store)?;
    hk::file(root, "components/bot/data/big", 900_000, &clock, 0);
    hk::file(root, "components/bot/temp/stale", 10, &clock, 2 * DAY);

    let handle = h.spawn(&store)?;
    handle.run_now()?;
    assert_eq!(handle.passes(), 2);
    assert_eq!(handle.last_error(), None);
    let d = h.dashboard(&store, 24.0)?;
    assert_eq!(d.trends.iter().find(|t| t.name == "bot").map(|t| t.samples), Some(1));
    assert_eq!(d.alerts.len(), 1);
    assert_eq!(d.last_cleanups.len(), 1);
    assert!(!root.join("components/bot/temp/stale").exists());

    drop(store);
    assert!(handle.run_now().is_err(), "the store closed, the loops are gone");
    handle.stop();
    Ok(())
}
