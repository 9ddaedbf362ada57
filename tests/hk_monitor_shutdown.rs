//! The background loops stop promptly: when their handle is stopped, and when the store
//! closes, even though their next pass is an hour away. (Were the stop not prompt, these tests
//! would hang for that hour instead of finishing.)

mod common;

use std::sync::Arc;

use common::hk;
use tradestore::housekeeping::Importance;
use tradestore::housekeeping::StrategyKind;

fn hourly() -> tradestore::housekeeping::HousekeepingConfig {
    let mut cfg = hk::config(vec![hk::component("bot", Importance::Low, 1, StrategyKind::Time)]);
    cfg.monitor.usage_interval_secs = 3600;
    cfg.monitor.health_interval_secs = 3600;
    cfg
}

#[test]
fn stop_joins_the_loops() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let h = Arc::new(hk::housekeeper(hourly(), &hk::clock(), 10.0));
    let handle = h.spawn(&store)?;
    assert_eq!(handle.passes(), 0);
    handle.stop();
    store.save_state("{}", None)?;
    Ok(())
}

#[test]
fn closing_the_store_stops_the_loops() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let h = Arc::new(hk::housekeeper(hourly(), &hk::clock(), 10.0));
    let handle = h.spawn(&store)?;
    // The loops hold no strong handle: dropping ours closes the store...
    drop(store);
    // ...which a fresh exclusive open proves (it would be refused while the file is held).
    let reopened = tradestore::Store::open(dir.path())?;
    // ...and the loops have seen the close signal, so joining returns at once.
    handle.stop();
    drop(reopened);
    Ok(())
}
