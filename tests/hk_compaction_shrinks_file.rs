//! After retention deletes rows, the free space inside the store file goes back to the file
//! system: housekeeping requests a compaction when it frees enough, and the store runs it when
//! it closes (no writer is active then). The file shrinks and every kept record is intact.

mod common;

use tradestore::housekeeping::{CleanupOptions, Housekeeper};
use tradestore::store::DB_FILE;

fn file_len(dir: &std::path::Path) -> std::io::Result<u64> {
    Ok(std::fs::metadata(dir.join(DB_FILE))?.len())
}

#[test]
fn store_file_shrinks_after_retention() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let blob = "x".repeat(100_000);
    for i in 0..200 {
        store.save_state(&format!(r#"{{"i":{i},"pad":"{blob}"}}"#), None)?;
    }
    let grown = file_len(dir.path())?;
    assert!(grown > 20_000_000, "{grown}");

    let mut cfg = common::hk::config(vec![]);
    cfg.store.state_keep_last = Some(2);
    let h = Housekeeper::new(cfg)?;
    // A dry run measures but requests nothing.
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert!(!dry.compaction.as_ref().ok_or("no compaction check")?.requested);
    assert!(!store.compaction_pending()?);

    let r = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(r.store[0].items.len(), 198);
    let check = r.compaction.ok_or("no compaction check")?;
    assert!(check.requested, "{check:?}");
    assert!(check.reclaimable_bytes > 15_000_000, "{check:?}");
    assert!(store.compaction_pending()?);
    assert!(
        file_len(dir.path())? >= grown / 2,
        "deleting rows alone does not shrink the file"
    );

    drop(store);
    let shrunk = file_len(dir.path())?;
    eprintln!("store file: {grown} bytes -> {shrunk} bytes after retention and compaction on close");
    assert!(shrunk < grown / 10, "{grown} -> {shrunk}");

    let store = tradestore::Store::open(dir.path())?;
    assert!(!store.compaction_pending()?, "the request was cleared");
    let versions: Vec<u64> = store.state_history()?.iter().map(|s| s.version).collect();
    assert_eq!(versions, [199, 200]);
    assert!(store.load_state()?.ok_or("state")?.json.contains(r#""i":199"#));
    let d = h.dashboard(&store, 24.0)?;
    assert!(!d.compaction.pending);
    assert!(d.compaction.last_freed_bytes.ok_or("no freed figure")? > 15_000_000);
    Ok(())
}
