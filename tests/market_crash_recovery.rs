//! A partition rewrite interrupted at any step leaves the old or the new partition, and the
//! catalog ends up describing the file that is on disk: the pending row written before the
//! rename lets recovery tell which by hashing the file.

mod common;

use common::{HOUR, JAN_2024, candles, tf};
use tradestore::market::{PartitionKey, catalog};
use tradestore::records::PartitionMeta;
use tradestore::{Result, Store};

/// A partition written twice: the file bytes and catalog row of each version.
struct TwoVersions {
    store: Store,
    key: PartitionKey,
    old_bytes: Vec<u8>,
    old_meta: PartitionMeta,
    new_bytes: Vec<u8>,
    new_meta: PartitionMeta,
}

/// Writes v1 then v2 of January.
fn two_versions(dir: &std::path::Path) -> Result<TwoVersions> {
    let store = Store::open(dir)?;
    let m = store.market();
    m.write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024, HOUR, 100, 10.0))?;
    let key = PartitionKey {
        pair: "BTC-EUR".into(),
        timeframe: "1h".into(),
        period: "2024-01".into(),
    };
    let file = dir.join(key.rel_file());
    let old_bytes = std::fs::read(&file).unwrap();
    let old_meta = m.list()?[0].meta;
    m.write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024 + 50 * HOUR, HOUR, 100, 500.0))?;
    let new_bytes = std::fs::read(&file).unwrap();
    let new_meta = m.list()?[0].meta;
    assert_ne!(old_meta.blake3, new_meta.blake3);
    Ok(TwoVersions {
        store,
        key,
        old_bytes,
        old_meta,
        new_bytes,
        new_meta,
    })
}

#[test]
fn crash_after_rename_completes_the_rewrite() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let TwoVersions {
        store,
        key,
        old_meta,
        new_bytes,
        new_meta,
        ..
    } = two_versions(dir.path())?;
    // State at a crash between the rename and the catalog update: catalog old, pending new,
    // file new.
    catalog::promote(&store, &[(key.clone(), old_meta)])?;
    catalog::set_pending(&store, &[(key.clone(), new_meta)])?;
    std::fs::write(dir.path().join(key.rel_file()), &new_bytes).unwrap();
    drop(store);

    let store = Store::open(dir.path())?;
    let report = store.verify_market()?;
    assert_eq!(report.recovered, 1);
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(store.market().list()?[0].meta, new_meta);
    assert_eq!(store.market().candles("BTC-EUR", tf("1h"), None, None)?.len(), 150);
    Ok(())
}

#[test]
fn crash_before_rename_keeps_the_old_partition() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let TwoVersions {
        store,
        key,
        old_bytes,
        old_meta,
        new_meta,
        ..
    } = two_versions(dir.path())?;
    // State at a crash between recording the pending row and the rename: the old file stays,
    // the new one is a temp file.
    catalog::promote(&store, &[(key.clone(), old_meta)])?;
    catalog::set_pending(&store, &[(key.clone(), new_meta)])?;
    let file = dir.path().join(key.rel_file());
    std::fs::write(&file, &old_bytes).unwrap();
    std::fs::write(
        file.with_file_name(".data.parquet.0123456789abcdef.tmp"),
        b"half a parq",
    )
    .unwrap();
    drop(store);

    let store = Store::open(dir.path())?;
    // A write resolves it too (before touching anything).
    store
        .market()
        .write_candles("ETH-EUR", tf("1h"), &candles(JAN_2024, HOUR, 3, 1.0))?;
    let list = store.market().list()?;
    assert_eq!(list[0].meta, old_meta);
    assert!(store.verify_market()?.ok());
    assert_eq!(store.market().candles("BTC-EUR", tf("1h"), None, None)?.len(), 100);
    assert!(!file.with_file_name(".data.parquet.0123456789abcdef.tmp").exists());
    Ok(())
}

#[test]
fn catalog_never_vouches_for_a_file_it_did_not_hash() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let TwoVersions {
        store, key, new_meta, ..
    } = two_versions(dir.path())?;
    // A pending row whose file matches neither row (damaged after the crash): the pending row
    // is dropped, and verify reports the file, it is not adopted.
    catalog::set_pending(&store, &[(key.clone(), new_meta)])?;
    let file = dir.path().join(key.rel_file());
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let report = store.verify_market()?;
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].what, "altered");
    assert!(store.market().candles("BTC-EUR", tf("1h"), None, None).is_err());
    Ok(())
}
