//! Usage is measured per component and storage type (bytes, files, oldest and newest file),
//! plus the store file, the store's other directories and the file system.

mod common;

use common::hk::{self, DAY, HOUR};
use tradestore::housekeeping::{Importance, Level, StorageType, StrategyKind};

#[test]
fn usage_per_component_and_storage_type() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let cfg = hk::config(vec![
        hk::component("engine", Importance::High, 1, StrategyKind::Time),
        hk::component("idle", Importance::Low, 1, StrategyKind::Time),
    ]);
    let h = hk::housekeeper(cfg, &clock, 50.0);
    h.ensure_layout(&store)?;
    hk::file(root, "components/engine/logs/a.log", 100_000, &clock, 3 * DAY);
    hk::file(root, "components/engine/logs/old/b.log", 200_000, &clock, 9 * DAY);
    hk::file(root, "components/engine/cache/c.bin", 550_000, &clock, HOUR);
    hk::file(
        root,
        "market/pair=BTC-EUR/timeframe=1h/period=2024-01/data.parquet",
        4_000,
        &clock,
        0,
    );
    hk::file(root, "snapshots/s1.tsnap", 5_000, &clock, 0);

    let u = h.usage(&store)?;
    let engine = u.components.iter().find(|c| c.name == "engine").ok_or("engine")?;
    assert_eq!(engine.bytes, 850_000);
    assert_eq!(engine.files, 3);
    assert_eq!(engine.allocation_bytes, 1_000_000);
    assert!((engine.percent - 85.0).abs() < 1e-9);
    assert_eq!(engine.level, Level::Warning);
    let logs = engine
        .types
        .iter()
        .find(|t| t.storage == StorageType::Logs)
        .ok_or("logs")?;
    assert_eq!((logs.bytes, logs.files), (300_000, 2));
    let now = common::T0;
    assert_eq!(logs.oldest_ns, Some(now - 9 * DAY as i64 * common::SEC));
    assert_eq!(logs.newest_ns, Some(now - 3 * DAY as i64 * common::SEC));
    let data = engine
        .types
        .iter()
        .find(|t| t.storage == StorageType::Data)
        .ok_or("data")?;
    assert_eq!((data.bytes, data.files, data.oldest_ns), (0, 0, None));

    let idle = u.components.iter().find(|c| c.name == "idle").ok_or("idle")?;
    assert_eq!((idle.bytes, idle.level), (0, Level::Ok));

    assert!(u.store_file_bytes > 0);
    assert!(u.tables.contains_key("trades"));
    store.save_state(r#"{"x":"0123456789"}"#, None)?;
    let u = h.usage(&store)?;
    let states = u.tables.get("state_versions").ok_or("state_versions")?;
    assert_eq!(states.rows, 1);
    assert!(states.stored_bytes > 16, "{states:?}");
    let dir_bytes = |n: &str| u.dirs.iter().find(|d| d.name == n).map(|d| (d.bytes, d.files));
    assert_eq!(dir_bytes("market"), Some((4_000, 1)));
    assert_eq!(dir_bytes("snapshots"), Some((5_000, 1)));
    assert_eq!(dir_bytes("artifacts"), Some((0, 0)));
    let fs = u.fs.ok_or("fs")?;
    assert!((fs.used_percent - 50.0).abs() < 1e-6);
    assert_eq!(u.fs_level, Level::Ok);

    // The real file system answers too.
    let real = tradestore::housekeeping::fs_space(root)?;
    assert!(real.total_bytes > 0 && real.available_bytes <= real.total_bytes);
    assert!((0.0..=100.0).contains(&real.used_percent));
    // As df counts: blocks reserved for the superuser are neither used nor available.
    let df = tradestore::housekeeping::FsSpace::with_reserved(100, 30, 20);
    assert!((df.used_percent - 70.0 / 90.0 * 100.0).abs() < 1e-9);
    Ok(())
}
