//! A migration from schema version n to n+1 is applied when an old document is read, and in
//! bulk by `migrate_all`, which rewrites documents as new versions.

use serde_json::json;
use tradestore::Store;
use tradestore::documents::MigrationStep;

#[test]
fn migrates_on_read_and_in_bulk() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let c = store.collection("opps")?;
    c.set_schema(&json!({"type": "object", "required": ["dex"]}))?;
    c.put("a", &json!({"dex": "uniswap", "profit": "1"}))?;
    c.put("b", &json!({"dex": "curve"}))?;
    c.set_schema(&json!({"type": "object", "required": ["venue", "status"], "not": {"required": ["dex"]}}))?;
    // Before a migration is registered the old document reads as stored.
    assert_eq!(c.get("a")?.migrated_to, None);
    c.register_migration(
        1,
        &[
            MigrationStep::Rename {
                from: "/dex".into(),
                to: "/venue".into(),
            },
            MigrationStep::SetDefault {
                path: "/status".into(),
                value: json!("open"),
            },
        ],
    )?;
    let a = c.get("a")?;
    assert_eq!(a.json, json!({"venue": "uniswap", "profit": "1", "status": "open"}));
    assert_eq!((a.migrated_to, a.meta.version, a.meta.schema_version), (Some(2), 1, 1));

    let report = c.migrate_all()?;
    assert_eq!((report.migrated, report.current, report.failed.len()), (2, 0, 0));
    let b = c.get("b")?;
    assert_eq!((b.meta.version, b.meta.schema_version, b.migrated_to), (2, 2, None));
    assert_eq!(b.json, json!({"venue": "curve", "status": "open"}));
    assert_eq!(c.migrate_all()?.current, 2);
    Ok(())
}
