//! Bot state: every save is a version; rollback appends; retention keeps the newest N; a
//! corrupt latest version is reported by `load_state` and skipped by `load_latest_valid`.

mod common;

use redb::ReadableDatabase;
use tradestore::envelope::RecBytes;
use tradestore::{Error, Store, tables};

#[test]
fn versions_rollback_and_history() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    assert_eq!(store.load_state()?, None);
    assert_eq!(store.save_state(r#"{"n":1}"#, Some("boot"))?, 1);
    assert_eq!(store.save_state(r#"{"n":2}"#, None)?, 2);
    assert_eq!(store.load_state()?.map(|s| s.json), Some(r#"{"n":2}"#.to_string()));
    assert_eq!(store.rollback(1)?, 3);
    let latest = store.load_state()?.expect("state");
    assert_eq!((latest.version, latest.json.as_str()), (3, r#"{"n":1}"#));
    assert_eq!(latest.label.as_deref(), Some("rollback to 1"));
    assert_eq!(store.load_state_version(2)?.json, r#"{"n":2}"#);
    let hist = store.state_history()?;
    assert_eq!(hist.iter().map(|h| h.version).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(hist.iter().all(|h| h.valid));
    assert!(matches!(store.rollback(9), Err(Error::NotFound(_))));
    assert!(matches!(store.save_state("{oops", None), Err(Error::Validation { .. })));
    assert_eq!(store.state_history()?.len(), 3);
    Ok(())
}

#[test]
fn retention_keeps_the_newest_versions() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().keep_state_versions(3).open(dir.path())?;
    for i in 1..=10 {
        store.save_state(&format!("{{\"i\":{i}}}"), None)?;
    }
    let versions: Vec<u64> = store.state_history()?.iter().map(|h| h.version).collect();
    assert_eq!(versions, vec![8, 9, 10]);
    assert!(matches!(store.load_state_version(7), Err(Error::NotFound(_))));
    Ok(())
}

#[test]
fn corrupt_latest_is_reported_and_skipped() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    {
        let store = Store::open(dir.path())?;
        for i in 1..=4 {
            store.save_state(&format!("{{\"i\":{i}}}"), None)?;
        }
    }
    {
        let db = redb::Database::open(dir.path().join("tradestore.redb"))?;
        let bytes = {
            let r = db.begin_read()?;
            let t = r.open_table(tables::STATE_VERSIONS)?;
            let mut b = redb::ReadableTable::get(&t, 4u64)?
                .expect("v4")
                .value()
                .bytes()
                .to_vec();
            let n = b.len();
            b[n - 3] ^= 0x20;
            b
        };
        let w = db.begin_write()?;
        {
            let mut t = w.open_table(tables::STATE_VERSIONS)?;
            t.insert(4u64, RecBytes::new(&bytes))?;
            t.insert(3u64, RecBytes::new(&bytes[..10]))?;
        }
        w.commit()?;
    }
    let store = Store::open(dir.path())?;
    match store.load_state() {
        Err(Error::Corruption { table, key, .. }) => {
            assert_eq!((table.as_str(), key.as_str()), ("state_versions", "4"))
        }
        other => panic!("{other:?}"),
    }
    let good = store.load_latest_valid()?.expect("a valid version");
    assert_eq!((good.state.version, good.skipped), (2, vec![4, 3]));
    let valid: Vec<bool> = store.state_history()?.iter().map(|h| h.valid).collect();
    assert_eq!(valid, vec![true, true, false, false]);
    Ok(())
}
