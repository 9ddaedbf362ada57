//! Time retention removes exactly the files older than their storage type's retention, and a
//! dry run lists exactly what the real run then removes.

mod common;

use common::hk::{self, DAY, HOUR};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn time_retention_per_storage_type() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let h = hk::housekeeper(
        hk::config(vec![hk::component("bot", Importance::Normal, 100, StrategyKind::Time)]),
        &clock,
        10.0,
    );
    h.ensure_layout(&store)?;
    // retention: data 30 d, logs 7 d, cache 24 h, temp 24 h, backup and config forever
    hk::file(root, "components/bot/data/old.db", 10, &clock, 31 * DAY);
    hk::file(root, "components/bot/data/new.db", 10, &clock, 29 * DAY);
    hk::file(root, "components/bot/logs/old.log", 20, &clock, 8 * DAY);
    hk::file(root, "components/bot/logs/deep/old.log", 30, &clock, 8 * DAY);
    hk::file(root, "components/bot/logs/new.log", 20, &clock, 6 * DAY);
    hk::file(root, "components/bot/cache/old.bin", 40, &clock, 25 * HOUR);
    hk::file(root, "components/bot/cache/new.bin", 40, &clock, 23 * HOUR);
    hk::file(root, "components/bot/temp/old.tmp", 50, &clock, 25 * HOUR);
    hk::file(root, "components/bot/backup/ancient.bak", 60, &clock, 1000 * DAY);
    hk::file(root, "components/bot/config/ancient.toml", 70, &clock, 1000 * DAY);
    hk::file(root, "components/bot/stray.txt", 80, &clock, 1000 * DAY);

    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    let mut planned: Vec<String> = dry.components[0]
        .planned
        .iter()
        .map(|p| p.rel.display().to_string())
        .collect();
    planned.sort();
    assert_eq!(
        planned,
        vec![
            "components/bot/cache/old.bin",
            "components/bot/data/old.db",
            "components/bot/logs/deep/old.log",
            "components/bot/logs/old.log",
            "components/bot/temp/old.tmp",
        ]
    );
    assert_eq!(dry.components[0].planned_bytes, 10 + 20 + 30 + 40 + 50);
    assert_eq!(dry.bytes(), 150);
    assert_eq!(
        hk::files_left(root, "components").len(),
        11,
        "a dry run removes nothing"
    );

    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.components[0].removed_files, 5);
    assert_eq!(real.components[0].removed_bytes, 150);
    assert!(real.components[0].failed.is_empty());
    let left = hk::files_left(root, "components");
    for p in &planned {
        assert!(!left.contains(p), "{p} should be gone");
    }
    assert_eq!(left.len(), 6);
    Ok(())
}
