//! A component over its thresholds raises a warning or critical alert once per cooldown
//! (10 min by default), stored and listed; the fake clock moves time, nothing sleeps.

mod common;

use std::time::Duration;

use common::hk::{self, DAY};
use tradestore::housekeeping::{Importance, StrategyKind};

#[test]
fn alerts_are_stored_and_not_repeated_within_cooldown() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let h = hk::single("bot", Importance::High, StrategyKind::Time, &clock, 10.0);
    h.ensure_layout(&store)?;
    hk::file(root, "components/bot/data/a", 850_000, &clock, DAY);

    let p = h.usage_pass(&store)?;
    assert_eq!(p.alerts.len(), 1);
    assert_eq!(
        (p.alerts[0].level.as_str(), p.alerts[0].scope.as_str()),
        ("warning", "bot")
    );
    assert_eq!(p.alerts[0].percent_bp, 8500);

    clock.advance(Duration::from_secs(30));
    assert!(h.usage_pass(&store)?.alerts.is_empty(), "within the cooldown");

    // Crossing into critical is a different alert: raised at once.
    hk::file(root, "components/bot/data/b", 120_000, &clock, DAY);
    let p = h.usage_pass(&store)?;
    assert_eq!(p.alerts.len(), 1);
    assert_eq!(p.alerts[0].level, "critical");

    clock.advance(Duration::from_secs(9 * 60));
    assert!(h.usage_pass(&store)?.alerts.is_empty());
    clock.advance(Duration::from_secs(61));
    let p = h.usage_pass(&store)?;
    assert_eq!(p.alerts.len(), 1, "cooldown over: raised again");

    let stored = h.alerts(&store, i64::MAX, 100)?;
    let levels: Vec<_> = stored.iter().map(|a| a.level.as_str()).collect();
    assert_eq!(levels, ["warning", "critical", "critical"]);
    assert!(stored.windows(2).all(|w| w[0].ts <= w[1].ts));
    // The cooldown is in the store: another housekeeper (another process) respects it.
    let other = hk::housekeeper(h.config().clone(), &clock, 10.0);
    assert!(other.usage_pass(&store)?.alerts.is_empty());
    Ok(())
}
