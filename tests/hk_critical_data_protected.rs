//! A critical component's `data` is removed only by time retention, never to make room: every
//! size-driven strategy (and an emergency) leaves it, even far over the allocation.

mod common;

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn critical_data_only_goes_by_time() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let h = hk::single("wallet", Importance::Critical, StrategyKind::Priority, &clock, 10.0);
    h.ensure_layout(&store)?;
    hk::file(root, "components/wallet/data/keys.db", 2_000_000, &clock, 10 * DAY);
    hk::file(root, "components/wallet/data/expired.db", 10, &clock, 31 * DAY);
    hk::file(root, "components/wallet/logs/a.log", 100, &clock, DAY);
    for s in [
        StrategyKind::Size,
        StrategyKind::Lru,
        StrategyKind::Priority,
        StrategyKind::Adaptive,
    ] {
        let dry = h.cleanup(
            &store,
            &CleanupOptions {
                strategy: Some(s),
                ..CleanupOptions::dry_run()
            },
        )?;
        for p in &dry.components[0].planned {
            assert!(
                !p.rel.starts_with("components/wallet/data") || p.reason.contains("time:"),
                "{s:?} would remove {} ({})",
                p.rel.display(),
                p.reason
            );
        }
    }
    let r = h.cleanup(
        &store,
        &CleanupOptions {
            strategy: Some(StrategyKind::Adaptive),
            ..CleanupOptions::all()
        },
    )?;
    assert_eq!(
        r.components[0].removed_files, 2,
        "expired.db by time, a.log to make room"
    );
    assert!(root.join("components/wallet/data/keys.db").exists());
    assert!(!root.join("components/wallet/data/expired.db").exists());
    Ok(())
}
