//! A hostile managed tree: symlinks to files and directories outside the store, a storage
//! directory replaced by a symlink, a directory swapped for a symlink between scan and delete,
//! files vanishing between scan and delete, and an unreadable directory. Nothing outside the
//! store is touched and every run finishes.

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind, plan, remove_planned, scan};

#[test]
fn nothing_outside_is_touched_and_the_run_finishes() -> common::TestResult {
    let outside = tempfile::tempdir()?;
    let victim = hk::file(outside.path(), "victim.log", 1_000, &hk::clock(), 400 * DAY);
    let victim_dir = outside.path().join("dir");
    hk::file(outside.path(), "dir/inner.log", 1_000, &hk::clock(), 400 * DAY);

    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let cfg = hk::config(vec![
        hk::component("bot", Importance::Normal, 1, StrategyKind::Time),
        hk::component("linked", Importance::Normal, 1, StrategyKind::Time),
    ]);
    let h = hk::housekeeper(cfg, &clock, 10.0);
    h.ensure_layout(&store)?;
    hk::file(root, "components/bot/logs/old.log", 10, &clock, 30 * DAY);
    symlink(&victim, root.join("components/bot/logs/link.log"))?;
    symlink(&victim_dir, root.join("components/bot/logs/linkdir"))?;
    symlink(
        root.join(tradestore::store::DB_FILE),
        root.join("components/bot/temp/store.redb"),
    )?;
    // A whole storage directory replaced by a symlink to the outside.
    std::fs::remove_dir(root.join("components/linked/logs"))?;
    symlink(&victim_dir, root.join("components/linked/logs"))?;
    // An unreadable directory with an expired file inside.
    hk::file(root, "components/bot/cache/locked/x.bin", 10, &clock, 30 * DAY);
    std::fs::set_permissions(
        root.join("components/bot/cache/locked"),
        std::fs::Permissions::from_mode(0o000),
    )?;

    let usage = h.usage(&store)?;
    assert!(usage.symlinks_skipped >= 4, "{usage:?}");
    // Privileged users (root in a container) read any directory; others get it reported.
    if std::fs::read_dir(root.join("components/bot/cache/locked")).is_err() {
        assert!(
            usage.problems.iter().any(|p| p.path.ends_with("locked")),
            "{:?}",
            usage.problems
        );
    }
    for s in [
        StrategyKind::Time,
        StrategyKind::Size,
        StrategyKind::Priority,
        StrategyKind::Adaptive,
    ] {
        let r = h.cleanup(
            &store,
            &CleanupOptions {
                strategy: Some(s),
                ..CleanupOptions::all()
            },
        )?;
        for c in &r.components {
            for p in &c.planned {
                assert!(p.rel.starts_with("components"), "{}", p.rel.display());
            }
        }
    }
    std::fs::set_permissions(
        root.join("components/bot/cache/locked"),
        std::fs::Permissions::from_mode(0o750),
    )?;
    assert!(
        !root.join("components/bot/logs/old.log").exists(),
        "the real expired file went"
    );
    assert!(
        victim.exists() && victim_dir.join("inner.log").exists(),
        "outside untouched"
    );
    assert!(
        root.join("components/bot/logs/link.log").symlink_metadata().is_ok(),
        "links are left alone"
    );
    assert!(root.join(tradestore::store::DB_FILE).exists());
    store.save_state("{}", None)?;

    // Swapped and vanished between scan and delete.
    hk::file(root, "components/bot/logs/sub/a.log", 10, &clock, 30 * DAY);
    hk::file(root, "components/bot/logs/b.log", 10, &clock, 30 * DAY);
    hk::file(root, "components/bot/logs/c.log", 10, &clock, 30 * DAY);
    hk::file(outside.path(), "sub/a.log", 10, &clock, 30 * DAY);
    let c = h.config().component("bot").ok_or("bot")?.clone();
    let found = scan(root, std::path::Path::new("components/bot"));
    let planned = plan(h.config(), &c, StrategyKind::Time, &found.files, common::T0);
    assert_eq!(planned.len(), 3, "{planned:?}");
    std::fs::remove_dir_all(root.join("components/bot/logs/sub"))?;
    symlink(outside.path().join("sub"), root.join("components/bot/logs/sub"))?;
    std::fs::remove_file(root.join("components/bot/logs/b.log"))?;
    let done = remove_planned(root, &planned);
    assert_eq!(done.files, 1, "only c.log could still be removed: {done:?}");
    assert_eq!(done.failed.len(), 2);
    assert!(
        outside.path().join("sub/a.log").exists(),
        "a swapped-in symlink was not followed"
    );
    assert!(!root.join("components/bot/logs/c.log").exists());
    Ok(())
}
