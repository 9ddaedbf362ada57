//! In-store retention of model artifacts by their policy: with `artifact_retention_days` set,
//! a cleanup removes what `artifacts cleanup` would (old versions beyond the newest per name,
//! never an aliased one) and reports the blob bytes freed; the dry run lists the same.

mod common;

use tradestore::housekeeping::{CleanupOptions, Housekeeper};

#[test]
fn old_unaliased_artifacts_go() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let a = store.artifacts();
    a.save_model("m", "1.0.0", &[1u8; 1000], None)?;
    a.save_model("m", "1.1.0", &[2u8; 2000], None)?;
    a.save_model("m", "1.2.0", &[3u8; 4000], None)?;
    a.save_model("m", "1.3.0", &[2u8; 2000], None)?; // same content as 1.1.0
    a.set_alias("m", "production", "1.0.0")?;

    let mut cfg = common::hk::config(vec![]);
    cfg.store.artifact_retention_days = Some(0); // every version is older than 0 days
    let h = Housekeeper::new(cfg)?;
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert_eq!(dry.store.len(), 1);
    let what: Vec<_> = dry.store[0].items.iter().map(|i| i.what.as_str()).collect();
    assert_eq!(
        what,
        ["artifact m 1.1.0", "artifact m 1.2.0", "1 artifact blob file(s)"]
    );
    assert_eq!(dry.store[0].bytes, 4000, "1.1.0's blob is still used by 1.3.0");
    assert_eq!(a.list_artifacts(None)?.len(), 4, "a dry run removes nothing");

    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.store, dry.store);
    let left: Vec<_> = a.list_artifacts(None)?.into_iter().map(|m| m.record.version).collect();
    assert_eq!(left, ["1.0.0", "1.3.0"]);
    assert!(h.cleanup(&store, &CleanupOptions::all())?.store[0].items.is_empty());
    Ok(())
}
