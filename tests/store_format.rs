//! The store records its format version; a store written by a newer format, or a redb file
//! that is not a tradestore store, is refused with `Incompatible` instead of being misread.

mod common;

use tradestore::{Error, Store, tables};

#[test]
fn newer_format_is_refused() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    drop(Store::open(dir.path())?);
    {
        let db = redb::Database::open(dir.path().join("tradestore.redb"))?;
        let w = db.begin_write()?;
        w.open_table(tables::META)?
            .insert(tables::META_FORMAT_VERSION, tables::FORMAT_VERSION + 1)?;
        w.commit()?;
    }
    match Store::open(dir.path()) {
        Err(Error::Incompatible { found, supported }) => {
            assert_eq!((found, supported), (tables::FORMAT_VERSION + 1, tables::FORMAT_VERSION))
        }
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[test]
fn foreign_redb_file_is_refused() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    {
        let db = redb::Database::create(dir.path().join("tradestore.redb"))?;
        let w = db.begin_write()?;
        let def: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("something_else");
        w.open_table(def)?.insert(1, 2)?;
        w.commit()?;
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(Error::Incompatible { found: 0, .. })
    ));
    Ok(())
}

#[test]
fn garbage_file_is_an_error_not_a_panic() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("tradestore.redb"), vec![0x5a; 8192])?;
    assert!(Store::open(dir.path()).is_err());
    Ok(())
}
