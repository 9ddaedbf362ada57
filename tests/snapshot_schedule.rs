//! Scheduled snapshots: taken every interval by a background thread, only the newest K kept,
//! snapshots taken by hand never removed, and the thread stops when the store closes.

use std::time::{Duration, Instant};

use tradestore::Store;

#[test]
fn takes_and_prunes_scheduled_snapshots() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder()
        .scheduled_snapshots(Duration::from_millis(50), 2)
        .open(dir.path())?;
    store.save_state("{}", None)?;
    let manual = store.create_snapshot(None)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.snapshot_schedule().map_or(0, |s| s.taken) < 4 {
        assert!(
            Instant::now() < deadline,
            "schedule did not run: {:?}",
            store.snapshot_schedule()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(store);
    let store = Store::open(dir.path())?;
    let snaps = store.list_snapshots()?;
    let autos = snaps
        .iter()
        .filter(|s| s.path.file_name().unwrap().to_str().unwrap().starts_with("auto-"))
        .count();
    assert_eq!(autos, 2, "{snaps:?}");
    assert!(snaps.iter().any(|s| s.path == manual.path));
    assert!(store.verify()?.ok);
    assert!(store.snapshot_schedule().is_none());
    Ok(())
}
