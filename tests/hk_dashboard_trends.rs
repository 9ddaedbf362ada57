//! Usage samples are kept in the store (across restarts) and give the dashboard its trends,
//! next to recent alerts and the last cleanups; history older than the horizon is pruned.

mod common;

use std::time::Duration;

use common::hk::{self, HOUR};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn dashboard_shows_growth_alerts_and_cleanups() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let clock = hk::clock();
    let mut cfg = hk::config(vec![hk::component("bot", Importance::Normal, 1, StrategyKind::Time)]);
    cfg.monitor.history_days = 2;
    let h = hk::housekeeper(cfg, &clock, 10.0);
    {
        let store = tradestore::Store::open(root)?;
        h.ensure_layout(&store)?;
        for i in 0..4 {
            hk::file(root, &format!("components/bot/data/f{i}"), 200_000, &clock, 0);
            h.usage_pass(&store)?;
            clock.advance(Duration::from_secs(HOUR));
        }
    }
    // Reopened: the history is still there.
    let store = tradestore::Store::open(root)?;
    h.cleanup(&store, &CleanupOptions::all())?;
    let d = h.dashboard(&store, 24.0)?;
    let t = d.trends.iter().find(|t| t.name == "bot").ok_or("no trend")?;
    assert_eq!((t.samples, t.first_bytes, t.last_bytes), (4, 200_000, 800_000));
    assert!((t.bytes_per_hour - 200_000.0).abs() < 1e-6, "{t:?}");
    assert!((t.hours_to_full.ok_or("no eta")? - 1.0).abs() < 1e-6, "{t:?}");
    assert!(d.trends.iter().any(|t| t.name == "store"));
    assert_eq!(d.alerts.len(), 1, "warning at 800 000 of 1 000 000: {:?}", d.alerts);
    assert_eq!(d.last_cleanups.len(), 1);
    assert_eq!(d.last_cleanups[0].target, "bot");
    assert_eq!(d.usage.components[0].bytes, 800_000);

    // Three days later the health pass prunes history older than two days.
    clock.advance(Duration::from_secs(3 * 24 * HOUR));
    let health = h.health(&store)?;
    assert_eq!(health.pruned_rows, 4 + 1 + 1, "samples, alert, cleanup");
    assert!(h.dashboard(&store, 24.0 * 10.0)?.trends.iter().all(|t| t.name != "bot"));
    Ok(())
}
