//! The size strategy removes the largest files first, only until usage is under the target.

mod common;

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn largest_first_until_under_target() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    // 1 MB allocation, target 70 % = 700 000 bytes.
    let h = hk::single("bot", Importance::Normal, StrategyKind::Size, &clock, 10.0);
    h.ensure_layout(&store)?;
    hk::file(root, "components/bot/logs/a", 300_000, &clock, DAY);
    hk::file(root, "components/bot/cache/b", 250_000, &clock, DAY);
    hk::file(root, "components/bot/data/c", 200_000, &clock, DAY);
    hk::file(root, "components/bot/temp/d", 150_000, &clock, DAY);
    hk::file(root, "components/bot/logs/e", 100_000, &clock, DAY);
    // 1 000 000 in use: removing a (300 000) leaves 700 000, at the target.
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    let planned: Vec<_> = dry.components[0]
        .planned
        .iter()
        .map(|p| p.rel.display().to_string())
        .collect();
    assert_eq!(planned, vec!["components/bot/logs/a"]);

    hk::file(root, "components/bot/logs/f", 120_000, &clock, DAY);
    // 1 120 000: a then b (550 000) leaves 570 000.
    let real = h.cleanup(&store, &CleanupOptions::all())?;
    let removed: Vec<_> = real.components[0]
        .planned
        .iter()
        .map(|p| p.rel.display().to_string())
        .collect();
    assert_eq!(removed, vec!["components/bot/logs/a", "components/bot/cache/b"]);
    assert_eq!(real.components[0].removed_bytes, 550_000);

    // Under target: nothing more goes.
    let again = h.cleanup(&store, &CleanupOptions::all())?;
    assert!(again.components[0].planned.is_empty());
    Ok(())
}
