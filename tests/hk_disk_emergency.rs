//! The file system raises a warning at 85 %, runs an emergency cleanup at 90 % and raises a
//! critical alert at 95 % of the disk in use.

mod common;

use common::hk;
use tradestore::housekeeping::{Importance, Level, StrategyKind, Trigger};

fn levels(p: &tradestore::housekeeping::UsagePass) -> Vec<String> {
    p.alerts
        .iter()
        .filter(|a| a.scope == "filesystem")
        .map(|a| a.level.clone())
        .collect()
}

#[test]
fn disk_thresholds_and_emergency_cleanup() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let cfg = hk::config(vec![
        hk::component("bot", Importance::Low, 1, StrategyKind::Time),
        hk::component("wallet", Importance::Critical, 1, StrategyKind::Time),
    ]);
    hk::housekeeper(cfg.clone(), &clock, 0.0).ensure_layout(&store)?;
    hk::file(root, "components/bot/cache/big", 900_000, &clock, 60);
    hk::file(root, "components/wallet/data/keys", 900_000, &clock, 60);

    let p = hk::housekeeper(cfg.clone(), &clock, 80.0).usage_pass(&store)?;
    assert!(levels(&p).is_empty() && p.emergency.is_none());

    let p = hk::housekeeper(cfg.clone(), &clock, 86.0).usage_pass(&store)?;
    assert_eq!(levels(&p), ["warning"]);
    assert_eq!(p.usage.fs_level, Level::Warning);
    assert!(p.emergency.is_none());
    assert!(root.join("components/bot/cache/big").exists());

    let p = hk::housekeeper(cfg.clone(), &clock, 91.0).usage_pass(&store)?;
    assert_eq!(levels(&p), ["emergency"], "the warning is still in its cooldown");
    let e = p.emergency.ok_or("no emergency cleanup")?;
    assert_eq!(e.trigger, Trigger::Emergency);
    assert!(!root.join("components/bot/cache/big").exists(), "made room");
    assert!(
        root.join("components/wallet/data/keys").exists(),
        "critical data is never removed to make room"
    );

    let p = hk::housekeeper(cfg, &clock, 96.0).usage_pass(&store)?;
    assert_eq!(levels(&p), ["critical"]);
    assert_eq!(p.usage.fs_level, Level::Critical);
    Ok(())
}
