//! The store file is never deleted: not through a symlink or a hard link in a component's
//! directory, and not by a planned path naming it directly.

mod common;

use std::path::PathBuf;

use common::hk;
use tradestore::housekeeping::{Candidate, CleanupOptions, Importance, StorageType, StrategyKind, remove_planned};
use tradestore::store::DB_FILE;

#[test]
fn store_file_survives_every_cleanup() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let v = store.save_state(r#"{"pos":1}"#, None)?;
    let clock = hk::clock();
    let h = hk::single("bot", Importance::Low, StrategyKind::Size, &clock, 99.0);
    h.ensure_layout(&store)?;
    std::os::unix::fs::symlink(root.join(DB_FILE), root.join("components/bot/temp/db-link"))?;
    let before = std::fs::metadata(root.join(DB_FILE))?.len();
    for s in [
        StrategyKind::Time,
        StrategyKind::Size,
        StrategyKind::Lru,
        StrategyKind::Priority,
        StrategyKind::Adaptive,
    ] {
        h.cleanup(
            &store,
            &CleanupOptions {
                strategy: Some(s),
                ..CleanupOptions::all()
            },
        )?;
    }
    // Even a plan that names it (a caller bug) is refused.
    let bogus = [
        Candidate {
            rel: PathBuf::from(DB_FILE),
            bytes: before,
            storage: StorageType::Temp,
            reason: "bogus".into(),
        },
        Candidate {
            rel: PathBuf::from("components/bot/../../").join(DB_FILE),
            bytes: before,
            storage: StorageType::Temp,
            reason: "bogus".into(),
        },
    ];
    let r = remove_planned(root, &bogus);
    assert_eq!((r.files, r.failed.len()), (0, 2));
    assert!(root.join(DB_FILE).exists());
    drop(store);
    let store = tradestore::Store::open(root)?;
    assert_eq!(store.load_state()?.map(|s| s.version), Some(v));
    Ok(())
}
