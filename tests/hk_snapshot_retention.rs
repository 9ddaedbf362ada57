//! In-store retention of snapshots: with `snapshot_keep = N`, a cleanup removes the scheduled
//! (`auto-`) snapshots beyond the newest N, oldest first; snapshots taken by hand stay however
//! old; the dry run lists exactly what the real run removes.

mod common;

use tradestore::housekeeping::{CleanupOptions, Housekeeper};
use tradestore::snapshot::{AUTO_PREFIX, SNAPSHOT_DIR};

#[test]
fn only_auto_snapshots_beyond_keep_go() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    store.save_state(r#"{"i":1}"#, None)?;
    let snaps = dir.path().join(SNAPSHOT_DIR);
    std::fs::create_dir_all(&snaps)?;
    // Named as the schedule names them, oldest first; a hand-taken one before and between them.
    let hand_old = store.create_snapshot(Some(&snaps.join("before-upgrade.tsnap")))?;
    let mut autos = Vec::new();
    for i in 0..4 {
        autos.push(store.create_snapshot(Some(&snaps.join(format!("{AUTO_PREFIX}2024010{i}T000000Z.tsnap"))))?);
    }
    let hand_new = store.create_snapshot(None)?;
    assert_eq!(store.list_snapshots()?.len(), 6);

    let mut cfg = common::hk::config(vec![]);
    cfg.store.snapshot_keep = Some(2);
    let h = Housekeeper::new(cfg)?;
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert_eq!(dry.store.len(), 1);
    assert_eq!(dry.store[0].source, "snapshots");
    let what: Vec<_> = dry.store[0].items.iter().map(|i| i.what.clone()).collect();
    assert_eq!(
        what,
        [
            format!("snapshot {AUTO_PREFIX}20240100T000000Z.tsnap"),
            format!("snapshot {AUTO_PREFIX}20240101T000000Z.tsnap")
        ]
    );
    assert_eq!(dry.store[0].bytes, autos[0].bytes + autos[1].bytes);
    assert_eq!(store.list_snapshots()?.len(), 6, "a dry run removes nothing");

    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.store, dry.store);
    let left: Vec<_> = store.list_snapshots()?.into_iter().map(|s| s.path).collect();
    assert_eq!(left.len(), 4);
    for kept in [&hand_old.path, &autos[2].path, &autos[3].path, &hand_new.path] {
        assert!(left.contains(kept), "{kept:?} kept");
    }
    assert!(h.cleanup(&store, &CleanupOptions::all())?.store[0].items.is_empty());
    Ok(())
}
