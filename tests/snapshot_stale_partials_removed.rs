//! A snapshot cut short by a crash leaves `*.tsnap.partial` / `*.tsnap.db-partial` files; the
//! next snapshot into the store's snapshot directory removes those that have gone an hour
//! unmodified, and leaves fresh ones (a snapshot still being written) and other files alone.

use std::fs::{File, FileTimes};
use std::time::{Duration, SystemTime};

use tradestore::Store;
use tradestore::snapshot::{SNAPSHOT_DIR, STALE_PARTIAL_AFTER};

#[test]
fn next_snapshot_removes_stale_partials_only() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.save_state(r#"{"equity":"100"}"#, None)?;
    let snaps = dir.path().join(SNAPSHOT_DIR);
    std::fs::create_dir_all(&snaps)?;
    let old = SystemTime::now() - STALE_PARTIAL_AFTER - Duration::from_secs(60);
    let make = |name: &str, modified: SystemTime| -> std::io::Result<()> {
        let f = File::create(snaps.join(name))?;
        f.set_times(FileTimes::new().set_modified(modified))
    };
    make("crashed.tsnap.partial", old)?;
    make("crashed.tsnap.db-partial", old)?;
    make("running.tsnap.partial", SystemTime::now())?;
    make("notes.partial", old)?;

    let taken = store.create_snapshot(None)?;

    let mut left: Vec<String> = std::fs::read_dir(&snaps)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    left.sort();
    let taken_name = taken
        .path
        .file_name()
        .ok_or("snapshot has no file name")?
        .to_string_lossy();
    let mut want = vec![
        "notes.partial".to_owned(),
        "running.tsnap.partial".to_owned(),
        taken_name.into_owned(),
    ];
    want.sort();
    assert_eq!(left, want);
    assert_eq!(store.list_snapshots()?.len(), 1);
    Ok(())
}
