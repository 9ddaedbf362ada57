//! Retention never removes an aliased version or one of the latest K versions, removes blobs
//! nothing references any more, reports the bytes freed, and a dry run changes nothing.

use tradestore::{Result, Store};

#[test]
fn cleanup_keeps_aliased_and_latest_and_frees_unreferenced_blobs() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let a = store.artifacts();
    // 1.0.0 and 1.1.0 share content; 1.10.0 is the latest by semantic version (not by text).
    a.save_model("pp", "1.0.0", &[1u8; 1000], None)?;
    a.save_model("pp", "1.1.0", &[1u8; 1000], None)?;
    a.save_model("pp", "1.2.0", &[2u8; 2000], None)?;
    a.save_model("pp", "1.3.0", &[3u8; 3000], None)?;
    a.save_model("pp", "1.9.0", &[9u8; 900], None)?;
    a.save_model("pp", "1.10.0", &[10u8; 100], None)?;
    a.save_model("other", "0.1.0", &[5u8; 500], None)?;
    a.set_alias("pp", "production", "1.2.0")?;

    // Nothing is old enough at 30 days.
    let none = a.cleanup_old_artifacts(30, 1, false)?;
    assert!(none.removed.is_empty() && none.bytes_freed == 0);

    let plan = a.cleanup_old_artifacts(0, 2, true)?;
    let names = |r: &tradestore::artifacts::CleanupReport| {
        r.removed
            .iter()
            .map(|v| format!("{}@{}", v.name, v.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&plan), ["pp@1.0.0", "pp@1.1.0", "pp@1.3.0"]);
    assert_eq!((plan.blobs_removed, plan.bytes_freed, plan.kept), (2, 1000 + 3000, 4));
    assert_eq!(a.list_artifacts(None)?.len(), 7, "a dry run changes nothing");

    let done = a.cleanup_old_artifacts(0, 2, false)?;
    assert_eq!(names(&done), names(&plan));
    assert_eq!((done.blobs_removed, done.bytes_freed), (2, 4000));
    let left: Vec<String> = a
        .list_artifacts(None)?
        .iter()
        .map(|i| format!("{}@{}", i.record.name, i.record.version))
        .collect();
    assert_eq!(left, ["other@0.1.0", "pp@1.2.0", "pp@1.9.0", "pp@1.10.0"]);
    assert_eq!(a.resolve("pp@production")?.version, "1.2.0");
    assert_eq!(a.resolve("pp@latest")?.version, "1.10.0");
    assert!(a.load_model("pp", Some("1.3.0")).is_err());
    assert!(a.verify_artifacts()?.problems.is_empty());

    // Moving the alias away exposes 1.2.0 to the next cleanup; keep_latest 0 keeps nothing else.
    a.set_alias("pp", "production", "1.10.0")?;
    let last = a.cleanup_old_artifacts(0, 0, false)?;
    assert_eq!(names(&last), ["other@0.1.0", "pp@1.2.0", "pp@1.9.0"]);
    assert_eq!(last.bytes_freed, 500 + 2000 + 900);
    assert_eq!(a.list_artifacts(None)?.len(), 1);
    Ok(())
}
