//! A monitor pass runs a component's cleanup only when its interval has passed since its last
//! cleanup, and the health pass only every health interval; the fake clock drives the schedule.

mod common;

use std::time::Duration;

use common::hk::{self, DAY, HOUR};
use tradestore::housekeeping::{Importance, StrategyKind};

#[test]
fn cleanups_run_when_their_interval_is_due() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let mut fast = hk::component("fast", Importance::Low, 1, StrategyKind::Time);
    fast.interval_hours = 4.0;
    let mut slow = hk::component("slow", Importance::Low, 1, StrategyKind::Time);
    slow.interval_hours = 12.0;
    let h = hk::housekeeper(hk::config(vec![fast, slow]), &clock, 10.0);
    h.ensure_layout(&store)?;

    let names =
        |p: &tradestore::housekeeping::MonitorPass| p.cleanups.iter().map(|c| c.component.clone()).collect::<Vec<_>>();
    let first = h.monitor_once(&store)?;
    assert_eq!(names(&first), ["fast", "slow"], "never cleaned: both due");
    assert!(first.health.is_some(), "first health pass");

    clock.advance(Duration::from_secs(10 * 60));
    hk::file(root, "components/fast/temp/t", 10, &clock, 2 * DAY);
    let p = h.monitor_once(&store)?;
    assert!(p.cleanups.is_empty());
    assert!(p.health.is_none(), "health runs every 30 min");
    assert!(root.join("components/fast/temp/t").exists());

    clock.advance(Duration::from_secs(HOUR - 10 * 60));
    let p = h.monitor_once(&store)?;
    assert!(p.cleanups.is_empty());
    assert!(p.health.is_some(), "30 min passed");

    clock.advance(Duration::from_secs(3 * HOUR));
    let p = h.monitor_once(&store)?;
    assert_eq!(names(&p), ["fast"]);
    assert_eq!(p.cleanups[0].removed_files, 1);
    assert!(!root.join("components/fast/temp/t").exists());

    clock.advance(Duration::from_secs(8 * HOUR));
    let p = h.monitor_once(&store)?;
    assert_eq!(names(&p), ["fast", "slow"]);
    Ok(())
}
